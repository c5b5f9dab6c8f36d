"""The ``logitlab`` command line.

Each subcommand lives in its own module exposing ``register(subparsers)``, which adds the
subparser and sets ``func`` to a callable taking the parsed arguments and returning an exit code.
Errors a user can cause (``LogitlabError``, missing files) become one line on stderr and a
non-zero exit code, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__

# subcommand modules, in the order --help lists them
_COMMANDS = [
    "logitlab.commands.demo",
    "logitlab.commands.fit",
    "logitlab.commands.predict",
    "logitlab.commands.report",
    "logitlab.lab.command",
]

EXIT_USAGE = 2
EXIT_ERROR = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="logitlab",
        description="Logistic regression: fit, explain, evaluate, decide, report, explore.",
        epilog="Run 'logitlab COMMAND --help' for the options of one command, with examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"logitlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real import error inside the command module
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ._errors import LogitlabError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("logitlab: interrupted", file=sys.stderr)
        return 130
    except (LogitlabError, OSError) as exc:
        print(f"logitlab {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
