"""The lab's Python API: each simulation's numbers against an independent computation.

Expected values come from the engine's public API (LogisticRegression, objective_value), from
numpy / scikit-learn directly, or from closed forms; tolerances are float round-off unless said.
"""
from __future__ import annotations

import contextlib
import io
import json
import math

import numpy as np
import pytest
from scipy.special import expit

from logitlab import LogisticRegression
from logitlab._objective import objective_value
from logitlab.lab import api
from logitlab.lab._params import MAX_ITER, MAX_POINTS, LabRequestError
from logitlab.lab.data import DOMAIN, PRESETS, feature_map, make_preset
from logitlab.lab.perceptron import perceptron


def run_snippet(code: str) -> dict:
    """Execute a "Copy as Python" snippet; return its namespace (its prints are swallowed)."""
    ns: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "<copy-as-python>", "exec"), ns)
    return ns


# ---- data ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", PRESETS + ("three_class",))
def test_presets_are_seeded_and_inside_the_domain(name):
    X1, y1 = make_preset(name, 3)
    X2, y2 = make_preset(name, 3)
    X3, _ = make_preset(name, 4)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    x0, x1, z0, z1 = DOMAIN
    assert X1[:, 0].min() >= x0 and X1[:, 0].max() <= x1 and X1[:, 1].min() >= z0 and X1[:, 1].max() <= z1
    assert set(np.unique(y1)) == ({0, 1, 2} if name == "three_class" else {0, 1})


def test_separation_status_of_the_presets():
    from logitlab import check_separation

    assert check_separation(*make_preset("separable", 0)).separated
    assert not check_separation(*make_preset("overlapping", 0)).separated
    assert not check_separation(*make_preset("nearly_separable", 0)).separated
    X, y = make_preset("imbalanced", 0)
    assert 0.05 < y.mean() < 0.15


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="unknown preset"):
        make_preset("nope")


# ---- perceptron ------------------------------------------------------------------------------
def test_perceptron_updates_only_on_mistakes_and_converges_on_separable_data():
    X, y = make_preset("separable", 1)
    h = perceptron(X, y, steps=3000, seed=1)
    Z = np.column_stack([np.ones(len(y)), X])
    for t in range(3000):
        i = h.index[t]
        pred = int(Z[i] @ h.theta[t] >= 0)
        assert h.mistake[t] == (pred != y[i])
        expected = h.theta[t] + (y[i] - pred) * Z[i]
        assert np.array_equal(h.theta[t + 1], expected)
    assert h.converged_step is not None
    final = h.theta[-1]
    assert np.all((Z @ final >= 0) == (y == 1))  # the convergence theorem: it separates
    assert np.array_equal(h.theta[h.converged_step], final)  # nothing moves after the last update


def test_perceptron_never_settles_on_non_separable_data():
    X, y = make_preset("outlier", 0)
    h = perceptron(X, y, steps=50 * len(y), seed=0)
    assert h.converged_step is None
    per_pass = np.bincount(h.epoch, weights=h.mistake)  # 50 complete passes
    assert len(per_pass) == 50 and np.all(per_pass > 0)


def test_perceptron_refuses_no_points():
    with pytest.raises(ValueError):
        perceptron(np.empty((0, 2)), np.empty(0), steps=3)


# ---- simulations against independent computations ---------------------------------------------
def test_linefail_matches_lstsq_and_the_engine():
    out = api.handle("linefail", {"seed": 2, "far": 20})
    x, y = np.array(out["x"]), np.array(out["y"])
    a, b = np.polyfit(x, y, 1)[::-1]
    assert out["ls"]["slope"] == pytest.approx(b, rel=1e-9)
    assert out["ls"]["at_far"] == pytest.approx(a + 20 * b, rel=1e-9)
    m = LogisticRegression().fit(x[:, None], y)
    assert out["logistic"]["slope"] == pytest.approx(m.coef_[0, 0], rel=1e-9)
    assert out["logistic"]["n_wrong"] == int(np.sum(m.predict(x[:, None]) != y))
    # the far point tilts the line: its 0.5 crossing moves right as the point moves out
    near = api.handle("linefail", {"seed": 2, "far": 6})
    assert out["ls"]["cross"] > near["ls"]["cross"] + 0.3
    assert abs(out["logistic"]["cross"] - near["logistic"]["cross"]) < 0.2
    ns = run_snippet(out["python"])
    assert ns["b"] == pytest.approx(out["ls"]["slope"]) and ns["b1"] == pytest.approx(out["logistic"]["slope"])


