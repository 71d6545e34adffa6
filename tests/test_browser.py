"""What a person sees, checked in a real browser: headless Chromium (Debian's `chromium`) driven by Playwright through
`executable_path`. The docs pages show their figures and their links resolve; in JupyterLab the training dashboard
renders, counts epochs and stops on its Stop button, and the slice viewer redraws when its slider moves. Screenshots
land in `_preview/screenshots/`. Without a browser the tests skip and say why (`pytest -rs` prints the reason)."""
import json, os, shutil, signal, socket, subprocess, sys, secrets, time
from contextlib import contextmanager
from pathlib import Path
import pytest

pytestmark = pytest.mark.xdist_group('docs')   # on the worker that builds _preview/ (see test_docs.py)
ROOT = Path(__file__).parent.parent
SHOTS = ROOT/'_preview'/'screenshots'
STAGES = ['preprocess', 'data', 'model', 'train', 'evaluate', 'inference', 'demo']
FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']

def browser_path() -> str|None:
    "A Chromium-family browser: $SEG3D_BROWSER, else the first of chromium, chromium-browser, google-chrome on PATH"
    if os.environ.get('SEG3D_BROWSER'): return os.environ['SEG3D_BROWSER']
    return next((p for p in map(shutil.which, ('chromium', 'chromium-browser', 'google-chrome')) if p), None)

@contextmanager
def browser():
    "A headless Chromium page, or a skip that says why there is none"
    path = browser_path()
    if path is None: pytest.skip("no Chromium on PATH (Debian: apt-get install chromium; `make install` does it as root)")
    try: from playwright.sync_api import sync_playwright
    except ImportError: pytest.skip("playwright is not installed (it is in the dev extra)")
    with sync_playwright() as p:
        try: b = p.chromium.launch(executable_path=path, args=FLAGS, headless=True)
        except Exception as e: pytest.skip(f"Chromium at {path} could not start (a snap shim, or not root-capable?): {str(e)[:300]}")
        try: yield b.new_page(viewport={'width': 1280, 'height': 1000})
        finally: b.close()

def test_docs_pages_show_figures_and_links_resolve(docs_pages):
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = {}
    with browser() as page:
        for f in docs_pages:
            page.goto(f.as_uri(), wait_until='load')
            imgs = page.eval_on_selector_all('img', 'els => els.map(e => e.naturalWidth)')
            hrefs = page.eval_on_selector_all('a[href]', 'els => els.map(e => e.getAttribute("href"))')
            local = [h.split('#')[0] for h in hrefs if not h.startswith(('http:', 'https:', '#', 'mailto:')) and '.html' in h]
            broken = [h for h in local if not (f.parent/h).exists()]
            assert not broken, f"{f.name}: links to pages that do not exist: {broken}"
            assert all(w > 0 for w in imgs), f"{f.name}: an image did not load (natural widths {imgs})"
            page.screenshot(path=str(SHOTS/f"{f.stem}.png"))
            found[f.stem] = imgs
    for stage in STAGES:
        assert stage in found, f"no page {stage}.html among {sorted(found)}"
        assert found[stage], f"{stage}.html shows no figure"

NOTEBOOK = [
'''import numpy as np
from pathlib import Path
from seg3d.preprocess import PreprocessSettings, preprocess_dataset, _nii
from seg3d.data import Config
from seg3d.train import build_learner, Dashboard
from seg3d.inference import SliceViewer
rng = np.random.default_rng(0)
zz = np.stack(np.meshgrid(*[np.arange(s) for s in (24, 24, 12)], indexing='ij'), -1)
for i in range(4):
    lab = ((((zz - [12, 12, 6] - rng.uniform(-2, 2, 3))**2).sum(-1) < 36) * (1 + i % 2)).astype(np.uint8)
    img = np.stack([lab * 5 + rng.normal(0, 1, lab.shape), rng.normal(0, 1, lab.shape)], -1).astype(np.float32)
    _nii(Path('raw/images')/f'c{i}.nii.gz', img, np.eye(4))
    _nii(Path('raw/labels')/f'c{i}.nii.gz', lab, np.eye(4))
preprocess_dataset('raw', 'pre', PreprocessSettings(target=(32, 32, 16), channels=2, num_classes=3), workers=1, progress=False)
print('DATA READY')''',
'''cfg = Config(data_dir='pre', out_dir='run', target_shape=[32, 32, 16], num_classes=3, class_names=['bg', 'a', 'b'],
             class_weights=[0.1, 1, 1], split=[0.5, 0.25, 0.25], epochs=500, num_workers=0, precision='fp32', early_stop=False,
             model=dict(block='basic', layers=[1, 1, 1, 1], width=4, skip='add', dropout=0.0, norm='instance'))
learn = build_learner(cfg, progress='none', cbs=[Dashboard()])
learn.fit()
print(f"FIT ENDED after {len(learn.history)} of {cfg.epochs} epochs: {learn.stop_reason}")''',
'''viewer = SliceViewer('raw/images/c0.nii.gz', label='raw/labels/c0.nii.gz', class_names=['bg', 'a', 'b'])
viewer.widget()''',
]

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

