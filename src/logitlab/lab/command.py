"""``logitlab lab``: serve the interactive lab on 127.0.0.1 and open it in the browser."""
from __future__ import annotations

import argparse
import sys
import threading
import webbrowser

EPILOG = """examples:
  logitlab lab                     serve on a free port and open the browser
  logitlab lab --port 8765         a fixed port (bookmarkable deep links)
  logitlab lab --no-browser        only print the URL (remote sessions, tests)

The server listens on 127.0.0.1 only; Ctrl-C stops it."""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "lab",
        help="open the interactive lab: every simulation, driven by the engine",
        description="Serve the logitlab lab (interactive simulations of logistic regression) "
        "on 127.0.0.1 and open it in the web browser.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--port", type=int, default=0, help="TCP port (default 0: any free port)")
    p.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    p.add_argument("--verbose", action="store_true", help="log every request on stderr")
    p.set_defaults(func=run)


def run(args) -> int:
    from .server import make_server

    if not 0 <= args.port <= 65535:
        print(f"logitlab lab: error: --port must be in 0..65535, got {args.port}", file=sys.stderr)
        return 2
    try:
        server = make_server(port=args.port, quiet=not args.verbose)
    except OSError as exc:
        print(f"logitlab lab: error: cannot listen on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"logitlab lab: serving on {server.url}  (Ctrl-C to stop)", flush=True)
    if not args.no_browser:
        threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("\nlogitlab lab: stopped", flush=True)
    finally:
        server.server_close()
    return 0