def test_sigmoid_values():
    out = api.handle("sigmoid", {"z": 1.5, "scale": 2.0})
    g = 1 / (1 + math.exp(-3.0))
    assert out["g"] == pytest.approx(g, rel=1e-15)
    assert out["dg"] == pytest.approx(g * (1 - g), rel=1e-15)
    assert api.handle("sigmoid", {"z": 0, "scale": 1})["dg"] == 0.25


def test_boundary_matches_objective_value():
    out = api.handle("boundary", {"preset": "overlapping", "seed": 0, "b": 0.3, "w1": 1.1, "w2": -0.4})
    X, y = make_preset("overlapping", 0)
    f = objective_value(X, y, np.array([[1.1, -0.4]]), np.array([0.3]))
    assert out["loglik"] == pytest.approx(-len(y) * f, rel=1e-12)
    assert out["accuracy"] == pytest.approx(np.mean((X @ [1.1, -0.4] + 0.3 >= 0) == (y == 1)))
    assert len(out["wrong"]) == out["n_wrong"]


def test_crossentropy_branches():
    out = api.handle("crossentropy", {"h": 0.01, "y": 1})
    assert out["ce"] == pytest.approx(-math.log(0.01))
    assert out["se"] == pytest.approx(0.99**2)
    assert api.handle("crossentropy", {"h": 0.01, "y": 0})["ce"] == pytest.approx(-math.log(0.99))


def test_staircase_is_a_staircase_and_the_ramp_is_smooth():
    out = api.handle("staircase", {"preset": "overlapping", "seed": 0, "direction": "bias", "t": 0})
    acc, ce = np.array(out["accuracy_curve"]), np.array(out["ce_curve"])
    n = len(out["points"])
    assert np.allclose(acc * n, np.round(acc * n))  # multiples of 1/n: flat steps
    assert np.mean(np.diff(acc) == 0) > 0.8  # zero gradient almost everywhere
    assert np.all(np.abs(np.diff(ce)) > 0)  # the ramp always has a slope ...
    assert int(np.argmin(ce)) == 300  # ... and its minimum is the maximum-likelihood fit, t = 0
    scale = api.handle("staircase", {"preset": "overlapping", "seed": 0, "direction": "scale", "t": 0})
    acc_s = np.array(scale["accuracy_curve"])
    assert len(set(acc_s[np.array(scale["ts"]) > -0.99])) == 1  # scaling never moves the boundary


def test_train_matches_the_engine_gd_solver():
    X, y = make_preset("overlapping", 1)
    pts = [[*map(float, p), int(c)] for p, c in zip(X, y)]
    out = api.handle("train", {"points": pts, "lr": 0.5, "iters": 300})
    m = LogisticRegression(solver="gd", learning_rate=0.5, max_iter=300, trace="log").fit(X, y)
    last = out["frames"][-1]
    assert last["iteration"] == m.trace_.iteration[-1]
    assert last["w"] == pytest.approx(m.coef_[0], rel=1e-12)
    assert last["b"] == pytest.approx(m.intercept_[0], rel=1e-12)
    assert last["loglik"] == pytest.approx(-len(y) * m.objective_, rel=1e-9)
    assert out["frames"][0]["iteration"] == 0 and out["frames"][0]["norm"] == 0
    its = [f["iteration"] for f in out["frames"]]
    assert its == sorted(its)
    assert out["probe_proba"] == pytest.approx(m.predict_proba(np.array(out["probes"]))[:, 1], rel=1e-12)
    ns = run_snippet(out["python"].replace("__MAX_ITER__", "300"))
    assert ns["model"].coef_[0] == pytest.approx(m.coef_[0], rel=1e-12)


