#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Check Erebus' layering from the objects the compiler made.

Reads the symbols every object file defines and needs (nm), builds the graph
of which source file calls which, and reports:
  - an upward call: a file calling into a folder above its own (the order is
    LAYERS below, lowest first; a folder may use itself and those below);
  - a circle: source files that call each other in a loop, in any folder;
  - with --sizes: a file under src/ or faults/ over 900 lines.
Usage: scripts/layers.py BUILD_DIR [--sizes] [--graph]
Run from the top of the tree (source paths are checked there).
Exit 0 when clean, 1 with one line per finding."""
import collections, glob, os, subprocess, sys

# Lowest first. Keep in step with src/README.md.
LAYERS = ["src/base", "src/os", "src/model", "src/undo", "src/target", "src/net",
          "src/rollback", "src/report", "faults", "src/probes", "src/engine", "src/cli"]
MAX_LINES = 900


def layer_of(src):
    best = None
    for i, l in enumerate(LAYERS):
        if src == l or src.startswith(l + "/"):
            if best is None or len(l) > len(LAYERS[best]):
                best = i
    return best


def graph(build):
    defs, uses = {}, collections.defaultdict(set)
    for o in glob.glob(os.path.join(build, "**", "*.o"), recursive=True):
        rel = os.path.relpath(o, build)[:-2] + ".c"
        if not (rel.startswith("src/") or rel.startswith("faults/")) or not os.path.exists(rel):
            continue  # not ours, or left over from a source that moved
        out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in "TDBRV":
                defs[p[2]] = rel
            elif len(p) == 2 and p[0] == "U":
                uses[rel].add(p[1])
    edges = collections.defaultdict(lambda: collections.defaultdict(set))
    for s, us in uses.items():
        for u in us:
            d = defs.get(u)
            if d and d != s:
                edges[s][d].add(u)
    return edges


def cycles(edges):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, on, stack, out, n = {}, {}, set(), [], [], [0]
    nodes = set(edges) | {d for s in edges for d in edges[s]}

    def visit(v):
        index[v] = low[v] = n[0]; n[0] += 1
        stack.append(v); on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr); return 2
    build = args[0]
    edges = graph(build)
    if not edges:
        print(f"layers: no objects under {build}/src: build first", file=sys.stderr); return 2
    bad = []
    for s in sorted(edges):
        ls = layer_of(s)
        if ls is None:
            bad.append(f"{s}: in no layer (add its folder to LAYERS in scripts/layers.py)"); continue
        for d in sorted(edges[s]):
            ld = layer_of(d)
            if ld is not None and ld > ls:
                bad.append(f"upward: {s} -> {d}: {' '.join(sorted(edges[s][d]))}")
    for c in cycles(edges):
        bad.append("circle: " + " <-> ".join(c))
    if "--sizes" in args:
        for f in sorted(glob.glob("src/**/*.[ch]", recursive=True) + glob.glob("faults/*.[ch]")):
            n = sum(1 for _ in open(f, encoding="utf-8", errors="replace"))
            if n > MAX_LINES:
                bad.append(f"size: {f} has {n} lines (at most {MAX_LINES})")
    if "--graph" in args:
        for s in sorted(edges):
            for d in sorted(edges[s]):
                print(f"{s} -> {d}")
    for b in bad:
        print(b)
    print(f"layers: {len(edges)} files calling others, {len(bad)} findings")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
