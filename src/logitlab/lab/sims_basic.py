"""Simulations 1-5: why a line fails, the sigmoid, the boundary, the penalty, the staircase."""
from __future__ import annotations

import numpy as np
from scipy.special import log_expit

from ._common import as_points, data_from, f, fit, fl, measure, py_data, sigmoid
from ._params import choice, integer, number
from .data import line_data


def linefail(p: dict) -> dict:
    """Least squares on 0/1 labels against the logistic fit, with one draggable far point."""
    seed = integer(p, "seed", 0, 0, 2**31 - 1)
    far = number(p, "far", 12.0, 6.0, 30.0)
    x, y = line_data(seed, far)
    A = np.column_stack([np.ones_like(x), x])
    (a, b), *_ = np.linalg.lstsq(A, y.astype(float), rcond=None)
    line = a + b * x
    ls_wrong = int(np.sum((line >= 0.5) != (y == 1)))
    model, warns = fit(x[:, None], y)
    b0, b1 = float(model.intercept_[0]), float(model.coef_[0, 0])
    proba = model.predict_proba(x[:, None])[:, 1]
    lr_wrong = int(np.sum((proba >= 0.5) != (y == 1)))
    code = (
        "import numpy as np\nfrom logitlab import LogisticRegression\n"
        "from logitlab.lab.data import line_data\n\n"
        f"x, y = line_data(seed={seed}, far={far:g})\n"
        "# least squares on the 0/1 labels (the linear probability model)\n"
        "A = np.column_stack([np.ones_like(x), x])\n"
        "(a, b), *_ = np.linalg.lstsq(A, y.astype(float), rcond=None)\n"
        "print('line: y =', a, '+', b, '* x; crosses 0.5 at x =', (0.5 - a) / b)\n"
        "print('line misclassifies', int(np.sum((a + b * x >= 0.5) != (y == 1))), 'points')\n"
        "model = LogisticRegression().fit(x[:, None], y)\n"
        "b0, b1 = model.intercept_[0], model.coef_[0, 0]\n"
        "print('logistic: P(y=1) = sigmoid(', b0, '+', b1, '* x); 0.5 at x =', -b0 / b1)\n"
    )
    return {
        "x": fl(x),
        "y": [int(v) for v in y],
        "far": far,
        "ls": {
            "intercept": f(a),
            "slope": f(b),
            "at_far": f(a + b * far),
            "cross": f((0.5 - a) / b) if b else None,
            "n_wrong": ls_wrong,
            "wrong": [int(i) for i in np.flatnonzero((line >= 0.5) != (y == 1))],
            "values": fl(line),
        },
        "logistic": {
            "intercept": b0,
            "slope": b1,
            "at_far": f(proba[-1]),
            "cross": f(-b0 / b1) if b1 else None,
            "n_wrong": lr_wrong,
            "wrong": [int(i) for i in np.flatnonzero((proba >= 0.5) != (y == 1))],
            "proba": fl(proba),
        },
        "warnings": warns,
        "python": code,
    }


def sigmoid_sim(p: dict) -> dict:
    """g(s z) and its derivative at one input, for the z and weight-scale sliders."""
    z = number(p, "z", 1.5, -10.0, 10.0)
    s = number(p, "scale", 1.0, 0.0, 10.0)
    u = s * z
    g = float(sigmoid(u))
    code = (
        "import numpy as np\nfrom scipy.special import expit as sigmoid\n\n"
        f"z, scale = {z:g}, {s:g}\n"
        "g = sigmoid(scale * z)\n"
        "print('g =', g, \" g' =\", g * (1 - g), 'log-odds =', np.log(g / (1 - g)))\n"
    )
    return {
        "z": z,
        "scale": s,
        "u": u,
        "g": g,
        "dg": g * (1.0 - g),
        "dg_dz": s * g * (1.0 - g),
        "odds": f(np.exp(u)),
        "logodds": u,
        "python": code,
    }


def boundary(p: dict) -> dict:
    """Fixed weights over two classes: accuracy and log-likelihood of the hand-set boundary."""
    X, y, source = data_from(p, "overlapping")
    b = number(p, "b", 0.0, -10.0, 10.0)
    w = np.array([number(p, "w1", 1.2, -10.0, 10.0), number(p, "w2", 1.2, -10.0, 10.0)])
    m = measure(X, y, w, b)
    code = (
        "import numpy as np\nfrom logitlab._objective import objective_value\n"
        + py_data(X, y, source)
        + f"b, w = {b:g}, np.array([{w[0]:g}, {w[1]:g}])\n"
        "p = 1 / (1 + np.exp(-(X @ w + b)))\n"
        "print('accuracy', np.mean((p >= 0.5) == (y == 1)))\n"
        "print('log-likelihood', -len(y) * objective_value(X, y, w[None, :], np.array([b])))\n"
    )
    return {
        "points": as_points(X, y),
        "b": b,
        "w": fl(w),
        "norm_w": float(np.hypot(*w)),
        "wrong": [int(i) for i in np.flatnonzero((X @ w + b >= 0) != (y == 1))],
        **m,
        "python": code,
    }


