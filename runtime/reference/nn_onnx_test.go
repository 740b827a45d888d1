package reference_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/importer/onnxpb"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime/reference"
	"google.golang.org/protobuf/proto"
)

// onnxTestData is where Debian's libonnx-testdata installs ONNX's backend
// test suite.
const onnxTestData = "/usr/share/libonnx-testdata/data"

// nnOps are the operators whose conformance tests this file runs.
var nnOps = []string{
	"Gemm", "MatMul", "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool",
	"GlobalMaxPool", "MaxUnpool", "Resize", "BatchNormalization", "Dropout", "Softmax",
	"LogSoftmax", "Pad",
}

// nnRandomTests have expected outputs drawn from a random generator
// (training-mode Dropout with a non-zero ratio); no implementation can
// reproduce them, and the reference evaluator refuses training-mode
// dropout.
var nnRandomTests = map[string]bool{
	"test_training_dropout":              true,
	"test_training_dropout_default":      true,
	"test_training_dropout_default_mask": true,
	"test_training_dropout_mask":         true,
}

// TestONNXNodeTests runs ONNX's backend tests (node, pytorch-converted,
// pytorch-operator, simple) whose models use at least one of nnOps, import
// them with importer.Load, evaluate every test_data_set and compare with
// the expected outputs (|got-want| <= 1e-5 + 1e-3*|want|, the tolerance
// the conformance runner uses). Models the importer reports as
// unsupported (uint8 tensors, say) are skipped and counted; a model whose
// other operators the evaluator lacks is skipped too. Every other test must
// pass.
func TestONNXNodeTests(t *testing.T) {
	if _, err := os.Stat(onnxTestData); err != nil {
		t.Skipf("ONNX backend test data not installed (%v); apt-get install libonnx-testdata", err)
	}
	type tally struct{ pass, fail, skip int }
	perOp := map[string]*tally{}
	for _, op := range nnOps {
		perOp[op] = &tally{}
	}
	var dirs []string
	for _, suite := range []string{"node", "pytorch-converted", "pytorch-operator", "simple"} {
		d, _ := filepath.Glob(filepath.Join(onnxTestData, suite, "test_*"))
		dirs = append(dirs, d...)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		g, loadErr, ops := nnModelOps(filepath.Join(dir, "model.onnx"))
		if len(ops) == 0 {
			continue // not one of ours
		}
		name := filepath.Base(filepath.Dir(dir)) + "/" + filepath.Base(dir)
		count := func(f func(*tally)) {
			for _, op := range ops {
				f(perOp[op])
			}
		}
		t.Run(name, func(t *testing.T) {
			if nnRandomTests[filepath.Base(dir)] {
				count(func(c *tally) { c.skip++ })
				t.Skip("expected outputs are random (training-mode dropout)")
			}
			if errors.Is(loadErr, importer.ErrUnsupported) {
				count(func(c *tally) { c.skip++ })
				t.Skipf("unsupported by the importer: %v", loadErr)
			}
			if loadErr != nil {
				count(func(c *tally) { c.fail++ })
				t.Fatalf("load: %v", loadErr)
			}
			for _, n := range g.Nodes {
				if !reference.Supports(n.Domain, n.Op) {
					count(func(c *tally) { c.skip++ })
					t.Skipf("the reference evaluator has no kernel for %s", n.Op)
				}
			}
			if err := nnRunTestSets(g, dir); err != nil {
				count(func(c *tally) { c.fail++ })
				t.Fatal(err)
			}
			count(func(c *tally) { c.pass++ })
		})
	}
	var lines []string
	total := tally{}
	for _, op := range nnOps {
		c := perOp[op]
		lines = append(lines, fmt.Sprintf("%-20s %3d passed %3d failed %3d skipped", op, c.pass, c.fail, c.skip))
		total.pass, total.fail, total.skip = total.pass+c.pass, total.fail+c.fail, total.skip+c.skip
	}
	t.Logf("ONNX backend tests per operator (a test counts once for each of these operators it uses):\n%s", strings.Join(lines, "\n"))
}

// nnModelOps returns which of nnOps the model uses: the imported graph's
// operators (so that Upsample counts as Resize), or, for a model the
// importer rejects, the raw op types of the file (so that it still counts
// as skipped for its operators).
func nnModelOps(path string) (*ir.Graph, error, []string) {
	g, err := importer.Load(path)
	var types []string
	if err == nil {
		for _, n := range g.Nodes {
			types = append(types, n.Op)
		}
	} else {
		b, rerr := os.ReadFile(path)
		var m onnxpb.ModelProto
		if rerr != nil || proto.Unmarshal(b, &m) != nil {
			return nil, err, nil
		}
		for _, n := range m.GetGraph().GetNode() {
			op := n.GetOpType()
			if op == "Upsample" {
				op = "Resize"
			}
			types = append(types, op)
		}
	}
	var ops []string
	for _, op := range types {
		if slices.Contains(nnOps, op) && !slices.Contains(ops, op) {
			ops = append(ops, op)
		}
	}
	return g, err, ops
}

// nnRunTestSets evaluates g on every test_data_set of dir and compares.
func nnRunTestSets(g *ir.Graph, dir string) error {
	sets, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
	if len(sets) == 0 {
		return fmt.Errorf("no test data sets in %s", dir)
	}
	for _, set := range sets {
		feeds := make([]*ir.Tensor, len(g.Inputs))
		files, _ := filepath.Glob(filepath.Join(set, "input_*.pb"))
		if len(files) != len(g.Inputs) {
			return fmt.Errorf("%s: %d input files for %d graph inputs", filepath.Base(set), len(files), len(g.Inputs))
		}
		for i := range g.Inputs {
			name, x, err := importer.ReadNamedTensor(filepath.Join(set, fmt.Sprintf("input_%d.pb", i)))
			if err != nil {
				return err
			}
			pos := i
			for j, v := range g.Inputs {
				if name != "" && v.Name == name {
					pos = j
				}
			}
			feeds[pos] = x
		}
		outs, err := reference.Run(context.Background(), g, feeds)
		if err != nil {
			return fmt.Errorf("%s: run: %w", filepath.Base(set), err)
		}
		for i, o := range outs {
			want, err := importer.ReadTensor(filepath.Join(set, fmt.Sprintf("output_%d.pb", i)))
			if err != nil {
				return err
			}
			if err := nnCompare(o, want); err != nil {
				return fmt.Errorf("%s: output %d (%s): %w", filepath.Base(set), i, g.Outputs[i].Name, err)
			}
		}
	}
	return nil
}

// nnCompare checks got against want: same element type and shape, and
// every element within abs 1e-5 + rel 1e-3 (NaN matches NaN).
func nnCompare(got, want *ir.Tensor) error {
	if got.DType != want.DType {
		return fmt.Errorf("element type %s, want %s", got.DType, want.DType)
	}
	if !slices.Equal(got.Shape, want.Shape) {
		return fmt.Errorf("shape %v, want %v", got.Shape, want.Shape)
	}
	bad, first := 0, ""
	for i := 0; i < want.Len(); i++ {
		g, w := got.Float64At(i), want.Float64At(i)
		if math.IsNaN(g) && math.IsNaN(w) || g == w {
			continue
		}
		if !(math.Abs(g-w) <= 1e-5+1e-3*math.Abs(w)) {
			if bad == 0 {
				first = fmt.Sprintf("element %d is %v, want %v", i, g, w)
			}
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d elements differ; first: %s", bad, want.Len(), first)
	}
	return nil
}
