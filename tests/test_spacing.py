"""Preprocessing at one voxel size (nnU-Net's target spacing), end to end through the command-line tools: scans of one
anatomy at different resolutions, fields of view and orientations give structures of the same size in voxels; the plan
names the case the grid crops; training and prediction run on that grid, a scan larger than the grid is predicted
whole, and predictions land on each scan's own grid"""
import json, subprocess
from pathlib import Path
import numpy as np, nibabel as nib, pytest
from seg3d.preprocess import sha256, to_raw_grid, labels_to_onehot, voxel_sizes
from seg3d.predictor import Predictor

R_MM = 9.0                  # the ball's radius
BOX_MM = (12.0, 8.0, 10.0)  # the box's edges

def _scan(shape, sp, flip=(False, False, False), perm=(0, 1, 2), seed=0):
    "An image and label of one anatomy (a ball, class 1; a box, class 2) on a grid of `shape` voxels of size `sp` mm"
    rng = np.random.default_rng(seed)
    world = [(np.arange(n) - (n - 1) / 2) * s for n, s in zip(shape, sp)]         # mm from the scan's centre
    X, Y, Z = np.meshgrid(*world, indexing='ij')
    lab = (((X + 6) ** 2 + Y ** 2 + Z ** 2) <= R_MM ** 2).astype(np.uint8)
    lab[(np.abs(X - 14) <= BOX_MM[0] / 2) & (np.abs(Y) <= BOX_MM[1] / 2) & (np.abs(Z) <= BOX_MM[2] / 2)] = 2
    img = np.stack([lab * 10 + rng.normal(0, 1, shape), (lab > 0) * 5 + rng.normal(0, 1, shape)], -1).astype(np.float32)
    A = np.diag([*sp, 1.0]); A[:3, 3] = [-(n - 1) / 2 * s for n, s in zip(shape, sp)]
    for ax, f in enumerate(flip):                            # the same world positions, the voxel order reversed
        if f:
            img, lab = np.flip(img, ax), np.flip(lab, ax)
            A[:3, 3] += A[:3, ax] * (shape[ax] - 1); A[:3, ax] *= -1
    img, lab = np.transpose(img, [*perm, 3]), np.transpose(lab, perm)        # the file's axes in another order
    A = A[:, [*perm, 3]]
    return np.ascontiguousarray(img), np.ascontiguousarray(lab), A

CASES = {                   # shape (voxels), spacing (mm), voxel order
    'fine':     ((60, 50, 14), (0.6, 0.6, 3.0), {}),
    'coarse':   ((30, 26, 10), (1.2, 1.2, 4.0), {}),
    'lps':      ((44, 40, 12), (0.8, 0.8, 3.5), dict(flip=(True, True, False))),
    'sagittal': ((12, 44, 40), (3.0, 0.8, 0.8), dict(perm=(2, 0, 1))),       # thick axis first in the file
    'wide':     ((96, 80, 12), (0.7, 0.7, 3.0), {}),                         # a field of view the grid crops
    'small':    ((40, 34, 12), (0.7, 0.7, 3.0), {}),
}

def _raw(root:Path) -> Path:
    for i, (name, (shape, sp, kw)) in enumerate(CASES.items()):
        perm = kw.get('perm', (0, 1, 2))
        shape_w, sp_w = [shape[perm.index(j)] for j in range(3)], [sp[perm.index(j)] for j in range(3)]   # world order
        img, lab, A = _scan(shape_w, sp_w, kw.get('flip', (False,) * 3), perm, seed=i)
        assert img.shape[:3] == shape
        for sub, arr in (('images', img), ('labels', lab)):
            (root/sub).mkdir(parents=True, exist_ok=True)
            nib.save(nib.Nifti1Image(arr, A), root/sub/f'{name}.nii.gz')
    return root

def _run(*args, rc=0):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    assert r.returncode == rc, r.stdout + r.stderr
    return r.stdout

