#!/usr/bin/env bash
# Everything the test suite needs from the machine, installed or started when
# missing, so that `npm test` works on a fresh machine on its own:
# - Debian's chromium and coturn (the browser tests), through install-browser-deps.sh;
# - a local PostgreSQL cluster, started when one is installed but not running
#   (the storage suites run again on it; see scripts/run-tests.ts).
# Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-browser-deps.sh

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version="$(ls /etc/postgresql | head -1)"
    echo "setup-test-env: starting PostgreSQL ${version}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
fi
