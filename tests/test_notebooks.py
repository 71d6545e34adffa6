"""Every notebook in nbs/ runs top to bottom in a real Jupyter kernel (nbclient + ipykernel), every cell, no skip flags —
what a reader's *Run All* does — on a scratch copy, so nbs/ is never rewritten."""
import sys
from pathlib import Path
import pytest

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT/'tools'))
from run_notebooks import notebooks, run_copies, NBS

NOTEBOOKS = notebooks()

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[str(p.relative_to(NBS).with_suffix('')) for p in NOTEBOOKS])
def test_notebook_runs_all(nb):
    seconds = run_copies([nb])                     # raises CellExecutionError with the failing cell and its traceback
    assert list(seconds) == [str(nb.relative_to(NBS))]
