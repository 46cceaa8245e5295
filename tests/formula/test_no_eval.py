"""Nothing in losslab's own source hands text to a Python evaluator: a walk over every module's syntax tree."""

from __future__ import annotations

import ast
from pathlib import Path

import losslab

SOURCE = Path(losslab.__file__).parent
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "sympify", "parse_expr", "lambdify", "literal_eval",
                   "execfile", "runpy", "run_path", "run_module"}
FORBIDDEN_MODULES = {"sympy", "asteval", "simpleeval", "numexpr", "runpy", "code", "codeop"}


def _calls(tree: ast.AST) -> list[tuple[int, str]]:
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in FORBIDDEN_CALLS:
                hits.append((node.lineno, f.id))
            # re.compile is a regular expression, not Python code: the other attribute calls are checked
            elif isinstance(f, ast.Attribute) and f.attr in FORBIDDEN_CALLS - {"compile"}:
                hits.append((node.lineno, f.attr))
        elif isinstance(node, ast.Import):
            hits += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif (isinstance(node, ast.ImportFrom) and node.module and node.level == 0
              and node.module.split(".")[0] in FORBIDDEN_MODULES):
            hits.append((node.lineno, node.module))
    return hits


def test_no_python_evaluator_anywhere_in_the_package() -> None:
    files = sorted(SOURCE.rglob("*.py"))
    assert len(files) > 50
    found = [f"{path.relative_to(SOURCE)}:{line} {name}" for path in files
             for line, name in _calls(ast.parse(path.read_text(encoding="utf-8"), str(path)))]
    assert not found, "a Python evaluator in the package:\n" + "\n".join(found)


def test_the_walk_finds_what_it_looks_for() -> None:
    tree = ast.parse("import sympy\nfrom sympy import sympify\nx = eval('1')\ny = sympy.sympify('x')\n"
                     "z = parse_expr('x')\nw = re.compile('a')\n")
    assert [name for _, name in _calls(tree)] == ["sympy", "sympy", "eval", "sympify", "parse_expr"]
