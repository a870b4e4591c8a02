"""The command line starts light: importing it loads neither pandas, geopandas nor SimPy."""

from __future__ import annotations

import ast
import subprocess
import sys

HEAVY = ("geopandas", "pandas", "pyarrow", "shapely", "simpy", "folium", "dask", "distributed")


def test_cli_import_is_light() -> None:
    code = ("import sys, corridorsim, corridorsim.cli; "
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60, check=True)
    assert p.stdout.split() == []
    help_ = subprocess.run([sys.executable, "-m", "corridorsim.cli", "--help"],
                           capture_output=True, text=True, timeout=60)
    assert help_.returncode == 0, help_.stderr
    assert "Commands:" in help_.stdout and "sweep" in help_.stdout


def test_package_names_load_on_first_use() -> None:
    code = ("import sys, corridorsim; assert 'pandas' not in sys.modules; "
            "from corridorsim import run_scenario, Scenario, load_network; "
            "import corridorsim.run; assert run_scenario is corridorsim.run.run_scenario; "
            "print(sorted(set(corridorsim.__all__) - set(dir(corridorsim))))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


def _modules() -> list[str]:
    import pathlib

    import corridorsim

    root = pathlib.Path(corridorsim.__file__).parent
    out = []
    for p in sorted(root.rglob("*.py")):
        parts = list(p.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__main__":
            continue
        out.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return out


def test_every_module_imports_alone() -> None:
    """Each module imported first, in a fresh set of corridorsim modules: an import cycle
    shows up as a partly initialised module."""
    code = (
        "import importlib, sys\n"
        f"for name in {_modules()!r}:\n"
        "    for m in [m for m in sys.modules if m == 'corridorsim' or m.startswith('corridorsim.')]:\n"
        "        del sys.modules[m]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        print(name, type(exc).__name__, exc)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "", p.stdout


def test_no_import_cycles_even_through_function_level_imports() -> None:
    """The module graph (every ``import`` of a corridorsim module outside TYPE_CHECKING,
    including those inside functions, which would only hide a cycle) has no cycle."""
    import pathlib

    import networkx as nx

    import corridorsim

    root = pathlib.Path(corridorsim.__file__).parent.parent
    modules = {m: root.joinpath(*m.split(".")) for m in _modules()}
    files = {m: (p / "__init__.py" if p.is_dir() else p.with_suffix(".py"))
             for m, p in modules.items()}
    graph = nx.DiGraph()
    for mod, path in files.items():
        graph.add_node(mod)
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names])
            for name in names:
                while name and name not in files:
                    name = name.rpartition(".")[0]
                if name and name != mod:
                    graph.add_edge(mod, name)
    cycles = list(nx.simple_cycles(graph))
    assert cycles == [], [" -> ".join(c) for c in cycles[:5]]


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    out: list[ast.Import | ast.ImportFrom] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                out.append(child)
            todo.append(child)
    return out
