"""The import rule between the features of app/, and the graph of who imports whom.

Every module of app/ is read with `ast` (nothing is imported or run). Each module belongs to a
*unit*: one of the core modules named in CORE (`app.live.events` is the unit `live.events`), a
wiring module named in WIRING (`app.main`), or else the feature package it sits in
(`app.proposals.service` is `proposals`). An import inside a function counts like any other.

    python scripts/check_imports.py            # fail when a route module imports another
                                               # feature's route or API module, or a unit
                                               # imports one of its own or a higher layer
    python scripts/check_imports.py --graph    # print the feature graph and its cycles; never fail

Exit status: 0 when the rules checked hold (always with --graph), 1 when one is broken, 2 when a
module cannot be parsed or the lists below do not fit the code.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "app"

# Core: what any feature may import. Dotted names below app/; a name covers its submodules.
CORE: tuple[str, ...] = (
    "config",
    "csv_cells",
    "ids",
    "i18n",
    "errors",
    "markdown",
    "textdiff",
    "db",
    "gate",
    "forms",
    "page_parts",
    "web",
    "edge",
    "live.events",
    "live.broker",
    "live.registry",
    "accounts",
    "commissions",
    "activity",
)

# The modules that assemble the app out of its features: they may import anything, and no
# feature may import them.
WIRING: tuple[str, ...] = ("main", "cli", "demo", "models")

# Modules that answer HTTP: `routes.py` and `api.py` (app/api.py too), or any module inside a
# package of that name.
ROUTE_MODULES: tuple[str, ...] = ("routes", "api")

# The layers, lowest first. A feature may import any core unit and the units of lower
# layers; core units import only core units of lower layers; units that share a layer do not
# import each other. Every unit of app/ but the wiring must be listed; a listed unit that does
# not exist (yet) is no error. The features' order is the shape issue 11 aims at: the stream
# (live) below the features that register what they render, a ballot's path through voting and
# core only, norms adopted from proposals, the console and the archive on top.
LAYERS: tuple[tuple[str, ...], ...] = (
    # core
    ("config", "csv_cells", "errors", "ids"),
    ("i18n", "markdown", "textdiff"),
    ("db",),
    ("gate", "forms", "page_parts"),
    ("web",),
    ("edge",),
    ("live.broker",),
    ("live.events",),
    ("accounts",),
    ("live.registry",),
    ("commissions",),
    ("activity",),
    # features
    ("live",),
    ("injects",),
    ("proposals",),
    ("caucus",),
    ("norms",),
    ("voting",),
    ("scenarios",),
    ("notices", "reports"),
    ("instructor",),
    ("archive",),
    ("api", "apidocs"),
)


@dataclass(frozen=True)
class Rules:
    core: tuple[str, ...] = CORE
    wiring: tuple[str, ...] = WIRING
    route_modules: tuple[str, ...] = ROUTE_MODULES
    layers: tuple[tuple[str, ...], ...] = LAYERS
    package: str = PACKAGE


@dataclass(frozen=True)
class Import:
    """One module importing another module of the package (names relative to it)."""

    source: str
    target: str
    path: str
    line: int
    in_function: bool

    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Graph:
    """unit -> unit -> the imports that make the edge."""

    edges: dict[str, dict[str, list[Import]]] = field(default_factory=dict)
    units: set[str] = field(default_factory=set)


def module_names(package_dir: Path) -> dict[str, Path]:
    """Every module of the package by its dotted name below the package (`proposals.service`)."""
    modules: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts:
            modules[".".join(parts)] = path
    return modules


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of a dotted name that is a module of the package."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _inside(package: str, dotted: str) -> str | None:
    """`app.x.y` -> `x.y`; None for anything outside the package (and the package itself)."""
    prefix = package + "."
    return dotted[len(prefix) :] if dotted.startswith(prefix) else None


def _function_lines(tree: ast.Module) -> set[int]:
    """The lines of every import statement inside a function body."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    lines.add(inner.lineno)
    return lines


