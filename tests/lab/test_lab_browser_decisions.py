"""Browser tests, simulations 9-12, import / export, Reset / Reshuffle, phone width."""
from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from sklearn import metrics

from logitlab import LogisticRegression
from logitlab.lab import api
from logitlab.lab.data import feature_map, make_preset
from logitlab.lab.sims_decide import threshold_data
from logitlab.lab.sims_train import newton_data

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("lab_browser_decisions")]


def test_newton_steps_against_the_engine_optimum(lab):
    lab.goto("#/newton?seed=1&theta0=0&lr=2&k=0", sim="newton")
    x, y = newton_data(1)
    star = LogisticRegression(fit_intercept=False, solver="newton", tol=1e-13).fit(x[:, None], y).coef_[0, 0]
    assert lab.num("star") == pytest.approx(star, rel=1e-9)
    assert lab.num("newton") == 0 and lab.num("gd") == 0
    lab.click("step1")
    lab.click("step1")
    lab.click("step5")
    assert lab.num("k") == 7
    assert lab.num("nerr") < 1e-8 < lab.num("gerr")  # Newton is there; gradient ascent is not
    out = api.handle("newton", {"seed": 1, "theta0": 0, "lr": 2, "steps": 30})
    assert lab.num("gd") == pytest.approx(out["gd"][7]["theta"], rel=1e-12)
    lab.set_range("theta0", 2.5)
    assert lab.state()["theta0"] == 2.5
    lab.shot("09-newton")


def test_thresholds_match_sklearn(lab):
    lab.goto("#/thresholds?seed=4&prevalence=0.02&threshold=0.5", sim="thresholds")
    X, y = threshold_data(4, 0.02)
    p = LogisticRegression().fit(X, y).predict_proba(X)[:, 1]

    def check(t):
        pred = p >= t
        tn, fp, fn, tp = metrics.confusion_matrix(y, pred, labels=[0, 1]).ravel()
        assert [lab.num(k) for k in ("tp", "fp", "fn", "tn")] == [tp, fp, fn, tn]
        assert lab.num("recall") == pytest.approx(metrics.recall_score(y, pred))
        assert lab.num("accuracy") == pytest.approx(metrics.accuracy_score(y, pred))

    check(0.5)
    assert lab.num("auc") == pytest.approx(metrics.roc_auc_score(y, p))
    assert lab.num("baseline") == pytest.approx(np.mean(y == 0))
    lab.set_range("threshold", 0.1)
    check(0.1)
    lab.set_range("prevalence", 0.3)
    X, y = threshold_data(4, 0.3)
    p = LogisticRegression().fit(X, y).predict_proba(X)[:, 1]
    check(0.1)
    lab.shot("10-thresholds")


def test_regularisation_path_and_separated_fits(lab):
    lab.goto("#/regularisation?preset=overlapping&seed=0&penalty=l1&k=4", sim="regularisation")
    X, y = make_preset("overlapping", 0)
    out = api.handle("regularisation", {"preset": "overlapping", "seed": 0, "penalty": "l1", "k": 4})
    alpha = out["alpha"]
    assert lab.num("alpha") == pytest.approx(alpha)
    m = LogisticRegression(penalty="l1", alpha=alpha).fit(X, y)
    assert [lab.num("w1"), lab.num("w2")] == pytest.approx(m.coef_[0], rel=1e-5, abs=1e-7)
    lab.set_range("k", 30)
    m = LogisticRegression(penalty="l1", alpha=1e-3).fit(X, y)
    assert [lab.num("w1"), lab.num("w2")] == pytest.approx(m.coef_[0], rel=1e-4, abs=1e-6)
    # separated data: the table holds the engine's three fits
    Xs, ys = make_preset("separable", 0)
    firth = LogisticRegression(penalty="firth").fit(Xs, ys)
    cell = lab.page.get_attribute('tr[data-fit="firth"] td:nth-child(3)', "data-v")
    assert float(cell) == pytest.approx(firth.coef_[0, 0], rel=1e-6)
    assert "separation" in lab.text("sep-warnings").lower()
    lab.shot("11-regularisation")


