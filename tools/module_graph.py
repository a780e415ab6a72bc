#!/usr/bin/env python3
"""Module dependency graph of the engine crate, from `crate::` paths in its sources.

Prints one line per module with the modules it uses, then checks the layering: no cycle between
top-level modules or between the files of one module, no edge from a lower layer to a higher one,
and no edge between two domains (synth, effects, analysis, transcribe, waveform). Exits 1 on a violation.

    python3 tools/module_graph.py [crates/engine/src]
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

# Lower numbers are lower layers; a module may use its own layer or any lower one.
LAYERS = {
    "error": 0, "audio": 1, "progress": 1, "threads": 1, "io": 2, "dsp": 2, "midi": 2, "gain": 3,
    "compute": 3, "level": 3,
    "synth": 4, "effects": 4, "analysis": 4, "transcribe": 4, "waveform": 4, "demo": 4, "follow": 4,
    "assess": 5, "ops": 6, "lib": 7,
}
# The domains: each stands on the layers below and none uses another; `ops` combines them.
PEERS = 4

USE = re.compile(r"\bcrate::(?:\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def module_of(src: Path, f: Path) -> str:
    rel = f.relative_to(src).with_suffix("")
    return "lib" if rel.parts == ("lib",) else rel.parts[0]


def strip_tests(text: str) -> str:
    """The code that ships: unit tests (which may reach anywhere) and comments removed."""
    cut = re.search(r"^#\[cfg\(test\)\]\s*\nmod tests", text, re.M)
    text = text[: cut.start()] if cut else text
    return "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("//"))


def reexports(src: Path) -> dict[str, str]:
    """Names lib.rs re-exports at the crate root, mapped to the module they come from."""
    names: dict[str, str] = {}
    text = (src / "lib.rs").read_text()
    for m in re.finditer(r"pub use ([a-z_0-9]+)(?:::[a-z_0-9]+)*::(?:\{([^}]*)\}|([A-Za-z_0-9]+))", text):
        for n in (m.group(2) or m.group(3)).split(","):
            n = n.strip().split(" as ")[-1].strip()
            if n:
                names[n] = m.group(1)
    return names


def edges(src: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    roots = reexports(src)
    for f in sorted(src.rglob("*.rs")):
        if f.name == "tests.rs":
            continue
        m = module_of(src, f)
        deps = out.setdefault(m, set())
        text = strip_tests(f.read_text())
        for group, single in USE.findall(text):
            names = [single] if single else [n.strip().split("::")[0] for n in group.split(",")]
            for n in names:
                n = roots.get(n.strip(), n.strip())
                if n and n not in (m, "self"):
                    deps.add(n)
    return out


def sibling_edges(src: Path) -> dict[str, set[str]]:
    """Edges between the files of one directory module, from `super::name` paths."""
    out: dict[str, set[str]] = {}
    for f in sorted(src.rglob("*.rs")):
        if f.parent == src or f.name in ("mod.rs", "tests.rs"):
            continue
        siblings = {p.stem for p in f.parent.glob("*.rs")} | {p.name for p in f.parent.iterdir() if p.is_dir()}
        me = f"{f.parent.relative_to(src)}/{f.stem}"
        deps = out.setdefault(me, set())
        for n in re.findall(r"\bsuper::(?:\{([^}]*)\}|([a-z_0-9]+))", strip_tests(f.read_text())):
            for name in (n[0].split(",") if n[0] else [n[1]]):
                name = name.strip().split("::")[0]
                if name in siblings and name != f.stem:
                    deps.add(f"{f.parent.relative_to(src)}/{name}")
    return out


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for d in sorted(g.get(n, ())):
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state and (c := visit(d)):
                return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(g):
        if n not in state and (c := visit(n)):
            return c
    return None


def main() -> int:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "crates/engine/src")
    g = edges(src)
    for m in sorted(g, key=lambda m: (LAYERS.get(m, 99), m)):
        print(f"{m:10} (layer {LAYERS.get(m, '?')}) -> {', '.join(sorted(g[m])) or '-'}")
    bad = []
    if cycle := find_cycle(g):
        bad.append("cycle: " + " -> ".join(cycle))
    for m, deps in g.items():
        for d in deps:
            if m not in LAYERS or d not in LAYERS:
                bad.append(f"unknown layer: {m} -> {d}")
            elif LAYERS[d] > LAYERS[m]:
                bad.append(f"upward edge: {m} (layer {LAYERS[m]}) -> {d} (layer {LAYERS[d]})")
            elif LAYERS[d] == LAYERS[m] == PEERS:
                bad.append(f"edge between domains: {m} -> {d}")
    if cycle := find_cycle(sibling_edges(src)):
        bad.append("cycle between files: " + " -> ".join(cycle))
    for b in bad:
        print("VIOLATION", b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