def imports_of(
    module: str, path: Path, modules: dict[str, Path], package: str, shown_as: str
) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    in_function = _function_lines(tree)
    is_package = path.name == "__init__.py"
    found: dict[tuple[str, int], Import] = {}

    def add(dotted: str | None, line: int) -> None:
        if dotted is None:
            return
        target = _known(dotted, modules)
        if target is not None and target != module:
            found.setdefault(
                (target, line), Import(module, target, shown_as, line, line in in_function)
            )

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(_inside(package, alias.name), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # Relative: `from . import x` in app/a/b.py means app.a.x.
                here = module.split(".") if is_package else module.split(".")[:-1]
                up = node.level - 1
                if up > len(here):
                    continue
                base_parts = here[: len(here) - up] if up else here
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            elif node.module == package:
                base = ""
            else:
                inside = _inside(package, node.module or "")
                if inside is None:
                    continue
                base = inside
            for alias in node.names:
                submodule = f"{base}.{alias.name}" if base else alias.name
                add(submodule if submodule in modules else (base or None), node.lineno)
    return sorted(found.values(), key=lambda item: (item.line, item.target))


def scan(package_dir: Path, package: str = PACKAGE) -> list[Import]:
    """Every import between modules of the package, in file order."""
    modules = module_names(package_dir)
    found: list[Import] = []
    for module, path in modules.items():
        shown_as = str(path.relative_to(package_dir.parent))
        found.extend(imports_of(module, path, modules, package, shown_as))
    return found


def _covers(prefix: str, module: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def unit_of(module: str, rules: Rules) -> str:
    named = [n for n in (*rules.core, *rules.wiring) if _covers(n, module)]
    return max(named, key=len) if named else module.split(".")[0]


def is_route_module(module: str, rules: Rules) -> bool:
    return any(part in rules.route_modules for part in module.split("."))


def build_graph(imports: Iterable[Import], modules: Iterable[str], rules: Rules) -> Graph:
    graph = Graph(units={unit_of(m, rules) for m in modules})
    for item in imports:
        source, target = unit_of(item.source, rules), unit_of(item.target, rules)
        if source != target:
            graph.edges.setdefault(source, {}).setdefault(target, []).append(item)
    return graph


def graph_of(package_dir: Path, rules: Rules) -> Graph:
    return build_graph(scan(package_dir, rules.package), module_names(package_dir), rules)


def route_violations(imports: Iterable[Import], rules: Rules) -> list[Import]:
    """Route modules importing another feature's route or API module."""
    return [
        item
        for item in imports
        if unit_of(item.source, rules) not in rules.wiring
        and is_route_module(item.source, rules)
        and is_route_module(item.target, rules)
        and unit_of(item.source, rules) != unit_of(item.target, rules)
    ]


def layer_problems(graph: Graph, rules: Rules) -> tuple[list[str], list[str]]:
    """(the imports that break the layer order, the units the lists do not place)."""
    layer: dict[str, int] = {}
    unplaced: list[str] = []
    for index, units in enumerate(rules.layers):
        for unit in units:
            if unit in layer:
                unplaced.append(f"{unit} is listed in LAYERS twice")
            layer[unit] = index
    for unit in sorted(graph.units - set(rules.wiring)):
        if unit not in layer:
            unplaced.append(f"{unit} is in no layer: add it to LAYERS")
    broken: list[str] = []
    for source in sorted(graph.edges):
        if source in rules.wiring:
            continue
        for target, items in sorted(graph.edges[source].items()):
            reason = _against_layers(source, target, layer, rules)
            if reason:
                sites = ", ".join(dict.fromkeys(i.where() for i in items))
                broken.append(f"{source} -> {target}: {reason} ({sites})")
    return broken, unplaced


def _against_layers(source: str, target: str, layer: dict[str, int], rules: Rules) -> str | None:
    """Why `source` may not import `target`, or None when it may."""
    if target in rules.wiring:
        return "imports a wiring module"
    if target in rules.core and source not in rules.core:
        return None
    if source not in layer or target not in layer:
        return None  # reported as unplaced
    if layer[target] == layer[source]:
        return "imports a unit of its own layer"
    if layer[target] > layer[source]:
        return "imports a unit of a higher layer"
    return None


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected groups of more than one unit (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(unit: str) -> None:
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        on_stack.add(unit)
        for target in sorted(graph.edges.get(unit, {})):
            if target not in index:
                visit(target)
                low[unit] = min(low[unit], low[target])
            elif target in on_stack:
                low[unit] = min(low[unit], index[target])
        if low[unit] == index[unit]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == unit:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for unit in sorted(graph.units | set(graph.edges)):
        if unit not in index:
            visit(unit)
    return sorted(groups)


def mutual_pairs(graph: Graph) -> list[tuple[str, str]]:
    return sorted(
        (a, b)
        for a, targets in graph.edges.items()
        for b in targets
        if a < b and a in graph.edges.get(b, {})
    )


def render_graph(graph: Graph, rules: Rules) -> str:
    lines = ["Feature import graph of app/ (unit -> units it imports; * core, ~ only in functions)"]
    width = max((len(u) for u in graph.units), default=0)

    def label(source: str, target: str) -> str:
        items = graph.edges[source][target]
        mark = "*" if target in rules.core else ""
        lazy = "~" if all(i.in_function for i in items) else ""
        return f"{mark}{target}{lazy}"

    for unit in sorted(graph.units, key=lambda u: (u in rules.wiring, u not in rules.core, u)):
        targets = sorted(graph.edges.get(unit, {}), key=lambda t: (t in rules.core, t))
        shown = " ".join(label(unit, t) for t in targets) or "(nothing)"
        lines.append(f"  {unit:<{width}} -> {shown}")
    pairs = mutual_pairs(graph)
    lines.append(f"Units that import each other: {len(pairs)} pairs")
    lines.extend(f"  {a} <-> {b}" for a, b in pairs)
    groups = cycles(graph)
    lines.append(f"Cycles (units that reach each other through imports): {len(groups)}")
    lines.extend(f"  {' '.join(group)}" for group in groups)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, rules: Rules | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--graph", action="store_true", help="print the graph and cycles; never fail"
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="the folder that holds app/")
    args = parser.parse_args(argv)
    rules = rules or Rules()
    package_dir = args.root / rules.package
    try:
        imports = scan(package_dir, rules.package)
    except SyntaxError as error:
        print(f"cannot parse {error.filename}:{error.lineno}: {error.msg}", file=sys.stderr)
        return 2
    graph = build_graph(imports, module_names(package_dir), rules)
    violations = route_violations(imports, rules)

    if args.graph:
        print(render_graph(graph, rules))
    print(f"Route modules importing another feature's routes or API: {len(violations)}")
    for item in violations:
        print(f"  {item.where()}: app.{item.source} imports app.{item.target}")
    if args.graph:
        return 0

    broken, unplaced = layer_problems(graph, rules)
    print(f"Imports against the layer order: {len(broken)}")
    for problem in broken:
        print(f"  {problem}")
    if unplaced:
        for problem in unplaced:
            print(f"LAYERS: {problem}", file=sys.stderr)
        return 2
    return 1 if violations or broken else 0


if __name__ == "__main__":
    sys.exit(main())
