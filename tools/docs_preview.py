"""Local stand-in for `nbdev_docs` where Quarto cannot be installed: run nbdev's processing step (the part of
`nbdev_docs` before `quarto render`) and render each processed notebook to HTML with nbconvert into `_preview/`."""
import json, sys
import nbformat
from nbconvert import HTMLExporter
from nbdev.config import get_config
from nbdev.serve import proc_nbs

def _strip_nbdev_keys(nb):
    "nbconvert's schema rejects two keys nbdev adds: `has_sd` on cells and a float `metadata.execution.total`"
    for c in nb.get('cells', []): c.pop('has_sd', None)
    nb.get('metadata', {}).pop('execution', None)
    return nb

def render(out='_preview') -> list:
    cfg = get_config()
    proc_nbs(n_workers=0, force=True)
    proc, out = cfg.config_path/'_proc', cfg.config_path/out
    out.mkdir(exist_ok=True)
    written = []
    for nbp in sorted(proc.rglob('*.ipynb')):
        nb = nbformat.reads(json.dumps(_strip_nbdev_keys(json.loads(nbp.read_text()))), as_version=4)
        html, _ = HTMLExporter().from_notebook_node(nb)
        dest = out/nbp.relative_to(proc).with_suffix('.html'); dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(html); written.append(dest)
    return written

if __name__ == '__main__':
    pages = render(*sys.argv[1:])
    for p in pages: print(f"{p}  ({p.stat().st_size//1024} KiB)")
    if not pages: sys.exit("no notebook was rendered")
