#!/usr/bin/env bash
# Debian packages the tests use: Chromium (Playwright drives /usr/bin/chromium; it never
# downloads a browser of its own), a font for it, and Fashion-MNIST's idx files
# (/usr/share/datasets/fashion-mnist). Needs root or sudo; without them it says what to run.
set -euo pipefail
PACKAGES="chromium fonts-dejavu-core dataset-fashion-mnist"
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi dejavu \
   && [ -d /usr/share/datasets/fashion-mnist ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "install-system: run as root: apt-get install -y $PACKAGES" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null; then
  echo "install-system: no apt-get here; install Chromium at /usr/bin/chromium yourself" >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $PACKAGES >/dev/null
/usr/bin/chromium --version
