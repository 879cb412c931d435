#!/usr/bin/env bash
# Draws the app icon's files from assets/icon/lstmuse.svg (run after editing the SVG; the
# results are committed, so builds and packages need none of these tools):
#   lstmuse-256.png  the window icon, the About window's picture, the Linux packages' icon
#   lstmuse.ico      the Windows exe's icon (16–256 px; build.rs links it in)
#   lstmuse.icns     the macOS bundle's icon (16–512 px)
# Needs librsvg2-bin (rsvg-convert), imagemagick (convert) and icnsutils (png2icns).
set -euo pipefail
cd "$(dirname "$0")/../assets/icon"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for size in 16 24 32 48 64 128 256 512; do
  rsvg-convert -w "$size" -h "$size" lstmuse.svg -o "$tmp/$size.png"
done
cp "$tmp/256.png" lstmuse-256.png
convert "$tmp"/{16,24,32,48,64,256}.png lstmuse.ico
png2icns lstmuse.icns "$tmp"/{16,32,128,256,512}.png >/dev/null
ls -l lstmuse-256.png lstmuse.ico lstmuse.icns
