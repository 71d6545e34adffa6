"Label regions (nnU-Net's BraTS-style dataset.json): the label files hold disjoint classes, dataset.json names unions of them; preprocessing accepts them, training learns the classes, and evaluation, prediction and seg3d_score report each region's scores beside the classes'."
import json, subprocess
import numpy as np
import pytest
from seg3d.preprocess import PreprocessSettings, preprocess_dataset, _nii
from seg3d.data import Config
from seg3d.train import train
from seg3d.evaluate import evaluate, metrics_table, region_metrics
from seg3d.inference import predict_folder

REGIONS = {'whole tumor': [1, 2, 3], 'tumor core': [2, 3], 'enhancing tumor': [3]}

@pytest.fixture(scope='module')
def brats(tmp_path_factory):
    "Six 1-channel scans (nnU-Net layout) with nested classes: 1 around 2 around 3, and BraTS's region dataset.json"
    root = tmp_path_factory.mktemp('regions')
    rng = np.random.default_rng(0)
    zz = np.stack(np.meshgrid(*[np.arange(s) for s in (24, 20, 10)], indexing='ij'), -1)
    for i in range(6):
        r2 = ((zz - [12, 10, 5] - rng.uniform(-2, 2, 3))**2 * [1, 1, 4]).sum(-1)
        lab = ((r2 < 49).astype(np.uint8) + (r2 < 20) + (r2 < 6)).astype(np.uint8)
        img = (lab * 40.0 + rng.normal(0, 8, lab.shape)).astype(np.float32)
        _nii(root/'raw'/'imagesTr'/f'bt{i}_0000.nii.gz', img, np.diag([1.0, 1.0, 2.0, 1]))
        _nii(root/'raw'/'labelsTr'/f'bt{i}.nii.gz', lab, np.diag([1.0, 1.0, 2.0, 1]))
    (root/'raw'/'dataset.json').write_text(json.dumps(dict(
        channel_names={'0': 'FLAIR'}, labels=dict(background=0, **REGIONS), regions_class_order=[1, 2, 3], numTraining=6,
        file_ending='.nii.gz')))
    rep = preprocess_dataset(root/'raw', root/'pre', PreprocessSettings(target=(32, 32, 16)), workers=1, progress=False)
    assert rep['totals']['ok'] == 6, rep['cases']                                   # every case failed before regions
    return root

def test_regions_are_learned_as_classes_and_scored_as_regions(brats, tmp_path):
    cfg = Config(data_dir=str(brats/'pre'), out_dir=str(tmp_path/'m'), epochs=2, num_workers=0, precision='fp32', loss='dice_ce',
                 split=[0.5, 0.25, 0.25], model=dict(block='basic', layers=[1, 1, 1, 1], width=4, skip='add', dropout=0.0, norm='instance'))
    learn = train(cfg, progress='none')
    assert (learn.cfg.num_classes, learn.cfg.regions) == (4, REGIONS)            # classes 0..3 from the regions' values
    assert all(list(h['val_region_dice']) == list(REGIONS) for h in learn.history)     # validation scores the regions too
    ranked = train(Config(**{**cfg.__dict__, 'out_dir': str(tmp_path/'c'), 'epochs': 1, 'best_by': 'combined'}), progress='none').history[0]
    assert ranked['val_score'] == pytest.approx(np.mean([d for d in ranked['val_region_dice'].values() if d is not None]))   # by regions
    sec = evaluate(tmp_path/'m', brats/'pre', split='all', progress=False)
    assert list(sec['per_region']) == list(REGIONS) and sec['raw_grid']['mean_region_dice'] is not None
    row = sec['rows'][0]
    assert row['regions']['enhancing tumor']['dice'] == row['dice'][3]          # a one-class region is that class
    assert 'region whole tumor' in metrics_table(sec) and 'mean region Dice' in metrics_table(sec)
    assert 'dice_region_tumor core' in (tmp_path/'m'/'all_cases.csv').read_text().splitlines()[0]
    rep = predict_folder(brats/'raw'/'imagesTr', tmp_path/'p', tmp_path/'m', labels=brats/'raw'/'labelsTr', progress=False)
    assert rep['summary']['mean_region_dice'] is not None and rep['summary']['failed'] == 0
    r = subprocess.run(['seg3d_score', str(tmp_path/'p'), str(brats/'raw'/'labelsTr')], capture_output=True, text=True)
    assert r.returncode == 0 and 'region tumor core' in r.stdout, r.stdout + r.stderr     # dataset.json beside labelsTr
    scores = {s['case']: s for s in json.loads((tmp_path/'p'/'scores.json').read_text())['rows']}
    for e in rep['cases']:                                                       # the same numbers as predict's raw-grid scores
        assert scores[e['case']]['regions'] == e['metrics']['regions']
        assert scores[e['case']]['mean_region_dice'] == pytest.approx(e['metrics']['mean_region_dice'])

def test_a_region_outside_the_classes_is_refused(brats, tmp_path):
    with pytest.raises(ValueError, match=r"region 'x' is \[4\]; expected a non-empty list of class values in 1..3"):
        train(Config(data_dir=str(brats/'pre'), out_dir=str(tmp_path/'m'), epochs=1, num_workers=0, regions={'x': [4]}), progress='none')

def test_region_of_the_union_is_exact_when_nested_classes_are_confused():
    gt = np.zeros((3, 9, 9), np.uint8); gt[:, 2:7, 2:7] = 1; gt[:, 3:6, 3:6] = 2; gt[:, 4, 4] = 3
    pred = np.where(gt > 0, 3 - (gt - 1), 0).astype(np.uint8)                  # every tumour class swapped for another
    m = region_metrics(pred, gt, REGIONS)
    assert m['whole tumor']['dice'] == 1.0 and m['enhancing tumor']['dice'] == 0.0

