#!/usr/bin/env bash
# Make sure a Chromium that Playwright can drive is installed (the browser tests need it).
# Installs Debian's chromium with apt when missing and we are root; otherwise stops with a clear message.
set -euo pipefail
for candidate in "${CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then exit 0; fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests (apt-get) ..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The browser tests need Chromium: install Debian's 'chromium' package (sudo apt-get install chromium)," >&2
echo "or set CHROMIUM=/path/to/chromium, then run 'make test' again." >&2
exit 1
