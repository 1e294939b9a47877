#!/bin/sh
# Debian packages the project needs beyond Python, installed only when missing (quick when
# all are present). Add yours to PACKAGES with a comment saying what needs it.
#   chromium          the web board's end-to-end test (driven by Playwright, nothing downloaded)
#   fonts-wqy-zenhei  Chinese glyphs in the browser's screenshots
set -eu
PACKAGES="chromium fonts-wqy-zenhei"

missing=""
for package in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $package"
done
[ -z "$missing" ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing system packages:$missing"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