def test_region_training_paints_the_classes_from_a_sigmoid_per_region(brats, tmp_path):
    "loss 'regions' (nnU-Net's region-based training): one sigmoid output per region, BCE + Dice per region, and the "
    "label map painted from the regions — the same painting in validation, evaluation and prediction"
    import nibabel as nib, torch
    from seg3d.model import load_checkpoint
    from seg3d.data import region_painting, paint_regions
    from seg3d.predictor import Predictor
    from seg3d.core import CaseError
    conf = tmp_path/'cfg.json'
    conf.write_text(json.dumps(dict(precision='fp32', split=[0.5, 0.25, 0.25], schedule='poly', early_stop=False, lr=3e-3,
                                    model=dict(block='basic', layers=[1, 1, 1, 1], width=8, skip='add', dropout=0.0, norm='instance'))))
    r = subprocess.run(['seg3d_train', str(brats/'pre'), str(tmp_path/'m'), '--loss', 'regions', '--epochs', '80', '--workers', '0',
                        '--config', str(conf), '--progress', 'none'], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    ck = load_checkpoint(tmp_path/'m'/'best_resnet3d_segmentation.pth')
    assert ck['model_kwargs']['num_classes'] == 3 and ck['config']['loss'] == 'regions' and ck['config']['num_classes'] == 4
    assert ck['config']['region_class_order'] == [1, 2, 3]                          # dataset.json's regions_class_order
    last = json.loads((tmp_path/'m'/'metrics_3d.json').read_text())['epochs'][-1]
    assert list(last['val_region_dice']) == list(REGIONS) and len(last['val_dice']) == 4   # classes painted in validation
    sec = evaluate(tmp_path/'m', brats/'pre', split='all', progress=False)
    assert sec['per_region']['whole tumor']['dice'] > 0.5, sec['per_region']          # it learns (0.83 when written)
    assert len(sec['rows'][0]['dice']) == 4                                            # scored as classes 0..3 too
    rep = predict_folder(brats/'raw'/'imagesTr', tmp_path/'p', tmp_path/'m', labels=brats/'raw'/'labelsTr', progress=False,
                         save_probabilities=True)
    assert rep['summary']['failed'] == 0 and rep['summary']['mean_region_dice'] is not None
    assert rep['settings']['region_outputs'] == list(REGIONS)                        # the probabilities' channels
    painting = region_painting(REGIONS, 4)
    for e in rep['cases']:
        probs = np.asarray(nib.load(e['files']['probabilities']).dataobj)              # (X, Y, Z, 3): the regions
        pred = np.asarray(nib.load(e['files']['prediction']).dataobj)
        assert probs.shape[-1] == 3 and 0 <= probs.min() and probs.max() <= 1
        np.testing.assert_array_equal(pred, paint_regions(torch.from_numpy(probs).movedim(-1, 0), painting).numpy())
    other = train(Config(data_dir=str(brats/'pre'), out_dir=str(tmp_path/'c'), epochs=1, num_workers=0, precision='fp32',
                         split=[0.5, 0.25, 0.25], model=dict(block='basic', layers=[1, 1, 1, 1], width=8, skip='add')), progress='none')
    assert other.cfg.loss == 'ce'
    with pytest.raises(CaseError, match='disagrees .* region outputs'):
        Predictor.from_checkpoints([tmp_path/'m', tmp_path/'c'])

def test_region_training_refuses_regions_that_cannot_paint_every_class(brats, tmp_path):
    with pytest.raises(ValueError, match=r"region 'whole tumor' \[1, 2, 3\] holds \[1, 2\]"):
        train(Config(data_dir=str(brats/'pre'), out_dir=str(tmp_path/'m'), epochs=1, num_workers=0, loss='regions',
                     regions={'whole tumor': [1, 2, 3], 'enhancing tumor': [3]}), progress='none')

def test_the_plan_names_the_regions(brats, tmp_path):
    r = subprocess.run(['seg3d_plan', str(brats/'raw'), str(tmp_path/'plan'), '--workers', '1'], capture_output=True, text=True)
    assert r.returncode == 0 and "regions (dataset.json) {'whole tumor': [1, 2, 3]" in r.stdout and '--loss regions' in r.stdout, r.stdout + r.stderr
    plan = json.loads((tmp_path/'plan'/'plan.json').read_text())
    assert plan['regions'] == REGIONS and plan['region_class_order'] == [1, 2, 3]

def test_cross_validation_of_region_training_chooses_postprocessing_by_region(brats, tmp_path):
    conf = tmp_path/'cfg.json'
    conf.write_text(json.dumps(dict(precision='fp32', model=dict(block='basic', layers=[1, 1, 1, 1], width=4, skip='add'))))
    r = subprocess.run(['seg3d_cv', str(brats/'pre'), str(tmp_path/'cv'), '--folds', '2', '--epochs', '2', '--loss', 'regions',
                        '--config', str(conf)], capture_output=True, text=True)
    assert r.returncode == 0 and 'mean region Dice' in r.stdout, r.stdout + r.stderr
    pp = json.loads((tmp_path/'cv'/'postprocessing.json').read_text())
    assert pp['scored_by'] == 'regions' and pp['regions'] == list(REGIONS) and len(pp['dice_before']) == 3
    assert all(t['step']['classes'] in ([1, 2, 3], [2, 3], [3]) for t in pp['tried'])    # region masks, not single classes
