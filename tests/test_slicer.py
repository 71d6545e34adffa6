"""3D Slicer segmentations (`.seg.nrrd`) as labels, end to end through the command-line tools: segments drawn in another
order and files saved cropped give the same training labels and the same scores as the NIfTI label maps; a segment
name the dataset does not know fails its case; predictions written as Slicer segmentations read back by name"""
import json, shutil, subprocess
from pathlib import Path
import numpy as np, nibabel as nib, pytest
from conftest import make_raw
from seg3d.preprocess import _write_seg_nrrd, slicer_segments, sha256

pytest.importorskip('SimpleITK')
NAMES = {1: 'left ball', 2: 'right ball', 3: 'box', 4: 'Box_Edge'}

def _hashes(root): return {p: sha256(p) for p in sorted(Path(root).rglob('*')) if p.is_file()}

def _as_slicer(nifti_raw:Path, root:Path) -> Path:
    "The NIfTI dataset's labels as Slicer segmentations: every second file drawn in another order, one saved cropped"
    shutil.copytree(nifti_raw/'images', root/'images')
    for k, f in enumerate(sorted((nifti_raw/'labels').iterdir())):
        lab = nib.load(f); a = np.asarray(lab.dataobj).astype(np.uint8)
        order = [1, 2, 3, 4] if k % 2 else [4, 3, 1, 2]
        remap = np.zeros(5, np.uint8); segs = []
        for pos, c in enumerate(order): remap[c] = pos + 1; segs.append((NAMES[c], 0, pos + 1))
        b, A = remap[a], lab.affine
        if k == 1:                                           # saved cropped to the segments' extent
            nz = np.argwhere(b); lo, hi = nz.min(0), nz.max(0) + 1
            A = lab.affine.copy(); A[:3, 3] += lab.affine[:3, :3] @ lo
            b = b[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        _write_seg_nrrd(root/'labels'/f.name.replace('.nii.gz', '.seg.nrrd'), b, A, segs)
    return root

def _run(*args):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout

def test_slicer_labels_train_predict_and_score_like_nifti(tmp_path):
    nifti = make_raw(tmp_path/'nifti', n=5)
    raw = _as_slicer(nifti, tmp_path/'slicer')
    before = _hashes(raw)
    out = _run('seg3d_plan', raw, tmp_path/'plan', '--shape', 32, 32, 16)
    assert "3D Slicer segments by name → class {'background': 0, 'box edge': 1, 'box': 2, 'left ball': 3, 'right ball': 4}" in out, out
    _run('seg3d_preprocess', raw, tmp_path/'pre', '--shape', 32, 32, 16)
    _run('seg3d_preprocess', nifti, tmp_path/'pre_nifti', '--shape', 32, 32, 16)
    cls = {'box edge': 1, 'box': 2, 'left ball': 3, 'right ball': 4}                    # the majority's values
    to_nifti = np.array([0] + [cls[n.lower().replace('_', ' ')] for n in NAMES.values()], np.uint8)
    for f in sorted((tmp_path/'pre_nifti'/'labels').iterdir()):
        want = to_nifti[np.asarray(nib.load(f).dataobj)]
        got = np.asarray(nib.load(tmp_path/'pre'/'labels'/f.name).dataobj)
        assert np.array_equal(got, want), f.name                 # reordered and cropped files: the same labels
    cfg = tmp_path/'tiny.json'; cfg.write_text(json.dumps({'model': dict(block='basic', layers=[1, 1, 1, 1], width=4, skip='none')}))
    _run('seg3d_train', tmp_path/'pre', tmp_path/'m', '--epochs', 1, '--workers', 0, '--config', cfg, '--progress', 'none')
    _run('seg3d_predict', raw/'images', tmp_path/'p', '--model', tmp_path/'m', '--labels', raw/'labels', '--output_format', 'seg.nrrd')
    segs = slicer_segments(tmp_path/'p'/'case_00_pred.seg.nrrd')
    assert [s['name'] for s in segs] == ['box edge', 'box', 'left ball', 'right ball'], segs
    rep = json.loads((tmp_path/'p'/'inference_results_3d.json').read_text())
    assert [e['status'] for e in rep['cases']] == ['ok'] * 5 and all(e.get('metrics') for e in rep['cases']), rep
    # the same predictions scored against the NIfTI labels (values mapped to the segments' classes) give the same Dice
    (tmp_path/'nl').mkdir()
    for f in sorted((nifti/'labels').iterdir()):
        lab = nib.load(f); nib.save(nib.Nifti1Image(to_nifti[np.asarray(lab.dataobj)], lab.affine), tmp_path/'nl'/f.name)
    s1 = json.loads(_run('seg3d_score', tmp_path/'p', raw/'labels', '--out', tmp_path/'s1') and (tmp_path/'s1'/'scores.json').read_text())
    s2 = json.loads(_run('seg3d_score', tmp_path/'p', tmp_path/'nl', '--out', tmp_path/'s2') and (tmp_path/'s2'/'scores.json').read_text())
    assert s1['cases'] == 5 and not s1['failed'] and s1['class_names'][1:] == ['box edge', 'box', 'left ball', 'right ball']
    assert s1['mean_fg_dice'] == pytest.approx(s2['mean_fg_dice'], abs=1e-12)
    assert _hashes(raw) == before                            # inputs never modified

def test_unknown_segment_name_fails_its_case(tmp_path):
    raw = _as_slicer(make_raw(tmp_path/'nifti', n=3), tmp_path/'slicer')
    (raw/'dataset.json').write_text(json.dumps({'channel_names': {'0': 'a', '1': 'b'}, 'labels': {
        'background': 0, 'left ball': 1, 'right ball': 2, 'box': 3, 'box edge': 4}}))
    _write_seg_nrrd(raw/'labels'/'case_02.seg.nrrd', np.ones((20, 24, 12), np.uint8), np.diag([1.5, 1.5, 3.0, 1.0]), [('tumour', 0, 1)])
    r = subprocess.run(['seg3d_preprocess', str(raw), str(tmp_path/'pre'), '--shape', '32', '32', '16'], capture_output=True, text=True)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "case_02.seg.nrrd: segment 'tumour' is none of the classes ['background', 'left ball', 'right ball', 'box', 'box edge']" in r.stdout + r.stderr
    rep = json.loads((tmp_path/'pre'/'preprocessing_report.json').read_text())
    assert [e['status'] for e in rep['cases']] == ['ok', 'ok', 'failed']
