#!/usr/bin/env bash
# Debian packages the tests use: Chromium (Playwright drives /usr/bin/chromium; it never
# downloads a browser of its own) and a font for it ("browser"), and Fashion-MNIST's idx
# files in /usr/share/datasets/fashion-mnist ("datasets"). Both by default. Needs root or
# sudo; without them it says what to run.
#   scripts/install-system.sh [browser] [datasets]
set -euo pipefail
PACKAGES=""
for part in "${@:-browser datasets}"; do
  for p in $part; do
    case "$p" in
      browser) PACKAGES="$PACKAGES chromium fonts-dejavu-core" ;;
      datasets) PACKAGES="$PACKAGES dataset-fashion-mnist" ;;
      *) echo "install-system: unknown part $p (browser, datasets)" >&2; exit 2 ;;
    esac
  done
done
missing=""
for p in $PACKAGES; do
  case "$p" in
    chromium) [ -x /usr/bin/chromium ] || missing="$missing $p" ;;
    fonts-dejavu-core) fc-list 2>/dev/null | grep -qi dejavu || missing="$missing $p" ;;
    dataset-fashion-mnist) [ -d /usr/share/datasets/fashion-mnist ] || missing="$missing $p" ;;
  esac
done
[ -z "$missing" ] && exit 0
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "install-system: run as root: apt-get install -y$missing" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null; then
  echo "install-system: no apt-get here; install$missing yourself" >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
[ -x /usr/bin/chromium ] && /usr/bin/chromium --version 2>/dev/null || true
