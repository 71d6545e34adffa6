"""A checkpoint written by seg3d 0.1.0 (main, 2026-12-01) still loads and gives the same probabilities: refactors of the
model or the checkpoint format must not strand users' trained models. `python tests/test_checkpoint_fixture.py --write`
wrote the fixture once; the test never rewrites it."""
import sys
from pathlib import Path
import torch
from seg3d.core import assert_close_rel
from seg3d.model import ResNet3DSeg, save_checkpoint, load_checkpoint, model_from_checkpoint
from seg3d.data import Config

FIX = Path(__file__).parent/'fixtures'
MODEL = dict(block='basic', layers=[1, 1, 1, 1], width=2, skip='none', dropout=0.1, norm='instance')

def example_input() -> torch.Tensor:
    "The same input on every machine: torch's CPU generator is deterministic for a seed"
    return torch.randn(1, 2, 16, 32, 32, generator=torch.Generator().manual_seed(0))

def probabilities(model) -> torch.Tensor:
    with torch.no_grad(): return model.eval()(example_input()).softmax(1)[0]

def write_fixture():
    torch.manual_seed(1)
    net = ResNet3DSeg(2, 5, **MODEL)
    cfg = Config(target_shape=[16, 16, 16], in_channels=2, num_classes=5, class_names=['background', 'a', 'b', 'c', 'd'],
                 class_weights=[0.1, 1, 1, 1, 1], model=MODEL)
    save_checkpoint(FIX/'tiny_checkpoint.pth', net, cfg, epoch=7, preprocessing={'target': [16, 16, 16]})
    p = probabilities(net)
    torch.save(dict(slice8=p[:, 8].clone(), argmax=p.argmax(0).to(torch.uint8)), FIX/'tiny_checkpoint_probs.pt')

def test_old_checkpoint_gives_the_same_probabilities():
    path = FIX/'tiny_checkpoint.pth'
    assert path.stat().st_size < 100_000
    ckpt = load_checkpoint(path)
    assert ckpt['epoch'] == 7 and ckpt['class_names'] == ['background', 'a', 'b', 'c', 'd']
    ref = torch.load(FIX/'tiny_checkpoint_probs.pt', weights_only=True)
    p = probabilities(model_from_checkpoint(ckpt))
    assert_close_rel(p[:, 8], ref['slice8'], what='probabilities of the stored checkpoint')
    agree = (p.argmax(0).to(torch.uint8) == ref['argmax']).float().mean().item()
    assert agree > 0.999, f"labels agree on {agree:.4%} of voxels"

if __name__ == '__main__' and '--write' in sys.argv: write_fixture()
