#!/usr/bin/env bash
# Make sure a Chinese (CJK) font is installed, so that report charts are labelled in Chinese (matplotlib picks
# it up; see core/workflow/reports.py) and the browser test renders Chinese. Installs Debian's fonts-noto-cjk
# when no CJK font is present. Never fails the install: without root or apt-get it says what to do.
set -uo pipefail

if command -v fc-list >/dev/null && [[ -n "$(fc-list :lang=zh family 2>/dev/null)" ]]; then
    exit 0
fi
if [[ "$(id -u)" != "0" ]] || ! command -v apt-get >/dev/null; then
    echo "fonts.sh: no Chinese font found; report charts will use Latin labels." \
         "Install one as root: apt-get install fonts-noto-cjk" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || true
if ! apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends fonts-noto-cjk fontconfig >&2; then
    echo "fonts.sh: apt-get install fonts-noto-cjk failed (is a package mirror reachable?)" >&2
fi
exit 0
