#!/usr/bin/env bash
# Builds LSTMuse in release mode and starts it, installing the system packages it needs first.
# Arguments are passed on: `scripts/run.sh corpus stats DIR` runs the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_packages pkg-config libasound2-dev
exec cargo run --locked --release -- "$@"
