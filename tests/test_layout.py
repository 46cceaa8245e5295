"""The package's layout: imports between losslab's modules go one way, down the layers (docs/architecture.md).

The graph is read from the source, not from ``sys.modules``: every ``import`` and ``from ... import`` in every
``.py`` file under ``src/losslab`` counts, at module level or inside a function, a method or an
``if TYPE_CHECKING:`` block, because an import moved into a function only to dodge a cycle is still a cycle.
``from package import name`` is an edge to ``package.name`` when that is a module, else to ``package`` itself.
A package's ``__init__`` importing its own modules is an ordinary edge; a module is not taken to import its
parent package just by living in it (Python runs the parent's ``__init__`` first, but that is not a dependency
the module chose).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "losslab"

# Cycles another change is cutting right now. Each entry is a set of (sub)packages: a strongly connected
# component whose modules all lie inside one entry's packages, and an upward import between two of them, are
# tolerated until that work lands. Remove the entry with the change that cuts the cycle; nothing else may join.
KNOWN_CYCLES_BEING_REMOVED: set[frozenset[str]] = set()  # none left


LAYERS: tuple[tuple[str, ...], ...] = (
    # lowest first; a module may import its own layer and the layers below it (docs/architecture.md)
    ("losslab.errors", "losslab._version", "losslab._jsonable", "losslab._numeric", "losslab._texts",
     "losslab._tables", "losslab._palette"),
    ("losslab.losses",),
    ("losslab.explain", "losslab.formula"),
    ("losslab.training", "losslab.distill", "losslab.lm"),
    ("losslab.figures",),
    ("losslab.advice",),
    ("losslab.lab",),
    ("losslab.cli", "losslab.notebook"),
    ("losslab",),  # the package root only (``import losslab``): the facade, which nothing inside imports
)


def _modules() -> dict[str, tuple[Path, bool]]:
    """Every module of the package: dotted name -> (file, whether it is a package's ``__init__``)."""
    out: dict[str, tuple[Path, bool]] = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_package)
    return out


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            name = alias.name
            while name and name not in known:  # ``import losslab.x.y`` where y is not a module
                name = name.rpartition(".")[0]
            if name:
                yield name
        return
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        target = ".".join([*base, node.module] if node.module else base)
    else:
        target = node.module or ""
    for alias in node.names:
        sub = f"{target}.{alias.name}"
        if sub in known:
            yield sub
        elif target in known:
            yield target


def import_graph() -> dict[str, dict[str, list[int]]]:
    """``{module: {imported losslab module: [line, ...]}}`` over every import statement of every module."""
    modules = _modules()
    known = set(modules)
    graph: dict[str, dict[str, list[int]]] = {name: {} for name in modules}
    for name, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(node, name, is_package, known):
                    if target != name:
                        graph[name].setdefault(target, []).append(node.lineno)
    return graph


def strongly_connected(graph: dict[str, dict[str, list[int]]]) -> list[set[str]]:
    """The strongly connected components of ``graph`` with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(graph[w])))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    component = set()
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.add(w)
                        if w == v:
                            break
                    if len(component) > 1:
                        found.append(component)
    return found


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _tolerated(component: set[str]) -> bool:
    return any(all(any(_inside(m, p) for p in packages) for m in component)
               for packages in KNOWN_CYCLES_BEING_REMOVED)


def _layer(module: str) -> int:
    for number, packages in enumerate(LAYERS):
        if any(module == p if p == PACKAGE else _inside(module, p) for p in packages):
            return number
    raise AssertionError(f"{module} is in no layer of LAYERS: add it there and to docs/architecture.md")


def _package_of(module: str) -> str:
    return next(p for p in LAYERS[_layer(module)] if module == p or _inside(module, p))


def _upward_tolerated(a: str, b: str) -> bool:
    return any(_package_of(a) in packages and _package_of(b) in packages for packages in KNOWN_CYCLES_BEING_REMOVED)


def _describe(component: set[str], graph: dict[str, dict[str, list[int]]]) -> str:
    lines = [f"import cycle among {', '.join(sorted(component))}:"]
    for a in sorted(component):
        for b, where in sorted(graph[a].items()):
            if b in component:
                lines.append(f"  {a} -> {b} (line {', '.join(map(str, sorted(set(where))))})")
    return "\n".join(lines)


def test_the_graph_sees_the_package() -> None:
    graph = import_graph()
    assert "losslab.training.trainer" in graph
    assert "losslab.training.history" in graph["losslab.training.trainer"]
    assert "losslab.lab._compute" in graph["losslab.lab._figures"]


def test_no_import_cycles() -> None:
    graph = import_graph()
    bad = [c for c in strongly_connected(graph) if not _tolerated(c)]
    assert not bad, "\n\n".join(_describe(c, graph) for c in bad)


def test_imports_go_down_the_layers() -> None:
    graph = import_graph()
    upward = [f"{a} (line {', '.join(map(str, sorted(set(where))))}) imports {b}, a higher layer"
              for a in sorted(graph) for b, where in sorted(graph[a].items())
              if _layer(b) > _layer(a) and not _upward_tolerated(a, b)]
    assert not upward, "\n".join(upward)


@pytest.mark.parametrize("edges, expected", [
    ({"a": ["b"], "b": ["c"], "c": []}, []),
    ({"a": ["b"], "b": ["a"], "c": ["a"]}, [{"a", "b"}]),
    ({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["d"]}, [{"a", "b", "c"}]),
])
def test_the_cycle_finder(edges: dict[str, list[str]], expected: list[set[str]]) -> None:
    graph = {k: {v: [1] for v in vs} for k, vs in edges.items()}
    assert strongly_connected(graph) == expected


def test_the_known_cycles_are_only_tolerated_not_hidden() -> None:
    assert not _tolerated({"losslab.lab._compute", "losslab.lab._figures"})
    assert not _tolerated({"losslab.losses._core", "losslab.training.trainer"})
    assert not _upward_tolerated("losslab.losses._core", "losslab.training.trainer")
    assert _layer("losslab._numeric") < _layer("losslab.losses") < _layer("losslab.explain") < _layer("losslab.lab")
