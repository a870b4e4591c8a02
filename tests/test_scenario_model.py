"""The scenario schema's model classes, wherever their modules are."""

from __future__ import annotations

import typing

from pydantic import BaseModel

from corridorsim.scenario.model import SCHEMA_MODELS, Scenario


def _models_in(annotation: object) -> set[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {annotation}
    found: set[type[BaseModel]] = set()
    for arg in typing.get_args(annotation):
        found |= _models_in(arg)
    return found


def test_schema_models_lists_every_model_reachable_from_scenario() -> None:
    seen: set[type[BaseModel]] = set()
    todo: list[type[BaseModel]] = [Scenario]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for info in cls.model_fields.values():
            todo.extend(_models_in(info.annotation))
    assert seen == set(SCHEMA_MODELS)
    assert len(SCHEMA_MODELS) == len(set(SCHEMA_MODELS))
