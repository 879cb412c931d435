#!/usr/bin/env bash
# Builds LSTMuse in release mode and opens the app on its bundled model, installing the
# system packages it needs first. Arguments are passed on: `scripts/run.sh corpus stats DIR`
# runs the CLI instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_packages pkg-config libasound2-dev "${APP_PACKAGES[@]}"
exec cargo run --locked --release -- "$@"
