"""The bad-input matrix, driven through the CLIs as a user would: every kind gets one clear message naming the file, the
value found and what was expected; the batch carries on; the exit status is 1; the inputs are byte-identical afterwards."""
import errno, gzip, json, os, subprocess
from pathlib import Path
from unittest import mock
import numpy as np, nibabel as nib, pytest, torch
from seg3d.preprocess import _nii, sha256, PreprocessSettings, preprocess_case, RawCase, CaseError, safe_case
from conftest import make_raw

A = np.diag([1.5, 1.5, 3.0, 1.0])

def _hashes(root): return {p: sha256(p) for p in sorted(Path(root).rglob('*')) if p.is_file()}

@pytest.fixture(scope='module')
def bad_raw(tmp_path_factory):
    "A raw dataset with one good case and one case of every bad kind preprocessing meets"
    root = tmp_path_factory.mktemp('bad')/'raw'; make_raw(root, n=1)
    img = nib.load(root/'images'/'case_00.nii.gz').get_fdata(dtype=np.float32); lab = np.asanyarray(nib.load(root/'labels'/'case_00.nii.gz').dataobj)
    I, L = root/'images', root/'labels'
    def pair(name, image=img, label=lab, ia=A, la=A):
        if image is not None: _nii(I/f'{name}.nii.gz', image, ia)
        if label is not None: _nii(L/f'{name}.nii.gz', label, la)
    pair('no_label', label=None); pair('no_image', image=None)
    pair('shape_mismatch', label=lab[:-2])
    B = A.copy(); B[0, 3] = 5.0; pair('affine_mismatch', la=B)
    raw = (I/'case_00.nii.gz').read_bytes()
    pair('corrupt_gzip', image=None); (I/'corrupt_gzip.nii.gz').write_bytes(raw[:100] + bytes(200) + raw[300:])
    pair('truncated', image=None); (I/'truncated.nii.gz').write_bytes(raw[:len(raw) // 2])
    pair('not_nifti', image=None); (I/'not_nifti.nii.gz').write_bytes(gzip.compress(b'%PDF-1.4 this is a PDF'))
    nan = img.copy(); nan[1, 1, 1, 0] = np.inf; pair('inf_voxels', image=nan)
    pair('two_d', image=img[:, :, 0, 0], label=lab[:, :, 0]); pair('five_d', image=img[..., None])
    pair('three_channels', image=np.concatenate([img, img[..., :1]], 3))
    pair('label_out_of_classes', label=(lab + 6).astype(np.uint8)); pair('float_label', label=lab.astype(np.float32) + 0.25)
    pair('all_zero', image=np.zeros_like(img))
    pair('dup'); _nii(I/'dup.nii', img, A)
    return root

EXPECT = {  # case → words its error must contain
    'no_label': 'image has no label', 'no_image': 'label has no image', 'shape_mismatch': 'label shape (18, 24, 12) differs from image shape (20, 24, 12)',
    'affine_mismatch': 'affine differs from the image', 'corrupt_gzip': 'corrupt', 'truncated': 'truncated', 'not_nifti': 'not a readable NIfTI',
    'inf_voxels': '1 NaN/Inf voxels', 'two_d': '2 dimensions', 'five_d': '5 dimensions', 'three_channels': '3 channel(s); expected 2',
    'label_out_of_classes': 'outside the classes 0..4', 'float_label': 'non-integer label values', 'all_zero': 'image is constant',
    'dup': 'duplicate image files'}

def test_preprocess_matrix(bad_raw, tmp_path):
    before = _hashes(bad_raw)
    r = subprocess.run(['seg3d_preprocess', str(bad_raw), str(tmp_path/'out'), '--shape', '32', '32', '16', '--channels', '2', '--num_classes', '5', '--workers', '2'],
                       capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    rep = {e['case']: e for e in json.loads((tmp_path/'out'/'preprocessing_report.json').read_text())['cases']}
    assert rep['case_00']['status'] == 'ok'
    for case, words in EXPECT.items():
        e = rep[case]; assert e['status'] == 'failed' and words in e['error'], (case, e['error'])
        assert case in e['error'] or 'case' in e['error'], f"{case}: the message must name the file: {e['error']}"
        assert f'FAILED {case}' in r.stdout
    assert _hashes(bad_raw) == before                                                  # inputs untouched
    assert sorted(p.name for p in (tmp_path/'out'/'images').iterdir()) == ['case_00.nii.gz']   # nothing else written

def test_memory_guard_empty_and_unwritable(bad_raw, tmp_path):
    r = subprocess.run(['seg3d_preprocess', str(bad_raw), str(tmp_path/'g'), '--shape', '32', '32', '16', '--max_voxels', '1000', '--workers', '1'], capture_output=True, text=True)
    rep = {e['case']: e for e in json.loads((tmp_path/'g'/'preprocessing_report.json').read_text())['cases']}
    assert r.returncode == 1 and 'exceed the memory guard max_voxels=1,000' in rep['case_00']['error']
    (tmp_path/'empty'/'images').mkdir(parents=True); (tmp_path/'empty'/'labels').mkdir()
    r = subprocess.run(['seg3d_preprocess', str(tmp_path/'empty'), str(tmp_path/'e')], capture_output=True, text=True)
    assert r.returncode == 1 and 'holds no cases' in r.stderr
    ro = tmp_path/'ro'; ro.mkdir(); (ro/'blocker').write_text('a file where a folder should be')
    r = subprocess.run(['seg3d_preprocess', str(bad_raw), str(ro/'blocker'/'out')], capture_output=True, text=True)
    assert r.returncode == 1 and 'output folder cannot be written' in r.stderr

def test_disk_full_leaves_no_partial_file(bad_raw, tmp_path):
    s = PreprocessSettings(target=(32, 32, 16), channels=2, num_classes=5)
    case = RawCase('case_00', [bad_raw/'images'/'case_00.nii.gz'], bad_raw/'labels'/'case_00.nii.gz')
    def full(*a, **k): raise OSError(errno.ENOSPC, 'No space left on device')
    with mock.patch.object(nib.Nifti1Image, 'to_file_map', full):
        e = preprocess_case(case, tmp_path/'full', s)
    assert e['status'] == 'failed' and 'No space left on device' in e['error']
    assert [p for p in (tmp_path/'full').rglob('*') if p.is_file()] == []

def test_escaping_case_names(bad_raw, tmp_path):
    for name in ('../evil', '..', 'a/b', '.hidden'):
        with pytest.raises(CaseError, match='could escape'): safe_case(name)
    e = preprocess_case(RawCase('../evil', [bad_raw/'images'/'case_00.nii.gz'], bad_raw/'labels'/'case_00.nii.gz'), tmp_path/'o', PreprocessSettings(target=(8, 8, 8)))
    assert e['status'] == 'failed' and 'could escape' in e['error'] and not (tmp_path/'evil.nii.gz').exists() and not (tmp_path/'o').exists()

@pytest.fixture(scope='module')
def model_ckpt(tiny_pre, tmp_path_factory):
    from seg3d.data import Config
    from seg3d.train import train
    out = tmp_path_factory.mktemp('m')
    cfg = Config(data_dir=str(tiny_pre), out_dir=str(out), target_shape=[32, 32, 16], epochs=1, num_workers=0, split=[0.5, 0.25, 0.25],
                 model=dict(block='basic', layers=[1, 1, 1, 1], width=4, skip='none', dropout=0.1, norm='instance'))
    train(cfg, progress='none')
    return out/'best_resnet3d_segmentation.pth'

def test_predict_matrix_and_evil_checkpoint(bad_raw, model_ckpt, tmp_path):
    before = _hashes(bad_raw)
    r = subprocess.run(['seg3d_predict', str(bad_raw/'images'), str(tmp_path/'p'), '--model', str(model_ckpt)], capture_output=True, text=True)
    assert r.returncode == 1
    res = {e['case']: e for e in json.loads((tmp_path/'p'/'inference_results_3d.json').read_text())['cases']}
    assert res['case_00']['status'] == 'ok' and res['shape_mismatch']['status'] == 'ok'      # a scan alone is fine for prediction
    for case in ('three_channels', 'inf_voxels', 'corrupt_gzip', 'truncated', 'not_nifti', 'two_d', 'five_d', 'all_zero'):
        assert res[case]['status'] == 'failed' and EXPECT[case] in res[case]['error'], (case, res[case]['error'])
    assert _hashes(bad_raw) == before
    marker = tmp_path/'pwned'
    class Evil:
        def __reduce__(self): return (os.system, (f'touch {marker}',))
    torch.save({'format': 'seg3d-checkpoint-1', 'x': Evil()}, tmp_path/'evil.pth')
    for cmd in (['seg3d_predict', str(bad_raw/'images'), str(tmp_path/'q'), '--model', str(tmp_path/'evil.pth')],
                ['seg3d_evaluate', str(tmp_path/'evil.pth'), str(bad_raw)]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 1 and 'refused' in r.stderr and 'arbitrary unpickling' in r.stderr
    assert not marker.exists()

def test_preprocess_into_the_raw_folder_is_refused(tmp_path):
    raw = make_raw(tmp_path/'raw', n=1)
    (raw/'case_labels.csv').write_text('case,grade\ncase_00,a\n')
    before = _hashes(raw)
    r = subprocess.run(['seg3d_preprocess', str(raw), str(tmp_path/'.'/'raw'), '--shape', '32', '32', '16'], capture_output=True, text=True)
    assert r.returncode == 1 and 'the output folder is the raw folder' in r.stderr, r.stdout + r.stderr
    assert _hashes(raw) == before

def test_predict_into_the_input_folder_twice(model_ckpt, tmp_path):
    "A rerun into the scans' own folder skips this tool's outputs, and the report forgets scans no longer there"
    make_raw(tmp_path/'raw', n=2)
    scans = tmp_path/'raw'/'images'
    for run in range(2):
        r = subprocess.run(['seg3d_predict', str(scans), str(scans), '--model', str(model_ckpt)], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        rep = json.loads((scans/'inference_results_3d.json').read_text())
        assert [e['case'] for e in rep['cases']] == ['case_00', 'case_01'] and rep['summary']['failed'] == 0
    (scans/'case_01.nii.gz').unlink()
    subprocess.run(['seg3d_predict', str(scans), str(scans), '--model', str(model_ckpt)], capture_output=True, check=True)
    assert [e['case'] for e in json.loads((scans/'inference_results_3d.json').read_text())['cases']] == ['case_00']

def test_training_needs_a_validation_case(tiny_pre, tmp_path):
    "Two cases train with one validation case (a best checkpoint exists); a split without validation is refused"
    from seg3d.data import Config
    from seg3d.train import train
    make_raw(tmp_path/'raw', n=2)
    subprocess.run(['seg3d_preprocess', str(tmp_path/'raw'), str(tmp_path/'pre'), '--shape', '32', '32', '16'], capture_output=True, check=True)
    r = subprocess.run(['seg3d_train', str(tmp_path/'pre'), str(tmp_path/'m'), '--epochs', '1'], capture_output=True, text=True)
    assert r.returncode == 0 and (tmp_path/'m'/'best_resnet3d_segmentation.pth').exists(), r.stderr
    assert [len(v) for v in json.loads((tmp_path/'m'/'split.json').read_text()).values()] == [1, 1, 0]
    cfg = Config(data_dir=str(tiny_pre), out_dir=str(tmp_path/'n'), epochs=1, num_workers=0, split=[0.7, 0.0, 0.3])
    with pytest.raises(CaseError, match='no validation case'): train(cfg, progress='none')

def test_loader_worker_error_names_case(tiny_pre):
    from seg3d.data import Config, SegDataset, build_cache, make_loader, preprocessed_cases
    cases = preprocessed_cases(tiny_pre); cfg = Config(num_workers=2, target_shape=[32, 32, 16])
    metas = build_cache(tiny_pre, cases, verbose=False)
    ds = SegDataset(tiny_pre, cases, cfg, metas={**metas, cases[1]: {**metas[cases[1]], 'stats': {}}})
    with pytest.raises(Exception) as ei:
        for _ in make_loader(ds, cfg, train=False): pass
    assert f"case {cases[1]!r}" in str(ei.value) and 'original traceback' in str(ei.value) and 'KeyError' in str(ei.value)

def test_unexpected_worker_error_keeps_case_and_traceback(bad_raw, tmp_path):
    "An unexpected exception inside a case (not a CaseError) is reported with the case id and the original traceback"
    import seg3d.preprocess as pp
    case = RawCase('case_00', [bad_raw/'images'/'case_00.nii.gz'], bad_raw/'labels'/'case_00.nii.gz')
    with mock.patch.object(pp, 'resample_image', side_effect=RuntimeError('boom in resize')):
        e = preprocess_case(case, tmp_path/'o', PreprocessSettings(target=(8, 8, 8)))
    assert e['status'] == 'failed' and e['error'].startswith('case_00: RuntimeError: boom in resize')
    assert 'Traceback' in e['traceback'] and 'resample_image' in e['traceback']

def test_extreme_intensities_and_formats_train_and_predict(tmp_path):
    "Intensities whose squares overflow float32 (~1e30) and FreeSurfer's MGZ: a valid fingerprint (no Infinity), a finite "
    "validation loss and a best checkpoint, predictions in the scans' own format on their grid"
    raw = make_raw(tmp_path/'raw', n=3)
    for f in (raw/'images').iterdir():
        img = nib.load(f); _nii(f, img.get_fdata(dtype=np.float32) * np.float32(1e30), img.affine)
    img, lab = nib.load(raw/'images'/'case_02.nii.gz'), nib.load(raw/'labels'/'case_02.nii.gz')
    for kind, im in (('images', img), ('labels', lab)):
        nib.save(nib.MGHImage(np.asanyarray(im.dataobj), im.affine), raw/kind/'case_02.mgz'); (raw/kind/'case_02.nii.gz').unlink()
    before = _hashes(raw)
    subprocess.run(['seg3d_preprocess', str(raw), str(tmp_path/'pre'), '--shape', '32', '32', '16'], capture_output=True, check=True)
    def strict(c): raise AssertionError(f'{c} in fingerprint.json')
    fp = json.loads((tmp_path/'pre'/'fingerprint.json').read_text(), parse_constant=strict)
    assert len(fp['cases']) == 3 and not fp['failed']
    cfg = tmp_path/'tiny.json'; cfg.write_text(json.dumps({'model': dict(block='basic', layers=[1, 1, 1, 1], width=4, skip='none')}))
    r = subprocess.run(['seg3d_train', str(tmp_path/'pre'), str(tmp_path/'m'), '--epochs', '1', '--workers', '0', '--config', str(cfg),
                        '--progress', 'none'], capture_output=True, text=True)
    assert r.returncode == 0 and (tmp_path/'m'/'best_resnet3d_segmentation.pth').exists(), r.stdout + r.stderr
    val = json.loads((tmp_path/'m'/'metrics_3d.json').read_text())['best_val_loss']
    assert np.isfinite(val), val
    r = subprocess.run(['seg3d_predict', str(raw/'images'), str(tmp_path/'p'), '--model', str(tmp_path/'m'), '--output_format', 'same',
                        '--labels', str(raw/'labels')], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    pred = nib.load(tmp_path/'p'/'case_02_pred.mgz')
    assert isinstance(pred, nib.MGHImage) and pred.shape == img.shape[:3] and np.allclose(pred.affine, img.affine)
    rep = json.loads((tmp_path/'p'/'inference_results_3d.json').read_text())
    assert [e['status'] for e in rep['cases']] == ['ok'] * 3 and all('mean_fg_dice' in e['metrics'] for e in rep['cases'])
    assert _hashes(raw) == before

def test_no_best_checkpoint_is_an_error_naming_the_validation_cases(tmp_path, capsys):
    "A run in which no epoch had a finite validation loss says so (exit 1 from the CLI) instead of listing a missing file"
    from types import SimpleNamespace
    from seg3d.train import _print_trained
    (tmp_path/'last.pth').write_bytes(b'x')
    learn = SimpleNamespace(cfg=SimpleNamespace(out_dir=str(tmp_path), best_by='val_loss'), precision='fp32',
                            history=[dict(epoch=1, val_loss=float('nan'))], val_dl=SimpleNamespace(dataset=SimpleNamespace(cases=['v1', 'v2'])))
    with pytest.raises(CaseError, match=r'no best checkpoint written — no epoch had a finite validation loss \(validation cases: v1, v2\)'):
        _print_trained(learn)
    out = capsys.readouterr().out
    assert 'last.pth' in out and 'best_resnet3d_segmentation.pth' not in out

def test_images_in_formats_seg3d_does_not_read_are_named(tmp_path, model_ckpt):
    "A TIFF among the scans is no case, but preprocessing and prediction say they skipped it (exit 0: nothing failed)"
    raw = make_raw(tmp_path/'raw', n=3)
    (raw/'images'/'case_09.tif').write_bytes(b'II*\x00' + bytes(100))
    r = subprocess.run(['seg3d_preprocess', str(raw), str(tmp_path/'pre'), '--shape', '32', '32', '16'], capture_output=True, text=True)
    assert r.returncode == 0 and 'warning: skipped 1 file(s) in a format seg3d does not read' in r.stderr and 'case_09.tif' in r.stderr, r.stderr
    r = subprocess.run(['seg3d_predict', str(raw/'images'), str(tmp_path/'p'), '--model', str(model_ckpt)], capture_output=True, text=True)
    assert r.returncode == 0 and 'case_09.tif' in r.stderr, r.stderr
    assert len(json.loads((tmp_path/'p'/'inference_results_3d.json').read_text())['cases']) == 3
