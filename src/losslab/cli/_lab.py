"""`losslab lab`: the browser lab (see docs/lab.md)."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("lab")
    def lab(
        port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free port).", min=0,
                                          max=65535)] = 8765,
        host: Annotated[str, typer.Option("--host", help="Address to bind; the default keeps the lab on this "
                                          "machine. The lab answers only requests sent to this name or to "
                                          "127.0.0.1, localhost or [::1] (with 0.0.0.0: to this machine's own "
                                          "names and addresses, the way students reach it); on an address other "
                                          "machines reach, every request needs the token printed in the address."
                                          )] = "127.0.0.1",
        token: Annotated[str | None, typer.Option(
            "--token", help="The token requests must carry (?token=, its cookie or Authorization: Bearer); by "
            "default a random one when --host is not loopback, none on loopback. At least 16 characters of "
            "A-Z a-z 0-9 - _ .", envvar="LOSSLAB_LAB_TOKEN", show_envvar=False)] = None,
        no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open the browser.")] = False,
        max_runs: Annotated[int | None, typer.Option(
            "--max-runs", min=1, max=10_000,
            help="Training runs open at once on the whole server (default 16); a class of 30 needs about 30.")] = None,
        max_runs_per_client: Annotated[int | None, typer.Option(
            "--max-runs-per-client", min=1, max=10_000,
            help="Training runs open at once for one computer (address; default 4).")] = None,
    ) -> None:
        """Open the lab in the browser: losses, darts, regression and classification you can play with."""
        try:
            from ..lab import serve
        except ImportError as exc:  # pragma: no cover - depends on the installation
            typer.echo(f"error: the lab needs fastapi and uvicorn ({exc}); pip install 'losslab[lab]'", err=True)
            raise typer.Exit(1) from None
        from ..lab import Limits

        token = token or None  # an empty LOSSLAB_LAB_TOKEN is none
        if token is not None and (len(token) < 16 or not all(c.isascii() and (c.isalnum() or c in "-_.")
                                                              for c in token)):
            typer.echo("error: --token: expected at least 16 characters of A-Z a-z 0-9 - _ . (see --help)", err=True)
            raise typer.Exit(2)
        bounds = {"max_runs_total": max_runs, "max_runs_per_client": max_runs_per_client}
        limits = Limits(**{k: v for k, v in bounds.items() if v is not None})
        try:
            serve(host, port, open_browser=not no_browser, limits=limits, **({"token": token} if token else {}))
        except OSError as exc:
            typer.echo(f"error: {exc.strerror or exc}", err=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:  # pragma: no cover - interactive
            pass
