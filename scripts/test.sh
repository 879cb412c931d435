#!/usr/bin/env bash
# Runs the whole LSTMuse test suite, installing the system packages it needs first.
# Tests that need ../shared/corpus, MuseScore or the TimGM6mb SoundFont say SKIP when those
# are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
# Build: ALSA headers for rodio. Checks: MuseScore 3 (imports our MIDI/MusicXML), abcmidi,
# and a General MIDI SoundFont (TimGM6mb, 6 MB) for the SoundFont voice.
# The app's headless UI tests render snapshots with Vulkan (lavapipe, no GPU needed);
# Xvfb runs the real app once to check that it starts.
ensure_packages pkg-config libasound2-dev musescore3 abcmidi timgm6mb-soundfont xvfb xauth \
  "${APP_PACKAGES[@]}"
if cargo fmt --version >/dev/null 2>&1; then
  cargo fmt --all -- --check
fi
# Everything builds in one profile, test-ci (Cargo.toml): our crate as in release, most
# dependencies unoptimised, which makes a cold run about half as long.
# Lints (Cargo.toml's [lints] and clippy.toml) on every target.
if ! cargo clippy --version >/dev/null 2>&1 && command -v rustup >/dev/null 2>&1; then
  rustup component add clippy
fi
cargo clippy --profile test-ci --all-targets --locked -- -D warnings
# The Windows target type-checks (library and binary, its Windows-only code included), with
# the default features except `wgpu`: Burn's GPU backend (CubeCL) holds no Windows code of
# ours and is most of the check's time; check_platforms.sh builds the exe with every feature.
# Its tools are installed when missing: rustup's x86_64-pc-windows-gnu target, and
# MinGW-w64's windres (which build.rs runs for the exe's icon) with the gcc it preprocesses
# with. Where they cannot be installed (no rustup, no network) it says SKIP and why;
# LSTMUSE_SKIP_WINDOWS=1 leaves it out. Linking, the run under Wine and the packages are
# scripts/check_platforms.sh's (see the README's "Windows, macOS and the packages").
windows_target_installed() {
  command -v rustup >/dev/null 2>&1 \
    && rustup target list --installed | grep -qx x86_64-pc-windows-gnu
}
if [ "${LSTMUSE_SKIP_WINDOWS:-0}" = 1 ]; then
  echo "SKIP: the Windows check (LSTMUSE_SKIP_WINDOWS=1)" >&2
else
  if ! command -v x86_64-w64-mingw32-windres >/dev/null 2>&1 \
    || ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
    ensure_packages binutils-mingw-w64-x86-64 gcc-mingw-w64-x86-64 \
      || echo "lstmuse: could not install MinGW-w64's windres and gcc" >&2
  fi
  if command -v rustup >/dev/null 2>&1 && ! windows_target_installed; then
    rustup target add x86_64-pc-windows-gnu >&2 || echo "lstmuse: rustup could not add x86_64-pc-windows-gnu" >&2
  fi
  if ! windows_target_installed; then
    echo "SKIP: the Windows check (the x86_64-pc-windows-gnu target is missing and could not be added with rustup)" >&2
  elif ! command -v x86_64-w64-mingw32-windres >/dev/null 2>&1 \
    || ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
    echo "SKIP: the Windows check (MinGW-w64's windres or gcc is missing: apt install binutils-mingw-w64-x86-64 gcc-mingw-w64-x86-64)" >&2
  else
    windows_t0=$SECONDS
    cargo check --profile test-ci --locked --target x86_64-pc-windows-gnu --lib --bins \
      --no-default-features --features audio,gui,midi
    echo "the Windows check took $((SECONDS - windows_t0)) s" >&2
  fi
fi
cargo test --profile test-ci --locked
