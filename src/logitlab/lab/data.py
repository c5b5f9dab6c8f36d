"""Seeded data sets of the lab: presets, feature maps and the plotting domain.

Every preset is a pure function of ``(name, seed)`` so that a picture in the lab can be
reproduced outside it::

    from logitlab.lab.data import make_preset
    X, y = make_preset("xor", seed=3)

Points live in the plotting box ``DOMAIN`` = x1 in [-4, 4], x2 in [-3, 3].
"""
from __future__ import annotations

import numpy as np

DOMAIN = (-4.0, 4.0, -3.0, 3.0)  # x1 min, x1 max, x2 min, x2 max

PRESETS = (
    "separable",
    "overlapping",
    "outlier",
    "xor",
    "rings",
    "imbalanced",
    "nearly_separable",
)
MULTICLASS_PRESETS = ("three_class",)


def _clip(X):
    x0, x1, y0, y1 = DOMAIN
    X[:, 0] = np.clip(X[:, 0], x0 + 0.15, x1 - 0.15)
    X[:, 1] = np.clip(X[:, 1], y0 + 0.15, y1 - 0.15)
    return X


def _clouds(rng, n0, n1, c0, c1, sd0, sd1):
    A = rng.normal(c0, sd0, size=(n0, 2))
    B = rng.normal(c1, sd1, size=(n1, 2))
    return np.vstack([A, B]), np.array([0] * n0 + [1] * n1)


def _separable(rng, n=20, margin=0.6):
    """Two clouds on either side of the line x1 + x2 = 0, at least ``margin`` away from it."""
    u = np.array([1.0, 1.0]) / np.sqrt(2.0)
    out, labels = [], []
    for label, centre in ((0, (-1.7, -1.1)), (1, (1.7, 1.1))):
        got = 0
        while got < n:
            p = rng.normal(centre, 0.75)
            s = float(p @ u)
            if (s > margin if label else s < -margin):
                out.append(p)
                labels.append(label)
                got += 1
    return np.array(out), np.array(labels)


def make_preset(name: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X, y)`` of the named preset: X is (n, 2) float, y is (n,) int labels."""
    rng = np.random.default_rng(int(seed))
    if name == "separable":
        X, y = _separable(rng)
    elif name == "overlapping":
        X, y = _clouds(rng, 30, 30, (-0.9, -0.6), (0.9, 0.6), 1.1, 1.1)
    elif name == "outlier":
        X, y = _separable(rng, n=18)
        X = np.vstack([X, [[3.2, 2.2]]])  # one class-0 point deep in class-1 territory
        y = np.append(y, 0)
    elif name == "xor":
        centres = [(-1.9, -1.5), (1.9, 1.5), (-1.9, 1.5), (1.9, -1.5)]
        parts = [rng.normal(c, 0.55, size=(15, 2)) for c in centres]
        X = np.vstack(parts)
        y = np.array([1] * 30 + [0] * 30)
    elif name == "rings":
        r = np.concatenate([rng.uniform(0.0, 1.2, 30), rng.uniform(2.0, 2.7, 44)])
        t = rng.uniform(0, 2 * np.pi, r.size)
        X = np.column_stack([r * np.cos(t), r * np.sin(t)])
        y = np.array([1] * 30 + [0] * 44)
    elif name == "imbalanced":
        X, y = _clouds(rng, 54, 6, (-0.7, -0.4), (1.5, 1.1), 1.1, 0.6)
    elif name == "nearly_separable":
        X, y = _separable(rng, margin=0.4)
        # the class-0 point nearest the boundary moves inside the triangle of the three class-1
        # points nearest it: inside their convex hull, so no line separates the classes any more
        u = np.array([1.0, 1.0]) / np.sqrt(2.0)
        s = X @ u
        i = int(np.argmax(np.where(y == 0, s, -np.inf)))
        near1 = np.argsort(np.where(y == 1, s, np.inf))[:3]
        X[i] = X[near1].mean(axis=0)
    elif name == "three_class":
        angles = np.deg2rad([90.0, 210.0, 330.0])
        parts = [rng.normal((1.7 * np.cos(a), 1.5 * np.sin(a)), 0.85, size=(20, 2)) for a in angles]
        X = np.vstack(parts)
        y = np.repeat([0, 1, 2], 20)
    else:
        raise ValueError(f"unknown preset {name!r}; choose one of {PRESETS + MULTICLASS_PRESETS}")
    X = _clip(np.round(X.astype(float), 2))
    return X, y.astype(int)


def line_data(seed: int = 0, far: float = 12.0) -> tuple[np.ndarray, np.ndarray]:
    """One-feature data of the "why a line fails" simulation; the last point is the far one.

    Classes overlap a little (one class-0 point right of one class-1 point) so that the
    unpenalised logistic fit exists.
    """
    rng = np.random.default_rng(int(seed))
    x0 = np.sort(rng.uniform(0.3, 2.6, 6))
    x1 = np.sort(rng.uniform(3.4, 5.8, 6))
    x = np.concatenate([x0, [rng.uniform(3.0, 3.5)], [rng.uniform(2.6, 3.0)], x1, [far]])
    y = np.array([0] * 6 + [0] + [1] + [1] * 6 + [1])
    return np.round(x, 2), y


def feature_map(X: np.ndarray, product: bool = False, radius: bool = False) -> np.ndarray:
    """Columns x1, x2, then x1*x2 and/or x1^2 + x2^2 when switched on."""
    cols = [X[:, 0], X[:, 1]]
    if product:
        cols.append(X[:, 0] * X[:, 1])
    if radius:
        cols.append(X[:, 0] ** 2 + X[:, 1] ** 2)
    return np.column_stack(cols)


def feature_names(product: bool = False, radius: bool = False) -> list[str]:
    names = ["x1", "x2"]
    if product:
        names.append("x1*x2")
    if radius:
        names.append("x1^2+x2^2")
    return names


def grid(nx: int = 64, ny: int = 48) -> np.ndarray:
    """Cell centres of an ``nx`` by ``ny`` grid over DOMAIN, row-major from the top row."""
    x0, x1, y0, y1 = DOMAIN
    gx = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
    gy = y1 - (np.arange(ny) + 0.5) * (y1 - y0) / ny
    XX, YY = np.meshgrid(gx, gy)
    return np.column_stack([XX.ravel(), YY.ravel()])
