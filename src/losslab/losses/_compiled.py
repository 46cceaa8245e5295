"""An optional compiled tier under the NumPy fast path: single-pass C kernels for the arithmetic losses.

NumPy cannot fuse the steps of a loss, so even cache-blocked kernels (``_fast``) pass over each block several
times. ``_kernels.c`` does the whole loss in one pass (float64 accumulation, pairwise), and gathers the
validation the kernels defer (non-finite inputs, hinge labels, weights) as a status code.

It is built lazily, on the first call large enough to pay off (``MIN_SIZE`` elements), with the system C compiler
(``$CC``, ``cc`` / ``gcc`` on PATH, or sysconfig's CC), into a per-user cache (``$LOSSLAB_CACHE_DIR``, else
``$XDG_CACHE_HOME/losslab`` or ``~/.cache/losslab``) under a name that hashes the source, the compiler, the flags
and the platform; later processes load the cached library without compiling. Any failure (no compiler, a compile
or load error, ``LOSSLAB_NO_COMPILE=1``) leaves the tier unavailable, silently: ``_fast`` then keeps its NumPy
kernels. ``reason()`` says why it is unavailable.
"""

from __future__ import annotations

import ctypes
import hashlib
import math
import os
import platform
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

MIN_SIZE = 1 << 16
"""Inputs with fewer elements stay on the NumPy kernels (compiling, and the ctypes call, do not pay off)."""

SOURCE = Path(__file__).with_name("_kernels.c")
BASE_FLAGS = ("-O3", "-fPIC", "-shared", "-ffp-contract=off", "-fno-trapping-math")
"""Never -ffast-math: results stay plain IEEE. -ffp-contract=off: no fused multiply-adds (NumPy rounds a * b + c
twice); -fno-trapping-math changes no result, it lets the compiler evaluate both sides of a select (vectorize)."""
NATIVE_FLAG = "-march=native"

# kinds, in the order of the enum in _kernels.c
MSE, MAE, HUBER, SMOOTH_L1, QUANTILE, HINGE, SQUARED_HINGE = range(7)
OK, NONFINITE, LABELS, WEIGHTS = range(4)

_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)
_lock = threading.Lock()
_state: dict[str, Any] = {"tried": False, "lib": None, "reason": "not loaded yet", "compiled": False}


