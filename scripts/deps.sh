#!/usr/bin/env bash
# Sourced by run.sh and test.sh: installs missing Debian/Ubuntu packages, with sudo when not root.

ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "lstmuse: please install these packages with your package manager: ${missing[*]}" >&2
    return 0
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  echo "lstmuse: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# One shared build folder outside the clone, so later runs build incrementally.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lstmuse/target}"

# What the desktop app needs at run time on Linux: X11/Wayland client libraries, and Vulkan
# (Mesa's lavapipe works without a GPU) or OpenGL/EGL for rendering.
APP_PACKAGES=(libx11-6 libx11-xcb1 libxcursor1 libxi6 libxrandr2 libxkbcommon-x11-0
  libwayland-client0 libvulkan1 mesa-vulkan-drivers libegl1 libgl1 libgl1-mesa-dri)

# wgpu warns without a runtime folder (e.g. in containers); give it a private one.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  XDG_RUNTIME_DIR="$(mktemp -d -t lstmuse-xdg.XXXXXX)"
  chmod 700 "$XDG_RUNTIME_DIR"
  export XDG_RUNTIME_DIR
fi
