"""report.html in headless Chromium (DESIGN.md section 5): no request leaves the file, no
console errors, every figure drawn, warnings shown for separated data. Screenshots go to
test-artifacts/report/."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REF = Path(__file__).parent / "reference"
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts" / "report"


def _need_browser():
    missing = not os.path.exists(CHROMIUM)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = True
    if missing:
        if os.environ.get("LAB_REQUIRE_BROWSER") == "1":
            pytest.fail("LAB_REQUIRE_BROWSER=1 but chromium / playwright is not installed")
        pytest.skip("no chromium / playwright")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Reports made in process through the CLI's main() (the subprocess path is tested in test_cli)."""
    from logitlab.cli import main
    from test_cli import churn_frame

    d = tmp_path_factory.mktemp("reports")
    assert main(["demo", "--out", str(d / "demo")]) == 0
    assert main(["fit", str(REF / "endometrial.csv"), "--target", "HG", "--test-size", "0",
                 "--out", str(d / "endo")]) == 0
    churn_frame(200, seed=3).to_csv(d / "c.csv", index=False)
    assert main(["fit", str(d / "c.csv"), "--target", "churned", "--cv-alpha", "--penalty", "l1",
                 "--cost-fp", "1", "--cost-fn", "3", "--out", str(d / "cv")]) == 0
    return {k: d / k / "report.html" for k in ("demo", "endo", "cv")}


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def open_report(browser, path: Path, name: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    url = path.resolve().as_uri()
    blocked, errors = [], []

    def route(r):
        if r.request.url == url:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()
    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("body[data-state=ready]")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / f"{name}-print.png"), full_page=True)
    page.emulate_media(media="screen")
    return page, blocked, errors


def figure_paths(page) -> dict:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('figure[data-figure]')]
        .map(f => [f.dataset.figure, f.querySelectorAll('svg path').length]))""")


@pytest.mark.parametrize("name, expected", [
    ("demo", {"roc", "pr", "calibration", "forest", "confusion", "threshold"}),
    ("cv", {"roc", "pr", "calibration", "forest", "confusion", "threshold", "path"}),
])
def test_report_figures_offline(browser, reports, name, expected):
    page, blocked, errors = open_report(browser, reports[name], name)
    counts = figure_paths(page)
    assert set(counts) == expected
    for fig, n in counts.items():
        assert n >= 3, (fig, n)  # axes frame plus at least the drawn curve / bars / markers
        box = page.locator(f'figure[data-figure="{fig}"] svg').bounding_box()
        assert box["width"] > 200 and box["height"] > 100, fig
    assert page.locator("table").count() >= 2
    if name == "cv":
        assert page.locator('[data-warning="penalised"]').is_visible()
    assert not blocked and not errors, (blocked, errors)
    # readable on a laptop: nothing wider than the viewport
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.close()


def test_separation_warning_shown(browser, reports):
    page, blocked, errors = open_report(browser, reports["endo"], "endometrial")
    warn = page.locator('#warnings li[data-warning="separation"]')
    assert warn.is_visible() and "NV" in warn.inner_text()
    top = page.locator("#warnings").bounding_box()["y"]
    assert top < page.locator("figure").first.bounding_box()["y"]  # warnings come before results
    assert not blocked and not errors, (blocked, errors)
    page.close()


def test_demo_has_no_separation_warning_but_penalised_note(browser, reports):
    page, _, errors = open_report(browser, reports["demo"], "demo-warnings")
    assert page.locator('[data-warning="separation"]').count() == 0
    assert page.locator('[data-warning="penalised"]').is_visible()
    assert not errors
    page.close()
