#!/bin/sh
# Regenerates onnx.pb.go from Debian's /usr/include/onnx/onnx.proto
# (package libonnx-dev) with protoc (protobuf-compiler) and protoc-gen-go
# v1.36.12. Run through `go generate ./importer/onnxpb`.
#
# The protobuf package is renamed from "onnx" to "latent.onnx", and the
# file registered as "latent/onnx.proto", so that latent can be linked into
# one binary with other Go ONNX bindings (onnx-go registers "onnx.*"
# messages too; two registrations of one name panic at start-up). The wire
# format does not depend on these names.
set -eu
src=${ONNX_PROTO:-/usr/include/onnx/onnx.proto}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/latent"
sed 's/^package onnx;$/package latent.onnx;/' "$src" > "$tmp/latent/onnx.proto"
grep -q '^package latent.onnx;$' "$tmp/latent/onnx.proto"
protoc -I"$tmp" --go_out=. \
	--go_opt=module=github.com/latent-go/latent/importer/onnxpb \
	--go_opt=Mlatent/onnx.proto=github.com/latent-go/latent/importer/onnxpb \
	latent/onnx.proto
