"""How the notebooks' export cells read (#18 item 5): `python tools/cell_stats.py [--list N]`.
Counts the export cells of nbs/*.ipynb, their non-blank lines with and without the documented signatures (docments put
one parameter per line), and the export cells followed directly by another export cell (no prose or test between)."""
import argparse, ast, json, re
from pathlib import Path

NBS = Path(__file__).parent.parent/'nbs'

def signature_lines(code:str) -> int:
    "Lines taken by the signatures of the functions and classes defined in `code` (def line to the first statement)"
    n = 0
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and len(node.body) > 1:
                first = node.body[1]                                            # the docstring belongs to the head
            n += first.lineno - node.lineno
    return n

def export_cells():
    "(notebook, lines, lines without signatures, first line, next cell is an export cell) per export cell"
    for nb in sorted(NBS.glob('*.ipynb')):
        cells = json.loads(nb.read_text())['cells']
        is_export = lambda c: c['cell_type'] == 'code' and re.match(r'\s*#\|\s*export', ''.join(c['source']))
        for i, c in enumerate(cells):
            if not is_export(c): continue
            code = '\n'.join(l for l in ''.join(c['source']).splitlines() if not l.startswith('#|'))
            lines = [l for l in code.splitlines() if l.strip()]
            head = next(l for l in lines if not l.startswith('@'))
            yield nb.name, len(lines), len(lines) - signature_lines(code), head[:60], \
                bool(i + 1 < len(cells) and is_export(cells[i + 1]))

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--list', type=int, default=10, help="show the N longest cells")
    a = ap.parse_args()
    rows = list(export_cells())
    print(f"{len(rows)} export cells; over 20 lines: {sum(r[1] > 20 for r in rows)}, over 25: "
          f"{sum(r[1] > 25 for r in rows)}, over 30: {sum(r[1] > 30 for r in rows)}; without documented signatures "
          f"over 20: {sum(r[2] > 20 for r in rows)}; followed directly by another export cell: {sum(r[4] for r in rows)}")
    for r in sorted(rows, key=lambda r: -r[1])[:a.list]: print(f"  {r[1]:3d} lines ({r[2]:3d} without signature)  {r[0]}: {r[3]}")
