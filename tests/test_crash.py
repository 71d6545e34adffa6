"""Crash safety: kill -9 during preprocessing, training and prediction. No file under a final name is partial; a rerun
completes and skips finished work; training resumed from last.pth ends with the weights of an uninterrupted run."""
import json, os, re, signal, subprocess, sys, time
from pathlib import Path
import nibabel as nib, torch
from seg3d.data import Config, save_config
from conftest import make_raw

def _kill_when(proc, ready, timeout=300):
    "SIGKILL `proc` as soon as `ready()` is true (or fail if it finishes first)"
    t0 = time.time()
    while not ready():
        assert proc.poll() is None, 'process finished before it could be killed'
        assert time.time() - t0 < timeout; time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL); proc.wait()

def _all_final_files_load(folder):
    for p in Path(folder).rglob('*.nii*'):
        if p.name.startswith('.'): continue
        nib.load(p).get_fdata()                                                            # raises on a partial file

def test_preprocess_killed_then_rerun(tmp_path):
    make_raw(tmp_path/'raw', n=10, shape=(60, 70, 20))
    cmd = ['seg3d_preprocess', str(tmp_path/'raw'), str(tmp_path/'out'), '--shape', '128', '128', '32', '--workers', '1', '--compression', '6']
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _kill_when(p, lambda: len(list((tmp_path/'out'/'labels').glob('*.nii.gz'))) >= 2 if (tmp_path/'out'/'labels').exists() else False)
    _all_final_files_load(tmp_path/'out')
    r = subprocess.run(cmd, capture_output=True, text=True); assert r.returncode == 0, r.stdout + r.stderr
    skipped = int(re.search(r'(\d+) up to date', r.stdout).group(1))
    assert skipped >= 1, r.stdout                                                          # finished work is not redone
    _all_final_files_load(tmp_path/'out')
    assert len(list((tmp_path/'out'/'images').glob('*.nii.gz'))) == 10

def test_training_killed_then_resumed_matches(tiny_pre, tmp_path):
    cfg = Config(target_shape=[32, 32, 16], epochs=4, num_workers=0, precision='fp32', split=[0.5, 0.25, 0.25], seed=5,
                 model=dict(block='basic', layers=[1, 1, 1, 1], width=4, skip='add', dropout=0.1, norm='instance'))
    save_config(cfg, tmp_path/'cfg.json')
    base = ['seg3d_train', str(tiny_pre), None, '--config', str(tmp_path/'cfg.json'), '--progress', 'none']
    run = lambda out, *extra: [*base[:2], str(out), *base[3:], *extra]
    assert subprocess.run(run(tmp_path/'full'), capture_output=True).returncode == 0
    p = subprocess.Popen(run(tmp_path/'part'), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    def after_epoch_2():
        m = tmp_path/'part'/'metrics_3d.json'
        return m.exists() and len(json.loads(m.read_text())['epochs']) >= 2
    _kill_when(p, after_epoch_2)
    torch.load(tmp_path/'part'/'last.pth', weights_only=True)                                # never partial
    r = subprocess.run(run(tmp_path/'part', '--resume'), capture_output=True, text=True); assert r.returncode == 0, r.stderr
    a, b = [torch.load(tmp_path/d/'last.pth', weights_only=True) for d in ('full', 'part')]
    assert a['epoch'] == b['epoch'] == 4
    for k in a['model_state']: torch.testing.assert_close(a['model_state'][k], b['model_state'][k], rtol=1e-5, atol=1e-6)
    for h, g in zip(a['history'], b['history']): assert abs(h['val_loss'] - g['val_loss']) < 1e-5 and h['lr'] == g['lr']

def test_predict_killed_then_rerun(tiny_pre, tmp_path):
    from seg3d.train import train
    cfg = Config(data_dir=str(tiny_pre), out_dir=str(tmp_path/'m'), target_shape=[32, 32, 16], epochs=1, num_workers=0, split=[0.5, 0.25, 0.25],
                 model=dict(block='basic', layers=[1, 1, 1, 1], width=4, skip='none', dropout=0.0, norm='instance'))
    train(cfg, progress='none')
    make_raw(tmp_path/'scans', n=12, shape=(60, 70, 20))
    cmd = ['seg3d_predict', str(tmp_path/'scans'/'images'), str(tmp_path/'pred'), '--model', str(tmp_path/'m'/'best_resnet3d_segmentation.pth'), '--mc_samples', '3']
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _kill_when(p, lambda: len(list((tmp_path/'pred').glob('*_uncertainty.nii.gz'))) >= 2 if (tmp_path/'pred').exists() else False)
    _all_final_files_load(tmp_path/'pred')
    done_before = {e['case'] for e in json.loads((tmp_path/'pred'/'inference_results_3d.json').read_text())['cases'] if e['status'] == 'ok'}
    mtimes = {c: (tmp_path/'pred'/f'{c}_pred.nii.gz').stat().st_mtime_ns for c in done_before}
    r = subprocess.run(cmd, capture_output=True, text=True); assert r.returncode == 0, r.stdout + r.stderr
    assert len(list((tmp_path/'pred').glob('*_pred.nii.gz'))) == 12
    assert all((tmp_path/'pred'/f'{c}_pred.nii.gz').stat().st_mtime_ns == t for c, t in mtimes.items())   # finished cases not redone

def _worker_init(): pass

def _die_on(k, bad):
    "A job whose worker process dies (as the system's OOM killer would kill it) on the items in `bad`"
    if k in bad: os._exit(9)
    if k == 1: raise ValueError('an ordinary error')
    return k

def test_a_dying_worker_fails_only_its_own_item():
    ("A worker's death breaks its pool and loses every item queued in it; those are run again, so only the item that"
     " kills its worker is reported failed — before, one out-of-memory kill failed every case still waiting")
    import sys
    from seg3d.preprocess import _spread, WORKER_DIED
    for bad in ({5}, {5, 8}):
        done, failed = [], {}
        items = [(k, bad) for k in range(12)]                        # 0, 3, 6, 9 run in this process: never bad
        _spread(sys.modules[__name__], _die_on, items, 3, done.append, lambda a, err: failed.setdefault(a[0], err))
        assert sorted(d for d in done if isinstance(d, int)) == sorted(set(range(12)) - bad - {1})
        assert failed[1] == 'ValueError: an ordinary error'                  # an exception is that item's error
        assert {k: failed[k] for k in bad} == {k: WORKER_DIED for k in bad}, failed
        assert set(failed) == bad | {1}

def test_a_script_read_from_stdin_preprocesses_every_case(tmp_path):
    ("`python - < script` (a heredoc): spawned workers cannot re-import a main program that is no file, so every case"
     " they took died with them; now the cases run in this process, with a note")
    make_raw(tmp_path/'raw', n=4, shape=(30, 36, 12))
    script = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
              "from seg3d.preprocess import preprocess_dataset, PreprocessSettings\n"
              f"rep = preprocess_dataset({str(tmp_path/'raw')!r}, {str(tmp_path/'out')!r}, "
              "PreprocessSettings(target=(32, 32, 16)), workers=2, progress=False)\n"
              "print(rep['totals'])\n")
    r = subprocess.run([sys.executable, '-'], input=script, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "'ok': 4" in r.stdout and "'failed': 0" in r.stdout, r.stdout + r.stderr[-2000:]
    assert 'is not a file spawned workers can import: running in this process' in r.stderr
