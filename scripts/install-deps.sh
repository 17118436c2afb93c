#!/bin/sh
# Installs every Debian package the build, the tests and the benchmarks need.
# Run as root or with sudo available. Idempotent. (nodejs: the V8 columns of
# make bench and the V8 leg of the differential tests; llvm-14-dev: the
# engine's LLVM optimising tier, docs/architecture.md.)
set -eu

PKGS="build-essential clang lld meson ninja-build pkg-config wabt zstd python3
libzstd-dev libjansson-dev libsodium-dev libxxhash-dev libsecp256k1-dev
libseccomp-dev libclang-rt-14-dev llvm-14-dev nodejs"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
