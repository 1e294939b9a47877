"""The shape of the code, measured: lines per module in monitor/, the longest functions,
import cycles inside monitor/ and the `duplicates` findings for monitor/ and tests/.

Run before and after a restructuring and put both tables in the commit message:
    python bench/code_shape.py
"""
from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "monitor"


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file in the package."""
    found = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def functions(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """(lines, qualified name) of every function and method in a module."""
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                found.append((child.end_lineno - child.lineno + 1, f"{module}.{name}"))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def imported(tree: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The package's modules a module imports (at any depth: lazy imports count too)."""
    base = module.split(".") if is_package else module.split(".")[:-1]
    targets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            anchor = base[:len(base) - node.level + 1] if node.level else []
            stem = ".".join(anchor + ([node.module] if node.module else []))
            names = [f"{stem}.{alias.name}" for alias in node.names] + [stem]
        else:
            continue
        for name in names:
            while name and name not in known:  # `from . import x` or `from .x import y`
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
    return targets


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    sys.setrecursionlimit(10000)

    def connect(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def import_graph(found: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the package modules it imports (the top package, one line, left out)."""
    known = set(found)
    graph = {}
    for name, path in found.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = imported(tree, name, path.name == "__init__.py", known)
        graph[name] = targets - {PACKAGE}
    return graph


def duplicates(folder: str) -> str:
    """The first line of `duplicates --repo folder`: how many pairs of places repeat."""
    if shutil.which("duplicates") is None:
        return "duplicates: not installed"
    done = subprocess.run(["duplicates", "--repo", str(ROOT / folder), "--seconds", "60"],
                          capture_output=True, text=True, check=False)
    first = done.stdout.strip().splitlines()[:1]
    return first[0] if first else f"duplicates: no answer ({done.stderr.strip()})"


def report(longest: int = 15) -> str:
    found = modules()
    rows, funcs = [], []
    for name, path in found.items():
        text = path.read_text(encoding="utf-8")
        rows.append((len(text.splitlines()), name))
        funcs += functions(ast.parse(text), name)
    out = ["## lines per module", *(f"{n:6d}  {name}" for n, name in sorted(rows, reverse=True)),
           f"{sum(n for n, _ in rows):6d}  total ({len(rows)} modules)", "",
           f"## the {longest} longest functions"]
    out += [f"{n:6d}  {name}" for n, name in sorted(funcs, reverse=True)[:longest]]
    over = sum(1 for n, _ in funcs if n > 80)
    out += [f"functions over 80 lines: {over}", "", "## import cycles in monitor/"]
    found_cycles = cycles(import_graph(found))
    out += [" <-> ".join(c) for c in found_cycles] or ["none"]
    out += ["", "## duplicates"]
    for folder in (PACKAGE, "tests"):
        pairs = re.match(r"(\d+) pairs?", duplicates(folder))
        out.append(f"{folder + '/':<9} {pairs.group(1) if pairs else duplicates(folder)} pairs")
    return "\n".join(out)


if __name__ == "__main__":
    print(report())
