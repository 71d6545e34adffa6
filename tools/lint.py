"""Style check of the exported modules (#18): lines ≤ 120 characters, one statement per line (no `;` chains).
Runs ruff on seg3d/ and leaves out the lines nbdev writes, not us: seg3d/_modidx.py, each module's first line (the
notebook's one-line summary as docstring) and the `__all__` list. Exit status 1 when anything else is reported."""
import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
RULES = 'E501,E702,E703'       # too long, `a; b`, a trailing `;`   (E701, a one-line guard `if x: return`, is allowed)

def generated_lines(path:Path) -> set:
    "Line numbers nbdev generates in a module: the docstring on line 1 and the `__all__ = [...]` statement"
    lines, gen = path.read_text().splitlines(), {1}
    start = next((i for i, l in enumerate(lines) if l.startswith('__all__ = [')), None)
    if start is not None:
        end = next(i for i in range(start, len(lines)) if lines[i].rstrip().endswith(']'))
        gen |= set(range(start + 1, end + 2))
    return gen

def main() -> int:
    r = subprocess.run([sys.executable, '-m', 'ruff', 'check', '--select', RULES, '--line-length', '120', '--output-format',
                        'json', '--exclude', 'seg3d/_modidx.py', 'seg3d'], capture_output=True, text=True, cwd=ROOT)
    if r.returncode not in (0, 1): print(r.stderr, file=sys.stderr); return 2
    found = [v for v in json.loads(r.stdout or '[]') if v['location']['row'] not in generated_lines(Path(v['filename']))]
    for v in found: print(f"{Path(v['filename']).relative_to(ROOT)}:{v['location']['row']}: {v['code']} {v['message']}")
    print(f"lint: {len(found)} problem(s) in seg3d/ ({RULES}, 120 characters)")
    return 1 if found else 0

if __name__ == '__main__': sys.exit(main())
