"""PyYAML's parse errors in plain words, pointing at the line where the problem starts.

An unclosed ``[`` or ``{`` is reported where it opened (not where the parser gave up, often
the end of the file); a tab says to indent with spaces; bad indentation says so instead of
PyYAML's ``expected <block end>``. Every message keeps ``file:line:column``.
"""

from __future__ import annotations

import yaml

__all__ = ["yaml_error_message"]

_CLOSERS = {"[": "]", "{": "}"}


def _at(file: str, mark: yaml.Mark | None) -> str:
    return f"{file}:{mark.line + 1}:{mark.column + 1}" if mark is not None else file


def _open_bracket(text: str) -> tuple[str, yaml.Mark] | None:
    """The innermost ``[`` or ``{`` still open where scanning stops (an error or the end)."""
    stack: list[tuple[str, yaml.Mark]] = []
    try:
        for tok in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(tok, (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken)):
                stack.append(("[" if isinstance(tok, yaml.FlowSequenceStartToken) else "{",
                              tok.start_mark))
            elif isinstance(tok, (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)) and stack:
                stack.pop()
    except yaml.YAMLError:
        pass
    return stack[-1] if stack else None


def _found(problem: str) -> str:
    """``"... but found '-'"`` → ``"'-'"`` (``<stream end>``: the end of the file)."""
    for sep in ("but found ", "but got "):
        if sep in problem:
            what = problem.split(sep, 1)[1]
            return "the end of the file" if "stream end" in what else what
    return problem


def yaml_error_message(exc: yaml.MarkedYAMLError, text: str, file: str) -> str:
    """One plain message for a YAML parse error, starting with ``file:line:column``."""
    problem = exc.problem or str(exc)
    pmark, cmark, context = exc.problem_mark, exc.context_mark, exc.context or ""
    here = _at(file, pmark)
    if "'\\t'" in problem or "\t" in problem:
        return f"{here}: not valid YAML: tabs are not allowed for indentation: use spaces"
    if context.startswith("while scanning a quoted scalar") and cmark is not None:
        return (f"{_at(file, cmark)}: not valid YAML: the quote opened here is never closed "
                f"(the parser reached {here}: {problem})")
    bracket = _open_bracket(text)
    if bracket is not None and (pmark is None or (bracket[1].line, bracket[1].column)
                                <= (pmark.line, pmark.column)):
        opener, mark = bracket
        return (f"{_at(file, mark)}: not valid YAML: the '{opener}' opened here is never "
                f"closed with '{_CLOSERS[opener]}' (the parser reached {here} and found "
                f"{_found(problem)})")
    if "expected <block end>" in problem:
        started = f" (its block starts at line {cmark.line + 1})" if cmark is not None else ""
        return (f"{here}: not valid YAML: bad indentation: this line is indented differently "
                f"from the lines of the block it belongs to{started}; keys of one mapping "
                "must start in the same column")
    if "mapping values are not allowed here" in problem:
        return (f"{here}: not valid YAML: a ':' is not allowed here: is this line indented "
                "further than the key above it, or does a value hold ': ' (then quote the "
                "value)?")
    if "could not find expected ':'" in problem and cmark is not None:
        return (f"{_at(file, cmark)}: not valid YAML: this line has no ':' (expected "
                "'key: value'; or is it a value continued from the line above?)")
    ctx = f" ({context} at line {cmark.line + 1})" if context and cmark is not None else ""
    return f"{here}: not valid YAML: {problem}{ctx}"
