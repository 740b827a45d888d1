package importer

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/latent-go/latent/ir"
)

// slowDecode flags inputs that take far longer than the microseconds a
// fuzz input needs (generous: the machine is shared).
const slowDecode = 20 * time.Second

// fuzzOptions keep the fuzzer's memory small: a valid model may still hold
// tensors as large as its own bytes.
var fuzzOptions = Options{MaxTensorBytes: 1 << 24, MaxTotalElements: 1 << 24, MaxNodes: 1 << 14}

// addSeeds adds the hand-made models of the tests and, when installed, the
// small models of ONNX's backend test suite.
func addSeeds(f *testing.F) {
	for _, tc := range upgradeCases {
		f.Add(marshal(f, mkModel(tc.opset, tc.graph)))
	}
	for _, tc := range hostileCases {
		if data := tc.data(f); len(data) < 1<<16 {
			f.Add(data)
		}
	}
	for _, d := range conformanceDirs {
		models, _ := filepath.Glob(filepath.Join(onnxTestData, d, "*", "model.onnx"))
		for _, m := range models {
			if fi, err := os.Stat(m); err == nil && fi.Size() < 1<<14 {
				if data, err := os.ReadFile(m); err == nil {
					f.Add(data)
				}
			}
		}
	}
}

// FuzzDecode checks that Decode never panics and that any graph it returns
// verifies and prints. Run: go test -fuzz=FuzzDecode -fuzztime=2m ./importer
func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		// A watchdog turns a hang into a reported failure with its input.
		var g *ir.Graph
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			g, err = Decode(data, fuzzOptions)
		}()
		select {
		case <-done:
		case <-time.After(slowDecode):
			t.Fatalf("Decode of %d bytes did not finish in %v", len(data), slowDecode)
		}
		if err != nil {
			if g != nil {
				t.Fatal("Decode returned a graph and an error")
			}
			return
		}
		if err := ir.Verify(g); err != nil {
			t.Fatalf("Decode returned a graph that does not verify: %v", err)
		}
		_ = ir.Format(g, 8)
	})
}

// FuzzDecodeTensor checks that DecodeTensor never panics and returns
// well-formed tensors.
func FuzzDecodeTensor(f *testing.F) {
	f.Add(marshal(f, f32Tensor("x", []int64{2, 2}, 1, 2, 3, 4)))
	f.Add(marshal(f, i64Tensor("i", []int64{3}, 1, -2, 3)))
	sets, _ := filepath.Glob(filepath.Join(onnxTestData, "node", "test_*", "test_data_set_0", "*.pb"))
	for i, p := range sets {
		if i%8 != 0 {
			continue
		}
		if data, err := os.ReadFile(p); err == nil && len(data) < 1<<14 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tt, err := DecodeTensor(data, fuzzOptions)
		if err != nil {
			return
		}
		if err := tt.Check(); err != nil {
			t.Fatalf("DecodeTensor returned a malformed tensor: %v", err)
		}
	})
}
