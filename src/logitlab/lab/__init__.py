"""The logitlab lab: the simulations of logistic regression, in the browser, driven by the engine.

``logitlab lab`` starts :func:`logitlab.lab.server.make_server` on 127.0.0.1 and opens the page.
The page (``static/``) only draws and animates; every learned or measured number comes from
:mod:`logitlab.lab.api` over JSON.
"""
from __future__ import annotations

__all__ = ["make_server"]


def make_server(port: int = 0, host: str = "127.0.0.1", quiet: bool = True):
    from .server import make_server as _make

    return _make(port=port, host=host, quiet=quiet)
