"""Simulations 6-9: the training lab, the perceptron, softmax, Newton against gradient ascent."""
from __future__ import annotations

import functools

import numpy as np
from scipy.special import expit, log_expit, softmax as _softmax

from ._common import as_points, data_from, f, fit, fl, measure, py_data, separation
from ._params import MAX_ITER, MAX_STEPS, LabRequestError, flag, integer, number, points
from .data import grid, make_preset
from .perceptron import perceptron

# probe points where the page's own sigmoid is checked against predict_proba
PERCEPTRON_SCALE, PERCEPTRON_SHIFT = 0.6, (1.8, 1.3)
PROBES = [[-3.0, -2.0], [-1.0, 0.5], [0.0, 0.0], [0.7, -1.3], [2.0, 1.0], [3.5, 2.5]]


def train(p: dict) -> dict:
    """Gradient descent with the engine (solver="gd"), trajectory on a log-spaced schedule."""
    X, y = points(p, min_points=1)
    lr = number(p, "lr", 0.3, 1e-4, 50.0)
    iters = integer(p, "iters", 0, 0, MAX_ITER, what="iterations")
    frames = []
    warns: list[str] = []
    sep = None
    converged = False
    proba = probes = None
    if iters > 0:
        if len(np.unique(y)) < 2:
            raise LabRequestError("training needs points of both classes", 422)
        model, warns = fit(X, y, solver="gd", learning_rate=lr, max_iter=iters, trace="log")
        tr = model.trace_
        its = np.asarray(tr.iteration, dtype=int)
        coef = np.asarray(tr.coef, dtype=float).reshape(len(its), -1)
        icpt = np.asarray(tr.intercept, dtype=float).reshape(len(its), -1)[:, 0]
        if len(its) == 0 or its[0] != 0:
            its = np.concatenate([[0], its])
            coef = np.vstack([np.zeros((1, 2)), coef])
            icpt = np.concatenate([[0.0], icpt])
        for k, w, b in zip(its, coef, icpt):
            frames.append(_frame(X, y, int(k), w, b))
        sep = separation(model)
        converged = bool(np.all(getattr(model, "converged_", False)))
        proba = fl(model.predict_proba(X)[:, 1])
        probes = fl(model.predict_proba(np.array(PROBES))[:, 1])
        n_iter = int(np.max(model.n_iter_))
    else:
        frames.append(_frame(X, y, 0, np.zeros(2), 0.0))
        n_iter = 0
    code = (
        "import numpy as np\nfrom logitlab import LogisticRegression\n\n"
        + py_data(X, y, {"kind": "points"})
        + f"model = LogisticRegression(solver=\"gd\", learning_rate={lr:g}, max_iter=__MAX_ITER__, "
        "trace=\"log\")\nmodel.fit(X, y)\n"
        "print('theta0', model.intercept_[0], 'theta1, theta2', model.coef_[0])\n"
        "print('accuracy', model.score(X, y), 'iterations', model.n_iter_)\n"
        "print(model.separation_)\n"
    )
    return {
        "lr": lr,
        "iters": iters,
        "n_iter": n_iter,
        "converged": converged,
        "frames": frames,
        "separation": sep,
        "warnings": warns,
        "proba": proba,
        "probes": PROBES,
        "probe_proba": probes,
        "python": code,
    }


def _frame(X, y, it, w, b) -> dict:
    m = measure(X, y, w, b)
    return {
        "iteration": it,
        "b": float(b),
        "w": fl(w),
        "norm": float(np.sqrt(b * b + np.dot(w, w))),
        "loglik": m["loglik"],
        "accuracy": m["accuracy"],
    }


