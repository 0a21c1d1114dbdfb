#!/usr/bin/env bash
# Install Debian's headless-capable Chromium when it is missing (the query UI's browser tests use it).
# Safe to run every time: does nothing when /usr/bin/chromium exists. Needs root (CI runs as root);
# when it cannot install, says so and exits 0: the browser tests then skip with that reason.
set -uo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: chromium is missing and cannot be installed here (needs root and apt-get)" >&2
    exit 0
fi
echo "ensure_chromium: installing chromium (Debian package)" >&2
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq chromium >/dev/null; then
    echo "ensure_chromium: $(chromium --version 2>/dev/null)" >&2
else
    echo "ensure_chromium: installing chromium failed; the browser tests will be skipped" >&2
fi
exit 0
