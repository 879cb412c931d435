#!/usr/bin/env bash
# Builds LSTMuse's packages into dist/ (release builds, stripped):
#   lstmuse_VERSION_amd64.deb                  Debian/Ubuntu: the binary, the bundled model in
#                                              /usr/share/lstmuse, a menu entry with its icon,
#                                              .krn/.abc files opening in LSTMuse
#   lstmuse-VERSION-linux-x86_64.tar.gz        the same files as a portable folder: bin/lstmuse
#                                              runs from wherever it is unpacked
#   lstmuse-VERSION-windows-x86_64.zip         lstmuse.exe and models\ (cross-built with MinGW-w64)
#   lstmuse-VERSION-windows-x86_64-setup.exe   the same as an installer (NSIS)
#   LSTMuse-VERSION-macos-ARCH.zip             the .app bundle (on a Mac: scripts/macos_bundle.sh)
# Usage: scripts/package.sh [linux] [windows] [macos]
# (default: linux and windows on Linux, macos on macOS). Missing tools are installed as
# scripts/run.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh

VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
DIST="$PWD/dist"
STAGE="$(mktemp -d -t lstmuse-package.XXXXXX)"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$DIST"

# Copies the bundled model folder to $1.
copy_model() {
  mkdir -p "$1"
  install -m 644 models/essen-german/{card.json,config.json,model.bpk,vocab.json,near_variants.tsv} "$1/"
}

# The README of every package, with its version.
readme() {
  sed "s/@VERSION@/$VERSION/" packaging/README.txt
}

# A prefix folder as on Linux: bin/lstmuse, share/lstmuse/models, the menu entry, the
# icons and the MIME types (what the .deb puts under /usr and the tarball holds).
linux_tree() {
  local root="$1" bin="$2"
  install -D -m 755 "$bin" "$root/bin/lstmuse"
  strip "$root/bin/lstmuse"
  copy_model "$root/share/lstmuse/models/essen-german"
  install -D -m 644 packaging/linux/lstmuse.desktop "$root/share/applications/lstmuse.desktop"
  install -D -m 644 packaging/linux/lstmuse-mime.xml "$root/share/mime/packages/lstmuse.xml"
  install -D -m 644 assets/icon/lstmuse-256.png "$root/share/icons/hicolor/256x256/apps/lstmuse.png"
  install -D -m 644 assets/icon/lstmuse.svg "$root/share/icons/hicolor/scalable/apps/lstmuse.svg"
}

# The newest glibc symbol version the binary needs (its libc6 dependency).
glibc_needed() {
  objdump -T "$1" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1
}

package_deb() {
  local bin="$1" root="$STAGE/deb"
  linux_tree "$root/usr" "$bin"
  install -D -m 644 /dev/stdin "$root/usr/share/doc/lstmuse/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: LSTMuse

Files: *
License: MIT or Apache-2.0

Files: usr/share/lstmuse/models/*
License: non-commercial
 The bundled model was trained on the Essen Folksong Collection (H. Schaffrath, ed.
 D. Huron, CCARH 1995), whose terms allow non-commercial research and personal use only.
EOF
  local glibc size
  glibc="$(glibc_needed "$root/usr/bin/lstmuse")"
  size="$(du -sk "$root/usr" | cut -f1)"
  mkdir -p "$root/DEBIAN"
  # Linked: libc, libgcc, ALSA. Opened at run time: X11/Wayland, Vulkan or OpenGL.
  cat > "$root/DEBIAN/control" <<EOF
Package: lstmuse
Version: $VERSION
Architecture: amd64
Maintainer: LSTMuse developers <lstmuse@users.noreply.invalid>
Installed-Size: $size
Depends: libc6 (>= $glibc), libgcc-s1, libasound2 (>= 1.0.16) | libasound2t64, libx11-6, libx11-xcb1, libxcursor1, libxi6, libxrandr2, libxkbcommon-x11-0, libwayland-client0, libvulkan1, libegl1, libgl1
Recommends: mesa-vulkan-drivers, libgl1-mesa-dri, xdg-desktop-portal
Section: sound
Priority: optional
Description: offline composition assistant: an LSTM writes folk melodies
 Give LSTMuse a seed motif and an LSTM trained on folk songs writes melodies that
 continue it; audition them with the built-in synth and export the keeper as MIDI or
 MusicXML for MuseScore. A desktop app and a command-line tool, offline, on the CPU.
EOF
  local deb="$DIST/lstmuse_${VERSION}_amd64.deb"
  dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
  echo "$deb"
}

package_tarball() {
  local bin="$1" name="lstmuse-$VERSION-linux-x86_64"
  local root="$STAGE/$name"
  linux_tree "$root" "$bin"
  readme > "$root/README.txt"
  tar -C "$STAGE" -czf "$DIST/$name.tar.gz" "$name"
  echo "$DIST/$name.tar.gz"
}

package_linux() {
  ensure_packages pkg-config libasound2-dev binutils
  cargo build --release --locked
  local bin="$CARGO_TARGET_DIR/release/lstmuse"
  package_deb "$bin"
  package_tarball "$bin"
}

package_windows() {
  local target=x86_64-pc-windows-gnu name="lstmuse-$VERSION-windows-x86_64"
  ensure_packages gcc-mingw-w64-x86-64 nsis zip
  if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx "$target"; then
    rustup target add "$target"
  fi
  cargo build --release --locked --target "$target"
  local root="$STAGE/$name"
  mkdir -p "$root"
  install -m 755 "$CARGO_TARGET_DIR/$target/release/lstmuse.exe" "$root/lstmuse.exe"
  x86_64-w64-mingw32-strip "$root/lstmuse.exe"
  copy_model "$root/models/essen-german"
  readme | sed 's/$/\r/' > "$root/README.txt"
  rm -f "$DIST/$name.zip"
  (cd "$STAGE" && zip -q -r -9 "$DIST/$name.zip" "$name")
  echo "$DIST/$name.zip"
  makensis -V2 -DVERSION="$VERSION" -DSTAGE="$root" -DOUTFILE="$DIST/$name-setup.exe" \
    -DICON="$PWD/assets/icon/lstmuse.ico" packaging/windows/lstmuse.nsi
  echo "$DIST/$name-setup.exe"
}

package_macos() {
  scripts/macos_bundle.sh
}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  if [ "$(uname -s)" = Darwin ]; then targets=(macos); else targets=(linux windows); fi
fi
for t in "${targets[@]}"; do
  case "$t" in
    linux) package_linux ;;
    windows) package_windows ;;
    macos) package_macos ;;
    *) echo "scripts/package.sh: unknown package \"$t\" (linux, windows or macos)" >&2; exit 2 ;;
  esac
done