def test_one_voxel_size_plan_preprocess_train_predict(tmp_path):
    raw = _raw(tmp_path/'raw')
    before = {p: sha256(p) for p in sorted(raw.rglob('*')) if p.is_file()}
    grid = ('--shape', 48, 48, 24)
    out = _run('seg3d_plan', raw, tmp_path/'plan', *grid, '--spacing', 'auto')
    plan = json.loads((tmp_path/'plan'/'plan.json').read_text())
    ts = plan['spacing']
    assert ts == pytest.approx([0.75, 0.75, 3.0]), ts             # the medians in the grid's axes, after reorienting
    assert f"grid [48, 48, 24] at {ts} mm per voxel" in out, out
    assert "wide: [90, 75, 12] voxels at the target spacing; the grid crops X by 42, Y by 27 voxel(s)" in out, out
    assert sum('the grid crops' in w for w in plan['warnings']) == 1, plan['warnings']
    assert plan['suggested_grid'] == [96, 80, 16], plan['suggested_grid']       # holds every case at that voxel size
    assert plan['cases']['sagittal']['mid_shape'][:2] == plan['cases']['lps']['mid_shape'][:2] == [47, 43], plan

    _run('seg3d_preprocess', raw, tmp_path/'pre', *grid, '--spacing', 'auto')
    cfg = json.loads((tmp_path/'pre'/'preprocessing_config.json').read_text())
    assert cfg['settings']['spacing'] == ts, cfg
    rep = {e['case']: e for e in json.loads((tmp_path/'pre'/'preprocessing_report.json').read_text())['cases']}
    vox = np.prod(ts)
    for name in CASES:
        f = nib.load(tmp_path/'pre'/'labels'/f'{name}.nii.gz')
        assert voxel_sizes(f.affine) == pytest.approx(ts, rel=0.06), (name, voxel_sizes(f.affine))
        lab, r = np.asarray(f.dataobj), nib.load(raw/'labels'/f'{name}.nii.gz')
        raw_lab, raw_vox = np.asarray(r.dataobj), np.prod(voxel_sizes(r.affine))
        mm3 = lambda a, v, c: (a == c).sum() * v
        assert mm3(lab, vox, 1) == pytest.approx(4 / 3 * np.pi * R_MM ** 3, rel=0.15), name   # one size in every case
        for c, rel in ((1, 0.15), (2, 0.25)):   # the volume each raw label holds (nearest voxels; the wide box: cropped)
            if (name, c) != ('wide', 2):
                assert mm3(lab, vox, c) == pytest.approx(mm3(raw_lab, raw_vox, c), rel=rel), (name, c)
        # the plan the report keeps takes the preprocessed label back onto the raw grid
        back = to_raw_grid(labels_to_onehot(lab, 3), rep[name]['plan']).argmax(0).numpy().T
        assert back.shape == raw_lab.shape
        for c in (1, 2):
            dice = 2 * ((back == c) & (raw_lab == c)).sum() / ((back == c).sum() + (raw_lab == c).sum())
            assert dice > 0.85, (name, c, dice)

    tiny = tmp_path/'tiny.json'
    tiny.write_text(json.dumps({'model': dict(block='basic', layers=[1, 1, 1, 1], width=4, skip='none')}))
    _run('seg3d_train', tmp_path/'pre', tmp_path/'m', '--epochs', 1, '--workers', 0, '--config', tiny,
         '--progress', 'none')
    _run('seg3d_predict', raw/'images', tmp_path/'p', '--model', tmp_path/'m', '--labels', raw/'labels')
    res = json.loads((tmp_path/'p'/'inference_results_3d.json').read_text())
    assert [e['status'] for e in res['cases']] == ['ok'] * len(CASES), res
    for name in CASES:
        src, pred = nib.load(raw/'images'/f'{name}.nii.gz'), nib.load(tmp_path/'p'/f'{name}_pred.nii.gz')
        assert pred.shape == src.shape[:3] and np.allclose(pred.affine, src.affine), name   # the scan's own grid
    # a scan larger than the grid is predicted whole: the grid grows, nothing is cropped away
    r = Predictor.from_folder(tmp_path/'m').predict_case(raw/'images'/'wide.nii.gz', both=True)
    assert r['plan']['crop'] == [[0, 0]] * 3 and r['plan']['out_shape'] == [90, 75, 24], r['plan']
    assert r['label_preprocessed'].shape == (90, 75, 24) and r['label'].shape == CASES['wide'][0]
    assert {p: sha256(p) for p in sorted(raw.rglob('*')) if p.is_file()} == before      # inputs never modified
