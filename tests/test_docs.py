"Every notebook goes through nbdev's docs processing and renders to HTML (the local stand-in for Quarto)."
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT/'tools'))

def test_every_notebook_renders(tmp_path):
    from docs_preview import render
    pages = render('_preview')
    names = {str(p.relative_to(ROOT/'_preview').with_suffix('')) for p in pages}
    nbs = ROOT/'nbs'
    expected = {str(p.relative_to(nbs).with_suffix('')) for p in nbs.rglob('*.ipynb') if not any(x.startswith(('_', '.')) for x in p.relative_to(nbs).parts)}
    assert names == expected, f"missing pages: {expected - names}"
    for p in pages: assert p.stat().st_size > 10_000 and '<html' in p.read_text()[:2000].lower()
