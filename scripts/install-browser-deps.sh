#!/usr/bin/env bash
# Installs the system packages the browser tests need: Debian's chromium
# (driven by playwright-core through executablePath, no browser download) and
# coturn (the TURN relay of the impaired-call test). Idempotent: a second run
# with both present does nothing.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v turnserver >/dev/null 2>&1 || need+=(coturn)
if [ ${#need[@]} -eq 0 ]; then
  echo "install-browser-deps: chromium and coturn already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium coturn
# The coturn package may start a system daemon; the tests run their own
# turnserver on a random loopback port, so a system one is not needed.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet coturn 2>/dev/null; then
  $SUDO systemctl stop coturn || true
fi
echo "install-browser-deps: installed ${need[*]}"
