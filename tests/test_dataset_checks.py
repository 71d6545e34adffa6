"""Know the dataset before touching it (#19): a raw folder of mixed formats, orientations and broken cases goes through
`seg3d_plan` and `seg3d_preprocess`; every bad case gets one error naming its file, the others go on, inputs are unchanged."""
import json, subprocess
import numpy as np, nibabel as nib, pytest
from seg3d.preprocess import _nii, sha256, _dicom_series, to_raw_grid, labels_to_onehot

SHAPE = (16, 14, 8)

def label_map():
    zz = np.stack(np.meshgrid(*[np.arange(s) for s in SHAPE], indexing='ij'), -1)
    lab = np.zeros(SHAPE, np.uint8)
    ball = (((zz - [8, 7, 4]) * [1, 1, 2])**2).sum(-1) < 20
    lab[ball & (zz[..., 0] < 8)], lab[ball & (zz[..., 0] >= 8)] = 1, 2
    lab[0:3, 0:3, 1:6], lab[13:16, 11:14, 1:6] = 3, 4
    return lab

@pytest.fixture(scope='module')
def raw(tmp_path_factory):
    pytest.importorskip('SimpleITK')
    import SimpleITK as sitk
    root = tmp_path_factory.mktemp('mixed')/'raw'
    lab = label_map()
    img = lambda l: np.stack([l * 25 + np.random.default_rng(0).normal(0, 2, l.shape), (l > 0) * 8.0], -1).astype(np.float32)
    A = np.diag([1.0, 1.1, 2.5, 1.0])
    _nii(root/'images'/'ras.nii.gz', img(lab), A); _nii(root/'labels'/'ras.nii.gz', lab, A)
    flip = np.diag([-1.0, -1.0, 1.0, 1.0]) @ A
    flip[:3, 3] = A[:3, :3] @ [SHAPE[0] - 1, SHAPE[1] - 1, 0]                     # LPS, the same anatomy
    _nii(root/'images'/'lps.nii.gz', img(lab)[::-1, ::-1], flip); _nii(root/'labels'/'lps.nii.gz', lab[::-1, ::-1], flip)
    for suffix in ('.nrrd', '.mha'):                                            # other formats of the RAS case
        sitk.WriteImage(sitk.ReadImage(str(root/'images'/'ras.nii.gz')), str(root/'images'/f'fmt{suffix.replace(".", "_")}{suffix}'))
        sitk.WriteImage(sitk.ReadImage(str(root/'labels'/'ras.nii.gz')), str(root/'labels'/f'fmt{suffix.replace(".", "_")}{suffix}'))
    _nii(root/'images'/'one_channel.nii.gz', img(lab)[..., :1], A); _nii(root/'labels'/'one_channel.nii.gz', lab, A)
    _nii(root/'images'/'nine.nii.gz', img(lab), A); _nii(root/'labels'/'nine.nii.gz', np.where(lab == 4, 9, lab).astype(np.uint8), A)
    bad = _nii(root/'images'/'singular.nii', img(lab)); _nii(root/'labels'/'singular.nii.gz', lab)
    b = bytearray(bad.read_bytes()); b[252:256] = np.array([0, 1], np.int16).tobytes(); b[312:328] = bytes(16); bad.write_bytes(bytes(b))
    (root/'images'/'broken_dicom').mkdir(); (root/'images'/'broken_dicom'/'0001.dcm').write_bytes(b'no dicom here')
    _nii(root/'labels'/'broken_dicom.nii.gz', lab, A)
    (root/'images'/'scan.png').write_bytes(b'png')                             # not an image format: not a case
    return root

def hashes(root): return {str(p): sha256(p) for p in sorted(root.rglob('*')) if p.is_file()}

