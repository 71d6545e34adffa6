"Sparse annotations (nnU-Net's ignore label): a dataset.json naming 'ignore' is preprocessed, trained, evaluated and predicted with the unannotated voxels in no loss and no score."
import json, subprocess
import numpy as np, nibabel as nib
import pytest
from seg3d.preprocess import PreprocessSettings, preprocess_dataset, _nii
from seg3d.data import Config
from seg3d.train import train
from seg3d.evaluate import evaluate
from seg3d.inference import predict_folder

IGNORE = 3

@pytest.fixture(scope='module')
def sparse(tmp_path_factory):
    "Six 1-channel scans (nnU-Net layout) whose labels annotate every other slice; the rest holds the ignore label"
    root = tmp_path_factory.mktemp('sparse')
    rng = np.random.default_rng(0)
    zz = np.stack(np.meshgrid(*[np.arange(s) for s in (24, 20, 10)], indexing='ij'), -1)
    for i in range(6):
        lab = (((zz - [12, 10, 5] - rng.uniform(-2, 2, 3))**2).sum(-1) < 30).astype(np.uint8)
        lab[(lab == 1) & (zz[..., 0] > 12)] = 2
        img = (lab * 50.0 + rng.normal(0, 10, lab.shape)).astype(np.float32)
        part = lab.copy(); part[:, :, 1::2] = IGNORE
        _nii(root/'raw'/'imagesTr'/f'sp{i}_0000.nii.gz', img, np.diag([1.0, 1.0, 2.0, 1]))
        _nii(root/'raw'/'labelsTr'/f'sp{i}.nii.gz', part, np.diag([1.0, 1.0, 2.0, 1]))
        _nii(root/'full'/f'sp{i}.nii.gz', lab, np.diag([1.0, 1.0, 2.0, 1]))
    (root/'raw'/'dataset.json').write_text(json.dumps(dict(
        channel_names={'0': 'MR'}, labels=dict(background=0, left=1, right=2, ignore=IGNORE), numTraining=6,
        file_ending='.nii.gz')))
    preprocess_dataset(root/'raw', root/'pre', PreprocessSettings(target=(32, 32, 16)), workers=1, progress=False)
    return root, json.loads((root/'pre'/'preprocessing_config.json').read_text())['settings']

def test_preprocessing_keeps_the_ignore_label(sparse):
    root, s = sparse
    assert (s['num_classes'], s['ignore_label']) == (3, IGNORE)              # from dataset.json: 'ignore' is not a class
    values = np.unique(np.asanyarray(nib.load(root/'pre'/'labels'/'sp0.nii.gz').dataobj))
    assert set(values.tolist()) == {0, 1, 2, IGNORE}
    bad = root/'bad'; (bad/'imagesTr').mkdir(parents=True); (bad/'labelsTr').mkdir()
    (bad/'dataset.json').write_text((root/'raw'/'dataset.json').read_text())
    for i in range(3):
        img = nib.load(root/'raw'/'imagesTr'/f'sp{i}_0000.nii.gz'); lab = np.asanyarray(nib.load(root/'raw'/'labelsTr'/f'sp{i}.nii.gz').dataobj).copy()
        if i == 0: lab[0, 0, 0] = 4
        _nii(bad/'imagesTr'/f'sp{i}_0000.nii.gz', img.get_fdata().astype(np.float32), img.affine); _nii(bad/'labelsTr'/f'sp{i}.nii.gz', lab, img.affine)
    rep = preprocess_dataset(bad, root/'bad_pre', PreprocessSettings(target=(32, 32, 16)), workers=1, progress=False)
    err = {e['case']: e for e in rep['cases']}['sp0']['error']
    assert 'label value(s) [4] outside the classes 0..2' in err, err

def test_train_evaluate_predict_leave_unannotated_voxels_out(sparse, tmp_path):
    root, _ = sparse
    cfg = Config(data_dir=str(root/'pre'), out_dir=str(tmp_path/'m'), epochs=3, num_workers=0, precision='fp32', loss='dice_ce',
                 split=[0.5, 0.25, 0.25], model=dict(block='basic', layers=[1, 1, 1, 1], width=4, skip='add', dropout=0.0, norm='instance'))
    learn = train(cfg, progress='none')
    assert (learn.cfg.num_classes, learn.cfg.ignore_label) == (3, IGNORE)
    assert learn.cfg.class_names == ['background', 'left', 'right']       # the raw folder's dataset.json, 'ignore' left out
    assert all(np.isfinite(h['train_loss']) and np.isfinite(h['val_loss']) and len(h['val_dice']) == 3 for h in learn.history)
    sec = evaluate(tmp_path/'m', root/'pre', split='all', progress=False)
    assert sec['cases'] == 6 and sec['raw_grid']['cases'] == 6
    row = sec['rows'][0]
    assert row['distance_flags'][1] == 'partial_annotation' and row['hd95'][1] is None
    lab = np.asanyarray(nib.load(root/'pre'/'labels'/f"{row['case']}.nii.gz").dataobj)
    assert sum(map(sum, row['confusion'])) == (lab != IGNORE).sum() < lab.size      # the annotated voxels alone are scored
    (tmp_path/'scans').mkdir()
    for i in range(2): (tmp_path/'scans'/f'sp{i}.nii.gz').write_bytes((root/'raw'/'imagesTr'/f'sp{i}_0000.nii.gz').read_bytes())
    rep = predict_folder(tmp_path/'scans', tmp_path/'p', tmp_path/'m', labels=root/'raw'/'labelsTr', progress=False)
    assert rep['summary']['failed'] == 0 and rep['summary']['evaluated'] == 2
    assert np.asanyarray(nib.load(tmp_path/'p'/'sp0_pred.nii.gz').dataobj).max() < IGNORE     # never predicted
    full = predict_folder(tmp_path/'scans', tmp_path/'p2', tmp_path/'m', labels=root/'full', progress=False)
    a, b = rep['cases'][0]['metrics'], full['cases'][0]['metrics']      # same prediction, scored on half vs all slices
    assert a['hd95'][1] is None and b['hd95'][1] is not None and a['dice'] != b['dice']

def test_cli_states_the_ignore_label(sparse, tmp_path):
    root, _ = sparse
    r = subprocess.run(['seg3d_preprocess', str(root/'raw'), str(tmp_path/'o'), '--shape', '32', '32', '16',
                        '--workers', '1'], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads((tmp_path/'o'/'preprocessing_config.json').read_text())['settings']['ignore_label'] == IGNORE
    r = subprocess.run(['seg3d_preprocess', str(root/'raw'), str(tmp_path/'o2'), '--shape', '32', '32', '16',
                        '--num_classes', '3', '--ignore_label', '2'], capture_output=True, text=True, timeout=600)
    assert r.returncode != 0 and 'ignore_label must be a label value in 1..255 above the classes 0..2' in r.stderr, r.stderr[-2000:]
