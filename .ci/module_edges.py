#!/usr/bin/env python3
"""List crate::X edges between top-level modules of src/ (code only: comments,
doc comments and #[cfg(test)] modules excluded) and report cycles among a set."""
import os, re, sys, itertools
root = sys.argv[1] if len(sys.argv) > 1 else 'src'
focus = {'run', 'aggregate', 'outcome', 'history', 'report', 'plan'}
edges = {}
# files that are #[cfg(test)] modules declared as `mod x;`
test_files = set()
for dp, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith('.rs'): continue
        path = os.path.join(dp, f)
        ls = open(path).read().split('\n')
        for k in range(len(ls) - 1):
            mm = re.match(r'\s*(pub(\(\w+\))? )?mod (\w+);', ls[k+1])
            if ls[k].strip() == '#[cfg(test)]' and mm:
                base = dp if f in ('mod.rs', 'lib.rs') else os.path.join(dp, f[:-3])
                test_files.add(os.path.join(base, mm.group(3) + '.rs'))
                test_files.add(os.path.join(base, mm.group(3), 'mod.rs'))
for dp, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith('.rs'): continue
        path = os.path.join(dp, f)
        rel = os.path.relpath(path, root)
        if path in test_files: continue
        top = rel.split(os.sep)[0].removesuffix('.rs')
        if top in ('main', 'lib'): continue
        lines = open(path).read().split('\n')
        depth_skip = None
        i = 0
        code = []
        while i < len(lines):
            l = lines[i]
            if l.strip() == '#[cfg(test)]' and i + 1 < len(lines) and re.match(r'\s*(pub(\(\w+\))? )?mod \w+\s*\{', lines[i+1]):
                # skip the braced module
                depth = 0; j = i + 1
                while j < len(lines):
                    depth += lines[j].count('{') - lines[j].count('}')
                    if depth <= 0 and '{' in ''.join(lines[i+1:j+1]): break
                    j += 1
                i = j + 1; continue
            s = l.split('//')[0]
            code.append(s)
            i += 1
        text = '\n'.join(code)
        # use crate::{a, b::c}
        for m in re.finditer(r'crate::\{([^}]*)\}', text):
            for part in m.group(1).split(','):
                name = part.strip().split('::')[0]
                if name: edges.setdefault((top, name), set()).add(rel)
        for m in re.finditer(r'crate::(\w+)', text):
            edges.setdefault((top, m.group(1)), set()).add(rel)
edges = {k: v for k, v in edges.items() if k[0] != k[1]}
mods = set(a for a, _ in edges) | set(b for _, b in edges)
print('edges among', sorted(focus) if '--all' not in sys.argv else 'all')
for (a, b), files in sorted(edges.items()):
    if '--all' in sys.argv or (a in focus and b in focus):
        print(f'  {a} -> {b}   ({", ".join(sorted(files))})')
# cycles via SCC over focus (or all)
nodes = mods if '--all' in sys.argv else focus
g = {n: {b for (a, b) in edges if a == n and b in nodes} for n in nodes}
index = {}; low = {}; st = []; on = set(); sccs = []; c = [0]
def sc(v):
    index[v] = low[v] = c[0]; c[0] += 1; st.append(v); on.add(v)
    for w in g[v]:
        if w not in index: sc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = st.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: sccs.append(sorted(comp))
for n in sorted(nodes):
    if n not in index: sc(n)
print('cycles:', sccs if sccs else 'none')
