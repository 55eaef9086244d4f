"""Tests for companion.data: Fashion-MNIST discovery/reading and the 2-D toy datasets."""

import gzip
import os
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion import data

SYSTEM_DIR = "/usr/share/datasets/fashion-mnist"

# --------------------------------------------------------------------------------------------
# Synthetic IDX files
# --------------------------------------------------------------------------------------------


def idx_bytes(array, magic_ndim=None):
    """Serialise a uint8 array as an IDX file (magic 00 00 08 ndim, big-endian uint32 sizes)."""
    array = np.asarray(array, dtype=np.uint8)
    ndim = array.ndim if magic_ndim is None else magic_ndim
    header = bytes([0, 0, 0x08, ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def make_split(n, offset, rng):
    """Random images whose first pixel encodes the label, so pairs survive shuffling."""
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = ((np.arange(n) + offset) % 10).astype(np.uint8)
    images[:, 0, 0] = labels
    return images, labels


def write_dataset(folder, n_train=12, n_test=5, seed=0, gz=True):
    """Write the four Fashion-MNIST files into ``folder``; return the arrays written."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    train, test = make_split(n_train, seed, rng), make_split(n_test, seed + 3, rng)
    arrays = {
        "train_images": train[0],
        "train_labels": train[1],
        "test_images": test[0],
        "test_labels": test[1],
    }
    for role, name in data.FASHION_MNIST_FILES.items():
        payload = idx_bytes(arrays[role])
        if gz:
            with gzip.open(os.path.join(folder, name), "wb") as f:
                f.write(payload)
        else:
            with open(os.path.join(folder, name[: -len(".gz")]), "wb") as f:
                f.write(payload)
    return train, test


def assert_same_dataset(got, expected):
    (x_train, y_train), (x_test, y_test) = got
    (ex_train, ey_train), (ex_test, ey_test) = expected
    for a, b in ((x_train, ex_train), (y_train, ey_train), (x_test, ex_test), (y_test, ey_test)):
        assert a.dtype == b.dtype == np.uint8
        assert a.shape == b.shape
        np.testing.assert_array_equal(a, b)


@pytest.fixture
def layout(tmp_path, monkeypatch):
    """A fake Keras home and a fake system folder; the real ones are out of reach."""
    keras_home = tmp_path / "keras_home"
    system = tmp_path / "system"
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.setattr(data, "SYSTEM_DATASET_DIR", str(system))

    def no_download():
        raise AssertionError("load_fashion_mnist tried to download although files were present")

    monkeypatch.setattr(data, "_download", no_download)
    return {
        "keras": str(keras_home / "datasets" / "fashion-mnist"),
        "system": str(system),
    }


# --------------------------------------------------------------------------------------------
# The real dataset against Keras (one load each: the files are 30 MB)
# --------------------------------------------------------------------------------------------


@pytest.mark.skipif(
    not os.path.isdir(SYSTEM_DIR), reason="needs Debian's dataset-fashion-mnist package"
)
def test_real_data_equals_keras_load_data(keras, tmp_path, monkeypatch):
    from keras.src.backend import config as keras_config
    from keras.src.utils import file_utils

    # A Keras cache holding links to the Debian files: both loaders must read the same bytes.
    cache = tmp_path / "datasets" / "fashion-mnist"
    cache.mkdir(parents=True)
    for name in data.FASHION_MNIST_FILES.values():
        os.symlink(os.path.join(SYSTEM_DIR, name), cache / name)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    # Keras reads KERAS_HOME once at import; point its cache at the temporary folder as well.
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(tmp_path))

    def no_network(*args, **kwargs):
        raise AssertionError(f"Keras tried to download {args[:1]}")

    monkeypatch.setattr(file_utils, "urlretrieve", no_network)

    assert data.fashion_mnist_source() == str(cache)
    ours = data.load_fashion_mnist()
    theirs = keras.datasets.fashion_mnist.load_data()
    assert_same_dataset(ours, theirs)
    (x_train, y_train), (x_test, y_test) = ours
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10


# --------------------------------------------------------------------------------------------
# Where the data comes from
# --------------------------------------------------------------------------------------------


def test_search_paths_order(layout):
    assert data.search_paths() == [layout["keras"], layout["system"]]


def test_keras_cache_preferred_over_system_folder(layout):
    in_cache = write_dataset(layout["keras"], seed=1)
    in_system = write_dataset(layout["system"], seed=2)
    assert data.fashion_mnist_source() == layout["keras"]
    assert_same_dataset(data.load_fashion_mnist(), in_cache)

    # An incomplete cache (a file missing) is skipped in favour of the next folder.
    os.remove(os.path.join(layout["keras"], data.FASHION_MNIST_FILES["test_labels"]))
    assert data.fashion_mnist_source() == layout["system"]
    assert_same_dataset(data.load_fashion_mnist(), in_system)


@pytest.mark.parametrize("gz", [True, False], ids=["gzipped", "uncompressed"])
def test_reads_gzipped_and_uncompressed_files(layout, gz):
    written = write_dataset(layout["system"], n_train=7, n_test=3, seed=4, gz=gz)
    assert data.fashion_mnist_source() == layout["system"]
    got = data.load_fashion_mnist()
    assert_same_dataset(got, written)
    assert got[0][0].flags.writeable


def test_explicit_search_paths(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "_download", lambda: pytest.fail("must not download"))
    first, second = tmp_path / "a", tmp_path / "b"
    written = write_dataset(second, seed=5)
    assert data.fashion_mnist_source([first, second]) == str(second)
    assert data.fashion_mnist_source(str(second)) == str(second)
    assert_same_dataset(data.load_fashion_mnist(search_paths=[first, second]), written)
    with pytest.raises(TypeError, match="search_paths"):
        data.load_fashion_mnist(search_paths=[3.5])


def test_download_used_last(layout, monkeypatch):
    sentinel = object()
    monkeypatch.setattr(data, "_download", lambda: sentinel)
    assert data.fashion_mnist_source() == "download"
    assert data.fashion_mnist_source(download=False) is None
    assert data.load_fashion_mnist() is sentinel


def test_not_found_without_download_explains_offline_options(layout):
    with pytest.raises(data.DatasetNotFoundError) as info:
        data.load_fashion_mnist(download=False)
    message = str(info.value)
    assert isinstance(info.value, OSError)
    assert layout["keras"] in message and layout["system"] in message
    assert "apt install dataset-fashion-mnist" in message
    assert "download=False" in message


def test_failed_download_explains_offline_options(layout, monkeypatch):
    def offline():
        raise ConnectionError("no route to host")

    monkeypatch.setattr(data, "_download", offline)
    with pytest.raises(data.DatasetNotFoundError, match="no route to host") as info:
        data.load_fashion_mnist()
    assert "apt install dataset-fashion-mnist" in str(info.value)
    assert isinstance(info.value.__cause__, ConnectionError)


def test_keras_cache_dir_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert data.keras_cache_dir() == str(tmp_path / "kh")

    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data.keras_cache_dir() == str(tmp_path / ".keras")

    # Keras falls back to /tmp/.keras when the cache folder is not writable. We run as root in CI,
    # where every path is writable, so os.access is faked.
    real_access = os.access
    unwritable = str(tmp_path)
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if str(p) == unwritable else real_access(p, mode)
    )
    assert data.keras_cache_dir() == os.path.join("/tmp", ".keras")
    monkeypatch.setenv("KERAS_HOME", unwritable)
    assert data.keras_cache_dir() == os.path.join("/tmp", ".keras")


# --------------------------------------------------------------------------------------------
# Damaged files
# --------------------------------------------------------------------------------------------


def overwrite(folder, role, payload):
    with gzip.open(os.path.join(folder, data.FASHION_MNIST_FILES[role]), "wb") as f:
        f.write(payload)


def test_corrupt_magic_number(layout):
    write_dataset(layout["keras"])
    overwrite(layout["keras"], "train_labels", idx_bytes(np.zeros(12), magic_ndim=3))
    with pytest.raises(data.DatasetCorruptError, match="magic number") as info:
        data.load_fashion_mnist()
    assert "train-labels-idx1-ubyte.gz" in str(info.value)


def test_truncated_file(layout):
    write_dataset(layout["keras"])
    payload = idx_bytes(np.zeros((5, 28, 28)))
    overwrite(layout["keras"], "test_images", payload[:-100])
    with pytest.raises(data.DatasetCorruptError, match=r"declares shape \(5, 28, 28\)"):
        data.load_fashion_mnist()


def test_file_shorter_than_header(layout):
    write_dataset(layout["keras"])
    overwrite(layout["keras"], "test_labels", b"\x00\x00")
    with pytest.raises(data.DatasetCorruptError, match="too short"):
        data.load_fashion_mnist()


def test_damaged_gzip(layout):
    write_dataset(layout["keras"])
    with open(os.path.join(layout["keras"], data.FASHION_MNIST_FILES["train_images"]), "wb") as f:
        f.write(b"this is not gzip data at all")
    with pytest.raises(data.DatasetCorruptError, match="damaged"):
        data.load_fashion_mnist()


def test_image_and_label_counts_disagree(layout):
    write_dataset(layout["keras"], n_train=12)
    overwrite(layout["keras"], "train_labels", idx_bytes(np.zeros(11)))
    with pytest.raises(data.DatasetCorruptError, match="12 images but .* 11 labels"):
        data.load_fashion_mnist()


def test_wrong_image_size(layout):
    write_dataset(layout["keras"], n_test=5)
    overwrite(layout["keras"], "test_images", idx_bytes(np.zeros((5, 27, 28))))
    with pytest.raises(data.DatasetCorruptError, match="27x28 pixels"):
        data.load_fashion_mnist()


def test_label_out_of_range(layout):
    write_dataset(layout["keras"], n_test=5)
    overwrite(layout["keras"], "test_labels", idx_bytes([0, 1, 10, 3, 4]))
    with pytest.raises(data.DatasetCorruptError, match="label 10"):
        data.load_fashion_mnist()


def test_corrupt_error_is_a_value_error():
    assert issubclass(data.DatasetCorruptError, ValueError)
    assert issubclass(data.DatasetNotFoundError, OSError)


# --------------------------------------------------------------------------------------------
# Subset helper and class names
# --------------------------------------------------------------------------------------------


def test_class_names():
    assert data.CLASS_NAMES == (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    )


def test_subset_shapes_values_and_determinism(layout):
    (x_full, _), _ = write_dataset(layout["keras"], n_train=40, n_test=20, seed=3)
    (x, y), (xt, yt) = data.load_fashion_mnist_subset(10, 4, seed=0)
    assert x.shape == (10, 784) and xt.shape == (4, 784)
    assert x.dtype == xt.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    # The first pixel encodes the label: images and labels stayed paired.
    np.testing.assert_array_equal(np.rint(x[:, 0] * 255).astype(np.uint8), y)
    np.testing.assert_array_equal(np.rint(xt[:, 0] * 255).astype(np.uint8), yt)
    # Every chosen image is a distinct image of the file (sampling without replacement).
    flat = x_full.reshape(40, -1)
    rows = [int(np.flatnonzero((flat == np.rint(r * 255)).all(axis=1))[0]) for r in x]
    assert len(set(rows)) == 10

    (x2, y2), _ = data.load_fashion_mnist_subset(10, 4, seed=0)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    (x3, _), _ = data.load_fashion_mnist_subset(10, 4, seed=1)
    assert not np.array_equal(x, x3)


def test_subset_raw_and_full(layout):
    train, test = write_dataset(layout["keras"], n_train=9, n_test=6)
    (x, y), (xt, yt) = data.load_fashion_mnist_subset(normalize=False, flatten=False)
    assert_same_dataset(((x, y), (xt, yt)), (train, test))


def test_subset_flags_must_be_bools(layout):
    # "no" is truthy: before the check it flattened silently. Checked before any file is read.
    with pytest.raises(TypeError, match=r"`flatten` must be True or False, but got 'no' \(str\)"):
        data.load_fashion_mnist_subset(10, flatten="no")
    with pytest.raises(TypeError, match="`download` must be True or False"):
        data.load_fashion_mnist(download="False")


def test_subset_bad_counts(layout):
    write_dataset(layout["keras"], n_train=9, n_test=6)
    with pytest.raises(ValueError, match="n_train must be between 1 and 9, but got 10"):
        data.load_fashion_mnist_subset(10, 2)
    with pytest.raises(ValueError, match="n_test"):
        data.load_fashion_mnist_subset(2, 0)
    with pytest.raises(TypeError, match="n_train must be an int"):
        data.load_fashion_mnist_subset(2.5, 2)


# --------------------------------------------------------------------------------------------
# 2-D datasets
# --------------------------------------------------------------------------------------------

NAMES = sorted(data.DATASETS_2D)


@pytest.mark.parametrize("name", NAMES)
def test_2d_shapes_dtypes_balance(name):
    for n in (1, 2, 7, 200):
        X, y = data.make_2d(name, n=n, seed=0)
        assert X.shape == (n, 2) and X.dtype == np.float64
        assert y.shape == (n,) and y.dtype == np.int64
        assert set(np.unique(y)) <= {0, 1}
        assert np.count_nonzero(y == 0) == n // 2
        assert np.count_nonzero(y == 1) == n - n // 2
        assert np.all(np.isfinite(X))


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    n=st.integers(1, 500),
    noise=st.floats(0.0, 2.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_2d_balanced_and_deterministic(name, n, noise, seed):
    X, y = data.make_2d(name, n=n, noise=noise, seed=seed)
    assert abs(np.count_nonzero(y == 0) - np.count_nonzero(y == 1)) <= 1
    X2, y2 = getattr(data, name)(n=n, noise=noise, seed=seed)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


@pytest.mark.parametrize("name", NAMES)
def test_2d_seed_controls_randomness(name):
    X0, _ = data.make_2d(name, n=50, seed=0)
    X1, _ = data.make_2d(name, n=50, seed=1)
    assert not np.array_equal(X0, X1)
    # A Generator is accepted as the seed and consumed.
    rng = np.random.default_rng(7)
    Xa, _ = data.make_2d(name, n=50, seed=rng)
    Xb, _ = data.make_2d(name, n=50, seed=rng)
    assert not np.array_equal(Xa, Xb)


@pytest.mark.parametrize("name", NAMES)
def test_2d_noise_jitters_the_same_points(name):
    # Same seed, different noise: the same clean points in the same order, moved by Gaussian noise
    # of the requested standard deviation.
    n, noise = 4000, 0.3
    X_clean, y_clean = data.make_2d(name, n=n, noise=0.0, seed=11)
    X_noisy, y_noisy = data.make_2d(name, n=n, noise=noise, seed=11)
    np.testing.assert_array_equal(y_clean, y_noisy)
    jitter = X_noisy - X_clean
    # The std estimate from 8000 normal draws has a relative standard error of ~0.8%; 5% is
    # over six standard errors.
    assert abs(jitter.std() / noise - 1) < 0.05
    assert abs(jitter.mean()) < 5 * noise / np.sqrt(jitter.size)


def test_moons_geometry():
    X, y = data.moons(300, noise=0.0, seed=2)
    outer, inner = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*outer.T), 1.0, rtol=1e-12)
    assert np.all(outer[:, 1] >= 0)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1.0, inner[:, 1] - 0.5), 1.0, rtol=1e-12)
    assert np.all(inner[:, 1] <= 0.5)


def test_circles_geometry():
    X, y = data.circles(300, noise=0.0, seed=2)
    r = np.hypot(*X.T)
    np.testing.assert_allclose(r[y == 0], 1.0, rtol=1e-12)
    np.testing.assert_allclose(r[y == 1], 0.5, rtol=1e-12)


def test_xor_geometry():
    X, y = data.xor(400, noise=0.0, seed=2)
    assert np.all(np.abs(X) <= 1.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))
    # All four quadrants are used.
    quadrants = {(a, b) for a, b in np.sign(X).astype(int)}
    assert quadrants == {(1, 1), (-1, -1), (1, -1), (-1, 1)}


def test_spirals_geometry():
    X, y = data.spirals(400, noise=0.0, seed=2)
    r = np.hypot(*X.T)
    assert np.all(r <= 1.0)
    # Angle = 4 pi r + k pi (mod 2 pi): check through the unit vector.
    angle = 4 * np.pi * r + y * np.pi
    expected = r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    np.testing.assert_allclose(X, expected, atol=1e-12)


def test_gaussians_geometry():
    X, y = data.gaussians(4000, noise=0.0, seed=2)
    for label, centre in ((0, -1.0), (1, 1.0)):
        blob = X[y == label]
        # 2000 draws: the mean's standard error is 0.5/sqrt(2000) ~ 0.011; allow 5 of them.
        np.testing.assert_allclose(blob.mean(axis=0), centre, atol=0.06)
        # Relative standard error of the std is ~1.6%; allow ~6 of them.
        np.testing.assert_allclose(blob.std(axis=0), data.GAUSSIANS_SPREAD, rtol=0.1)


@pytest.mark.parametrize("bad_n", [0, -3])
def test_2d_rejects_non_positive_n(bad_n):
    with pytest.raises(ValueError, match=f"n must be a positive int.*got {bad_n}"):
        data.moons(bad_n)


@pytest.mark.parametrize("bad_n", [2.5, "10", True, None])
def test_2d_rejects_non_int_n(bad_n):
    with pytest.raises(TypeError, match="n must be a positive int"):
        data.circles(bad_n)


def test_2d_accepts_numpy_int():
    X, _ = data.xor(np.int64(6), noise=np.float32(0.1), seed=0)
    assert X.shape == (6, 2)


@pytest.mark.parametrize("bad_noise", [-0.1, float("nan"), float("inf")])
def test_2d_rejects_bad_noise_value(bad_noise):
    with pytest.raises(ValueError, match="noise must be a finite number >= 0"):
        data.spirals(10, noise=bad_noise)


@pytest.mark.parametrize("bad_noise", ["0.1", None, [0.1]])
def test_2d_rejects_bad_noise_type(bad_noise):
    with pytest.raises(TypeError, match="noise must be a number"):
        data.gaussians(10, noise=bad_noise)


def test_make_2d_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown 2-D dataset 'spiral'") as info:
        data.make_2d("spiral")
    for name in NAMES:
        assert name in str(info.value)
    with pytest.raises(TypeError, match="name must be a string"):
        data.make_2d(3)


def test_make_2d_matches_the_functions():
    for name in NAMES:
        X, y = data.make_2d(name.upper(), n=20, noise=0.2, seed=3)
        X2, y2 = data.DATASETS_2D[name](20, 0.2, 3)
        np.testing.assert_array_equal(X, X2)
        np.testing.assert_array_equal(y, y2)
