"""Write README.md from nbs/index.ipynb — the front page is one text (nbdev_readme does this through Quarto, which is
not always at hand): the title and summary, every markdown cell, every shown code cell and its stored text output."""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def readme_text(index:Path=ROOT/'nbs'/'index.ipynb') -> str:
    nb = json.loads(index.read_text())
    parts = []
    for c in nb['cells']:
        src = ''.join(c['source']).strip('\n')
        if c['cell_type'] == 'markdown':
            src = re.sub(r'^> (.*)$', r'\1', src, count=1, flags=re.M) if src.startswith('# ') else src
            parts.append(src.replace('](images/', '](nbs/images/'))    # README.md sits beside nbs/
        elif c['cell_type'] == 'code' and not src.startswith('#|'):
            parts.append(f"```python\n{src}\n```")
            text = ''.join(''.join(o.get('text', '')) for o in c.get('outputs', []) if o.get('output_type') == 'stream')
            if text.strip(): parts.append(f"```\n{text.rstrip()}\n```")
    return '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    out = ROOT/'README.md'
    new = readme_text()
    if '--check' in sys.argv: sys.exit(0 if out.read_text() == new else "README.md differs from nbs/index.ipynb: run `python tools/make_readme.py`")
    out.write_text(new)
    print(f"wrote {out}")
