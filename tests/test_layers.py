"""The package's layers: imports point only downward, at module top, with no circle.

parts → methods → training → records → experiments → course (README, "The package"). Read from
the source with ``ast``, so an import hidden in a function is found too.
"""

import ast
from pathlib import Path

import pytest

import sslkit

ROOT = Path(sslkit.__file__).parent
LAYERS = ("parts", "methods", "training", "records", "experiments", "course")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def layer_of(module: str) -> int:
    """Index of ``module``'s layer; the package root (``sslkit``: its version and address) is below all."""
    parts = module.split(".")
    if len(parts) == 1:
        return -1
    if parts[1] not in LAYERS:
        raise AssertionError(f"{module} lies in no layer: put it in one of sslkit/{{{','.join(LAYERS)}}}/")
    return LAYERS.index(parts[1])


def sslkit_imports(path: Path):
    """(imported sslkit module, line, at module top?) of every import in the file."""
    tree = ast.parse(path.read_text())
    top = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            names = [f"{mod}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            mod, names = "", [a.name for a in node.names]
        else:
            continue
        for name in names if not mod or mod == "sslkit" or mod.count(".") == 1 else [mod]:
            if name.split(".")[0] == "sslkit":
                yield _existing(name), node.lineno, id(node) in top


def _existing(dotted: str) -> str:
    """The longest prefix of ``dotted`` that is an sslkit module or package."""
    parts = dotted.split(".")
    for n in range(len(parts), 0, -1):
        cand = ROOT.parent.joinpath(*parts[:n])
        if cand.with_suffix(".py").is_file() or (cand / "__init__.py").is_file():
            return ".".join(parts[:n])
    return parts[0]


def graph():
    files = sorted(ROOT.rglob("*.py"))
    return {module_name(f): (f, list(sslkit_imports(f))) for f in files}


def layering_problems(modules: dict) -> list[str]:
    """What breaks the layering in ``modules`` ({module: (path, its sslkit imports)})."""
    problems = []
    for mod, (path, imports) in modules.items():
        if mod == "sslkit":
            continue  # the facade: sslkit.load_backbone, imported lazily on first use
        here = layer_of(mod)
        for target, line, at_top in imports:
            where = f"{path.name}:{line} ({mod}) imports {target}"
            if not at_top:
                problems.append(f"{where} inside a function: import at module top")
            if target != mod and layer_of(target) > here:
                problems.append(f"{where}, a higher layer ({LAYERS[layer_of(target)]} above {LAYERS[here]})")
    return problems


def test_every_module_lies_in_a_layer_and_imports_only_downward_at_module_top():
    problems = layering_problems(graph())
    assert not problems, "\n".join(problems)


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import circle in ``edges`` (module → modules it imports), or None."""
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for t in sorted(edges.get(m, ())):
            if state.get(t) == "open":
                return stack[stack.index(t):] + [t]
            if t not in state:
                found = visit(t)
                if found:
                    return found
        state[m] = "done"
        stack.pop()
        return None

    for m in sorted(edges):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def test_no_import_circle():
    g = graph()
    edges = {m: {t for t, _, _ in imports if t != m and t in g and t != "sslkit"} for m, (_, imports) in g.items()
             if m != "sslkit"}
    # a package's __init__ importing its own modules is how a package works, not a circle
    edges = {m: {t for t in ts if not (m.startswith(t + ".") and (ROOT.parent / t.replace(".", "/")).is_dir())}
             for m, ts in edges.items()}
    assert find_cycle(edges) is None, " → ".join(find_cycle(edges))


def test_the_checks_catch_what_they_look_for():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert layer_of("sslkit.course.plots") > layer_of("sslkit.training.train") > layer_of("sslkit.parts.data")
    with pytest.raises(AssertionError, match="no layer"):
        layer_of("sslkit.reference")


def test_an_upward_import_in_a_function_is_found(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from sslkit.parts import data\n\ndef f():\n    from sslkit.course import plots\n")
    imports = list(sslkit_imports(probe))
    assert [(t, top) for t, _, top in imports] == [("sslkit.parts.data", True), ("sslkit.course.plots", False)]
    problems = layering_problems({"sslkit.parts.probe": (probe, imports)})
    assert len(problems) == 2 and "inside a function" in problems[0] and "a higher layer" in problems[1]
