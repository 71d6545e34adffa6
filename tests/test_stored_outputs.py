"""The notebooks are committed executed (the website shows their stored outputs): every stage page has a figure, and no
stored output holds a temporary path, a live widget view without its static picture, or an oversized payload."""
import json, re, tempfile
from pathlib import Path
import pytest

NBS = Path(__file__).parent.parent/'nbs'
STAGES = sorted(p for p in NBS.glob('0[0-6]_*.ipynb'))
ALL = sorted(p for p in NBS.rglob('*.ipynb') if not any(x.startswith(('_', '.')) for x in p.relative_to(NBS).parts))
TEMP = re.compile(r"/tmp/|/var/folders/|ipykernel_\d+|tmp[a-z0-9_]{8}/|" + re.escape(tempfile.gettempdir().rstrip('/') + '/'))
WIDGET = 'application/vnd.jupyter.widget-view+json'

def outputs(nb:dict):
    for i, c in enumerate(nb['cells']):
        for o in c.get('outputs', []): yield i, o

def text_of(o:dict) -> str:
    d = o.get('data', {})
    parts = [o.get('text', ''), d.get('text/plain', ''), d.get('text/html', ''), d.get('text/markdown', ''), o.get('traceback', '')]
    return '\n'.join(''.join(p) if isinstance(p, list) else p for p in parts)

def test_stage_notebooks_found(): assert len(STAGES) == 7, [p.name for p in STAGES]

@pytest.mark.parametrize('path', STAGES, ids=[p.stem for p in STAGES])
def test_stage_page_shows_a_figure(path):
    nb = json.loads(path.read_text())
    figures = [i for i, o in outputs(nb) if 'image/png' in o.get('data', {}) or '<img' in o.get('data', {}).get('text/html', '')]
    assert figures, f"{path.name}: no stored figure — run `make nbs` and commit the executed notebook"

@pytest.mark.parametrize('path', ALL, ids=[str(p.relative_to(NBS).with_suffix('')) for p in ALL])
def test_stored_outputs_are_clean(path):
    nb = json.loads(path.read_text())
    assert path.stat().st_size <= 1.5 * 2**20, f"{path.name}: {path.stat().st_size / 2**20:.2f} MiB > 1.5 MiB"
    assert 'widgets' not in nb.get('metadata', {}), f"{path.name}: live widget state stored in the metadata"
    for i, o in outputs(nb):
        assert o.get('output_type') != 'error', f"{path.name}, cell {i}: a stored error"
        assert WIDGET not in o.get('data', {}), f"{path.name}, cell {i}: a widget view (no static picture in the docs)"
        m = TEMP.search(text_of(o))
        assert not m, f"{path.name}, cell {i}: stored output holds a temporary path ({m.group(0)!r})"
