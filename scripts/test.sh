#!/usr/bin/env bash
# Fresh machine -> the whole test suite.
# Installs what a new machine lacks, and only what the tests use: Debian's chromium and fonts-liberation
# (browser tests, image export) and Debian's postgresql (the tests start their own throwaway server from its binaries, found as
# tests/pgserver.py finds them), then the project with its test extras in .venv. When another package
# manager holds apt's locks it waits (up to $APT_LOCK_WAIT seconds, default 600) instead of failing.
# Run again, it installs nothing. With CI=true (.ci/run) a test that cannot run fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
LOCK_WAIT=${APT_LOCK_WAIT:-600}

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# the typeface campaign graphics are fitted in (tests/test_graphics_layout.py measures text set in it)
fc-list 2>/dev/null | grep -q "Liberation Sans" || missing+=(fonts-liberation)
"$PY" tests/pgserver.py >/dev/null 2>&1 || missing+=(postgresql)  # initdb and pg_ctl, where the tests look

# apt and dpkg lock with fcntl(2); `flock` cannot see those locks, Python's lockf can
wait_for_lock() {
  $SUDO "$(command -v "$PY")" - "$1" "$LOCK_WAIT" <<'EOF'
import fcntl, os, sys, time
path, limit = sys.argv[1], float(sys.argv[2])
deadline, said = time.monotonic() + limit, False
while True:
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        sys.exit(0)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        sys.exit(0)  # free (this process lets go of it on exit)
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"test.sh: {path} is still locked after {limit:.0f} s")
        if not said:
            print(f"test.sh: waiting for {path} (another package manager is running)", file=sys.stderr)
            said = True
        time.sleep(1)
    finally:
        os.close(fd)
EOF
}

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "test.sh: installing ${missing[*]} needs root or sudo" >&2; exit 1; }
    SUDO="sudo"
  fi
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  # apt-get update takes the lists lock without waiting: wait for it, and again if another process won it
  deadline=$((SECONDS + LOCK_WAIT))
  until wait_for_lock /var/lib/apt/lists/lock && $SUDO apt-get update -qq >"$log" 2>&1; do
    if ! grep -q "Could not get lock" "$log" || [ "$SECONDS" -ge "$deadline" ]; then
      cat "$log" >&2; exit 1
    fi
    sleep 1
  done
  # the install waits on dpkg's own locks
  if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      -o DPkg::Lock::Timeout="$LOCK_WAIT" "${missing[@]}" >"$log" 2>&1; then
    cat "$log" >&2; exit 1
  fi
  "$PY" tests/pgserver.py >/dev/null || { echo "test.sh: postgresql installed, but no initdb and pg_ctl" >&2; exit 1; }
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
exec .venv/bin/python -m pytest "$@"