def test_plan_and_preprocess_check_every_case(raw, tmp_path):
    before = hashes(raw)
    r = subprocess.run(['seg3d_plan', str(raw), str(tmp_path/'plan'), '--shape', *map(str, SHAPE)], capture_output=True, text=True)
    assert r.returncode == 1 and 'written:' in r.stdout, r.stdout + r.stderr
    plan = json.loads((tmp_path/'plan'/'plan.json').read_text())
    assert sorted(plan['failed']) == ['broken_dicom', 'nine', 'one_channel', 'singular'], plan['failed']
    assert 'broken_dicom' in plan['failed']['broken_dicom'] and 'DICOM' in plan['failed']['broken_dicom']
    assert 'label value(s) [9]' in plan['failed']['nine'] and 'nine.nii.gz' in plan['failed']['nine']
    assert '1 channel(s); expected 2' in plan['failed']['one_channel'] and 'singular or not finite' in plan['failed']['singular']
    r = subprocess.run(['seg3d_preprocess', str(raw), str(tmp_path/'pre'), '--shape', *map(str, SHAPE), '--workers', '2'],
                       capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    rep = {e['case']: e for e in json.loads((tmp_path/'pre'/'preprocessing_report.json').read_text())['cases']}
    assert sorted(c for c, e in rep.items() if e['status'] == 'ok') == ['fmt_mha', 'fmt_nrrd', 'lps', 'ras']
    ras = np.asarray(nib.load(tmp_path/'pre'/'labels'/'ras.nii.gz').dataobj)
    for c in ('fmt_mha', 'fmt_nrrd', 'lps'):                                   # one orientation, any format: the same voxels
        assert np.array_equal(np.asarray(nib.load(tmp_path/'pre'/'labels'/f'{c}.nii.gz').dataobj), ras), c
    back = to_raw_grid(labels_to_onehot(ras, 5), rep['lps']['plan']).argmax(0).numpy().T
    assert np.array_equal(back, np.asarray(nib.load(raw/'labels'/'lps.nii.gz').dataobj))   # and back to the LPS file exactly
    assert (tmp_path/'pre'/'fingerprint.json').exists() and (tmp_path/'pre'/'plan.json').exists()
    assert hashes(raw) == before                                               # inputs unchanged

def test_dataset_json_decides(raw, tmp_path):
    import shutil
    ds = tmp_path/'raw'
    shutil.copytree(raw, ds)
    (ds/'dataset.json').write_text(json.dumps({'channel_names': {'0': 'CT', '1': 'mask'}, 'file_ending': '.nii.gz',
                                               'labels': {'background': 0, 'a': 1, 'b': 2, 'c': 3}}))
    r = subprocess.run(['seg3d_plan', str(ds), str(tmp_path/'plan')], capture_output=True, text=True)
    plan = json.loads((tmp_path/'plan'/'plan.json').read_text())
    assert "label value(s) [4] outside the classes 0..3 (dataset.json's labels)" in plan['failed']['ras'], plan['failed']
    assert plan['intensity'][0]['scheme'] == 'ct' and plan['intensity'][1]['scheme'] == 'zscore', plan['intensity']
    lo, hi = plan['intensity'][0]['clip']
    assert lo < hi and r.returncode == 1

def test_predictions_on_other_formats_are_nifti_on_the_input_grid(raw, tmp_path):
    "An NRRD and an LPS NIfTI scan predicted by a reorienting predictor: NIfTI outputs with each input's shape and affine"
    import shutil, torch
    from seg3d.model import ResNet3DSeg
    from seg3d.data import Config
    from seg3d.predictor import Predictor
    from seg3d.inference import predict_folder
    from seg3d.preprocess import _load
    torch.manual_seed(0)
    net = ResNet3DSeg(2, 5, width=4, layers=(1, 1, 1, 1)).eval()
    prep = dict(target=[32, 32, 16], orientation=[0, 1, 2], intensity=[dict(scheme='zscore')] * 2)
    pred = Predictor([net], Config(in_channels=2, num_classes=5, precision='fp32'), prep)
    scans = tmp_path/'scans'
    scans.mkdir()
    for f in ('fmt_nrrd.nrrd', 'lps.nii.gz'): shutil.copy(raw/'images'/f, scans/f)
    rep = predict_folder(scans, tmp_path/'out', pred, progress=False)
    assert rep['summary']['ok'] == 2, rep['cases']
    for case, f in (('fmt_nrrd', 'fmt_nrrd.nrrd'), ('lps', 'lps.nii.gz')):
        out, ref = nib.load(tmp_path/'out'/f'{case}_pred.nii.gz'), _load(scans/f, 0)
        assert out.shape == ref.shape[:3] and np.allclose(out.affine, ref.affine, atol=1e-5), case
    a = np.asarray(nib.load(tmp_path/'out'/'fmt_nrrd_pred.nii.gz').dataobj)      # the LPS file holds the same anatomy
    b = np.asarray(nib.load(tmp_path/'out'/'lps_pred.nii.gz').dataobj)          # flipped in X and Y: so do its labels
    assert np.array_equal(a, b[::-1, ::-1])

def test_dicom_case_and_fingerprint_reuse(tmp_path):
    "A DICOM series is a case like a NIfTI file (the same voxels on the grid); a second run reuses the fingerprint"
    pytest.importorskip('SimpleITK')
    from unittest import mock
    import seg3d.preprocess as pre
    lab = label_map()
    A = np.diag([-1.0, -1.1, 2.5, 1.0])                                          # LPS, as scanners store DICOM
    vol = (lab * 100 + 20).astype(np.int16)
    raw = tmp_path/'raw'
    _nii(raw/'images'/'nifti.nii.gz', vol, A); _nii(raw/'labels'/'nifti.nii.gz', lab, A)
    _dicom_series(raw/'images'/'dicom', vol, A); _nii(raw/'labels'/'dicom.nii.gz', lab, A)
    _nii(raw/'images'/'third.nii.gz', vol, A); _nii(raw/'labels'/'third.nii.gz', lab, A)
    rep = pre.preprocess_dataset(raw, tmp_path/'pre', pre.PreprocessSettings(target=SHAPE), workers=1, progress=False)
    assert rep['totals']['ok'] == 3, [e['error'] for e in rep['cases']]
    img = lambda c: np.asarray(nib.load(tmp_path/'pre'/'images'/f'{c}.nii.gz').dataobj)
    assert np.array_equal(img('dicom'), img('nifti'))
    with mock.patch.object(pre, 'dataset_fingerprint', side_effect=AssertionError('fingerprinted again')):
        pre.plan_dataset(raw, tmp_path/'pre', pre.PreprocessSettings(target=SHAPE), workers=1, progress=False)
    _nii(raw/'labels'/'third.nii.gz', np.where(lab == 1, 0, lab).astype(np.uint8), A)        # changed: fingerprinted again
    with mock.patch.object(pre, 'dataset_fingerprint', side_effect=AssertionError('fingerprinted again')):
        with pytest.raises(AssertionError, match='fingerprinted again'):
            pre.plan_dataset(raw, tmp_path/'pre', pre.PreprocessSettings(target=SHAPE), workers=1, progress=False)
