"""Evaluation scores exactly what prediction writes (#18): a model trained on patches, fp32, the same test cases —
`seg3d_evaluate` on the preprocessed folder and `seg3d_predict --space preprocessed` on the raw scans give the same
per-case Dice, and both give the same raw-grid Dice."""
import json, shutil, subprocess
from pathlib import Path
import pytest
from seg3d.data import Config
from seg3d.train import train

@pytest.fixture(scope='module')
def patch_model(tiny_pre, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp('patch_model')
    cfg = Config(data_dir=str(tiny_pre), out_dir=str(out/'models_3d'), patch_size=[16, 32, 16], epochs=2, batch_size=2,
                 num_workers=0, precision='fp32', split=[0.5, 0.17, 0.33], lr=3e-3,
                 model=dict(block='basic', layers=[1, 1, 1, 1], width=4, skip='concat', dropout=0.0, norm='instance'))
    train(cfg, progress='none')
    return out/'models_3d'

def test_evaluate_scores_what_predict_writes(tiny_pre, patch_model, tmp_path):
    raw = tiny_pre.parent/'raw'
    r = subprocess.run(['seg3d_evaluate', str(patch_model), str(tiny_pre), '--out', str(tmp_path/'ev'), '--precision', 'fp32'],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    ev = json.loads((tmp_path/'ev'/'metrics_3d.json').read_text())['test']
    assert ev['policy']['window'] == [16, 32, 16] and ev['raw_grid']['cases'] == len(ev['case_ids']) >= 2
    scans = tmp_path/'scans'
    scans.mkdir()
    for c in ev['case_ids']: shutil.copy(raw/'images'/f'{c}.nii.gz', scans)
    r = subprocess.run(['seg3d_predict', str(scans), str(tmp_path/'pred'), '--model', str(patch_model), '--space', 'preprocessed',
                        '--labels', str(raw/'labels'), '--precision', 'fp32'], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    pr = {c['case']: c['metrics'] for c in json.loads((tmp_path/'pred'/'inference_results_3d.json').read_text())['cases']}
    for row in ev['rows']:
        pre, raw_grid = pr[row['case']]['preprocessed'], pr[row['case']]
        assert abs(row['mean_fg_dice'] - pre['mean_fg_dice']) <= 1e-4, (row['case'], row['mean_fg_dice'], pre['mean_fg_dice'])
        for a, b in zip(row['dice'], pre['dice']): assert (a is None) == (b is None) and (a is None or abs(a - b) <= 1e-4)
        assert abs(row['raw']['mean_fg_dice'] - raw_grid['mean_fg_dice']) <= 1e-4, (row['case'], row['raw'], raw_grid)
