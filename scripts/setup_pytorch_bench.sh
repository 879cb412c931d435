#!/usr/bin/env bash
# Makes the Python venv that `lstmuse bench train --pytorch` uses: PyTorch from PyPI, run on
# the CPU. Usage: scripts/setup_pytorch_bench.sh [VENV]   (default: ~/.cache/lstmuse/torch-venv)
#
# PyPI has no CPU-only torch wheel for Linux x86_64. The script first tries the wheel
# without its dependencies (plus the small pure-Python ones); where the wheel's libtorch
# links the CUDA runtime at import (Linux x86_64), it then installs the full dependency set
# (several GB of nvidia-* wheels that the CPU benchmark loads but never uses).
set -euo pipefail
venv="${1:-${LSTMUSE_TORCH_VENV:-$HOME/.cache/lstmuse/torch-venv}}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
works() {
  "$venv/bin/python" -c 'import torch; torch.randn(2).sum()' >/dev/null 2>&1
}
if ! works; then
  "${pip[@]}" --upgrade pip
  "${pip[@]}" --no-deps torch
  "${pip[@]}" filelock typing-extensions sympy networkx jinja2 fsspec numpy
fi
if ! works; then
  echo "torch without its dependencies cannot import here; installing them (CUDA runtime wheels, several GB)" >&2
  "${pip[@]}" torch
fi
"$venv/bin/python" - <<'PY'
import torch
x = torch.randn(2)
print(f"torch {torch.__version__} works on the CPU: randn(2).sum() = {float(x.sum()):.3f}")
PY
du -sh "$venv" | awk '{print "venv size " $1}'
echo "venv ready: $venv"
