"""Browser tests, simulations 1-5 and the page shell (Debian Chromium via Playwright)."""
from __future__ import annotations

import contextlib
import io
import math

import numpy as np
import pytest

from logitlab import LogisticRegression
from logitlab._objective import objective_value
from logitlab.lab import api
from logitlab.lab.data import line_data, make_preset

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("lab_browser_basics")]


def exec_snippet(code):
    ns = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "<copy-as-python>", "exec"), ns)
    return ns


def test_home_lists_every_simulation_and_links_work(lab):
    lab.goto("#/", sim="home")
    links = lab.page.eval_on_selector_all(".cards a", "els => els.map(e => e.getAttribute('href'))")
    assert len(links) == 12 and len(set(links)) == 12
    lab.shot("00-home")
    lab.act(lambda: lab.page.click('#nav a[data-id="sigmoid"]'))
    assert lab.page.get_attribute("#app", "data-sim") == "sigmoid"
    assert lab.page.evaluate("location.hash").startswith("#/sigmoid?")


def test_linefail_deep_link_drag_and_numbers(lab):
    lab.goto("#/linefail?seed=3&far=20", sim="linefail")
    x, y = line_data(3, 20)
    a, b = np.polyfit(x, y, 1)[::-1]
    assert lab.num("ls_at_far") == pytest.approx(a + 20 * b, rel=1e-9)
    assert lab.num("ls_cross") == pytest.approx((0.5 - a) / b, rel=1e-9)
    m = LogisticRegression().fit(x[:, None], y)
    assert lab.num("lr_cross") == pytest.approx(-m.intercept_[0] / m.coef_[0, 0], rel=1e-7)
    assert lab.num("lr_wrong") == np.sum(m.predict(x[:, None]) != y)
    lab.shot("01-linefail")
    # drag the far point to x = 8 on the least-squares plot
    box = lab.page.locator("canvas.plot").first.bounding_box()
    sx = lambda v: box["x"] + 40 + (v / 31) * (box["width"] - 50)  # noqa: E731 (plot padding l=40, r=10)
    sy = box["y"] + 10 + (1.9 - 1) / 2.5 * (box["height"] - 44)
    lab.page.mouse.move(sx(20), sy)
    lab.page.mouse.down()
    lab.page.mouse.move(sx(12), sy, steps=4)
    lab.act(lambda: lab.page.mouse.move(sx(8), sy, steps=2))
    lab.page.mouse.up()
    far = lab.state()["far"]
    assert 7 < far < 9
    lab.wait_ready(0)
    out = api.handle("linefail", {"seed": 3, "far": far})
    assert lab.num("ls_cross") == pytest.approx(out["ls"]["cross"], rel=1e-9)
    assert "far=" in lab.page.evaluate("location.hash")


def test_sigmoid_sliders_and_keyboard(lab):
    lab.goto("#/sigmoid?z=-2&scale=0.5", sim="sigmoid")
    assert lab.num("g") == pytest.approx(1 / (1 + math.exp(1.0)), rel=1e-12)
    lab.set_range("scale", 3)
    g = 1 / (1 + math.exp(6.0))
    assert lab.num("g") == pytest.approx(g, rel=1e-12)
    assert lab.num("dg") == pytest.approx(g * (1 - g), rel=1e-12)
    # keyboard: focus the z slider and press ArrowRight / End
    lab.page.focus('input[data-key="z"]')
    lab.act(lambda: lab.page.keyboard.press("End"))
    assert lab.state()["z"] == 8
    assert lab.num("g") == pytest.approx(1 / (1 + math.exp(-24.0)), rel=1e-12)
    lab.shot("02-sigmoid")


def test_boundary_numbers_against_objective_value(lab):
    lab.goto("#/boundary?preset=nearly_separable&seed=2&b=0.5&w1=1.5&w2=0.8", sim="boundary")
    X, y = make_preset("nearly_separable", 2)
    f = objective_value(X, y, np.array([[1.5, 0.8]]), np.array([0.5]))
    assert lab.num("loglik") == pytest.approx(-len(y) * f, rel=1e-10)
    assert lab.num("accuracy") == pytest.approx(np.mean((X @ [1.5, 0.8] + 0.5 >= 0) == (y == 1)))
    lab.set_range("w2", -2)
    f = objective_value(X, y, np.array([[1.5, -2.0]]), np.array([0.5]))
    assert lab.num("loglik") == pytest.approx(-len(y) * f, rel=1e-10)
    # the field is drawn with the page's sigmoid: a pixel deep on the class-1 side is orange
    px = lab.pixel(3.5, -2.5)
    rgb = lab.page.evaluate(
        "([x, y]) => { const c = document.querySelector('canvas.plot'); const r = c.getBoundingClientRect();"
        " const d = window.devicePixelRatio || 1;"
        " return Array.from(c.getContext('2d').getImageData((x - r.left) * d, (y - r.top) * d, 1, 1).data); }", px)
    assert rgb[0] > rgb[2] + 60  # orange-ish (P(y=1) near 1), not blue
    lab.shot("03-boundary")
    code = lab.python_code()
    assert "objective_value" in code and "nearly_separable" in code


def test_crossentropy_toggle(lab):
    lab.goto("#/crossentropy?h=0.01&y=1", sim="crossentropy")
    assert lab.num("ce") == pytest.approx(-math.log(0.01), rel=1e-12)
    assert lab.num("se") == pytest.approx(0.99**2)
    lab.act(lambda: lab.page.check('input[data-key="y"][value="0"]'))
    assert lab.num("ce") == pytest.approx(-math.log(0.99), rel=1e-12)
    assert lab.state()["y"] == 0
    lab.shot("04-crossentropy")


def test_staircase_directions_and_copy_as_python(lab):
    lab.goto("#/staircase?preset=overlapping&seed=1&direction=rotate&t=0.5", sim="staircase")
    out = api.handle("staircase", {"preset": "overlapping", "seed": 1, "direction": "rotate", "t": 0.5})
    assert lab.num("accuracy") == pytest.approx(out["accuracy"])
    assert lab.num("cross_entropy") == pytest.approx(out["cross_entropy"], rel=1e-12)
    # independent check: theta* from the engine, then the point t along d
    X, y = make_preset("overlapping", 1)
    m = LogisticRegression().fit(X, y)
    b0, w = m.intercept_[0], m.coef_[0]
    wt = w + 0.5 * np.array([-w[1], w[0]])
    f = objective_value(X, y, wt[None, :], np.array([b0]))
    assert lab.num("cross_entropy") == pytest.approx(f, rel=1e-7)
    lab.act(lambda: lab.page.check('input[data-key="direction"][value="scale"]'))
    levels = lab.num("n_levels")
    assert levels <= 3  # scaling theta* only flips the boundary at t = -1
    ns = exec_snippet(lab.python_code())
    assert ns["theta0"] == pytest.approx([b0, *w], rel=1e-9)
    lab.shot("05-staircase")
