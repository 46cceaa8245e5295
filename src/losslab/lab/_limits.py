"""The bounds on every request the lab serves, so that no page (or script) can make the server work without end."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Limits"]


@dataclass(frozen=True)
class Limits:
    """Upper bounds of the lab's server; ``create_app(limits=Limits(max_epochs=100))`` changes them.

    Every number here is checked before any work starts; a request beyond one gets a 4xx answer that names the
    bound (413 for a body too large, 422 for a value out of range, 429 for too many training runs).
    """

    max_body_bytes: int = 256 * 1024
    """Largest request body, in bytes."""
    max_values: int = 4096
    """Most numbers in one array (``pred``, ``target``, ``sample_weight``) of compute / explain."""
    max_losses: int = 8
    """Most losses in one request (explorer curves, regression fits)."""
    max_points: int = 200
    """Most points of the regression lab."""
    max_darts: int = 100
    """Most darts on the dart board."""
    max_samples: int = 1000
    """Most examples of a generated classification data set."""
    max_hidden_layers: int = 6
    max_width: int = 32
    """Most hidden layers of the MLP and neurons per layer."""
    max_epochs: int = 10_000
    """Most epochs of one training run."""
    max_run_seconds: float = 600.0
    """Wall time of one training run, from its creation; it is cancelled after this."""
    max_runs_per_client: int = 4
    """Training runs alive at once for one client (one address)."""
    max_runs_total: int = 16
    """Training runs alive at once on the whole server."""
    attach_seconds: float = 30.0
    """A run that no page streams from within this time (or after its page closed) is cancelled."""
    grid: int = 48
    """Cells per side of the decision-boundary map."""
    frames_per_second: float = 60.0
    """Most progress messages per second on a run's stream (60: the map and the curves move with every frame of
    the screen, benchmarks/bench_lab.py)."""
    max_upload_bytes: int = 2 * 1024 * 1024
    """Largest CSV file that can be uploaded (``POST /api/uploads``), in bytes; every other body stays below
    ``max_body_bytes``."""
    max_upload_rows: int = 20_000
    max_upload_columns: int = 100
    """Most data rows and columns of an uploaded CSV file."""
    max_upload_cells: int = 1_000_000
    """Most cells (data rows × columns) of an uploaded CSV file."""
    max_upload_distinct: int = 50_000
    """Most distinct texts in the text columns of an uploaded file (each costs memory of its own: a file of free
    text or of row ids beyond this is refused, not kept)."""
    max_uploads_per_client: int = 8
    max_uploads_total: int = 32
    """Uploaded files kept in memory per client (address) and on the whole server; beyond that, the one used
    least recently is forgotten."""
    max_upload_bytes_per_client: int = 16 * 1024 * 1024
    max_upload_bytes_total: int = 64 * 1024 * 1024
    """Bytes the kept uploads may hold in memory per client and on the whole server (a table is stored as small
    integer codes into its columns' distinct values: about the file's size or less); beyond that, the one used
    least recently is forgotten."""
    upload_seconds: float = 3600.0
    """An uploaded file is forgotten after this long without being used."""
    max_evidence_jobs: int = 2
    """Evidence runs (k-fold training of the candidate losses, each in a process of its own) working at once on
    the whole server."""
    max_evidence_per_client: int = 1
    """Evidence runs working at once for one client (address)."""
    max_evidence_seconds: float = 120.0
    """Wall time of one evidence run; it is stopped after this."""
    max_evidence_folds: int = 10
    max_evidence_epochs: int = 500
    max_evidence_rows: int = 5000
    """Most folds, epochs per fit, and rows (a random sample beyond) of one evidence run."""
    evidence_attach_seconds: float = 30.0
    """An evidence run that no page has asked about for this long is stopped (a closed page stops its run)."""
    evidence_keep_seconds: float = 600.0
    """A finished evidence run's result is kept this long."""
    header_seconds: float = 10.0
    """A connection that has not sent a whole request head (line and headers) this long after it opened, or after
    its previous answer, is closed (a slow or half-open client holds no socket for ever)."""
    body_seconds: float = 30.0
    """Most time to receive one request body (the file upload included); a slower one is answered with 408."""
    keep_alive_seconds: float = 5.0
    """An idle kept-alive connection is closed after this long."""
    max_connections: int = 4096
    """Most connections and requests in progress at once (fewer where the process may open fewer files); a
    request beyond is answered with 503."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
