"""Subcommands of the logitlab command line, one module each."""
