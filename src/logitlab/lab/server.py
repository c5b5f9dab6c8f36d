"""The lab's HTTP server: standard library only, loopback only, JSON only.

Refusals (always a JSON body ``{"error": ..., "status": ...}``):

- 403 when the Host header is not a loopback name (DNS-rebinding guard);
- 404 for unknown paths and unknown API names, 405 for other methods;
- 411 / 413 for a POST without Content-Length or with a body over ``MAX_BODY``;
- 415 for a POST that is not ``application/json``; 400 for malformed JSON or parameters;
- 413 / 422 for requests over the caps on points or iterations;
- 503 when a computation runs over ``TIME_LIMIT`` seconds (the server keeps serving).

Every response carries ``Content-Security-Policy: default-src 'self'``.
"""
from __future__ import annotations

import concurrent.futures
import json
import sys
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from . import api
from ._params import MAX_BODY, TIME_LIMIT, LabRequestError

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "[::1]", "::1"}
CSP = "default-src 'self'"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}


def _static_files() -> dict[str, tuple[bytes, str]]:
    """url path -> (bytes, content type) of every shipped asset, read once."""
    files: dict[str, tuple[bytes, str]] = {}
    root = resources.files("logitlab.lab").joinpath("static")

    def walk(node, prefix):
        for child in node.iterdir():
            name = prefix + child.name
            if child.is_dir():
                walk(child, name + "/")
            else:
                ext = "." + child.name.rsplit(".", 1)[-1] if "." in child.name else ""
                if ext in TYPES:
                    files["/static/" + name] = (child.read_bytes(), TYPES[ext])

    walk(root, "")
    if "/static/index.html" in files:
        files["/"] = files["/index.html"] = files["/static/index.html"]
    if "/static/icon.svg" in files:
        files["/favicon.ico"] = files["/static/icon.svg"]
    return files


def host_allowed(host: str | None) -> bool:
    """True for loopback names, with or without a port."""
    if not host:
        return False
    host = host.strip().lower()
    if host.startswith("["):
        name = host.split("]", 1)[0] + "]"
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in LOOPBACK_NAMES


class LabHandler(BaseHTTPRequestHandler):
    server_version = "logitlab-lab"
    sys_version = ""
    timeout = 15  # seconds a client may take to send its request

    # --- responses -------------------------------------------------------------------------
    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def _send(self, status: int, body: bytes, ctype: str, cache: bool = False):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=60" if cache else "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj) -> None:
        body = json.dumps(obj, allow_nan=False, separators=(",", ":")).encode()
        self._send(status, body, "application/json")

    def _error(self, status: int, message: str) -> None:
        self.close_connection = True
        self._json(status, {"error": message, "status": status})

    def send_error(self, code, message=None, explain=None):  # malformed request lines, too
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "error"
        self._error(code, message or phrase)

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        if not getattr(self.server, "quiet", True):
            sys.stderr.write("lab: " + format % args + "\n")

    # --- methods ---------------------------------------------------------------------------
    def _host_ok(self) -> bool:
        if host_allowed(self.headers.get("Host")):
            return True
        self._error(403, "forbidden: the lab only answers requests addressed to 127.0.0.1 or localhost")
        return False

    def do_GET(self):
        if not self._host_ok():
            return
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path.startswith("/api/"):
            self._error(405, f"{path} takes POST with a JSON body")
            return
        asset = self.server.files.get(path)
        if asset is None:
            self._error(404, f"not found: {path}")
            return
        self._send(200, asset[0], asset[1], cache=False)

    def do_POST(self):
        if not self._host_ok():
            return
        path = self.path.split("?", 1)[0]
        if not path.startswith("/api/"):
            self._error(404 if path not in self.server.files else 405, f"cannot POST to {path}")
            return
        ctype = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if ctype != "application/json":
            self._error(415, "the lab API accepts only Content-Type: application/json")
            return
        length = self.headers.get("Content-Length")
        if length is None or not length.strip().isdigit():
            self._error(411, "a POST needs a Content-Length header")
            return
        length = int(length)
        if length > MAX_BODY:
            self._error(413, f"request body of {length} bytes is over the cap of {MAX_BODY} bytes")
            return
        raw = self.rfile.read(length)
        try:
            params = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self._error(400, f"malformed JSON: {exc}")
            return
        if not isinstance(params, dict):
            self._error(400, "the request body must be a JSON object")
            return
        name = path[len("/api/"):]
        if name not in api.SIMULATIONS:
            self._error(404, f"unknown API path {path}; known: {sorted(api.SIMULATIONS)}")
            return
        future = self.server.pool.submit(api.handle, name, params)
        try:
            result = future.result(timeout=self.server.time_limit)
        except concurrent.futures.TimeoutError:
            self._error(503, f"the computation took over {self.server.time_limit:g} s; ask for less")
            return
        except LabRequestError as exc:
            self._error(exc.status, str(exc))
            return
        except Exception as exc:  # a bug: say so in JSON, keep serving
            traceback.print_exc()
            self._error(500, f"internal error: {type(exc).__name__}: {exc}")
            return
        try:
            self._json(200, result)
        except ValueError as exc:  # NaN or inf slipped into the result
            self._error(500, f"internal error: result is not valid JSON ({exc})")

    def _not_allowed(self):
        if self._host_ok():
            self._error(405, f"method {self.command} is not allowed")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _not_allowed


class LabServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, quiet: bool = True, time_limit: float = TIME_LIMIT):
        super().__init__(address, LabHandler)
        self.quiet = quiet
        self.time_limit = time_limit
        self.files = _static_files()
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="lab")

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def server_close(self):
        super().server_close()
        self.pool.shutdown(wait=False, cancel_futures=True)


def make_server(port: int = 0, host: str = "127.0.0.1", quiet: bool = True) -> LabServer:
    """A lab server bound to ``host:port`` (port 0: any free port); call ``serve_forever``."""
    if host not in ("127.0.0.1", "localhost"):
        raise ValueError("the lab binds to the loopback interface only")
    return LabServer((host, int(port)), quiet=quiet)
