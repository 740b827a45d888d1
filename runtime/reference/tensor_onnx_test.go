package reference

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
)

// The ONNX backend tests (Debian package libonnx-testdata) are the oracle
// for the elementwise, tensor and reduce kernels: the expected outputs of
// node/ come from ONNX's own reference implementation, those of the
// pytorch-* suites from PyTorch.
const onnxTestDir = "/usr/share/libonnx-testdata/data"

var onnxSuites = []string{"node", "pytorch-converted", "pytorch-operator", "simple"}

// tensorFamilyOps are the operators whose kernels live in elementwise.go,
// tensor.go and reduce.go. TestONNXNodeTensorOps runs every backend test
// whose graph uses only these.
var tensorFamilyOps = []string{
	"Add", "Sub", "Mul", "Div", "Neg", "Abs", "Sqrt", "Pow", "Exp", "Log", "Reciprocal",
	"Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Sigmoid", "HardSigmoid", "Tanh", "Softplus", "Clip",
	"Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Concat", "Split", "Slice", "Gather",
	"Shape", "Size", "Constant", "ConstantOfShape", "Identity", "Cast", "Expand", "Where",
	"Equal", "Less", "Greater", "Range", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin",
	"Sum", "Mean", "Max", "Min",
}

// Tolerances of the conformance suite: relative 1e-3, absolute 1e-5.
const (
	nodeRelTol = 1e-3
	nodeAbsTol = 1e-5
)

func TestONNXNodeTensorOps(t *testing.T) {
	if _, err := os.Stat(onnxTestDir); err != nil {
		t.Skipf("ONNX backend tests not installed: %v", err)
	}
	type tally struct{ pass, fail, skip int }
	perOp := map[string]*tally{}
	count := func(ops []string, f func(*tally)) {
		for _, op := range ops {
			if perOp[op] == nil {
				perOp[op] = &tally{}
			}
			f(perOp[op])
		}
	}
	var total tally
	var dirs []string
	for _, suite := range onnxSuites {
		entries, _ := os.ReadDir(filepath.Join(onnxTestDir, suite))
		for _, e := range entries {
			if e.IsDir() && strings.HasPrefix(e.Name(), "test_") {
				dirs = append(dirs, filepath.Join(suite, e.Name()))
			}
		}
	}
	for _, name := range dirs {
		dir := filepath.Join(onnxTestDir, name)
		g, err := importer.Load(filepath.Join(dir, "model.onnx"))
		if err != nil {
			// Models with element types or operators latent does not
			// import are not this test's concern.
			if errors.Is(err, importer.ErrUnsupported) {
				continue
			}
			t.Errorf("%s: load: %v", name, err)
			continue
		}
		ops := graphOps(g)
		if !isSubset(ops, tensorFamilyOps) {
			continue
		}
		skipped := false
		ok := t.Run(name, func(t *testing.T) {
			if skip := runNodeTest(t, dir, g); skip != "" {
				skipped = true
				t.Skip(skip)
			}
		})
		switch {
		case !ok:
			total.fail++
			count(ops, func(c *tally) { c.fail++ })
		case skipped:
			total.skip++
			count(ops, func(c *tally) { c.skip++ })
		default:
			total.pass++
			count(ops, func(c *tally) { c.pass++ })
		}
	}
	names := make([]string, 0, len(perOp))
	for op := range perOp {
		names = append(names, op)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, op := range names {
		c := perOp[op]
		fmt.Fprintf(&b, "  %-16s %3d passed %3d failed %3d skipped\n", op, c.pass, c.fail, c.skip)
	}
	t.Logf("node tests per operator (a test counts for every operator it uses):\n%s%d passed, %d failed, %d skipped", b.String(), total.pass, total.fail, total.skip)
}

// runNodeTest runs every test_data_set_* of the node test in dir on g. It
// returns a reason to skip, or "" after checking the outputs.
func runNodeTest(t *testing.T, dir string, g *ir.Graph) string {
	if err := ir.InferShapes(g); err != nil {
		t.Fatalf("shape inference: %v", err)
	}
	sets, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
	if len(sets) == 0 {
		return "no test data sets"
	}
	for _, set := range sets {
		var inputs []*ir.Tensor
		for i := range g.Inputs {
			x, err := importer.ReadTensor(filepath.Join(set, fmt.Sprintf("input_%d.pb", i)))
			if err != nil {
				if errors.Is(err, importer.ErrUnsupported) {
					return fmt.Sprintf("input %d: %v", i, err)
				}
				t.Fatalf("%s: input %d: %v", filepath.Base(set), i, err)
			}
			inputs = append(inputs, x)
		}
		got, err := Run(context.Background(), g, inputs)
		if err != nil {
			t.Fatalf("%s: run: %v", filepath.Base(set), err)
		}
		for i, v := range g.Outputs {
			want, err := importer.ReadTensor(filepath.Join(set, fmt.Sprintf("output_%d.pb", i)))
			if err != nil {
				if errors.Is(err, importer.ErrUnsupported) {
					return fmt.Sprintf("output %d: %v", i, err)
				}
				t.Fatalf("%s: output %d: %v", filepath.Base(set), i, err)
			}
			if err := sameTensor(got[i], want, nodeRelTol, nodeAbsTol); err != nil {
				t.Errorf("%s: output %q: %v", filepath.Base(set), v.Name, err)
			}
			if err := CheckShape(v.Shape, got[i].Shape, map[string]int{}); err != nil {
				t.Errorf("%s: output %q: inferred %v, computed: %v", filepath.Base(set), v.Name, v.Shape, err)
			}
		}
	}
	return ""
}

// graphOps returns the sorted operator types g uses.
func graphOps(g *ir.Graph) []string {
	var ops []string
	for _, n := range g.Nodes {
		op := n.Op
		if n.Domain != "" && n.Domain != "ai.onnx" {
			op = n.Domain + "." + op
		}
		if !slices.Contains(ops, op) {
			ops = append(ops, op)
		}
	}
	sort.Strings(ops)
	return ops
}

func isSubset(sub, set []string) bool {
	for _, s := range sub {
		if !slices.Contains(set, s) {
			return false
		}
	}
	return true
}

// Every operator of the family has a schema with inference and a kernel.
func TestTensorFamilyRegistered(t *testing.T) {
	for _, op := range tensorFamilyOps {
		s, ok := ir.LookupSchema("", op)
		if !ok || s.Infer == nil {
			t.Errorf("%s: no schema with inference", op)
		}
		if !Supports("", op) {
			t.Errorf("%s: no reference kernel", op)
		}
	}
}
