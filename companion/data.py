"""Datasets for the course: Fashion-MNIST (found offline when possible) and small 2-D toy sets.

Fashion-MNIST
-------------
``load_fashion_mnist()`` returns exactly what ``keras.datasets.fashion_mnist.load_data()``
returns, ``((x_train, y_train), (x_test, y_test))`` with uint8 images ``(60000, 28, 28)`` and
``(10000, 28, 28)`` and uint8 labels 0-9, but looks for the four IDX files before it downloads:

1. the Keras cache, ``$KERAS_HOME/datasets/fashion-mnist`` when ``KERAS_HOME`` is set, else
   ``~/.keras/datasets/fashion-mnist`` (Keras falls back to ``/tmp/.keras`` when that folder is
   not writable, and so do we);
2. ``/usr/share/datasets/fashion-mnist``, where Debian/Ubuntu's ``dataset-fashion-mnist``
   package installs them;
3. a download through ``keras.datasets.fashion_mnist.load_data()``.

The files are read here with NumPy (gzip-compressed or not), and their IDX headers are checked,
so a truncated download gives a clear error instead of a reshape traceback.

2-D datasets
------------
``moons, circles, xor, spirals, gaussians(n=200, noise=0.1, seed=None)`` each return
``(X, y)`` with ``X`` float64 of shape ``(n, 2)`` and ``y`` int64 labels 0/1 of shape ``(n,)``,
as balanced as ``n`` allows (class 0 gets ``n // 2`` points). ``noise`` is the standard deviation
of Gaussian noise added to each coordinate; the same ``seed`` gives the same points.
"""

import gzip
import math
import numbers
import os
import tempfile

import numpy as np

from companion.utils import as_generator, check_bool

__all__ = [
    "CLASS_NAMES",
    "DATASETS_2D",
    "DatasetCorruptError",
    "DatasetNotFoundError",
    "FASHION_MNIST_FILES",
    "SYSTEM_DATASET_DIR",
    "circles",
    "fashion_mnist_source",
    "gaussians",
    "keras_cache_dir",
    "load_fashion_mnist",
    "load_fashion_mnist_subset",
    "make_2d",
    "moons",
    "read_idx",
    "search_paths",
    "spirals",
    "xor",
]