def test_train_on_separable_data_grows_theta_and_reports_separation():
    X, y = make_preset("separable", 0)
    pts = [[*map(float, p), int(c)] for p, c in zip(X, y)]
    out = api.handle("train", {"points": pts, "lr": 0.3, "iters": 20000})
    norms = [f["norm"] for f in out["frames"]]
    half = len(norms) // 2  # about iteration 140 on the log-spaced schedule
    assert np.all(np.diff(norms[half:]) > 0) and norms[-1] > 1.5 * norms[half]  # |theta| ~ log t
    assert out["separation"]["status"] == "complete"
    assert any("SeparationWarning" in w for w in out["warnings"])


def test_train_at_iteration_zero_needs_no_fit():
    out = api.handle("train", {"points": [[0, 0, 1]], "lr": 0.3, "iters": 0})
    assert out["frames"][0]["loglik"] == pytest.approx(-math.log(2))
    with pytest.raises(LabRequestError, match="both classes"):
        api.handle("train", {"points": [[0, 0, 1]], "lr": 0.3, "iters": 5})


def test_perceptron_sim_matches_the_function_and_the_snippet():
    out = api.handle("perceptron", {"seed": 1, "steps": 500})
    ns = run_snippet(out["python"].replace("__STEP__", "500"))
    assert np.array_equal(np.array(out["theta"]), ns["h"].theta)
    assert out["updates"][-1] == int(ns["h"].mistake.sum())
    nonsep = api.handle("perceptron", {"seed": 1, "steps": 500, "nonsep": True})
    assert nonsep["converged_step"] is None and len(nonsep["points"]) == len(out["points"]) + 1


def test_softmax_matches_predict_proba():
    out = api.handle("softmax", {"seed": 0, "qx": 1.0, "qy": -0.5})
    X, y = make_preset("three_class", 0)
    m = LogisticRegression().fit(X, y)
    q = np.array([[1.0, -0.5]])
    assert out["proba"] == pytest.approx(m.predict_proba(q)[0], rel=1e-9)
    assert sum(out["proba"]) == pytest.approx(1.0)
    over = api.handle("softmax", {"seed": 0, "qx": 1.0, "qy": -0.5, "logits": [2.0, 1.0, 0.0]})
    e = np.exp([2.0, 1.0, 0.0])
    assert over["proba"] == pytest.approx(e / e.sum())
    shifted = api.handle("softmax", {"seed": 0, "logits": [7.0, 6.0, 5.0]})
    assert shifted["proba"] == pytest.approx(over["proba"])  # softmax reads differences only


def test_newton_converges_quadratically_and_gd_matches_the_engine():
    out = api.handle("newton", {"seed": 0, "theta0": 0.0, "lr": 1.0, "steps": 30})
    star = out["star"]
    x, y = np.array(out["x"]), np.array(out["y"])
    assert abs(np.mean((y - expit(star * x)) * x)) < 1e-8  # the engine's optimum: l'(star) = 0
    errs = [r["err"] for r in out["newton"]]
    assert errs[5] < 1e-12 < errs[2]  # a handful of steps ...
    assert all(b < 5 * a * a for a, b in zip(errs[1:5], errs[2:6]))  # ... each squaring the error
    assert out["gd"][-1]["err"] > 1e-6  # gradient ascent is still on its way
    m = LogisticRegression(fit_intercept=False, solver="gd", learning_rate=1.0, max_iter=10, trace=True, tol=1e-300)
    m.fit(x[:, None], y)
    gd = [r["theta"] for r in out["gd"][: 11]]
    assert gd == pytest.approx(m.trace_.coef[:, 0, 0], rel=1e-10, abs=1e-12)


def test_thresholds_match_sklearn_metrics():
    from sklearn import metrics

    from logitlab.lab.sims_decide import threshold_data

    out = api.handle("thresholds", {"seed": 3, "prevalence": 0.05, "threshold": 0.3})
    X, y = threshold_data(3, 0.05)
    p = LogisticRegression().fit(X, y).predict_proba(X)[:, 1]
    pred = p >= 0.3
    tn, fp, fn, tp = metrics.confusion_matrix(y, pred).ravel()
    c = out["current"]
    assert (c["tp"], c["fp"], c["fn"], c["tn"]) == (tp, fp, fn, tn)
    assert c["recall"] == pytest.approx(metrics.recall_score(y, pred))
    assert c["f1"] == pytest.approx(metrics.f1_score(y, pred))
    assert out["roc"]["auc"] == pytest.approx(metrics.roc_auc_score(y, p))
    assert out["baseline_accuracy"] == pytest.approx(np.mean(y == 0))


