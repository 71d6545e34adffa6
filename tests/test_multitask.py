"""Segmentation + case-level classification (#23) end to end on tiny synthetic cases: the label table is checked and
carried by seg3d_preprocess, a multi-task model trains, evaluates and predicts with its classes; bad tables and
label-less data get one clear message."""
import csv, json, subprocess, warnings
import numpy as np, pytest, torch
from conftest import make_raw
from seg3d.data import Config
from seg3d.train import train
from seg3d.evaluate import evaluate, metrics_table
from seg3d.inference import predict_folder
from seg3d.model import load_checkpoint

GRID = ['32', '32', '16']

def preprocess(raw, dst):
    return subprocess.run(['seg3d_preprocess', str(raw), str(dst), '--shape', *GRID, '--channels', '2', '--num_classes', '5',
                           '--workers', '1'], capture_output=True, text=True)

@pytest.mark.parametrize('table, says', [
    ('case,size\ncase_00,big\nnobody,small\n', "case(s) ['nobody'] are not in the dataset"),
    ('case,volume\ncase_00,12.5\ncase_01,3.25\n', "non-categorical value '12.5' (case 'case_00')"),
    ('case,site\n' + ''.join(f'case_00,{i}\n' for i in range(2)), "case 'case_00' is empty or appears twice"),
])
def test_bad_label_tables_stop_preprocessing_with_one_message(tmp_path, table, says):
    raw = make_raw(tmp_path/'raw', n=3)
    (raw/'case_labels.csv').write_text(table)
    r = preprocess(raw, tmp_path/'pre')
    assert r.returncode == 1 and says in r.stderr and 'case_labels.csv' in r.stderr, r.stderr
    assert not (tmp_path/'pre'/'images').exists()                                   # stopped before any case

@pytest.fixture(scope='module')
def multitask(tmp_path_factory):
    root = tmp_path_factory.mktemp('mt')
    raw = make_raw(root/'raw', n=8)
    rows = ''.join(f"case_{i:02d},{'AB'[i % 2]}\n" for i in range(7)).replace('case_03,B', 'case_03,')   # 03 unknown, 07 missing
    (raw/'case_labels.csv').write_text('case,site\n' + rows + 'case_99,A\n')
    (raw/'images'/'case_99.nii.gz').write_bytes(b'\x1f\x8b broken')              # fails preprocessing, keeps its label row
    (raw/'labels'/'case_99.nii.gz').write_bytes((raw/'labels'/'case_00.nii.gz').read_bytes())
    r = preprocess(raw, root/'pre')
    assert r.returncode == 1 and 'FAILED case_99' in r.stdout and "1 case(s) have no row" in r.stderr and 'case_07' in r.stderr, r.stdout + r.stderr
    cfg = Config(data_dir=str(root/'pre'), out_dir=str(root/'model'), epochs=2, num_workers=0, split=[0.5, 0.25, 0.25],
                 best_by='combined', model=dict(block='basic', layers=[1, 1, 1, 1], width=4, skip='concat', dropout=0.1,
                                                 head_hidden=8))
    learn = train(cfg, progress='none')
    return root, learn

def test_labels_are_carried_normalized(multitask):
    root, _ = multitask
    table = list(csv.reader((root/'pre'/'case_labels.csv').open()))
    assert table[0] == ['case', 'site'] and ['case_03', ''] in table and len(table) == 9

def test_multitask_training_records_task_metrics(multitask):
    root, learn = multitask
    assert learn.cfg.model.tasks == {'site': ['A', 'B']}
    m = json.loads((root/'model'/'metrics_3d.json').read_text())
    row = m['epochs'][-1]
    val = json.loads((root/'model'/'split.json').read_text())['val']
    known = [c for c in val if c not in ('case_03', 'case_07')]
    assert row['val_tasks']['site']['n'] == len(known) and set(row['val_tasks']['site']) >= {'accuracy', 'balanced_accuracy', 'auc', 'confusion'}
    assert m['best_by'] == 'combined' and row['val_score'] is not None and m['task_class_weights']['site']
    ck = load_checkpoint(root/'model'/'best_resnet3d_segmentation.pth')
    assert ck['model_kwargs']['tasks'] == {'site': ['A', 'B']}

def test_evaluation_reports_tasks_and_says_what_it_cannot_compute(multitask, tmp_path):
    root, _ = multitask
    sec = evaluate(root/'model', root/'pre', split='all', out=tmp_path/'ev', progress=False)
    t = sec['tasks']['site']
    assert (t['n'], t['unknown']) == (6, 2) and np.sum(t['confusion']) == 6
    assert (tmp_path/'ev'/'all_tasks.png').exists() and 'task site: accuracy' in metrics_table(sec)
    import shutil
    shutil.copytree(root/'pre', tmp_path/'nolabels', ignore=shutil.ignore_patterns('case_labels.csv', '.cache'))
    bare = evaluate(root/'model', tmp_path/'nolabels', split='all', out=tmp_path/'ev2', progress=False)
    assert 'cannot be computed' in bare['tasks']['site']['note'] and bare['mean_fg_dice'] == sec['mean_fg_dice']

def test_prediction_writes_classes_with_mc_spread(multitask, tmp_path):
    root, _ = multitask
    import shutil
    shutil.copytree(root/'raw'/'images', tmp_path/'scans', ignore=shutil.ignore_patterns('case_99*'))
    r = subprocess.run(['seg3d_predict', str(tmp_path/'scans'), str(tmp_path/'pred'), '--model', str(root/'model'),
                        '--mc_samples', '3'],
                       capture_output=True, text=True)
    assert r.returncode == 0 and 'site = ' in r.stdout and 'case_classes.csv' in r.stdout, r.stdout + r.stderr
    rep = json.loads((tmp_path/'pred'/'inference_results_3d.json').read_text())
    for c in rep['cases']:
        cl = c['classes']['site']
        assert cl['samples'] == 3 and cl['uncertainty'] is not None and abs(sum(cl['probabilities'].values()) - 1) < 1e-5
    rows = list(csv.DictReader((tmp_path/'pred'/'case_classes.csv').open()))
    assert len(rows) == 8 and rows[0]['site'] in ('A', 'B') and float(rows[0]['site_uncertainty']) >= 0
    again = predict_folder(tmp_path/'scans', tmp_path/'pred2', root/'model', mc_samples=3, progress=False)
    assert [c['classes'] for c in again['cases']] == [c['classes'] for c in rep['cases']]     # seeded MC samples

def test_ensemble_averages_the_members_classes(multitask):
    root, _ = multitask
    from seg3d.predictor import Predictor
    from seg3d.data import SegDataset, build_cache, preprocessed_cases
    members = [root/'model'/'best_resnet3d_segmentation.pth', root/'model'/'last.pth']
    ens, one = Predictor.from_checkpoints(members, precision='fp32'), Predictor.from_checkpoints(members[:1], precision='fp32')
    case = preprocessed_cases(root/'pre', verbose=False)[0]
    x = SegDataset(root/'pre', [case], one.cfg, metas=build_cache(root/'pre', [case], verbose=False))[0]['image']
    both, single = [], []
    ens.probs(x, both); one.probs(x, single)
    assert len(both) == 2 and torch.allclose(both[0]['site'], single[0]['site'])
    mean = ens.case_classes(both)['site']['probabilities']
    assert abs(mean['A'] - float((both[0]['site'][0] + both[1]['site'][0]) / 2)) < 1e-6
