#!/usr/bin/env bash
# install.sh: install onnxruntime-node (ONNX Runtime's CPU build) into a cache
# directory outside the repository, idempotently, and print the absolute path
# of its libonnxruntime.so.1 on stdout (progress goes to stderr).
#
#   tools/ort/install.sh            # -> /work/.cache/ort/.../libonnxruntime.so.1
#   LATENT_ORT_DIR=/tmp/ort tools/ort/install.sh
#
# Needs node and npm (Debian: nodejs, npm) and access to the npm registry the
# first time. --ignore-scripts skips the package's postinstall, which would try
# to download GPU binaries; the CPU library ships in the tarball.
set -euo pipefail

ORT_VERSION="${LATENT_ORT_VERSION:-1.30.0}"
DIR="${LATENT_ORT_DIR:-/work/.cache/ort}"

die() { echo "install.sh: $*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || die "node not found (apt-get install -y nodejs npm)"
command -v npm >/dev/null 2>&1 || die "npm not found (apt-get install -y npm)"

case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "unsupported machine $(uname -m)" ;;
esac

pkg="$DIR/node_modules/onnxruntime-node"
lib="$pkg/bin/napi-v6/linux/$arch/libonnxruntime.so.1"

installed_version() {
  [ -f "$pkg/package.json" ] || return 0
  node -e 'process.stdout.write(require(process.argv[1]).version)' "$pkg/package.json" 2>/dev/null || true
}

if [ "$(installed_version)" != "$ORT_VERSION" ] || [ ! -f "$lib" ]; then
  mkdir -p "$DIR" || die "cannot create $DIR"
  echo "installing onnxruntime-node@$ORT_VERSION into $DIR" >&2
  # A package.json keeps npm from walking up into some parent project.
  [ -f "$DIR/package.json" ] || echo '{"private": true}' >"$DIR/package.json"
  (cd "$DIR" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
    "onnxruntime-node@$ORT_VERSION" >&2) || die "npm install onnxruntime-node@$ORT_VERSION failed"
  [ -f "$lib" ] || die "installed, but $lib is missing"
fi

# Check that the binding loads (catches a half-finished earlier install).
node -e 'require(require.resolve("onnxruntime-node", {paths: [process.argv[1]]}))' "$DIR/node_modules" \
  || die "onnxruntime-node in $DIR does not load; remove $DIR and run again"

(cd "$(dirname "$lib")" && echo "$(pwd -P)/$(basename "$lib")")
