# latent — make targets. The two a new user needs:
#   make demo   train, compile, run and export a model on MNIST
#   make test   the whole test suite (what CI runs)

GO        ?= go
ORT_DIR   ?= $(CURDIR)/.cache/ort
export LATENT_ORT_DIR := $(ORT_DIR)
FUZZTIME  ?= 3000x

.PHONY: all build demo test test-unit test-purego test-arm64 test-tools vet fmt-check \
        conformance fuzz fuzz-long asm-check proto ort models-large bench bench-blas bench-models

all: build

build:
	CGO_ENABLED=0 $(GO) build -o bin/latent ./cmd/latent

demo: build
	./scripts/demo.sh

# test: formatting, vet on amd64 and arm64, the unit tests (with the ONNX
# conformance suite through the reference evaluator and the compiler), the
# pure-Go build, the arm64 kernels under qemu, the ORT tool's own tests,
# the race detector on the concurrent parts, and bounded fuzzing.
# Generated assembly is checked by a Go test in ./asm.
test: fmt-check vet test-unit test-purego test-arm64 test-race test-tools fuzz
	@echo "make test: all green"

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...

test-unit:
	CGO_ENABLED=0 $(GO) test -count=1 ./...

# Concurrent sessions, the GEMM helper pool and asm.ParallelFor under the
# race detector (which needs cgo: gcc).
test-race:
	CGO_ENABLED=1 $(GO) test -race -count=1 -short ./runtime ./compiler
	CGO_ENABLED=1 $(GO) test -race -count=1 -short -run 'ParallelFor|SgemmThreadsDeterministic|SgemmConcurrent|SgemmPackedStream' ./asm

# The pure-Go build: no assembly anywhere.
test-purego:
	CGO_ENABLED=0 $(GO) test -count=1 -tags purego ./asm/... ./runtime/... ./compiler/... ./conformance/...

# The NEON kernels under user-mode emulation.
test-arm64:
	@command -v qemu-aarch64 >/dev/null || { echo "qemu-aarch64 missing: apt-get install qemu-user"; exit 1; }
	GOARCH=arm64 CGO_ENABLED=0 $(GO) test -count=1 -short -exec qemu-aarch64 ./asm/...

test-tools:
	node --test tools/ort/

asm-check:
	$(GO) test -count=1 -run 'Generated' -v ./asm

# The ONNX backend test suite, with a per-operator table; the last line
# reads "N passed, M failed, K skipped".
conformance: build
	./bin/latent conformance

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./importer
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeTensor$$' -fuzztime $(FUZZTIME) ./importer
	$(GO) test -run '^$$' -fuzz '^FuzzSgemm$$' -fuzztime $(FUZZTIME) ./asm
	$(GO) test -run '^$$' -fuzz '^FuzzVec$$' -fuzztime $(FUZZTIME) ./asm
	$(GO) test -run '^$$' -fuzz '^FuzzParseCheckpoint$$' -fuzztime $(FUZZTIME) ./train

# The two-minute importer fuzz run of issue 2.
fuzz-long:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 2m ./importer

# Regenerate importer/onnxpb from Debian's onnx.proto and the operator
# version table from python3-onnx (needs protobuf-compiler, libonnx-dev,
# python3-onnx), and fail if the committed files differ.
proto:
	$(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
	PATH="$$($(GO) env GOPATH)/bin:$$PATH" $(GO) generate ./importer/onnxpb ./importer
	git diff --exit-code -- importer/onnxpb importer/versions_gen.go

# ONNX Runtime (npm onnxruntime-node) into .cache/ort, for the exporter
# tests and the benchmarks.
ort:
	tools/ort/install.sh >/dev/null

# The large deep autoencoder (not committed) for the benchmarks.
models-large:
	/usr/bin/python3 tools/pytorch/export_models.py --out testdata/models --large --only deep_ae

bench:
	$(GO) test -run '^$$' -bench . ./asm/ ./runtime/... ./compiler/...

# latent's SGEMM per tier vs OpenBLAS (1 and 2 threads, each core type) and
# gonum, with the FMA peak -> the SGEMM section of BENCHMARKS.md (cgo,
# Debian libopenblas-dev; about two minutes).
bench-blas:
	@test -e /usr/include/x86_64-linux-gnu/cblas.h -o -e /usr/include/cblas.h || { echo "cblas.h missing: apt-get install libopenblas-dev"; exit 1; }
	cd bench/blas && CGO_ENABLED=1 $(GO) run . -out ../../BENCHMARKS.md

# latent vs ONNX Runtime on the benchmark autoencoders -> the models section
# of BENCHMARKS.md (cgo, node/npm; python3-torch once for deep_ae).
bench-models: ort
	scripts/bench-models.sh