def crossentropy(p: dict) -> dict:
    """The cross-entropy penalty of one prediction h for label y, squared error beside it."""
    h = number(p, "h", 0.5, 0.0, 1.0)
    y = integer(p, "y", 1, 0, 1)
    hc = min(max(h, 1e-12), 1 - 1e-12)
    ce = -np.log(hc) if y == 1 else -np.log1p(-hc)
    code = (
        "import numpy as np\n\n"
        f"h, y = {h:g}, {y}\n"
        "ce = -(y * np.log(h) + (1 - y) * np.log(1 - h))\n"
        "print('cross-entropy', ce, 'squared error', (h - y) ** 2)\n"
    )
    return {
        "h": h,
        "y": y,
        "ce": float(ce),
        "ce_if_1": float(-np.log(hc)),
        "ce_if_0": float(-np.log1p(-hc)),
        "se": (h - y) ** 2,
        "dce_dh": float(-1 / hc if y == 1 else 1 / (1 - hc)),
        "dse_dh": 2 * (h - y),
        "python": code,
    }


DIRECTIONS = ("bias", "rotate", "scale")


def staircase(p: dict) -> dict:
    """Accuracy and cross-entropy along one line in weight space, theta(t) = theta* + t d.

    theta* is the maximum-likelihood fit; d slides the boundary ("bias"), turns it ("rotate")
    or scales every weight ("scale": the boundary stays, only the confidence changes).
    """
    X, y, source = data_from(p, "overlapping")
    direction = choice(p, "direction", "bias", DIRECTIONS)
    t = number(p, "t", 0.0, -3.0, 3.0)
    model, warns = fit(X, y)
    b0, w0 = float(model.intercept_[0]), np.asarray(model.coef_[0], dtype=float)
    theta0 = np.concatenate([[b0], w0])
    if direction == "bias":
        d = np.array([1.0, 0.0, 0.0])
    elif direction == "rotate":
        d = np.array([0.0, -w0[1], w0[0]])
    else:
        d = theta0.copy()
    ts = np.linspace(-3.0, 3.0, 601)
    T = theta0[None, :] + ts[:, None] * d[None, :]
    Z = T[:, :1] + T[:, 1:] @ X.T
    Y = (y == 1)[None, :]
    acc = np.mean((Z >= 0) == Y, axis=1)
    ce = -np.mean(np.where(Y, log_expit(Z), log_expit(-Z)), axis=1)
    th = theta0 + t * d
    m = measure(X, y, th[1:], th[0])
    code = (
        "import numpy as np\nfrom scipy.special import log_expit\nfrom logitlab import LogisticRegression\n"
        + py_data(X, y, source)
        + "model = LogisticRegression().fit(X, y)\n"
        "theta0 = np.concatenate([model.intercept_, model.coef_[0]])   # (b, w1, w2) at the maximum\n"
        + {
            "bias": "d = np.array([1.0, 0.0, 0.0])                 # slide the boundary\n",
            "rotate": "d = np.array([0.0, -theta0[2], theta0[1]])     # turn the boundary\n",
            "scale": "d = theta0.copy()                               # scale every weight\n",
        }[direction]
        + "for t in np.linspace(-3, 3, 13):\n"
        "    b, w = (theta0 + t * d)[0], (theta0 + t * d)[1:]\n"
        "    z = X @ w + b\n"
        "    acc = np.mean((z >= 0) == (y == 1))\n"
        "    ce = -np.mean(np.where(y == 1, log_expit(z), log_expit(-z)))\n"
        "    print(f'{t:5.1f}  accuracy {acc:.3f}  cross-entropy {ce:.4f}')\n"
    )
    return {
        "points": as_points(X, y),
        "direction": direction,
        "t": t,
        "theta0": fl(theta0),
        "d": fl(d),
        "b": float(th[0]),
        "w": fl(th[1:]),
        "ts": fl(ts),
        "accuracy_curve": fl(acc),
        "ce_curve": fl(ce),
        "n_levels": int(len(np.unique(acc))),
        **m,
        "warnings": warns,
        "python": code,
    }
