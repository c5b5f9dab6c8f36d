"""Browser tests, simulations 6-8: the training lab's gestures and scrubber, the perceptron,
softmax (Debian Chromium via Playwright)."""
from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from scipy.special import softmax

from logitlab import LogisticRegression
from logitlab.lab import api
from logitlab.lab.data import make_preset
from logitlab.lab.perceptron import perceptron
from logitlab.lab.sims_train import PERCEPTRON_SCALE, PERCEPTRON_SHIFT

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("lab_browser_training")]


def settle(lab):
    """Wait until no request is in flight and the page is ready (after a multi-event gesture)."""
    lab.page.wait_for_function(
        "() => window.__lab.pending() === 0 && document.querySelector('#app').dataset.state === 'ready'")


def free_spot(points, candidates):
    P = np.array([p[:2] for p in points])
    for c in candidates:
        if np.min(np.hypot(*(P - c).T)) > 0.6:
            return c
    raise AssertionError("no free spot")


def page_points(lab):
    pts = lab.state()["pts"]
    assert pts, "the page keeps edited points in its state"
    return pts


def test_training_lab_gestures(lab):
    lab.goto("#/train?preset=overlapping&seed=0&lr=0.5", sim="train")
    X, y = make_preset("overlapping", 0)
    assert lab.num("npoints") == len(y)
    assert lab.num("loglik") == pytest.approx(-len(y) * np.log(2))  # theta = 0 before training
    # click on empty space adds a point of the selected class (class 0 chosen here)
    lab.act(lambda: lab.page.check('input[data-key="cls"][value="0"]'))
    spot = free_spot([[*p] for p in X], [(-3.6, 2.6), (3.6, -2.6), (-3.6, -2.6), (3.6, 2.6)])
    lab.act(lambda: lab.page.mouse.click(*lab.pixel(*spot)))
    pts = page_points(lab)
    assert len(pts) == len(y) + 1 and lab.num("npoints") == len(y) + 1
    assert pts[-1][0] == pytest.approx(spot[0], abs=0.05) and pts[-1][1] == pytest.approx(spot[1], abs=0.05)
    assert pts[-1][2] == 0
    # drag the new point somewhere else
    target = free_spot(pts[:-1], [(0.0, 2.7), (0.0, -2.7), (2.5, 2.7), (-2.5, -2.7)])
    lab.page.mouse.move(*lab.pixel(*spot))
    lab.page.mouse.down()
    mid = ((spot[0] + target[0]) / 2, (spot[1] + target[1]) / 2)
    lab.page.mouse.move(*lab.pixel(*mid), steps=3)
    lab.page.mouse.move(*lab.pixel(*target), steps=3)
    lab.page.mouse.up()
    settle(lab)
    pts = page_points(lab)
    assert len(pts) == len(y) + 1
    assert pts[-1][0] == pytest.approx(target[0], abs=0.05) and pts[-1][1] == pytest.approx(target[1], abs=0.05)
    # shift-click deletes it
    lab.page.keyboard.down("Shift")
    lab.act(lambda: lab.page.mouse.click(*lab.pixel(*target)))
    lab.page.keyboard.up("Shift")
    pts = page_points(lab)
    assert len(pts) == len(y) and lab.num("npoints") == len(y)
    lab.shot("06-train-gestures")


def test_training_lab_train_scrubber_and_parity(lab):
    lab.goto("#/train?preset=nearly_separable&seed=1&lr=0.8", sim="train")
    lab.click("train")
    assert lab.num("iteration") == 2000
    X, y = make_preset("nearly_separable", 1)
    m = LogisticRegression(solver="gd", learning_rate=0.8, max_iter=2000, trace="log").fit(X, y)
    assert lab.num("loglik") == pytest.approx(-len(y) * m.objective_, rel=1e-9)
    assert lab.num("norm") == pytest.approx(np.sqrt(m.intercept_[0] ** 2 + m.coef_[0] @ m.coef_[0]), rel=1e-10)
    assert lab.num("accuracy") == pytest.approx(m.score(X, y))
    # parity: the page's sigmoid (used to shade the field) against predict_proba
    probes = np.array([[-3.0, -2.0], [-0.5, 0.3], [0.0, 0.0], [1.2, -0.7], [3.5, 2.5]])
    z = m.decision_function(probes)
    js = lab.page.evaluate("zs => zs.map(z => window.__lab.sigma(z))", z.tolist())
    assert js == pytest.approx(m.predict_proba(probes)[:, 1], abs=1e-15, rel=1e-14)
    # the scrubber walks the recorded (log-spaced) trajectory
    lab.page.focus('input[data-key="scrub"]')
    lab.act(lambda: lab.page.keyboard.press("Home"))
    assert lab.num("iteration") == 0
    assert lab.num("norm") == pytest.approx(0, abs=1e-12)  # the engine starts at theta = 0
    for _ in range(12):
        lab.act(lambda: lab.page.keyboard.press("ArrowRight"))
    k = int(lab.num("iteration"))
    assert 0 < k < 2000 and k in set(m.trace_.iteration)
    mk = LogisticRegression(solver="gd", learning_rate=0.8, max_iter=k).fit(X, y)
    assert lab.num("loglik") == pytest.approx(-len(y) * mk.objective_, rel=1e-9)
    # Step x10 continues from the shown iteration
    lab.click("step10")
    assert lab.num("iteration") == k + 10
    # Copy as Python reproduces the shown frame
    ns = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(lab.python_code(), ns)
    mm = ns["model"]
    assert np.sqrt(mm.intercept_[0] ** 2 + mm.coef_[0] @ mm.coef_[0]) == pytest.approx(lab.num("norm"), rel=1e-10)
    lab.shot("06-train-scrubbed")


