"README.md is written from nbs/index.ipynb (tools/make_readme.py; nbdev_readme needs Quarto): it carries the commands and the example."
import json
from pathlib import Path

ROOT = Path(__file__).parent.parent

def _index_code():
    nb = json.loads((ROOT/'nbs'/'index.ipynb').read_text())
    return [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'code' and not ''.join(c['source']).startswith('#| hide')]

def test_readme_has_commands_and_example():
    readme = (ROOT/'README.md').read_text()
    assert 'make test' in readme
    if (ROOT/'Makefile').read_text().find('\ndemo:') >= 0: assert 'make demo' in readme
    for code in _index_code():
        for line in code.splitlines():
            assert line in readme, f"README.md lacks this line of index.ipynb's example: {line!r}"

def test_readme_is_the_front_page():
    "README.md is written from nbs/index.ipynb by tools/make_readme.py (`make nbs` runs it)"
    import sys; sys.path.insert(0, str(ROOT/'tools'))
    from make_readme import readme_text
    assert (ROOT/'README.md').read_text() == readme_text(), "README.md differs from nbs/index.ipynb: run `python tools/make_readme.py`"
