#!/usr/bin/env bash
# Make sure Debian's headless-capable Chromium is installed at /usr/bin/chromium (used by the console's
# end-to-end test through Playwright). Prints the browser's path; exits non-zero with a reason when it
# cannot be installed (no root, no package registry).
set -euo pipefail

BROWSER=/usr/bin/chromium

if [[ -x "$BROWSER" ]]; then
    echo "$BROWSER"
    exit 0
fi
if [[ "$(id -u)" != "0" ]]; then
    echo "browser.sh: $BROWSER is missing and installing it needs root (apt-get install chromium)" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "browser.sh: $BROWSER is missing and this system has no apt-get to install it" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A lock held by another apt run is waited for rather than failing the test run.
apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || true
if ! apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium fonts-noto-cjk >&2; then
    echo "browser.sh: apt-get install chromium failed (is a package mirror reachable?)" >&2
    exit 1
fi
if [[ ! -x "$BROWSER" ]]; then
    echo "browser.sh: chromium installed but $BROWSER is not there" >&2
    exit 1
fi
echo "$BROWSER"