@contextmanager
def jupyterlab(root:Path, timeout:float=60):
    "JupyterLab on 127.0.0.1 serving `root`; yields its URL prefix and token; stopped (with its kernels) on exit"
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k not in ('MPLBACKEND', 'IN_TEST')}
    cmd = [sys.executable, '-m', 'jupyterlab', '--no-browser', '--ip=127.0.0.1', f'--port={port}', f'--IdentityProvider.token={token}',
           f'--ServerApp.root_dir={root}', '--allow-root', '--LabApp.expose_app_in_browser=True',
           f'--LabApp.workspaces_dir={root/".ws"}', f'--LabApp.user_settings_dir={root/".settings"}']
    server = subprocess.Popen(cmd, stdout=open(root/'lab.log', 'w'), stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.time() + timeout
        while True:
            try:
                socket.create_connection(('127.0.0.1', port), 1).close()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise AssertionError(f"JupyterLab did not start: {(root/'lab.log').read_text()[-2000:]}")
                time.sleep(0.3)
        yield f'http://127.0.0.1:{port}', token
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try: server.wait(20)
        except subprocess.TimeoutExpired: os.killpg(server.pid, signal.SIGKILL)

def _epoch(page) -> int:
    m = page.evaluate(r"(document.body.innerText.match(/epoch (\d+)\/500/) || [0, 0])[1]")
    return int(m)

def test_dashboard_and_viewer_in_jupyterlab(tmp_path):
    if browser_path() is None: pytest.skip("no Chromium on PATH (Debian: apt-get install chromium; `make install` does it as root)")
    pytest.importorskip('jupyterlab', reason="jupyterlab is not installed (it is in the dev extra)")
    cells = [{'cell_type': 'code', 'id': f'c{i}', 'metadata': {}, 'source': s, 'outputs': [], 'execution_count': None}
             for i, s in enumerate(NOTEBOOK)]
    nb = {'cells': cells, 'metadata': {'kernelspec': {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'}},
          'nbformat': 4, 'nbformat_minor': 5}
    (tmp_path/'widgets.ipynb').write_text(json.dumps(nb))
    SHOTS.mkdir(parents=True, exist_ok=True)
    output = lambda text: f'.jp-OutputArea-output:has-text("{text}")'
    with jupyterlab(tmp_path) as (url, token), browser() as page:
        page.goto(f'{url}/lab/tree/widgets.ipynb?token={token}')
        page.wait_for_function("window.jupyterapp && window.jupyterapp.commands.hasCommand('notebook:run-all-cells')", timeout=90_000)
        page.wait_for_selector('.jp-Notebook', timeout=60_000)
        page.wait_for_function("() => { const w = window.jupyterapp.shell.currentWidget;"
                               " const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;"
                               " return k && k.status === 'idle'; }", timeout=90_000)   # the kernel is up
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")   # do not await the whole run
        page.wait_for_selector(output('DATA READY'), timeout=120_000)
        stop = page.wait_for_selector('button:has-text("Stop")', timeout=60_000)
        assert page.locator('.widget-hprogress').count() >= 2, "the epoch and batch progress bars did not render"
        page.wait_for_function(r"+((document.body.innerText.match(/epoch (\d+)\/500/) || [0, 0])[1]) >= 2", timeout=120_000)
        first = _epoch(page)
        page.wait_for_function(f"+((document.body.innerText.match(/epoch (\\d+)\\/500/) || [0, 0])[1]) > {first}", timeout=60_000)
        page.screenshot(path=str(SHOTS/'dashboard_running.png'))
        stop.click()
        ended = page.wait_for_selector(output('FIT ENDED'), timeout=120_000).inner_text()
        assert 'stopped by user' in ended and 'of 500 epochs' in ended, ended
        assert int(ended.split('after ')[1].split(' of')[0]) < 500, ended
        page.screenshot(path=str(SHOTS/'dashboard_final.png'))
        slider = page.wait_for_selector('.jp-Cell:last-child .widget-slider .noUi-handle', timeout=60_000)
        image = page.locator('.jp-Cell:last-child .jp-OutputArea-output img').last
        image.wait_for(timeout=60_000)
        before = image.get_attribute('src')
        page.screenshot(path=str(SHOTS/'viewer_before.png'))
        slider.focus()
        for _ in range(3): page.keyboard.press('ArrowRight')
        page.wait_for_function("(before) => { const i = [...document.querySelectorAll('.jp-Cell:last-child .jp-OutputArea-output img')].pop();"
                               " return i && i.src !== before; }", arg=before, timeout=60_000)
        page.screenshot(path=str(SHOTS/'viewer_after.png'))
