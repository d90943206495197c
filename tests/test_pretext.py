import pytest
import torch
import torch.nn.functional as F

from sslkit.methods.jigsaw import Jigsaw, min_hamming_distance, permutation_set
from sslkit.methods.rotnet import RotNet
from sslkit.parts.augment import assemble_tiles, jigsaw_tiles, rotations, shuffle_tiles
from sslkit.parts.data import Batch, load_digits


def test_rotations_make_four_labelled_copies(images):
    x = images[:5]
    xr, y = rotations(x)
    assert xr.shape == (20, 3, 32, 32) and y.tolist() == [0] * 5 + [1] * 5 + [2] * 5 + [3] * 5
    # four more quarter turns of the 90° block bring it back to the 90° block
    again, _ = rotations(xr[5:10])
    assert torch.equal(again[:5], xr[5:10]) and torch.equal(rotations(xr[15:20])[0][5:10], x)
    # a bright corner pixel moves counter-clockwise: top-left → bottom-left → bottom-right → top-right
    marker = torch.zeros(1, 3, 32, 32)
    marker[..., 0, 0] = 1
    corners = [(r, c) for r, c in ((0, 0), (31, 0), (31, 31), (0, 31))]
    for k, (r, c) in enumerate(corners):
        assert rotations(marker)[0][k, 0, r, c] == 1


def test_rotations_reject_non_square():
    with pytest.raises(ValueError, match="square"):
        rotations(torch.rand(2, 3, 32, 16))


def test_permutation_set_is_unique_distant_and_seeded():
    p = permutation_set(64, seed=0)
    assert p.shape == (64, 9) and len({tuple(r) for r in p.tolist()}) == 64
    assert all(sorted(r) == list(range(9)) for r in p.tolist())
    assert min_hamming_distance(p) >= 7  # the distance the Jigsaw docstring claims for 64
    assert torch.equal(p, permutation_set(64, seed=0)) and not torch.equal(p, permutation_set(64, seed=1))
    with pytest.raises(ValueError, match="9!"):
        permutation_set(0)


def test_identity_puzzle_reassembles_the_resized_image(images):
    x = images[:3]
    tiles = jigsaw_tiles(x, grid=3, cell=16)  # no gap, no jitter
    assert tiles.shape == (3, 9, 3, 16, 16)
    resized = F.interpolate(x, size=(48, 48), mode="bilinear", align_corners=False, antialias=True)
    identity = torch.arange(9)[None]
    assert torch.equal(assemble_tiles(shuffle_tiles(tiles, identity, torch.zeros(3, dtype=torch.long))), resized)


def test_unshuffling_by_the_label_restores_the_order(images):
    tiles = jigsaw_tiles(images[:4], tile=12, jitter=True)
    assert tiles.shape == (4, 9, 3, 12, 12) and tiles.min() >= 0 and tiles.max() <= 1
    perms = permutation_set(10)
    labels = torch.tensor([3, 0, 9, 5])
    shuffled = shuffle_tiles(tiles, perms, labels)
    inverse = perms.argsort(dim=1)
    restored = shuffle_tiles(shuffled, inverse, labels)
    assert torch.equal(restored, tiles) and not torch.equal(shuffled, tiles)


def test_gap_crops_move_inside_their_cell(images):
    g = torch.Generator().manual_seed(0)
    a = jigsaw_tiles(images[:1].expand(8, -1, -1, -1), tile=12, generator=g)
    assert not torch.equal(a[0], a[1])  # the same image, different random offsets per tile


@pytest.mark.parametrize("cls,kw", [(RotNet, {}), (Jigsaw, {"num_permutations": 8})])
def test_a_few_pretext_steps_make_the_loss_fall(cls, kw, take_steps):
    x = load_digits("train").images[:32]
    y = torch.zeros(32, dtype=torch.long)
    m = cls(width=0.125, **kw)
    losses, out = take_steps(m, x, y, steps=20, lr=0.05)
    assert out.h.shape == (32, m.backbone.feature_dim)  # whole upright images, for the online probe
    assert sum(losses[-4:]) / 4 < 0.85 * sum(losses[:4]) / 4


def test_jigsaw_online_probe_leaves_batchnorm_statistics_alone():
    x = load_digits("train").images[:16]
    batch = Batch(x, torch.zeros(16, dtype=torch.long), torch.arange(16))
    stats = []
    for probe in (True, False):
        torch.manual_seed(0)
        m = Jigsaw(width=0.125, num_permutations=8, online_probe=probe).train()
        torch.manual_seed(1)  # the same puzzles for both
        m.training_step(batch, 0)
        stats.append({k: v for k, v in m.backbone.state_dict().items() if "running" in k})
    assert stats[0].keys() == stats[1].keys() and len(stats[0]) > 0
    assert all(torch.equal(stats[0][k], stats[1][k]) for k in stats[0])


def puzzle_accuracy_by_hand(m, images, cell, seed=3, batch=5):
    """Contiguous, unjittered puzzles cut from ``cell``-pixel cells, solved by ``m`` in a plain loop."""
    from sslkit.parts.augment import jigsaw_tiles, shuffle_tiles

    g = torch.Generator().manual_seed(seed)
    hits = 0
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x = images[i:i + batch]
            tiles = jigsaw_tiles(x, 3, cell, cell, False, generator=g)
            labels = torch.randint(len(m.permutations), (len(x),), generator=g)
            f = m.backbone(shuffle_tiles(tiles, m.permutations, labels).flatten(0, 1))
            hits += int((m.head(f.view(len(x), -1)).argmax(1) == labels).sum())
    return hits / len(images)


def test_puzzle_accuracy_is_seeded_and_equals_a_plain_loop(images):
    torch.manual_seed(0)
    m = Jigsaw(width=0.125, num_permutations=8).train()
    acc = m.puzzle_accuracy(images, gap=False, tile_jitter=False, batch_size=5, seed=3)
    assert m.training and acc == m.puzzle_accuracy(images, gap=False, tile_jitter=False, batch_size=5, seed=3)
    m.eval()
    assert acc == puzzle_accuracy_by_hand(m, images, cell=16)
    # the defences default to the model's own; asking for the other ones cuts other tiles
    assert m.puzzle_accuracy(images, seed=3) == m.puzzle_accuracy(images, gap=True, tile_jitter=True, seed=3)


def test_puzzle_accuracy_cuts_tiles_of_the_cell_it_is_given(images):
    """Contiguous tiles from 12-pixel cells are 12 pixels wide, as gapped ones from 16-pixel cells."""

    torch.manual_seed(0)
    m = Jigsaw(width=0.125, num_permutations=8, gap=False, tile_jitter=False).eval()
    seen = []
    m.backbone.register_forward_pre_hook(lambda mod, args: seen.append(args[0].shape[-1]))
    acc = m.puzzle_accuracy(images, gap=False, tile_jitter=False, batch_size=5, seed=3, cell=12)
    assert set(seen) == {12}
    seen.clear()
    m.puzzle_accuracy(images, gap=True, tile_jitter=False, batch_size=5, seed=3)  # the model's 16-pixel cells
    assert set(seen) == {12}
    assert acc == puzzle_accuracy_by_hand(m, images, cell=12)
