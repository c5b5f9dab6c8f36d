"""Fixtures of the lab tests: a lab server in a thread, one Debian Chromium per module.

Browser tests follow DESIGN.md section 5: Debian's /usr/bin/chromium driven by Playwright (never
a downloaded browser), every request routed and any request leaving the page's origin aborted
and failed, console errors failed, waits on the page's ``data-state`` / ``data-rev`` attributes
(never on sleeps), screenshots kept in ``test-artifacts/lab/``.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "lab"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def _no_browser(reason: str):
    if os.environ.get("LAB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (LAB_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def lab_server():
    from logitlab.lab.server import make_server

    server = make_server(port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    path = _chromium_path()
    if path is None:
        _no_browser("Debian chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("the playwright Python package is not installed")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


class LabPage:
    """A page on the lab with the checks every browser test needs."""

    def __init__(self, page, origin: str):
        self.page = page
        self.origin = origin
        self.console_errors: list[str] = []
        self.foreign: list[str] = []

    # ---- navigation and waiting -----------------------------------------------------------
    def rev(self) -> int:
        return int(self.page.get_attribute("#app", "data-rev") or 0)

    def wait_ready(self, after: int = 0, sim: str | None = None, timeout: float = 15000):
        sel = "#app[data-state=ready]" + (f"[data-sim={sim}]" if sim else "")
        self.page.wait_for_function(
            "([sel, after]) => { const a = document.querySelector(sel); return a && +a.dataset.rev > after; }",
            arg=[sel, after], timeout=timeout,
        )

    def goto(self, hash_: str, sim: str | None = None):
        self.page.goto(self.origin + "/" + hash_)
        self.wait_ready(0, sim)

    def act(self, fn, timeout: float = 15000):
        """Run ``fn`` (a user action) and wait until the page has settled again."""
        before = self.rev()
        fn()
        self.wait_ready(before, timeout=timeout)

    # ---- reading ---------------------------------------------------------------------------
    def num(self, key: str) -> float:
        v = self.page.get_attribute(f'[data-k="{key}"]', "data-v")
        assert v not in (None, ""), f"no value in [data-k={key}]"
        return float(v)

    def text(self, key: str) -> str:
        return self.page.inner_text(f'[data-k="{key}"]')

    def state(self) -> dict:
        return self.page.evaluate("() => window.__lab.state()")

    # ---- controls --------------------------------------------------------------------------
    def set_range(self, key: str, value: float):
        self.act(lambda: self.page.evaluate(
            "([k, v]) => { const el = document.querySelector(`input[data-key=\"${k}\"]`);"
            " el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }", [key, value]))

    def click(self, action: str):
        self.act(lambda: self.page.click(f'[data-action="{action}"]'))

    def pixel(self, x: float, y: float):
        return self.page.evaluate("([x, y]) => window.__lab.pixel(x, y)", [x, y])

    def python_code(self) -> str:
        self.page.click('[data-action="python"]')
        code = self.page.input_value('textarea[data-k="python"]')
        self.page.click('[data-action="close"]')
        return code

    def shot(self, name: str, full_page: bool = True):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


@pytest.fixture
def lab(browser, lab_server, request):
    origin = lab_server.url.rstrip("/")
    viewport = getattr(request, "param", None) or {"width": 1280, "height": 800}
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    lp = LabPage(page, origin)

    def route(r):
        url = r.request.url
        if url == origin or url.startswith(origin + "/"):
            r.continue_()
        else:
            lp.foreign.append(url)
            r.abort()

    context.route("**/*", route)
    page.on("console", lambda m: lp.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: lp.console_errors.append(f"page error: {e}"))
    page.set_default_timeout(15000)
    yield lp
    context.close()
    assert not lp.foreign, f"requests left the origin: {lp.foreign}"
    assert not lp.console_errors, f"console errors: {lp.console_errors}"