def perceptron_sim(p: dict) -> dict:
    """The whole history of the perceptron on a seeded preset, optionally made non-separable."""
    X, y, source = data_from(p, "separable")
    nonsep = flag(p, "nonsep", False)
    steps = integer(p, "steps", 1200, 1, MAX_STEPS, what="perceptron steps")
    if nonsep:
        rng = np.random.default_rng(source.get("seed", 0) + 7919)
        X = np.vstack([X, np.round(rng.normal((1.6, 1.0), 0.3), 2)])  # a class-0 point among the 1s
        y = np.append(y, 0)
    if source["kind"] == "preset":
        X = np.round(X * PERCEPTRON_SCALE + PERCEPTRON_SHIFT, 3)  # off the origin: the bias must learn
    h = perceptron(X, y, steps, seed=source.get("seed", 0))
    n = len(y)
    updates = np.cumsum(h.mistake)
    pass_mistakes = np.zeros(steps, dtype=int)  # mistakes so far in the current pass
    for t in range(steps):
        before = pass_mistakes[t - 1] if t and h.epoch[t - 1] == h.epoch[t] else 0
        pass_mistakes[t] = before + int(h.mistake[t])
    code = (
        "import numpy as np\nfrom logitlab.lab.perceptron import perceptron\n"
        + py_data(X, y, {"kind": "points"} if nonsep or source["kind"] != "preset" else source)
        + ("" if nonsep or source["kind"] != "preset"
           else f"X = np.round(X * {PERCEPTRON_SCALE} + np.array({list(PERCEPTRON_SHIFT)}), 3)\n")
        + f"h = perceptron(X, y, steps=__STEP__, seed={source.get('seed', 0)})\n"
        "print('theta after the last step', h.theta[-1])\n"
        "print('updates', int(h.mistake.sum()), 'of', len(h.mistake), 'steps')\n"
    )
    return {
        "points": as_points(X, y),
        "n": n,
        "steps": steps,
        "theta": [fl(t) for t in h.theta],
        "index": [int(i) for i in h.index],
        "mistake": [bool(m) for m in h.mistake],
        "epoch": [int(e) for e in h.epoch],
        "score": fl(h.score),
        "updates": [int(u) for u in updates],
        "pass_mistakes": [int(m) for m in pass_mistakes],
        "converged_step": h.converged_step,
        "nonsep": nonsep,
        "python": code,
    }


@functools.lru_cache(maxsize=16)
def _softmax_model(seed: int):
    X, y = make_preset("three_class", seed)
    model, warns = fit(X, y)
    G = grid(64, 48)
    P = model.predict_proba(G)
    return X, y, model, warns, np.round(P, 4)


def softmax_sim(p: dict) -> dict:
    """A multinomial fit on three classes: regions, and the logits of one query point."""
    seed = integer(p, "seed", 0, 0, 2**31 - 1)
    q = np.array([number(p, "qx", 0.4, -4.0, 4.0), number(p, "qy", 0.2, -3.0, 3.0)])
    X, y, model, warns, P = _softmax_model(seed)
    model_logits = np.asarray(model.decision_function(q[None, :]), dtype=float).ravel()
    raw = p.get("logits")
    if raw is None:
        logits = model_logits
    else:
        if not isinstance(raw, list) or len(raw) != 3:
            raise LabRequestError("'logits' must be a list of three numbers or null")
        logits = np.array([number({"t": v}, "t", 0.0, -20.0, 20.0) for v in raw])
    probs = _softmax(logits)
    code = (
        "import numpy as np\nfrom scipy.special import softmax\nfrom logitlab import LogisticRegression\n"
        f"from logitlab.lab.data import make_preset\n\nX, y = make_preset('three_class', seed={seed})\n"
        "model = LogisticRegression().fit(X, y)   # multinomial: one weight vector per class\n"
        f"q = np.array([[{q[0]:g}, {q[1]:g}]])\n"
        "print('logits', model.decision_function(q), 'P', model.predict_proba(q))\n"
        f"print('softmax of the slider logits', softmax([{', '.join(f'{v:g}' for v in logits)}]))\n"
    )
    return {
        "points": as_points(X, y),
        "coef": [fl(r) for r in model.coef_],
        "intercept": fl(model.intercept_),
        "grid": {"nx": 64, "ny": 48, "proba": [fl(r) for r in P]},
        "query": fl(q),
        "model_logits": fl(model_logits),
        "model_proba": fl(model.predict_proba(q[None, :])[0]),
        "logits": fl(logits),
        "proba": fl(probs),
        "winner": int(np.argmax(probs)),
        "warnings": warns,
        "python": code,
    }


