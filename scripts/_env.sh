# Shared by scripts/start and scripts/test: make .venv and install losslab into it, once.
# The lock file pins every package; torch comes from pip on its own (the CPU wheel of 2.13.0), because an
# unpinned or resolver-picked torch pulls a multi-GB CUDA build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

# The browser tests drive Debian's Chromium through Playwright (its own browser download cannot work offline).
ensure_chromium() {
    if command -v chromium >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" != "0" ]; then
        echo "losslab: the browser tests need Chromium: sudo apt-get install chromium chromium-driver" >&2
        return 1
    fi
    echo "losslab: installing Chromium from Debian (first run only) ..." >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-ipafont-gothic >/dev/null
}

ensure_venv() {
    local profile="$1"   # "run" (the app) or "dev" (app + tests + torch + dask + tools)
    local lock="$ROOT/requirements/$profile.lock"
    local stamp="$VENV/.losslab-$profile"
    local want
    want="$(cat "$lock" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    echo "losslab: installing the $profile environment into .venv (first run only) ..." >&2
    [ -x "$PY" ] || python3 -m venv "$VENV"
    "$PY" -m pip install --quiet --upgrade pip >/dev/null
    "$PY" -m pip install --quiet -r "$lock"
    if [ "$profile" = "dev" ]; then
        "$PY" -m pip install --quiet "torch==2.13.0"
    fi
    "$PY" -m pip install --quiet --no-deps -e "$ROOT"
    echo "$want" > "$stamp"
}
