"""Local stand-in for `nbdev_docs` where Quarto cannot be installed: run nbdev's processing step (the part of
`nbdev_docs` before `quarto render`) and render each processed notebook to HTML with nbconvert into `_preview/`,
under the page name Quarto gives it (the `output-file` of nbdev's front matter: `03_train.ipynb` → `train.html`), so
that the links between pages resolve as on the website."""
import json, shutil, sys
import nbformat, yaml
from nbconvert import HTMLExporter
from nbdev.config import get_config
from nbdev.serve import proc_nbs

def _front_matter(nb:dict) -> dict:
    "nbdev's YAML front matter (the first raw cell of a processed notebook), removed from the cells"
    cells = nb.get('cells', [])
    if cells and cells[0]['cell_type'] == 'raw' and ''.join(cells[0]['source']).startswith('---'):
        fm = yaml.safe_load(''.join(cells.pop(0)['source']).strip().strip('-')) or {}
        return fm if isinstance(fm, dict) else {}
    return {}

def _strip_nbdev_keys(nb):
    "nbconvert's schema rejects two keys nbdev adds: `has_sd` on cells and a float `metadata.execution.total`"
    for c in nb.get('cells', []): c.pop('has_sd', None)
    nb.get('metadata', {}).pop('execution', None)
    return nb

def render(out='_preview') -> list:
    "Render every processed notebook to `out/<page>.html`; returns the written pages"
    cfg = get_config()
    proc_nbs(n_workers=0, force=True)
    proc, out = cfg.config_path/'_proc', cfg.config_path/out
    out.mkdir(exist_ok=True)
    written = []
    for nbp in sorted(proc.rglob('*.ipynb')):
        raw = json.loads(nbp.read_text())
        fm = _front_matter(raw)
        name = fm.get('output-file') or nbp.with_suffix('.html').name
        title = fm.get('title', nbp.stem)
        heading = f"# {title}" + (f"\n\n> {fm['description']}" if fm.get('description') else '')
        raw['cells'].insert(0, {'cell_type': 'markdown', 'id': 'front-matter', 'metadata': {},   # what Quarto shows
                                'source': heading})                                   # from the front matter
        nb = nbformat.reads(json.dumps(_strip_nbdev_keys(raw)), as_version=4)
        nb.metadata['title'] = title
        html, _ = HTMLExporter().from_notebook_node(nb)
        dest = out/nbp.relative_to(proc).parent/name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(html)
        written.append(dest)
    for f in proc.rglob('*'):                  # pictures the pages link to (Quarto copies them the same way)
        if f.is_file() and f.suffix.lower() in ('.png', '.jpg', '.jpeg', '.gif', '.svg'):
            (out/f.relative_to(proc)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, out/f.relative_to(proc))
    return written

if __name__ == '__main__':
    pages = render(*sys.argv[1:])
    for p in pages: print(f"{p}  ({p.stat().st_size//1024} KiB)")
    if not pages: sys.exit("no notebook was rendered")