#: Label ``i`` of Fashion-MNIST is ``CLASS_NAMES[i]`` (the order of Zalando's README and Keras).
CLASS_NAMES = (
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

#: The four files, by role, as Keras names them (each may also be stored without ``.gz``).
FASHION_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

#: Where Debian/Ubuntu's ``dataset-fashion-mnist`` package installs the files.
SYSTEM_DATASET_DIR = "/usr/share/datasets/fashion-mnist"

DOWNLOAD = "download"

# IDX magic numbers: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions.
_IDX_UBYTE = 0x08
_IMAGE_SIDE = 28
_NUM_CLASSES = len(CLASS_NAMES)


class DatasetNotFoundError(OSError):
    """Fashion-MNIST was found in none of the folders searched and could not be downloaded."""


class DatasetCorruptError(ValueError):
    """A Fashion-MNIST file exists but is not a valid IDX file of the expected shape."""


# --------------------------------------------------------------------------------------------
# Where to look
# --------------------------------------------------------------------------------------------


def _writable(path):
    # Keras creates its cache folder when it is missing, so a missing folder counts as writable
    # when its nearest existing parent is.
    path = os.path.abspath(path)
    while not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent
    return os.access(path, os.W_OK)


def keras_cache_dir():
    """The folder Keras caches datasets under, resolved as Keras 3 does, e.g. ``~/.keras``.

    ``$KERAS_HOME`` if set, else ``~/.keras`` (``/tmp/.keras`` when the home folder is not
    writable). ``keras.utils.get_file`` then switches to ``/tmp/.keras`` when the chosen folder is
    not writable; this function applies the same rule. It reads the environment at call time,
    whereas Keras reads ``KERAS_HOME`` once, when it is first imported.

    >>> keras_cache_dir()  # doctest: +SKIP
    '/home/learner/.keras'
    """
    if "KERAS_HOME" in os.environ:
        base = os.path.expanduser(os.environ["KERAS_HOME"])
    else:
        home = os.path.expanduser("~")
        base = os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")
    if not _writable(base):
        tmp = "/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir()
        base = os.path.join(tmp, ".keras")
    return base


def search_paths():
    """The folders ``load_fashion_mnist`` searches, in order: Keras cache, then system folder.

    >>> search_paths()  # doctest: +SKIP
    ['/home/learner/.keras/datasets/fashion-mnist', '/usr/share/datasets/fashion-mnist']
    """
    return [os.path.join(keras_cache_dir(), "datasets", "fashion-mnist"), SYSTEM_DATASET_DIR]


def _find_file(folder, gz_name):
    # Keras stores the files gzipped; a copy unpacked by hand (without ``.gz``) works too.
    for name in (gz_name, gz_name[: -len(".gz")]):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return None


def _files_in(folder):
    """``{role: path}`` when ``folder`` holds all four files, else ``None``."""
    found = {role: _find_file(folder, name) for role, name in FASHION_MNIST_FILES.items()}
    return None if None in found.values() else found


def _check_search_paths(paths):
    if paths is None:
        return search_paths()
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    try:
        paths = [os.fspath(p) for p in paths]
    except TypeError:
        raise TypeError(
            f"search_paths must be a list of folder paths (str or pathlib.Path), but got {paths!r}."
        ) from None
    return paths


def fashion_mnist_source(search_paths=None, download=True):
    """Where ``load_fashion_mnist`` would take the data from, without reading it.

    Returns the first folder in ``search_paths`` (default: ``search_paths()``) that holds all four
    files, else ``"download"`` when ``download`` is true, else ``None``.

    >>> fashion_mnist_source()  # doctest: +SKIP
    '/usr/share/datasets/fashion-mnist'
    """
    download = check_bool(download, "download")
    for folder in _check_search_paths(search_paths):
        if _files_in(folder) is not None:
            return folder
    return DOWNLOAD if download else None


# --------------------------------------------------------------------------------------------
# Reading IDX files
# --------------------------------------------------------------------------------------------


def _read_bytes(path):
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            # A bytearray, so the arrays built on it are writable (Keras's are read-only views).
            return bytearray(f.read())
    except (OSError, EOFError) as exc:
        # gzip raises BadGzipFile (an OSError) or EOFError for damaged archives.
        raise DatasetCorruptError(
            f"Could not read {path}: {exc}. The file looks damaged: delete it and get it again."
        ) from exc


def read_idx(path, ndim):
    """Read an IDX file of unsigned bytes with ``ndim`` dimensions into a uint8 array.

    IDX layout: 4 magic bytes ``00 00 08 ndim``, then ``ndim`` big-endian uint32 sizes, then the
    data, row-major. Raises ``DatasetCorruptError`` when the header or the length is wrong.

    >>> read_idx("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz", 1).shape
    ... # doctest: +SKIP
    (10000,)
    """
    data = _read_bytes(path)
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise DatasetCorruptError(
            f"{path} is too short to be an IDX file: {len(data)} bytes, expected a header of "
            f"{header_len} bytes. Delete it and get it again."
        )
    magic = bytes(data[:4])
    expected_magic = bytes([0, 0, _IDX_UBYTE, ndim])
    if magic != expected_magic:
        raise DatasetCorruptError(
            f"{path} does not start with the IDX magic number {expected_magic.hex()} "
            f"(unsigned bytes, {ndim} dimension(s)) but with {magic.hex()}. It is not a "
            "Fashion-MNIST file or it is damaged."
        )
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected_len = header_len + math.prod(shape)
    if len(data) != expected_len:
        raise DatasetCorruptError(
            f"{path} declares shape {shape}, i.e. {expected_len} bytes, but holds {len(data)} "
            "bytes (an interrupted download?). Delete it and get it again."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(shape)


def _read_split(images_path, labels_path):
    x = read_idx(images_path, 3)
    y = read_idx(labels_path, 1)
    if x.shape[1:] != (_IMAGE_SIDE, _IMAGE_SIDE):
        raise DatasetCorruptError(
            f"{images_path} holds images of {x.shape[1]}x{x.shape[2]} pixels; Fashion-MNIST "
            f"images are {_IMAGE_SIDE}x{_IMAGE_SIDE}."
        )
    if len(x) != len(y):
        raise DatasetCorruptError(
            f"{images_path} holds {len(x)} images but {labels_path} holds {len(y)} labels; "
            "the two files do not belong together."
        )
    if y.size and int(y.max()) >= _NUM_CLASSES:
        raise DatasetCorruptError(
            f"{labels_path} holds label {int(y.max())}; Fashion-MNIST labels are 0 to "
            f"{_NUM_CLASSES - 1}."
        )
    return x, y


def _read_folder(files):
    train = _read_split(files["train_images"], files["train_labels"])
    test = _read_split(files["test_images"], files["test_labels"])
    return train, test


def _not_found_message(paths, reason):
    searched = "\n".join(f"  - {p}" for p in paths) or "  (no folders)"
    names = ", ".join(FASHION_MNIST_FILES.values())
    return (
        f"Fashion-MNIST was not found. Searched:\n{searched}\n{reason}\n"
        "To use it offline, either\n"
        "  - install the system package:  sudo apt install dataset-fashion-mnist\n"
        "    (it puts the files in /usr/share/datasets/fashion-mnist), or\n"
        f"  - copy the four files ({names}) into\n"
        f"    {search_paths()[0]}\n"
        "    (from https://github.com/zalandoresearch/fashion-mnist, or from a machine where\n"
        "    keras.datasets.fashion_mnist.load_data() has run)."
    )


def _download():
    # Imported here: the companion must not import TensorFlow/Keras at import time.
    import keras

    return keras.datasets.fashion_mnist.load_data()


def load_fashion_mnist(search_paths=None, download=True):
    """Load Fashion-MNIST as ``keras.datasets.fashion_mnist.load_data()`` does, offline first.

    Returns ``((x_train, y_train), (x_test, y_test))``: uint8 images of shape ``(60000, 28, 28)``
    and ``(10000, 28, 28)`` (pixel values 0-255) and uint8 labels 0-9 (see ``CLASS_NAMES``).
    The values, shapes and dtypes equal Keras's; unlike Keras's, the arrays are writable.

    Searches the folders in ``search_paths`` (default: ``search_paths()``, the Keras cache then
    ``/usr/share/datasets/fashion-mnist``) for the four IDX files, gzipped or not, and otherwise
    downloads them through Keras when ``download`` is true. Raises ``DatasetNotFoundError`` (an
    ``OSError``) with instructions when every source fails, and ``DatasetCorruptError`` (a
    ``ValueError``) when a file is found but damaged. It never falls back to another dataset.

    >>> (x_train, y_train), (x_test, y_test) = load_fashion_mnist()  # doctest: +SKIP
    >>> x_train.shape, y_train.dtype, CLASS_NAMES[y_train[0]]  # doctest: +SKIP
    ((60000, 28, 28), dtype('uint8'), 'Ankle boot')
    """
    download = check_bool(download, "download")
    paths = _check_search_paths(search_paths)
    source = fashion_mnist_source(paths, download=False)
    if source is not None:
        return _read_folder(_files_in(source))
    if not download:
        raise DatasetNotFoundError(
            _not_found_message(paths, "Downloading was switched off (download=False).")
        )
    try:
        return _download()
    except Exception as exc:
        raise DatasetNotFoundError(
            _not_found_message(
                paths, f"Downloading through Keras failed: {type(exc).__name__}: {exc}"
            )
        ) from exc


def _check_count(n, name, total):
    if n is None:
        return total
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be an int or None, but got {type(n).__name__}: {n!r}.")
    if not 0 < n <= total:
        raise ValueError(f"{name} must be between 1 and {total}, but got {n}.")
    return int(n)


def load_fashion_mnist_subset(
    n_train=None, n_test=None, seed=None, normalize=True, flatten=True, **load_kwargs
):
    """A random subset of Fashion-MNIST, ready for a dense network.

    Draws ``n_train`` training and ``n_test`` test images without replacement (all of them, in
    the original order, when ``None``). ``normalize`` turns pixels into float32 ``x / 255`` in
    [0, 1]; ``flatten`` reshapes images to ``(n, 784)``. Labels stay uint8. Other keyword
    arguments go to ``load_fashion_mnist``.

    >>> (x, y), (xt, yt) = load_fashion_mnist_subset(1000, 200, seed=0)  # doctest: +SKIP
    >>> x.shape, x.dtype, float(x.max()) <= 1.0  # doctest: +SKIP
    ((1000, 784), dtype('float32'), True)
    """
    normalize = check_bool(normalize, "normalize")
    flatten = check_bool(flatten, "flatten")
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(**load_kwargs)
    n_train = _check_count(n_train, "n_train", len(x_train))
    n_test = _check_count(n_test, "n_test", len(x_test))
    rng = as_generator(seed)

    def pick(x, y, n):
        if n < len(x):
            idx = rng.choice(len(x), size=n, replace=False)
            x, y = x[idx], y[idx]
        if normalize:
            x = x.astype(np.float32) / np.float32(255.0)
        if flatten:
            x = x.reshape(len(x), -1)
        return x, y

    return pick(x_train, y_train, n_train), pick(x_test, y_test, n_test)


# --------------------------------------------------------------------------------------------
# 2-D toy datasets
# --------------------------------------------------------------------------------------------


def _check_2d_args(n, noise):
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be a positive int, but got {type(n).__name__}: {n!r}.")
    if n < 1:
        raise ValueError(f"n must be a positive int (the number of points), but got {n}.")
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"noise must be a number >= 0, but got {type(noise).__name__}: {noise!r}.")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0 (a standard deviation), got {noise}.")
    return int(n), float(noise)


def _finish(parts, noise, rng):
    """Stack ``[X_class0, X_class1]``, add noise, shuffle rows; labels int64."""
    X = np.concatenate(parts, axis=0)
    y = np.concatenate([np.full(len(p), k, dtype=np.int64) for k, p in enumerate(parts)])
    # Drawn even when noise == 0, so that one seed gives the same clean points (and the same
    # order) at every noise level: changing only the noise jitters the same dataset.
    X = X + noise * rng.standard_normal(size=X.shape)
    order = rng.permutation(len(X))
    return X[order], y[order]


def _class_sizes(n):
    # Same split as scikit-learn's make_moons: class 0 gets n // 2, class 1 the rest.
    return n // 2, n - n // 2


def moons(n=200, noise=0.1, seed=None):
    """Two interleaving half circles (like scikit-learn's ``make_moons``).

    Class 0: ``(cos t, sin t)``; class 1: ``(1 - cos t, 0.5 - sin t)``, ``t`` uniform in [0, pi];
    then Gaussian noise of standard deviation ``noise`` on each coordinate.

    >>> X, y = moons(4, noise=0.0, seed=0)
    >>> X.shape, y.dtype.name, int(y.sum())
    ((4, 2), 'int64', 2)
    """
    n, noise = _check_2d_args(n, noise)
    rng = as_generator(seed)
    n0, n1 = _class_sizes(n)
    t0, t1 = rng.uniform(0.0, np.pi, n0), rng.uniform(0.0, np.pi, n1)
    outer = np.column_stack([np.cos(t0), np.sin(t0)])
    inner = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    return _finish([outer, inner], noise, rng)


def circles(n=200, noise=0.1, seed=None):
    """A circle of radius 1 (class 0) around a circle of radius 0.5 (class 1), plus noise.

    Points ``r (cos t, sin t)`` with ``t`` uniform in [0, 2 pi); then Gaussian noise of standard
    deviation ``noise`` on each coordinate.

    >>> X, y = circles(6, noise=0.0, seed=0)
    >>> np.round(np.hypot(X[:, 0], X[:, 1]), 6)[y == 1]
    array([0.5, 0.5, 0.5])
    """
    n, noise = _check_2d_args(n, noise)
    rng = as_generator(seed)
    parts = []
    for radius, size in zip((1.0, 0.5), _class_sizes(n)):
        t = rng.uniform(0.0, 2.0 * np.pi, size)
        parts.append(radius * np.column_stack([np.cos(t), np.sin(t)]))
    return _finish(parts, noise, rng)


def xor(n=200, noise=0.1, seed=None):
    """The XOR pattern: label 1 where the two coordinates have different signs.

    Class 0 fills the quadrants (+, +) and (-, -), class 1 the quadrants (+, -) and (-, +), each
    uniformly in the unit square of its quadrant; then Gaussian noise of standard deviation
    ``noise`` on each coordinate (so points near the axes may cross into the other class's
    quadrant). No straight line separates the classes.

    >>> X, y = xor(8, noise=0.0, seed=0)
    >>> bool(np.all((X[:, 0] * X[:, 1] < 0) == (y == 1)))
    True
    """
    n, noise = _check_2d_args(n, noise)
    rng = as_generator(seed)
    parts = []
    for label, size in enumerate(_class_sizes(n)):
        magnitude = rng.uniform(0.0, 1.0, size=(size, 2))
        sign0 = rng.choice([-1.0, 1.0], size=size)
        # Same sign on both axes for class 0, opposite signs for class 1.
        sign1 = sign0 if label == 0 else -sign0
        parts.append(magnitude * np.column_stack([sign0, sign1]))
    return _finish(parts, noise, rng)


def spirals(n=200, noise=0.1, seed=None):
    """Two interleaved spiral arms, the hardest of the toy sets.

    Along an arm ``s`` is uniform in [0, 1]: radius ``s``, angle ``4 pi s + k pi`` for class
    ``k`` (each arm makes two turns; the second is the first rotated by half a turn); then
    Gaussian noise of standard deviation ``noise`` on each coordinate.

    >>> X, y = spirals(10, noise=0.0, seed=0)
    >>> bool(np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0))
    True
    """
    n, noise = _check_2d_args(n, noise)
    rng = as_generator(seed)
    parts = []
    for label, size in enumerate(_class_sizes(n)):
        s = rng.uniform(0.0, 1.0, size)
        angle = 4.0 * np.pi * s + label * np.pi
        parts.append(s[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]))
    return _finish(parts, noise, rng)


