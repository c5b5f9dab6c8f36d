"""The lab server's refusals, with plain http.client (no browser), and that it keeps serving."""
from __future__ import annotations

import http.client
import json
import time

import pytest

from logitlab.lab import api
from logitlab.lab._params import MAX_BODY, MAX_ITER, MAX_POINTS
from logitlab.lab.server import host_allowed

CSP = "default-src 'self'"


def request(server, method, path, body=None, headers=None):
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=20)
    h = {"Host": f"127.0.0.1:{port}"}
    h.update(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=body, headers=h)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def error_of(resp, data, status):
    assert resp.status == status, data[:300]
    assert resp.getheader("Content-Type") == "application/json"
    assert resp.getheader("Content-Security-Policy") == CSP
    body = json.loads(data)
    assert body["status"] == status and body["error"]
    return body["error"]


def assert_still_serving(server):
    resp, data = request(server, "POST", "/api/sigmoid", {"z": 0.0, "scale": 1.0})
    assert resp.status == 200 and json.loads(data)["g"] == 0.5


def test_page_and_assets_are_served_with_csp(lab_server):
    for path, ctype in [("/", "text/html"), ("/static/lab.css", "text/css"), ("/static/js/main.js", "text/javascript"),
                        ("/static/icon.svg", "image/svg+xml"), ("/favicon.ico", "image/svg+xml")]:
        resp, data = request(lab_server, "GET", path)
        assert resp.status == 200, path
        assert resp.getheader("Content-Type").startswith(ctype), path
        assert resp.getheader("Content-Security-Policy") == CSP
        assert resp.getheader("X-Content-Type-Options") == "nosniff"
    resp, data = request(lab_server, "GET", "/")
    html = data.decode()
    assert "<script" in html and "style=" not in html and "<style" not in html
    assert "http://" not in html and "https://" not in html  # nothing from a CDN


def test_static_assets_have_no_inline_code_and_no_remote_urls():
    from importlib import resources

    root = resources.files("logitlab.lab").joinpath("static")
    seen = 0
    for path in [root.joinpath("index.html"), root.joinpath("lab.css")] + list(root.joinpath("js").iterdir()) + list(
        root.joinpath("js", "sims").iterdir()
    ):
        if not path.is_file():
            continue
        text = path.read_text()
        seen += 1
        assert "https://" not in text and "http://" not in text, path.name
        assert "eval(" not in text and "new Function" not in text, path.name
        assert 'style="' not in text and "cssText" not in text, path.name
    assert seen > 10


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "localhost.attacker:80", "", "10.0.0.1"])
def test_foreign_host_is_forbidden(lab_server, host):
    for method, path, body in [("GET", "/", None), ("POST", "/api/sigmoid", {"z": 1})]:
        resp, data = request(lab_server, method, path, body, headers={"Host": host})
        assert "127.0.0.1" in error_of(resp, data, 403)
    assert_still_serving(lab_server)


def test_loopback_names_are_allowed():
    for host in ["127.0.0.1", "127.0.0.1:8765", "localhost", "LOCALHOST:1", "[::1]:9000"]:
        assert host_allowed(host), host
    for host in [None, "", "localhost.evil", "127.0.0.2", "[::2]:80", "example.com:127.0.0.1"]:
        assert not host_allowed(host), host


def test_non_json_post_is_refused(lab_server):
    resp, data = request(lab_server, "POST", "/api/sigmoid", b"z=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "application/json" in error_of(resp, data, 415)
    resp, data = request(lab_server, "POST", "/api/sigmoid", b'{"z": 1}', headers={"Content-Type": "text/plain"})
    error_of(resp, data, 415)
    assert_still_serving(lab_server)


def test_oversized_payload_is_refused_before_reading_it(lab_server):
    host, port = lab_server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=20)
    conn.putrequest("POST", "/api/train", skip_host=True)
    conn.putheader("Host", f"127.0.0.1:{port}")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(MAX_BODY + 1))
    conn.endheaders()
    resp = conn.getresponse()
    assert "cap" in error_of(resp, resp.read(), 413)
    conn.close()
    body = {"points": [[0.0, 0.0, 1]] * 30000}
    resp, data = request(lab_server, "POST", "/api/train", body)
    error_of(resp, data, 413)
    assert_still_serving(lab_server)


def test_caps_on_points_and_iterations(lab_server):
    pts = [[0.0, 0.0, 0], [1.0, 1.0, 1]]
    resp, data = request(lab_server, "POST", "/api/train", {"points": pts, "iters": MAX_ITER + 1, "lr": 0.1})
    assert "iterations" in error_of(resp, data, 422)
    resp, data = request(lab_server, "POST", "/api/train", {"points": [[0.1, 0.1, 1]] * (MAX_POINTS + 1), "iters": 1})
    assert "points" in error_of(resp, data, 413)
    assert_still_serving(lab_server)


@pytest.mark.parametrize("body", [b"{not json", b"", b"\xff\xfe", b"[1, 2]", b'"text"', b'{"z": NaN}'])
def test_malformed_json_is_a_400(lab_server, body):
    resp, data = request(lab_server, "POST", "/api/sigmoid", body, headers={"Content-Type": "application/json"})
    assert resp.status == 400 or (body == b'{"z": NaN}' and resp.status in (200, 400))
    if resp.status == 400:
        error_of(resp, data, 400)
    assert_still_serving(lab_server)


def test_bad_parameters_are_a_400(lab_server):
    resp, data = request(lab_server, "POST", "/api/boundary", {"w1": "big"})
    assert "'w1'" in error_of(resp, data, 400)
    resp, data = request(lab_server, "POST", "/api/train", {"points": [[0, 0]]})
    error_of(resp, data, 400)


def test_unknown_paths_and_methods(lab_server):
    resp, data = request(lab_server, "POST", "/api/does-not-exist", {})
    assert "unknown API path" in error_of(resp, data, 404)
    resp, data = request(lab_server, "GET", "/api/sigmoid")
    error_of(resp, data, 405)
    resp, data = request(lab_server, "GET", "/nothing-here")
    error_of(resp, data, 404)
    resp, data = request(lab_server, "GET", "/static/../server.py")
    error_of(resp, data, 404)
    resp, data = request(lab_server, "GET", "/static/js/../../server.py")
    error_of(resp, data, 404)
    resp, data = request(lab_server, "DELETE", "/")
    error_of(resp, data, 405)
    resp, data = request(lab_server, "POST", "/", {})
    error_of(resp, data, 405)
    assert_still_serving(lab_server)


def test_time_cap_answers_503_and_keeps_serving(lab_server, monkeypatch):
    monkeypatch.setitem(api.SIMULATIONS, "slow", lambda p: time.sleep(1.5) or {"done": True})
    monkeypatch.setattr(lab_server, "time_limit", 0.2)
    resp, data = request(lab_server, "POST", "/api/slow", {})
    assert "took over" in error_of(resp, data, 503)
    assert_still_serving(lab_server)


def test_internal_errors_are_json_500(lab_server, monkeypatch, capsys):
    monkeypatch.setitem(api.SIMULATIONS, "boom", lambda p: 1 / 0)
    resp, data = request(lab_server, "POST", "/api/boom", {})
    assert "ZeroDivisionError" in error_of(resp, data, 500)
    assert_still_serving(lab_server)


def test_make_server_refuses_non_loopback():
    from logitlab.lab.server import make_server

    with pytest.raises(ValueError, match="loopback"):
        make_server(port=0, host="0.0.0.0")
