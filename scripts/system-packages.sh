#!/bin/sh
# Install the Debian packages the monitor and its tests need, only those missing.
# espeak-ng + sox: sample rendering; pulseaudio + utils + libasound2-plugins: the virtual
# counter microphone of the live tests; libportaudio2: sounddevice; libsndfile1: soundfile;
# chromium + fonts-wqy-zenhei: the report's PDF and the browser tests (CJK glyphs);
# tmux: the terminal replay player's test; poppler-utils: the PDF report's pages looked at.
set -eu
missing=""
for pkg in espeak-ng sox pulseaudio pulseaudio-utils libportaudio2 libasound2-plugins libsndfile1 \
           chromium fonts-wqy-zenhei tmux poppler-utils; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "missing system packages:$missing (install them with apt-get; the tests that need them skip)" >&2
    exit 0
fi
echo "installing:$missing" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
