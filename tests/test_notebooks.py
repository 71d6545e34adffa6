"Every notebook in nbs/ is a test: its cells run top to bottom, skipping cells flagged with settings.ini's tst_flags."
import os
from pathlib import Path
import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as run_notebook

NBS = Path(__file__).parent.parent/'nbs'
NOTEBOOKS = sorted(p for p in NBS.rglob('*.ipynb') if not any(part.startswith(('_', '.')) for part in p.relative_to(NBS).parts))

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[str(p.relative_to(NBS).with_suffix('')) for p in NOTEBOOKS])
def test_notebook(nb):
    os.environ.setdefault('MPLBACKEND', 'Agg')
    flags = get_config(path=NBS).tst_flags.split()
    ok, seconds = run_notebook(nb, skip_flags=flags, basepath=NBS.parent)
    assert ok, f"{nb.name} failed (traceback above)"