def test_regularisation_path_shrinks_and_l1_hits_zero():
    l2 = api.handle("regularisation", {"preset": "overlapping", "seed": 0, "penalty": "l2", "k": 0})
    norms = [np.hypot(*r["w"]) for r in l2["path"]]
    assert all(a <= b + 1e-9 for a, b in zip(norms, norms[1:]))  # weaker penalty, larger weights
    X, y = make_preset("overlapping", 0)
    row = l2["path"][10]
    m = LogisticRegression(penalty="l2", alpha=row["alpha"]).fit(X, y)
    assert row["w"] == pytest.approx(m.coef_[0], rel=1e-5, abs=1e-7)  # warm start: same optimum
    l1 = api.handle("regularisation", {"preset": "overlapping", "seed": 0, "penalty": "l1", "k": 0})
    assert l1["path"][0]["w"] == [0.0, 0.0]
    assert any(sum(w == 0.0 for w in r["w"]) == 1 for r in l1["path"])  # one at a time
    fits = l2["separated"]["fits"]
    assert np.hypot(*fits["none"]["w"]) > 3 * np.hypot(*fits["firth"]["w"])
    assert np.hypot(*fits["l2"]["w"]) < np.hypot(*fits["none"]["w"])


def test_features_bend_the_boundary():
    plain = api.handle("features", {"preset": "xor", "seed": 0})
    prod = api.handle("features", {"preset": "xor", "seed": 0, "product": True})
    assert plain["accuracy"] < 0.7 and prod["accuracy"] > 0.95
    rings = api.handle("features", {"preset": "rings", "seed": 0, "radius": True})
    assert rings["accuracy"] > 0.95
    X, y = make_preset("xor", 0)
    m = LogisticRegression(penalty="l2", alpha=prod["alpha"]).fit(feature_map(X, product=True), y)
    assert prod["w"] == pytest.approx(m.coef_[0], rel=1e-6)
    ns = run_snippet(prod["python"])
    assert ns["model"].coef_[0] == pytest.approx(prod["w"], rel=1e-9)


@pytest.mark.parametrize("name", sorted(api.SIMULATIONS))
def test_every_simulation_answers_its_defaults_in_strict_json(name):
    params = {"points": [[-1.0, -1.0, 0], [1.0, 1.0, 1], [0.5, -0.2, 0], [-0.3, 0.4, 1]]} if name == "train" else {}
    out = api.handle(name, params)
    json.dumps(out, allow_nan=False)
    if name != "preset":
        assert "logitlab" in out["python"] or "numpy" in out["python"]


# ---- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "params", "status", "match"),
    [
        ("sigmoid", {"z": "one"}, 400, "must be a number"),
        ("sigmoid", {"z": float("nan")}, 400, "finite"),
        ("sigmoid", {"z": 1e9}, 400, r"\[-10.0, 10.0\]"),
        ("boundary", {"preset": "spiral"}, 400, "must be one of"),
        ("train", {"points": "x"}, 400, "list of"),
        ("train", {"points": [[0, 0, 2]]}, 400, "label"),
        ("train", {"points": [[0, float("inf"), 1]]}, 400, "finite"),
        ("train", {"points": [[0, 0, 1]] * (MAX_POINTS + 1)}, 413, "cap"),
        ("train", {"points": [[0, 0, 1], [1, 1, 0]], "iters": MAX_ITER + 1}, 422, "cap"),
        ("perceptron", {"steps": 10**7}, 422, "cap"),
        ("softmax", {"logits": [1, 2]}, 400, "three"),
        ("nope", {}, 404, "unknown API path"),
    ],
)
def test_bad_requests_are_refused_with_a_status(name, params, status, match):
    with pytest.raises(LabRequestError, match=match) as info:
        api.handle(name, params)
    assert info.value.status == status
