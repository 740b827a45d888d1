// Package ortbench runs models in ONNX Runtime, through its C API, behind
// the bench.Runner interface, so that latent's benchmarks can time both
// engines side by side in one process.
//
// It needs cgo and libonnxruntime.so.1 (tools/ort/install.sh installs the
// one shipped in the npm package onnxruntime-node and prints its path), which
// is why it lives in its own module: latent's main module stays pure Go.
package ortbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/latent-go/latent/ir"
)

var (
	initMu  sync.Mutex
	initLib string
)

// Init loads libonnxruntime from libPath and creates ONNX Runtime's
// environment, once per process; it returns ONNX Runtime's version. A second
// call with the same path does nothing; with another path it fails.
func Init(libPath string) (version string, err error) {
	initMu.Lock()
	defer initMu.Unlock()
	if initLib != "" {
		if initLib != libPath {
			return "", fmt.Errorf("ONNX Runtime already loaded from %s", initLib)
		}
		return ort.GetVersion(), nil
	}
	if _, err := os.Stat(libPath); err != nil {
		return "", fmt.Errorf("ONNX Runtime library: %w (run tools/ort/install.sh, which prints the path, and pass it with --ort-lib or LATENT_ORT_LIB)", err)
	}
	ort.SetSharedLibraryPath(libPath)
	if err := ort.InitializeEnvironment(); err != nil {
		return "", fmt.Errorf("load ONNX Runtime from %s: %w", libPath, err)
	}
	initLib = libPath
	return ort.GetVersion(), nil
}

// DefaultLibPath returns where tools/ort/install.sh puts libonnxruntime.so.1
// for this machine: under $LATENT_ORT_DIR, or its default /work/.cache/ort.
// $LATENT_ORT_LIB, when set, overrides it.
func DefaultLibPath(goarch string) string {
	if p := os.Getenv("LATENT_ORT_LIB"); p != "" {
		return p
	}
	dir := os.Getenv("LATENT_ORT_DIR")
	if dir == "" {
		dir = "/work/.cache/ort"
	}
	arch := "x64"
	if goarch == "arm64" {
		arch = "arm64"
	}
	return filepath.Join(dir, "node_modules", "onnxruntime-node", "bin", "napi-v6", "linux", arch, "libonnxruntime.so.1")
}

// A Runner runs one ONNX Runtime session on fixed input tensors into fixed
// output tensors (AdvancedSession: no allocation per run on the Go side).
type Runner struct {
	sess    *ort.AdvancedSession
	inputs  []*ort.Tensor[float32]
	outputs []*ort.Tensor[float32]
	shapes  [][]int
}

// Options are the session settings of a Runner.
type Options struct {
	// IntraOpThreads is ONNX Runtime's intra-op thread count (the caller's
	// thread included), like latent's Threads.
	IntraOpThreads int
}

// NewRunner opens modelPath in ONNX Runtime with intra-op threads =
// opts.IntraOpThreads, inter-op threads = 1, sequential execution and every
// graph optimisation (ORT_ENABLE_ALL): ONNX Runtime's fastest CPU settings
// for one request at a time. Inputs are copied into ONNX Runtime tensors;
// outputs are allocated with the given shapes. Init must have been called.
func NewRunner(modelPath string, inputNames []string, inputs []*ir.Tensor, outputNames []string, outputShapes [][]int, opts Options) (*Runner, error) {
	if len(inputNames) != len(inputs) || len(outputNames) != len(outputShapes) {
		return nil, errors.New("ortbench: names and tensors differ in number")
	}
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("session options: %w", err)
	}
	defer so.Destroy()
	threads := max(opts.IntraOpThreads, 1)
	for _, set := range []func() error{
		func() error { return so.SetIntraOpNumThreads(threads) },
		func() error { return so.SetInterOpNumThreads(1) },
		func() error { return so.SetExecutionMode(ort.ExecutionModeSequential) },
		func() error { return so.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll) },
	} {
		if err := set(); err != nil {
			return nil, fmt.Errorf("session options: %w", err)
		}
	}
	r := &Runner{shapes: outputShapes}
	var ins, outs []ort.Value
	for i, t := range inputs {
		if t.DType != ir.Float32 {
			r.Destroy()
			return nil, fmt.Errorf("input %q: element type %v; only float32 is supported", inputNames[i], t.DType)
		}
		x, err := ort.NewTensor(shape(t.Shape), append([]float32(nil), t.F32...))
		if err != nil {
			r.Destroy()
			return nil, fmt.Errorf("input %q: %w", inputNames[i], err)
		}
		r.inputs = append(r.inputs, x)
		ins = append(ins, x)
	}
	for i, s := range outputShapes {
		y, err := ort.NewEmptyTensor[float32](shape(s))
		if err != nil {
			r.Destroy()
			return nil, fmt.Errorf("output %q: %w", outputNames[i], err)
		}
		r.outputs = append(r.outputs, y)
		outs = append(outs, y)
	}
	r.sess, err = ort.NewAdvancedSession(modelPath, inputNames, outputNames, ins, outs, so)
	if err != nil {
		r.Destroy()
		return nil, fmt.Errorf("ONNX Runtime session for %s: %w", modelPath, err)
	}
	return r, nil
}

func shape(s []int) ort.Shape {
	out := make(ort.Shape, len(s))
	for i, d := range s {
		out[i] = int64(d)
	}
	return out
}

// Run executes the model once.
func (r *Runner) Run(ctx context.Context) error { return r.sess.Run() }

// Outputs returns copies of the output tensors the last Run wrote.
func (r *Runner) Outputs() []*ir.Tensor {
	out := make([]*ir.Tensor, len(r.outputs))
	for i, y := range r.outputs {
		out[i] = ir.Float32Tensor(append([]int(nil), r.shapes[i]...), append([]float32(nil), y.GetData()...))
	}
	return out
}

// Destroy releases the session and tensors.
func (r *Runner) Destroy() {
	if r.sess != nil {
		r.sess.Destroy()
		r.sess = nil
	}
	for _, t := range r.inputs {
		t.Destroy()
	}
	for _, t := range r.outputs {
		t.Destroy()
	}
	r.inputs, r.outputs = nil, nil
}
