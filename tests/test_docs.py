"Every notebook goes through nbdev's docs processing and renders to HTML (the local stand-in for Quarto)."
from pathlib import Path
import pytest

pytestmark = pytest.mark.xdist_group('docs')   # one test worker builds _preview/ (and test_browser reads it there)
ROOT = Path(__file__).parent.parent

def test_every_notebook_renders(docs_pages):
    pages = docs_pages
    names = {str(p.relative_to(ROOT/'_preview').with_suffix('')) for p in pages}
    nbs = ROOT/'nbs'
    notebooks = [p for p in nbs.rglob('*.ipynb') if not any(x.startswith(('_', '.')) for x in p.relative_to(nbs).parts)]
    assert len(names) == len(notebooks), f"{len(notebooks)} notebooks, {len(names)} pages: {sorted(names)}"
    for stage in ('preprocess', 'data', 'model', 'train', 'evaluate', 'inference', 'demo', 'index', 'core'):
        assert stage in names, f"no page {stage}.html (Quarto's name for the notebook) among {sorted(names)}"
    for p in pages: assert p.stat().st_size > 10_000 and '<html' in p.read_text()[:2000].lower()