def test_features_switch_on_the_product(lab):
    lab.goto("#/features?preset=xor&seed=0", sim="features")
    assert lab.num("accuracy") < 0.7
    lab.act(lambda: lab.page.check('input[data-key="product"]'))
    X, y = make_preset("xor", 0)
    out = api.handle("features", {"preset": "xor", "seed": 0, "product": True})
    m = LogisticRegression(penalty="l2", alpha=out["alpha"]).fit(feature_map(X, product=True), y)
    assert lab.num("accuracy") == pytest.approx(m.score(feature_map(X, product=True), y))
    assert lab.num("accuracy") > 0.95
    lab.shot("12-features-xor")
    lab.act(lambda: lab.page.check('input[data-key="preset"][value="rings"]'))
    lab.act(lambda: lab.page.check('input[data-key="radius"]'))
    assert lab.num("accuracy") > 0.95
    ns = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(lab.python_code(), ns)
    assert ns["model"].score(ns["F"], ns["y"]) == pytest.approx(lab.num("accuracy"))
    lab.shot("12-features-rings")


def test_export_and_import_points(lab):
    lab.goto("#/boundary?preset=separable&seed=5", sim="boundary")
    lab.page.click('[data-action="export"]')
    csv = lab.page.input_value('textarea[data-k="export"]')
    X, y = make_preset("separable", 5)
    lines = csv.strip().splitlines()
    assert lines[0] == "x1,x2,label" and len(lines) == len(y) + 1
    assert [float(v) for v in lines[1].split(",")] == pytest.approx([X[0, 0], X[0, 1], y[0]])
    lab.page.click('button[data-format="json"]')
    assert '"points"' in lab.page.input_value('textarea[data-k="export"]')
    lab.page.click('[data-action="close"]')
    # import four points as CSV
    lab.page.click('[data-action="import"]')
    lab.page.fill('textarea[data-k="import"]', "x1,x2,label\n-1,-1,0\n-2,0.5,0\n1,1,1\n0.5,2,1\n")
    lab.act(lambda: lab.page.click('[data-action="apply-import"]'))
    assert lab.state()["pts"] == [[-1, -1, 0], [-2, 0.5, 0], [1, 1, 1], [0.5, 2, 1]]
    out = api.handle("boundary", {"points": [[-1, -1, 0], [-2, 0.5, 0], [1, 1, 1], [0.5, 2, 1]], "b": 0, "w1": 1.2, "w2": 1.2})
    assert lab.num("loglik") == pytest.approx(out["loglik"], rel=1e-12)
    assert "pts=" in lab.page.evaluate("location.hash")
    # a bad import is explained, not applied
    lab.page.click('[data-action="import"]')
    lab.page.fill('textarea[data-k="import"]', "1,2\n")
    lab.page.click('[data-action="apply-import"]')
    assert "three numbers" in lab.page.inner_text('[data-k="import-error"]')
    lab.page.click('[data-action="close"]')
    # the deep link with the imported points reproduces the picture
    url = lab.page.url
    lab.page.goto("about:blank")
    lab.page.goto(url)
    lab.wait_ready(0, "boundary")
    assert lab.num("loglik") == pytest.approx(out["loglik"], rel=1e-12)


def test_reset_keeps_the_seed_and_reshuffle_changes_it(lab):
    lab.goto("#/boundary?preset=overlapping&seed=7&b=2&w1=-1&w2=0.5", sim="boundary")
    lab.click("reset")
    st = lab.state()
    assert st["seed"] == 7 and st["b"] == 0 and st["w1"] == 1.2
    lab.click("reshuffle")
    assert lab.state()["seed"] != 7
    X, y = make_preset("overlapping", lab.state()["seed"])
    out = api.handle("boundary", {"preset": "overlapping", "seed": lab.state()["seed"]})
    assert lab.num("loglik") == pytest.approx(out["loglik"], rel=1e-12)


@pytest.mark.parametrize("lab", [{"width": 390, "height": 844}], indirect=True)
def test_phone_width_has_no_horizontal_scroll(lab):
    for sim in ("train", "thresholds", "newton"):
        lab.goto(f"#/{sim}", sim=sim)
        width = lab.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, f"{sim} overflows: {width}px"
        lab.shot(f"phone-{sim}")


def test_keyboard_reaches_the_controls(lab):
    lab.goto("#/boundary", sim="boundary")
    reached = set()
    for _ in range(40):
        lab.page.keyboard.press("Tab")
        key = lab.page.evaluate("document.activeElement && (document.activeElement.dataset.key || document.activeElement.dataset.action || '')")
        if key:
            reached.add(key)
    assert {"b", "w1", "w2", "preset", "reset", "python"} <= reached
    lab.page.focus('input[data-key="b"]')
    lab.act(lambda: lab.page.keyboard.press("ArrowRight"))
    assert lab.state()["b"] == pytest.approx(0.05)
