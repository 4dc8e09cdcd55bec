"""The layering rule, as data: model ← subsystems ← ops ← cli/serve (a module imports only its layer or lower).

`python -m agentctl.layers` prints the import graph between layers and every upward edge;
tests/test_layers.py fails on one.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

# top-level name under agentctl → layer (0 lowest)
LAYERS: dict[str, int] = {
    "__init__": 4, "__main__": 4,  # the package root is the Python API facade (agentctl.resolve)
    "errors": 0, "clock": 0, "fsutil": 0,
    "model": 1,
    "store": 2, "deploy": 2, "calls": 2, "canary": 2, "analysis": 2, "contracts": 2, "suites": 2, "ci": 2,
    "alerts": 2, "identity": 2, "platforms": 2, "review": 2, "runbooks": 2,
    # the monthly report composes release, deployment and contract history: it reads through ops like a verb
    "ops": 3, "repo": 3, "validation": 3, "layers": 3, "report": 3,
    # the demo runs the whole product (serve included) in a temporary repo, as a command would
    "cli": 4, "serve": 4, "demo": 4,
}
NAMES = {0: "base", 1: "model", 2: "subsystems", 3: "ops", 4: "cli/serve"}


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "agentctl":
        return None
    return LAYERS.get(parts[1] if len(parts) > 1 else "__init__")


def _type_only(tree: ast.AST) -> set[int]:
    """ids of the nodes under `if TYPE_CHECKING:` (annotations only: no runtime dependency)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return found


def imports(path: Path, module: str) -> Iterator[tuple[str, int]]:
    """(imported agentctl module, line) for every runtime import in the file, at any depth (function-level too)."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    skip = _type_only(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("agentctl"):
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            if base == "agentctl":  # `from agentctl import clock`: the submodules themselves
                for alias in node.names:
                    yield f"agentctl.{alias.name}", node.lineno
            elif base.startswith("agentctl"):
                yield base, node.lineno


def edges(root: Path) -> Iterator[tuple[str, int, str, int]]:
    """(importer, line, imported, importer layer) for every agentctl → agentctl import under `root`."""
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        module = ".".join(rel.parts).removesuffix(".__init__")
        for target, line in imports(path, module):
            yield module, line, target, layer_of(module) or 0


def upward(root: Path) -> list[str]:
    """Every import from a lower layer to a higher one, as `file:line: a (layer) imports b (layer)`."""
    found = []
    for module, line, target, mine in edges(root):
        theirs = layer_of(target)
        if theirs is not None and theirs > mine:
            found.append(f"{module.replace('.', '/')}.py:{line}: {module} ({NAMES[mine]}) imports {target} "
                         f"({NAMES[theirs]})")
    return found


def function_level(root: Path) -> list[str]:
    """`file:line` of every import statement of an agentctl module inside a function (hidden from the graph's
    reader; only start-up-sensitive command modules and heavy third-party chains need to be lazy)."""
    found: set[str] = set()
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), str(path))
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Import):
                    named = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    named = [node.module or ""] if not node.level else []
                else:
                    continue
                if any(name.startswith("agentctl") for name in named):
                    found.add(f"{path.relative_to(root.parent)}:{node.lineno}")
    return sorted(found)


def main() -> int:
    root = Path(__file__).resolve().parent
    graph: Counter[tuple[str, str]] = Counter()
    for _module, _line, target, mine in edges(root):
        theirs = layer_of(target)
        if theirs is not None:
            graph[(NAMES[mine], NAMES[theirs])] += 1
    rank = {name: level for level, name in NAMES.items()}
    print("imports between layers (importer -> imported: count)")
    for (a, b), n in sorted(graph.items(), key=lambda item: (rank[item[0][0]], rank[item[0][1]])):
        print(f"{a:>10} -> {b:<10} {n:4d}{'   UPWARD' if rank[b] > rank[a] else ''}")
    print(f"function-level imports of agentctl modules: {len(function_level(root))}")
    bad = upward(root)
    print("\n".join(bad) or "no upward imports")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