GAUSSIANS_SPREAD = 0.5


def gaussians(n=200, noise=0.1, seed=None):
    """Two Gaussian blobs centred at (-1, -1) (class 0) and (1, 1) (class 1).

    Each blob has standard deviation ``GAUSSIANS_SPREAD`` (0.5) per coordinate before the noise;
    the noise (standard deviation ``noise``) is added as for the other sets, so each coordinate
    ends with standard deviation ``sqrt(0.5**2 + noise**2)`` around its centre.

    >>> X, y = gaussians(6, noise=0.0, seed=0)
    >>> bool(X[y == 1].mean() > X[y == 0].mean())
    True
    """
    n, noise = _check_2d_args(n, noise)
    rng = as_generator(seed)
    parts = [
        centre + rng.normal(0.0, GAUSSIANS_SPREAD, size=(size, 2))
        for centre, size in zip((-1.0, 1.0), _class_sizes(n))
    ]
    return _finish(parts, noise, rng)


#: The 2-D datasets by name, for ``make_2d`` and for widgets that offer a choice.
DATASETS_2D = {
    "moons": moons,
    "circles": circles,
    "xor": xor,
    "spirals": spirals,
    "gaussians": gaussians,
}


def make_2d(name, n=200, noise=0.1, seed=None):
    """Generate the 2-D dataset called ``name`` (one of ``DATASETS_2D``).

    >>> X, y = make_2d("circles", n=10, noise=0.05, seed=1)
    >>> X.shape, y.shape
    ((10, 2), (10,))
    """
    if not isinstance(name, str):
        raise TypeError(
            f"name must be a string, one of {sorted(DATASETS_2D)}, "
            f"but got {type(name).__name__}: {name!r}."
        )
    try:
        make = DATASETS_2D[name.lower()]
    except KeyError:
        raise ValueError(
            f"Unknown 2-D dataset {name!r}. Valid names: {', '.join(sorted(DATASETS_2D))}."
        ) from None
    return make(n=n, noise=noise, seed=seed)
