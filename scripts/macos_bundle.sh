#!/usr/bin/env bash
# Builds LSTMuse.app for someone on a Mac, and zips it into dist/:
#   LSTMuse.app/Contents/Info.plist             name, version, icon (packaging/macos/Info.plist)
#   LSTMuse.app/Contents/MacOS/lstmuse          the release binary
#   LSTMuse.app/Contents/Resources/lstmuse.icns the icon
#   LSTMuse.app/Contents/Resources/models/essen-german  the bundled model (found from MacOS/)
# Usage (on macOS, with Rust and the Xcode command-line tools):
#   scripts/macos_bundle.sh                 build for this Mac's architecture
#   scripts/macos_bundle.sh --universal     build for Apple silicon and Intel, joined with lipo
#   scripts/macos_bundle.sh --binary FILE --out DIR
#                                           assemble the bundle around FILE into DIR without
#                                           building (scripts/check_platforms.sh checks the
#                                           layout this way on Linux, where macOS cannot link)
# The bundle is signed ad hoc (codesign -s -), not notarised: the first time, right-click
# it and choose Open.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
binary="" out="" universal=false
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --universal) universal=true; shift ;;
    *) echo "scripts/macos_bundle.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ -z "$binary" ]; then
  if [ "$(uname -s)" != Darwin ]; then
    echo "scripts/macos_bundle.sh: building the mac binary needs macOS's SDK (run it on a Mac, or pass --binary)" >&2
    exit 1
  fi
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lstmuse/target}"
  if $universal; then
    for t in aarch64-apple-darwin x86_64-apple-darwin; do
      rustup target add "$t" >/dev/null
      cargo build --release --locked --target "$t"
    done
    binary="$CARGO_TARGET_DIR/lstmuse-universal"
    lipo -create -output "$binary" \
      "$CARGO_TARGET_DIR/aarch64-apple-darwin/release/lstmuse" \
      "$CARGO_TARGET_DIR/x86_64-apple-darwin/release/lstmuse"
  else
    cargo build --release --locked
    binary="$CARGO_TARGET_DIR/release/lstmuse"
  fi
fi
out="${out:-$PWD/dist}"
app="$out/LSTMuse.app"
rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources/models/essen-german"
sed "s/@VERSION@/$VERSION/g" packaging/macos/Info.plist > "$app/Contents/Info.plist"
printf 'APPL????' > "$app/Contents/PkgInfo"
install -m 755 "$binary" "$app/Contents/MacOS/lstmuse"
install -m 644 assets/icon/lstmuse.icns "$app/Contents/Resources/lstmuse.icns"
install -m 644 models/essen-german/{card.json,config.json,model.bpk,vocab.json,near_variants.tsv} \
  "$app/Contents/Resources/models/essen-german/"
if [ "$(uname -s)" = Darwin ]; then
  strip -x "$app/Contents/MacOS/lstmuse"
  codesign --force --deep --sign - "$app"
  arch="$(if $universal; then echo universal; else uname -m; fi)"
  zip_file="$out/LSTMuse-$VERSION-macos-$arch.zip"
  rm -f "$zip_file"
  ditto -c -k --keepParent "$app" "$zip_file"
  echo "$zip_file"
fi
echo "$app"
