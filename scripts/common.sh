# Shared by scripts/demo, scripts/test and scripts/bench: installs what is
# missing (Debian packages only), then configures and builds.

set -euo pipefail

TROUPE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything the build, the tests and the tools need, from Debian bookworm.
TROUPE_PACKAGES=(
  cmake ninja-build g++ pkg-config
  libcaf-dev libfmt-dev doctest-dev libcli11-dev nlohmann-json3-dev
  libmsgpack-cxx-dev libtomlplusplus-dev libcpp-httplib-dev libssl-dev
  libbenchmark-dev clang clang-format libclang-rt-14-dev
  # the monitor's status page is tested in a headless browser
  chromium
  openssl iproute2
)

# Installs missing packages: with apt-get when root, otherwise prints the
# exact command and exits with status 2.
ensure_packages() {
  local missing=()
  local pkg
  for pkg in "${TROUPE_PACKAGES[@]}" "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null \
        | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "troupe: missing Debian packages; install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 2
  fi
  echo "troupe: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# configure_and_build BUILD_DIR [CMAKE_ARGS...]
configure_and_build() {
  local build_dir=$1
  shift
  cmake -S "$TROUPE_ROOT" -B "$build_dir" -G Ninja "$@" >/dev/null
  cmake --build "$build_dir" -j "$(nproc)"
}
