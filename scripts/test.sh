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
# Lints (Cargo.toml's [lints] and clippy.toml) on every target, sharing the release build.
if ! cargo clippy --version >/dev/null 2>&1 && command -v rustup >/dev/null 2>&1; then
  rustup component add clippy
fi
cargo clippy --release --all-targets --locked -- -D warnings
cargo test --release --locked
