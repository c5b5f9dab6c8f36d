"""``logitlab lab`` as a subprocess: prints its URL, serves, stops cleanly on SIGINT."""
from __future__ import annotations

import http.client
import re
import signal
import subprocess
import sys
from urllib.parse import urlparse

import pytest


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT semantics")
def test_lab_command_serves_and_stops_on_sigint():
    # SIGINT back to its default in the child: a runner started in the background of a
    # non-interactive shell (nohup ... &) ignores SIGINT, the child would inherit that, and
    # Python keeps an ignored SIGINT ignored (no KeyboardInterrupt, no clean stop)
    proc = subprocess.Popen(
        [sys.executable, "-m", "logitlab.cli", "lab", "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m, f"no URL printed: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        url = urlparse(m.group(0))
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
        conn.request("GET", "/")
        resp = conn.getresponse()
        assert resp.status == 200 and b"logitlab lab" in resp.read()
        conn.close()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "stopped" in out
    assert "Traceback" not in err


def test_lab_parser_and_bad_port(capsys):
    import argparse

    from logitlab.lab import command

    parser = argparse.ArgumentParser(prog="logitlab")
    command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["lab", "--port", "70000", "--no-browser"])
    assert args.no_browser and args.func is command.run
    assert args.func(args) == 2
    assert "--port" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["lab", "--port", "eighty"])
