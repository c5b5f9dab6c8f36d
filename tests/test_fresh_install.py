"""The package as a user gets it: a non-editable install into a new virtual environment.

Catches what an editable install hides: missing package data (lab assets, report CSS), a
missing console script, imports that only work from the source tree. The environment reuses
the already installed dependencies (--system-site-packages) so no network is needed.
"""
import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.xdist_group("fresh_install")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    root = tmp_path_factory.mktemp("fresh")
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(root / "venv")
    py = root / "venv" / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
                    "--no-build-isolation", "--no-index", str(REPO)], check=True, timeout=300)
    return py, root


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)


def test_installed_copy_is_used_and_ships_its_assets(fresh):
    py, _ = fresh
    out = run([str(py), "-c", "import logitlab, pathlib; p = pathlib.Path(logitlab.__file__).parent; "
               "print(p); print(sorted(str(f.relative_to(p)) for f in (p / 'lab' / 'static').rglob('*.*')))"])
    assert out.returncode == 0, out.stderr
    where, assets = out.stdout.splitlines()[:2]
    assert "venv" in where and str(REPO / "src") not in where
    assert "index.html" in assets and "lab.css" in assets and "sims" in assets


def test_console_script_demo_and_predict(fresh):
    py, root = fresh
    exe = py.parent / "logitlab"
    assert run([str(exe), "--help"]).returncode == 0
    out_dir = root / "demo"
    demo = run([str(exe), "demo", "--out", str(out_dir)], cwd=root)
    assert demo.returncode == 0, demo.stderr
    for name in ("model.json", "summary.txt", "metrics.json", "report.html"):
        assert (out_dir / name).stat().st_size > 0
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics  # parsed JSON with content
    assert "<svg" in (out_dir / "report.html").read_text()