# ------------------------------------------------------------------------------------------------ building
def cache_dir() -> Path:
    explicit = os.environ.get("LOSSLAB_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "losslab"


def find_compiler() -> list[str] | None:
    """The compiler command (a list: sysconfig's CC may carry flags), or None."""
    for cand in (os.environ.get("CC"), "cc", "gcc", sysconfig.get_config_var("CC")):
        if not cand:
            continue
        try:
            parts = shlex.split(cand)
        except ValueError:
            continue
        if parts and (exe := shutil.which(parts[0])):
            return [exe, *parts[1:]]
    return None


def _cpu_signature() -> str:
    """What -march=native depends on (a cache shared between machines must not hand one CPU's code to another)."""
    found: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                name = line.split(":", 1)[0].strip()
                if name in ("flags", "Features", "model name", "CPU part") and name not in found:
                    found[name] = line
    except OSError:
        pass
    return "".join(sorted(found.values())) or platform.processor()


def _key(cc: list[str]) -> str:
    h = hashlib.sha256()
    h.update(SOURCE.read_bytes())
    try:
        st = os.stat(cc[0])
        stamp = f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        stamp = ""
    for part in (" ".join(cc), stamp, " ".join(BASE_FLAGS), NATIVE_FLAG, _cpu_signature(), sys.platform,
                 platform.machine(), sysconfig.get_platform(), sys.implementation.cache_tag):
        h.update(part.encode() + b"\0")
    return h.hexdigest()[:24]


def _compile(cc: list[str], target: Path) -> None:
    """Build the library into ``target``: atomically (a temporary file in the same folder, then a rename), with
    -march=native when the compiler takes it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.stem + ".", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        last: subprocess.CalledProcessError | None = None
        for extra in ((NATIVE_FLAG,), ()):
            cmd = [*cc, *BASE_FLAGS, *extra, "-o", tmp, str(SOURCE), "-lm"]
            try:
                subprocess.run(cmd, check=True, capture_output=True, timeout=120)
                break
            except subprocess.CalledProcessError as exc:
                last = exc
        else:
            assert last is not None
            raise last
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _bind(lib: ctypes.CDLL) -> None:
    for suffix in ("f64", "f32"):
        fn = getattr(lib, "ll_elementwise_" + suffix)
        fn.restype = ctypes.c_int
        fn.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                       ctypes.c_size_t, ctypes.c_int, ctypes.c_double, ctypes.c_double, ctypes.c_void_p,
                       ctypes.c_void_p, ctypes.POINTER(ctypes.c_double)]


def _load() -> ctypes.CDLL:
    if os.environ.get("LOSSLAB_NO_COMPILE", "") not in ("", "0"):
        raise RuntimeError("LOSSLAB_NO_COMPILE is set")
    if not SOURCE.is_file():
        raise RuntimeError(f"no kernel source at {SOURCE}")
    cc = find_compiler()
    suffix = sysconfig.get_config_var("SHLIB_SUFFIX") or ".so"
    folder = cache_dir()
    if cc is None:
        raise RuntimeError("no C compiler found (tried $CC, cc, gcc and sysconfig's CC)")
    target = folder / f"kernels-{_key(cc)}{suffix}"
    if not target.is_file():
        _compile(cc, target)
        _state["compiled"] = True
    lib = ctypes.CDLL(str(target))
    _bind(lib)
    return lib


def load() -> ctypes.CDLL | None:
    """The kernels' library, built or loaded on the first call; None when unavailable (see ``reason()``)."""
    if _state["tried"]:
        return _state["lib"]
    with _lock:
        if not _state["tried"]:
            try:
                _state["lib"] = _load()
                _state["reason"] = "available"
            except Exception as exc:  # any failure only means: no compiled tier
                _state["lib"] = None
                _state["reason"] = f"{type(exc).__name__}: {exc}".strip()
            _state["tried"] = True
    return _state["lib"]


def reason() -> str:
    return str(_state["reason"])


def reset() -> None:
    """Forget the loaded library (tests): the next ``load()`` looks again."""
    with _lock:
        _state.update(tried=False, lib=None, reason="not loaded yet", compiled=False)


# ------------------------------------------------------------------------------------------------- running
def _ptr(a: np.ndarray | None) -> int | None:
    return None if a is None else int(a.ctypes.data)


def elementwise(lib: ctypes.CDLL, kind: int, param: float, pred: np.ndarray, target: np.ndarray,
                w: np.ndarray | None, reduction: str, want_value: bool, want_grad: bool, out: np.ndarray | None,
                average: bool, finalize_sqrt: bool) -> Any:
    """``_fast``'s kernel contract on the compiled tier: ``(value, grad)``, or NotImplemented for the generic path.

    ``pred`` and ``target`` are C-contiguous arrays of one float dtype and size (pred's shape (N,) or (N, K)),
    ``w`` None or (N,) C-contiguous floats, ``out`` None or a gradient buffer that does not overlap them."""
    dt = pred.dtype
    fn = lib.ll_elementwise_f64 if dt == _F64 else lib.ll_elementwise_f32
    n = pred.shape[0]
    k = pred.size // n
    inv_k = 1.0 / k if (average and k > 1) else 1.0
    total = 1.0
    if reduction == "mean":
        if w is None:
            total = float(n)
        else:
            total = float(np.add.reduce(w, dtype=np.float64))
            if not (total > 0.0 and math.isfinite(total)):
                return NotImplemented
    if w is not None and w.dtype != dt:
        w = w.astype(dt)
    g = None
    if want_grad:
        g = out if out is not None else np.empty(pred.shape, dt)
    res = np.empty(n, dt) if (want_value and reduction == "none") else None
    flat = w is None and res is None
    acc = ctypes.c_double(0.0)
    pp, tp, wp = _ptr(pred), _ptr(target), _ptr(w)

    def call(grad: np.ndarray | None, rows: np.ndarray | None, scale: float) -> float | None:
        status = fn(kind, pp, tp, wp, n, k, int(average), param, scale, _ptr(grad), _ptr(rows), ctypes.byref(acc))
        return acc.value if status == OK else None

    c = inv_k / total
    if finalize_sqrt:  # rmse (reduction "mean"): the value first, the gradient scaled by 0.5 / value
        s = call(None, None, c)
        if s is None:
            return NotImplemented
        value = dt.type(math.sqrt(s * inv_k / total if flat else s / total))
        if want_grad:
            factor = float(dt.type(0.5) / value) if value > 0 else 0.0
            if call(g, None, c * factor) is None:
                return NotImplemented
        return (value if want_value else None), g
    s = call(g, res, c)
    if s is None:
        return NotImplemented
    if not want_value:
        return None, g
    if res is not None:
        return res, g
    return dt.type(s * inv_k / total if flat else s / total), g
