"""The `losslab` command line. See `losslab --help`."""

from ._app import app, main

__all__ = ["app", "main"]
