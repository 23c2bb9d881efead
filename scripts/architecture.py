#!/usr/bin/env python3
"""The numbers the README's design section states, counted from the source and the built docs.

    python3 scripts/architecture.py [--doc target/doc/anthropic_sse/all.html] [--max-items N]

* public items: the distinct item links of rustdoc's all-items page (`cargo doc --no-deps --all-features`),
  `__private` excepted;
* import cycles: between the top-level modules of `src/` (a folder or a file each), and between the files of
  one module, from the `use crate::...` / `use super::...` / `crate::x::` paths each file names;
* files in `src/` over 600 lines.

Exits 1 when there is a cycle, a file over the limit, or more items than `--max-items`.
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "src"


def items(doc):
    html = pathlib.Path(doc).read_text()
    body = html.split("<h1", 1)[1] if "<h1" in html else html
    links = set(re.findall(r'<a href="([^"]+)"', body))
    kinds = r"(struct|enum|trait|fn|type|constant|macro|union|static|traitalias|attr|derive)\."
    return sorted(
        link
        for link in links
        if not link.startswith(("#", "http://", "https://")) and "__private" not in link and re.search(kinds, link)
    )


def module_of(path):
    """The module path of a file of src/ (`framing::sse::fields`), and the top-level module."""
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "mod":
        parts = parts[:-1]
    if parts in (["lib"], []):
        return "crate"
    return "::".join(parts)


def referenced(text, module):
    """The modules a file names: `crate::a::b` and `super::x` paths (and `{..}` groups after them), resolved,
    and paths into the file's own child modules."""
    text = re.sub(r"//.*", "", text)  # comments and docs do not import
    # A `#[cfg(test)] mod tests` inside the file is the file's own test code, not an import of it.
    text = re.sub(r"#\[cfg\(test\)\]\s*mod\s+tests\s*\{.*", "", text, flags=re.S)
    ident = r"[a-z_][a-z0-9_]*"
    found = set()

    def resolve(head, rest):
        if head == "crate":
            base = []
        else:
            up = head.count("super")
            base = module.split("::") if module != "crate" else []
            base = base[: len(base) - up]
        return "::".join(base + [p for p in rest.split("::") if p])

    for m in re.finditer(r"\b(crate|super(?:::super)*)::((?:" + ident + r"::)*)(\{[^}]*\}|" + ident + ")", text):
        head, prefix, last = m.groups()
        if last.startswith("{"):
            names = [n.strip().split("::")[0] for n in last[1:-1].split(",")]
            found.update(resolve(head, prefix + n) for n in names if re.fullmatch(ident, n))
            found.add(resolve(head, prefix))
        else:
            found.add(resolve(head, prefix + last))
    # Paths into the file's own child modules (`use scanner::Scanner;`, `scanner::read(..)`), as a `mod.rs`
    # names the files of its folder.
    for child in re.findall(r"^\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+(" + ident + r")\s*;", text, re.M):
        if re.search(r"(?<![:\w])" + child + r"::", text):
            found.add((module + "::" if module != "crate" else "") + child)
    return found


def graph():
    # The binary is not the library; a `tests` module (`#[cfg(test)] mod tests;`) is test code, not structure.
    files = sorted(
        p
        for p in SRC.rglob("*.rs")
        if "bin" not in p.relative_to(SRC).parts and p.stem != "tests" and "tests" not in p.relative_to(SRC).parts
    )
    modules = {module_of(p): p for p in files}
    edges = {}
    for module, path in modules.items():
        targets = set()
        for ref in referenced(path.read_text(), module):
            # The longest known module that `ref` names.
            parts = ref.split("::")
            while parts and "::".join(parts) not in modules:
                parts.pop()
            if parts:
                target = "::".join(parts)
                if target != module:
                    targets.add(target)
        edges[module] = targets
    return modules, edges


def cycles(nodes, edges):
    """Every strongly connected set of more than one node (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in nodes:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--doc", default=str(ROOT / "target/doc/anthropic_sse/all.html"))
    parser.add_argument("--max-items", type=int, default=None)
    args = parser.parse_args()
    failed = False

    modules, edges = graph()
    # Top-level modules: `crate::x` for every module, the edges between their heads.
    top = lambda m: m.split("::")[0]
    top_nodes = {top(m) for m in modules if m != "crate"}
    top_edges = {}
    for m, targets in edges.items():
        if m == "crate":
            continue
        top_edges.setdefault(top(m), set()).update(top(t) for t in targets if top(t) != top(m) and t != "crate")
    top_cycles = cycles(top_nodes, top_edges)
    # Files of one module: within each folder, its `mod.rs` and each child (a file, or a folder with all its
    # files) are the nodes; an import by any file below a child counts as that child's.
    file_cycles = []
    folders = {m.rsplit("::", 1)[0] for m in modules if "::" in m} | {"crate"}
    for parent in sorted(folders):
        prefix = "" if parent == "crate" else parent + "::"

        def node(m):
            if m == parent:
                return parent
            if parent != "crate" and not m.startswith(prefix):
                return None
            return prefix + m[len(prefix):].split("::")[0]

        sub = {}
        for m, targets in edges.items():
            src = node(m)
            if src is None or (parent == "crate" and m == "crate"):
                continue
            sub.setdefault(src, set()).update(t for t in map(node, targets) if t is not None and t != src)
        if parent == "crate":
            continue  # the top level is checked above
        file_cycles += cycles(set(sub), sub)
    print(f"import cycles between top-level modules: {len(top_cycles)}")
    for c in top_cycles:
        print("  " + " <-> ".join(c))
    print(f"import cycles between files of one module: {len(file_cycles)}")
    for c in file_cycles:
        print("  " + " <-> ".join(c))
    failed |= bool(top_cycles or file_cycles)

    long = [(p, n) for p in SRC.rglob("*.rs") if (n := len(p.read_text().splitlines())) > 600]
    print(f"files in src/ over 600 lines: {len(long)}")
    for p, n in long:
        print(f"  {p.relative_to(ROOT)}: {n}")
    failed |= bool(long)

    if pathlib.Path(args.doc).exists():
        found = items(args.doc)
        print(f"public items (rustdoc all-items page, __private excepted): {len(found)}")
        if args.max_items is not None and len(found) > args.max_items:
            print(f"  more than {args.max_items}:")
            for link in found:
                print("  " + link)
            failed = True
    elif args.max_items is not None:
        print(f"{args.doc} is missing: run `cargo doc --no-deps --all-features` first")
        failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
