"Facts the data hold (grid, channels, classes) come from the data: a 1-channel, 2-class set trains with a config that names none of them."
import json, subprocess, sys
import numpy as np
import pytest
from seg3d.preprocess import PreprocessSettings, preprocess_dataset, _nii
from seg3d.data import Config
from seg3d.train import train

@pytest.fixture(scope='module')
def ct_like(tmp_path_factory):
    "Four 1-channel scans with a binary label, preprocessed with --channels 1 --num_classes 2"
    root = tmp_path_factory.mktemp('ct')
    rng = np.random.default_rng(0)
    zz = np.stack(np.meshgrid(*[np.arange(s) for s in (24, 20, 10)], indexing='ij'), -1)
    for i in range(4):
        lab = (((zz - [12, 10, 5] - rng.uniform(-2, 2, 3))**2).sum(-1) < 25).astype(np.uint8)
        img = (lab * 300.0 + rng.normal(40, 20, lab.shape)).astype(np.float32)       # HU-like, one channel, 3D file
        _nii(root/'raw'/'images'/f'ct{i}.nii.gz', img, np.diag([0.8, 0.8, 2.5, 1]))
        _nii(root/'raw'/'labels'/f'ct{i}.nii.gz', lab, np.diag([0.8, 0.8, 2.5, 1]))
    preprocess_dataset(root/'raw', root/'pre', PreprocessSettings(target=(32, 32, 16), channels=1, num_classes=2), workers=1, progress=False)
    return root

def test_cli_trains_with_only_epochs_and_model(ct_like, tmp_path):
    (tmp_path/'cfg.json').write_text(json.dumps(dict(epochs=1, num_workers=0, precision='fp32', split=[0.5, 0.25, 0.25],
        model=dict(block='basic', layers=[1, 1, 1, 1], width=4, skip='add', dropout=0.0, norm='instance'))))
    r = subprocess.run([sys.executable, '-m', 'seg3d.train', str(ct_like/'pre'), str(tmp_path/'out'), '--config', str(tmp_path/'cfg.json')],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    cfg = json.loads((tmp_path/'out'/'metrics_3d.json').read_text())['config']
    assert (cfg['target_shape'], cfg['in_channels'], cfg['num_classes']) == ([32, 32, 16], 1, 2)
    assert cfg['class_weights'] == [0.1, 1.0] and cfg['class_names'] == ['background', 'class_1']

def test_mismatches_and_small_patches_fail_before_training(ct_like, tmp_path):
    base = dict(data_dir=str(ct_like/'pre'), out_dir=str(tmp_path/'x'), epochs=1, num_workers=0, split=[0.5, 0.25, 0.25])
    with pytest.raises(ValueError, match=r"patch_size \[8, 16, 16\] is too small for the network's 16× downsampling"):
        train(Config(**base, patch_size=[8, 16, 16]), progress='none')
    with pytest.raises(ValueError, match=r"num_classes=1 but the labels hold the value 1"):
        train(Config(**base, num_classes=1, class_weights=[1.0], class_names=['bg']), progress='none')
    with pytest.raises(Exception, match=r"in_channels=2"):
        train(Config(**base, in_channels=2), progress='none')