def newton_data(seed: int):
    rng = np.random.default_rng(int(seed))
    x = np.round(rng.normal(0.0, 1.5, 40), 2)
    y = (rng.uniform(size=40) < expit(1.3 * x)).astype(int)
    # three fixed points keep the data non-separable, so the maximum exists
    return np.concatenate([x, [1.0, -1.0, 2.0]]), np.concatenate([y, [0, 1, 1]])


def _derivs(x, y, th):
    z = th * x
    s = expit(z)
    ll = float(np.mean(np.where(y == 1, log_expit(z), log_expit(-z))))
    return ll, float(np.mean((y - s) * x)), float(-np.mean(s * (1 - s) * x * x))


def newton_sim(p: dict) -> dict:
    """Pure Newton and gradient ascent on the mean log-likelihood of a one-weight model."""
    seed = integer(p, "seed", 0, 0, 2**31 - 1)
    th0 = number(p, "theta0", -0.5, -4.0, 6.0)
    lr = number(p, "lr", 2.0, 0.01, 20.0)
    steps = integer(p, "steps", 30, 1, 200, what="steps")
    x, y = newton_data(seed)
    model, warns = fit(x[:, None], y, fit_intercept=False, solver="newton", tol=1e-13)
    star = float(model.coef_[0, 0])

    def run(update):
        th, out = th0, []
        for _ in range(steps + 1):
            ll, d1, d2 = _derivs(x, y, th)
            out.append({"theta": f(th), "ll": f(ll), "d1": f(d1), "d2": f(d2), "err": f(abs(th - star))})
            nxt = update(th, d1, d2)
            if not np.isfinite(nxt) or abs(nxt) > 1e3:
                break
            th = nxt
        return out

    newton = run(lambda th, d1, d2: th - d1 / d2 if d2 else np.inf)
    gd = run(lambda th, d1, d2: th + lr * d1)
    ths = np.linspace(-4.0, 6.0, 301)
    curve = np.array([_derivs(x, y, t)[:2] for t in ths])
    code = (
        "import numpy as np\nfrom scipy.special import expit\nfrom logitlab import LogisticRegression\n"
        f"from logitlab.lab.sims_train import newton_data\n\nx, y = newton_data(seed={seed})\n"
        "star = LogisticRegression(fit_intercept=False, solver='newton', tol=1e-13).fit(x[:, None], y).coef_[0, 0]\n"
        f"newton, gd = {th0:g}, {th0:g}\n"
        "for k in range(1, __STEP__ + 1):\n"
        "    s = expit(newton * x)\n"
        "    newton -= np.mean((y - s) * x) / -np.mean(s * (1 - s) * x * x)   # theta - l'/l''\n"
        f"    gd += {lr:g} * np.mean((y - expit(gd * x)) * x)                    # theta + lr * l'\n"
        "    print(k, newton, abs(newton - star), gd, abs(gd - star))\n"
    )
    return {
        "x": fl(x),
        "y": [int(v) for v in y],
        "theta0": th0,
        "lr": lr,
        "star": star,
        "star_ll": _derivs(x, y, star)[0],
        "newton": newton,
        "gd": gd,
        "curve": {"theta": fl(ths), "ll": fl(curve[:, 0]), "d1": fl(curve[:, 1])},
        "warnings": warns,
        "python": code,
    }


__all__ = ["train", "perceptron_sim", "softmax_sim", "newton_sim", "newton_data", "PROBES"]
