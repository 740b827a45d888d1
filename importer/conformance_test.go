package importer

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/latent-go/latent/ir"
)

// onnxTestData is where Debian's libonnx-testdata installs ONNX's backend
// test suite.
const onnxTestData = "/usr/share/libonnx-testdata/data"

var conformanceDirs = []string{"node", "simple", "pytorch-converted", "pytorch-operator"}

func conformanceModels(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(onnxTestData, "node")); err != nil {
		t.Skipf("ONNX backend test data not installed (apt-get install libonnx-testdata): %v", err)
	}
	var models []string
	for _, d := range conformanceDirs {
		m, err := filepath.Glob(filepath.Join(onnxTestData, d, "*", "model.onnx"))
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, m...)
	}
	if len(models) == 0 {
		t.Fatalf("no models under %s", onnxTestData)
	}
	return models
}

// TestConformanceModels imports every model of ONNX's backend test suite:
// each must import and verify, or fail with an error that wraps
// ErrUnsupported. The test data of every imported model must decode.
func TestConformanceModels(t *testing.T) {
	models := conformanceModels(t)
	imported, unsupported := 0, 0
	reasons := map[string]int{}
	tensors := 0
	for _, path := range models {
		test := filepath.Base(filepath.Dir(path))
		g, err := Load(path)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) {
				t.Errorf("%s: %v", test, err)
				continue
			}
			unsupported++
			var ue *UnsupportedError
			if errors.As(err, &ue) {
				for _, n := range ue.Nodes {
					reasons[n.Op]++
				}
			} else {
				reasons["(types)"]++
			}
			continue
		}
		imported++
		if len(g.Outputs) == 0 {
			t.Errorf("%s: imported graph has no outputs", test)
		}
		sets, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "test_data_set_*"))
		for _, set := range sets {
			files, _ := filepath.Glob(filepath.Join(set, "*.pb"))
			for _, f := range files {
				name, tt, err := ReadNamedTensor(f)
				if err != nil {
					t.Errorf("%s: %v", test, err)
					continue
				}
				tensors++
				if err := tt.Check(); err != nil {
					t.Errorf("%s: %s: %v", test, f, err)
				}
				// Inputs and outputs name a graph input or output.
				if base := filepath.Base(f); name != "" && strings.HasPrefix(base, "input_") && !hasInputNamed(g.Inputs, name) {
					t.Logf("%s: %s names %q, not a graph input", test, base, name)
				}
			}
		}
	}
	// The test data of the other models: every file decodes, or fails
	// as unsupported, or (sequence and optional values, which are not
	// TensorProtos) belongs to a model that did not import.
	other, otherUnsupported := 0, 0
	for _, path := range models {
		if _, err := Load(path); err == nil {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "test_data_set_*", "*.pb"))
		for _, f := range files {
			switch _, err := ReadTensor(f); {
			case err == nil:
				other++
			case errors.Is(err, ErrUnsupported):
				otherUnsupported++
			default:
				t.Logf("%s: %v", f, err)
			}
		}
	}
	t.Logf("test data of the other models: %d tensors decoded, %d of unsupported element types", other, otherUnsupported)
	var ops []string
	for op := range reasons {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	t.Logf("%d models: %d imported, %d unsupported; %d test tensors decoded", len(models), imported, unsupported, tensors)
	if testing.Verbose() {
		for _, op := range ops {
			t.Logf("  unsupported %-28s %d", op, reasons[op])
		}
	}
	if imported == 0 {
		t.Error("no model imported")
	}
}

func hasInputNamed(vs []*ir.Value, name string) bool {
	for _, v := range vs {
		if v.Name == name {
			return true
		}
	}
	return false
}
