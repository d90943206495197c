import pytest
import torch

from sslkit.methods import DeepCluster
from sslkit.parts.cluster import kmeans, nmi, pca_whiten
from sslkit.parts.data import Batch, DeviceLoader, ImageSet, load_digits
from sslkit.parts.profiles import get_profile
from sslkit.training.train import pretrain


def _blobs(n_per=100, k=5, dim=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    centres = 10 * torch.randn(k, dim, generator=g)
    x = torch.cat([c + torch.randn(n_per, dim, generator=g) for c in centres])
    return x, torch.arange(k).repeat_interleave(n_per)


# -- k-means
def test_kmeans_agrees_with_scikit_learn_on_separated_blobs():
    sk = pytest.importorskip("sklearn.cluster")
    from sklearn.metrics import adjusted_rand_score

    x, truth = _blobs()
    ours = kmeans(x, 5, iters=50)
    ref = sk.KMeans(5, n_init=10, random_state=0).fit(x.numpy())
    assert adjusted_rand_score(ref.labels_, ours.labels.numpy()) == 1.0  # the same partition up to relabelling
    assert ours.inertia == pytest.approx(ref.inertia_, rel=0.01)
    assert adjusted_rand_score(truth.numpy(), ours.labels.numpy()) == 1.0
    assert ours.sizes.tolist() == [100] * 5 and ours.empty == 0


def test_an_empty_cluster_is_reseeded_and_stays_empty_without_the_fix():
    x, _ = _blobs(k=3)
    far = torch.cat([x[[0, 100, 200]], torch.full((1, x.shape[1]), 1e4)])  # 4th centroid far from every point
    with_fix = kmeans(x, 4, iters=10, init=far, fix_empty=True)
    assert with_fix.empty == 0 and with_fix.empty_fixed >= 1 and (with_fix.sizes > 0).all()
    without = kmeans(x, 4, iters=10, init=far, fix_empty=False)
    assert without.empty == 1 and without.empty_fixed == 0 and without.sizes[3] == 0


def test_kmeans_rejects_bad_arguments():
    with pytest.raises(ValueError, match="1 ≤ k"):
        kmeans(torch.randn(5, 2), 6)
    with pytest.raises(ValueError, match="init"):
        kmeans(torch.randn(5, 2), 2, init="forgy")
    with pytest.raises(ValueError, match="shape"):
        kmeans(torch.randn(5, 2), 2, init=torch.zeros(3, 2))


def test_pca_whiten_gives_unit_rows_from_decorrelated_unit_variance_directions():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(500, 6, generator=g) @ torch.randn(6, 6, generator=g) + 3
    w = pca_whiten(x, dim=4)
    assert w.shape == (500, 4) and torch.allclose(w.norm(dim=1), torch.ones(500), atol=1e-5)
    xc = x - x.mean(0)  # before the row normalization: covariance = identity
    vals, vecs = torch.linalg.eigh(xc.T @ xc / 499)
    white = xc @ vecs[:, -4:] / vals[-4:].sqrt()
    assert torch.allclose(white.T @ white / 499, torch.eye(4), atol=1e-3)
    assert torch.allclose(torch.nn.functional.normalize(white, dim=1).abs(), w.flip(1).abs(), atol=1e-4)


def test_nmi_matches_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    g = torch.Generator().manual_seed(1)
    a, b = torch.randint(0, 7, (300,), generator=g), torch.randint(0, 4, (300,), generator=g)
    b[:150] = a[:150] % 4
    assert nmi(a, b) == pytest.approx(metrics.normalized_mutual_info_score(a.numpy(), b.numpy()), abs=1e-9)
    assert nmi(a, (a + 3) % 7) == pytest.approx(1.0)


# -- the loader
def _loader(n=400, batch=40, **kw):
    data = ImageSet(torch.zeros(n, 3, 4, 4, dtype=torch.uint8), torch.arange(n) % 10, [str(i) for i in range(10)])
    return DeviceLoader(data, batch, **kw)


def test_uniform_sampling_draws_every_cluster_equally_often():
    loader = _loader(n=4000, batch=100)
    clusters = torch.cat([torch.zeros(3000), torch.ones(900), torch.full((100,), 2)]).long()  # sizes 3000/900/100
    loader.weights = 1.0 / torch.bincount(clusters)[clusters].double()
    counts = torch.bincount(torch.cat([clusters[b.index] for b in loader]), minlength=3).double()
    expected = counts.sum() / 3
    assert ((counts - expected).abs() < 4 * (expected * (1 - 1 / 3)) ** 0.5).all()  # within 4 binomial sd
    loader.weights = None
    plain = torch.bincount(torch.cat([clusters[b.index] for b in loader]), minlength=3)
    assert plain.tolist() == [3000, 900, 100]  # a permutation: each image once


def test_pseudo_labels_follow_the_images_through_shuffling_and_sharding(monkeypatch):
    pseudo = (torch.arange(400) * 7) % 13  # a label per image position
    for rank, world in ((0, 1), (0, 2), (1, 2)):
        monkeypatch.setattr(DeviceLoader, "_shard", staticmethod(lambda r=rank, w=world: (r, w)))
        loader = _loader(seed=3)
        loader.weights = torch.rand(400)
        for batch in loader:
            assert torch.equal(pseudo[batch.index], (batch.index * 7) % 13)
            assert torch.equal(batch.y, batch.index % 10)  # the images' own labels came along too
    with pytest.raises(ValueError, match="one per image"):
        loader.weights = torch.ones(3)
        next(iter(loader))


# -- the method
def test_deepcluster_trains_reclusters_and_logs_its_clusterings(tmp_path):
    train = load_digits("train").balanced(per_class=12)
    m, _ = pretrain(DeepCluster, train, None, tmp_path / "dc", epochs=2, profile=get_profile("smoke"), batch_size=24,
                    progress=False, n_clusters=8)
    c = m.last_clustering
    assert len(c.labels) == len(train) and c.empty == 0 and c.sizes.sum() == len(train)
    from sslkit.training.runs import read_metrics

    df = read_metrics(tmp_path / "dc")
    for key in ("cluster/kmeans_s", "cluster/features_s", "cluster/nmi_labels", "cluster/largest", "cluster/used"):
        assert df[key].notna().sum() == 2, key  # once per epoch
    assert df["cluster/nmi_previous"].notna().sum() == 1  # from the second clustering on


def test_a_few_deepcluster_steps_make_the_loss_fall(take_steps):
    digits = load_digits("train")
    x = digits.images[:64]
    m = DeepCluster(width=0.125, n_clusters=10, online_probe=False)
    m.pseudo_labels = digits.labels[:64]  # a clustering that follows the digits, so it can be learned
    losses, out = take_steps(m, x, torch.zeros(64, dtype=torch.long), steps=25, lr=0.1)
    assert sum(losses[-5:]) / 5 < 0.9 * sum(losses[:5]) / 5  # from log 10 = 2.3 towards 0


def test_deepcluster_without_a_trainer_says_how_to_train_it():
    m = DeepCluster(width=0.125, n_clusters=4)
    with pytest.raises(RuntimeError, match="pretrain"):
        m.step(Batch(torch.zeros(2, 3, 32, 32, dtype=torch.uint8), torch.zeros(2).long(), torch.arange(2)))
    with pytest.raises(ValueError, match="n_clusters"):
        DeepCluster(n_clusters=1)


def test_deepcluster_keeps_its_learning_rate_after_the_warmup(tmp_path):
    train = load_digits("train").balanced(per_class=12)
    m, _ = pretrain(DeepCluster, train, None, tmp_path / "dc", epochs=3, profile=get_profile("smoke"), batch_size=24,
                    progress=False, n_clusters=8, warmup_epochs=1)
    sched = m.trainer.lr_scheduler_configs[0].scheduler
    assert sched.get_last_lr()[0] == pytest.approx(m.hparams.lr)  # a cosine schedule would have reached ~0