def test_training_lab_separable_data_shows_the_warning_and_growth(lab):
    lab.goto("#/train?preset=separable&seed=0&lr=0.3", sim="train")
    lab.click("train")
    first = lab.num("norm")
    lab.click("train")  # on to 5000 iterations
    assert lab.num("iteration") == 5000
    assert lab.num("norm") > first
    warning = lab.text("separation")
    assert "separation" in warning.lower()
    X, y = make_preset("separable", 0)
    m = LogisticRegression(solver="gd", learning_rate=0.3, max_iter=5000)
    with pytest.warns(Warning):
        m.fit(X, y)
    assert m.separation_.status in warning
    lab.shot("06-train-separable")


def test_perceptron_steps_rewind_and_non_separable(lab):
    lab.goto("#/perceptron?seed=1&step=10", sim="perceptron")
    X, y = make_preset("separable", 1)
    h = perceptron(np.round(X * PERCEPTRON_SCALE + PERCEPTRON_SHIFT, 3), y, 1200, seed=1)
    assert lab.num("step") == 10
    assert lab.num("updates") == h.mistake[:10].sum()
    lab.click("step1")
    assert lab.num("step") == 11 and lab.num("updates") == h.mistake[:11].sum()
    assert lab.num("converged") == h.converged_step
    lab.set_range("step", 3)
    assert lab.num("step") == 3 and lab.num("updates") == h.mistake[:3].sum()
    lab.click("nonsep")
    assert lab.text("converged").startswith("never")
    lab.click("step500")
    assert lab.num("pass_mistakes") >= 0 and lab.num("updates") > h.mistake.sum()
    lab.shot("07-perceptron")


def test_softmax_query_point_and_logit_sliders(lab):
    lab.goto("#/softmax?seed=2&qx=1&qy=-1", sim="softmax")
    X, y = make_preset("three_class", 2)
    m = LogisticRegression().fit(X, y)
    expect = m.predict_proba(np.array([[1.0, -1.0]]))[0]
    got = [lab.num(f"p{k}") for k in (1, 2, 3)]
    assert got == pytest.approx(expect, rel=1e-9)
    lab.act(lambda: lab.page.mouse.click(*lab.pixel(-2.0, 2.0)))
    settle(lab)
    st = lab.state()
    expect = m.predict_proba(np.array([[st["qx"], st["qy"]]]))[0]
    assert st["qx"] == pytest.approx(-2.0, abs=0.05)
    assert [lab.num(f"p{k}") for k in (1, 2, 3)] == pytest.approx(expect, rel=1e-9)
    lab.set_range("t1", 4)
    st = lab.state()
    assert st["lo"] is True
    expect = softmax([4.0, st["t2"], st["t3"]])
    assert [lab.num(f"p{k}") for k in (1, 2, 3)] == pytest.approx(expect, rel=1e-12)
    lab.click("model-logits")
    assert lab.state()["lo"] is False
    lab.shot("08-softmax")


def test_api_and_page_agree_on_train_probes(lab):
    """The server's predict_proba at the probes equals the page's sigmoid of the same theta."""
    X, y = make_preset("overlapping", 3)
    pts = [[float(a), float(b), int(c)] for (a, b), c in zip(X, y)]
    out = api.handle("train", {"points": pts, "lr": 0.5, "iters": 500})
    lab.goto("#/sigmoid", sim="sigmoid")
    f = out["frames"][-1]
    z = [f["b"] + f["w"][0] * a + f["w"][1] * b for a, b in out["probes"]]
    js = lab.page.evaluate("zs => zs.map(z => window.__lab.sigma(z))", z)
    assert js == pytest.approx(out["probe_proba"], abs=1e-14)
