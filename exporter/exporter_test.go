package exporter

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
)

const onnxTestData = "/usr/share/libonnx-testdata/data"

// text is the IR text of g without the source opset, which an export
// resets to 17, and without trailing omitted inputs and outputs, which an
// export leaves out.
func text(g *ir.Graph) string {
	c := g.Clone()
	c.SourceOpset = 0
	for _, n := range c.Nodes {
		for len(n.Inputs) > 0 && n.Inputs[len(n.Inputs)-1] == nil {
			n.Inputs = n.Inputs[:len(n.Inputs)-1]
		}
		for len(n.Outputs) > 0 && n.Outputs[len(n.Outputs)-1] == nil {
			n.Outputs = n.Outputs[:len(n.Outputs)-1]
		}
	}
	return ir.Format(c, 0)
}

func mustParse(t *testing.T, src string) *ir.Graph {
	t.Helper()
	g, err := ir.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Verify(g); err != nil {
		t.Fatal(err)
	}
	return g
}

// handMade are graphs that exercise the exporter's corners: symbolic and
// unknown dimensions, omitted optional inputs and outputs, every attribute
// kind, constant and pass-through outputs, every element type.
var handMade = map[string]string{
	"dense autoencoder": `graph "dense" {
  doc "784-32-784"
  input x: float32[N,8]
  const w1: float32[8,2] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
  const b1: float32[2] = {0.5, -0.5}
  const w2: float32[2,8] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
  node "enc": h: float32[N,2] = Gemm(x, w1, b1) {alpha=1.0, transB=0}
  node "act": z: float32[N,2] = Relu(h)
  node "dec": r = MatMul(z, w2)
  node "out": y: float32[N,8] = Sigmoid(r)
  output y
  output z
}`,
	"conv with optional outputs": `graph "conv" {
  input x: float32[1,1,4,4]
  const k: float32[1,1,3,3] = {1, 2, 3, 4, 5, 6, 7, 8, 9}
  node "conv": c: float32[1,1,2,2] = Conv(x, k) {kernel_shape=[3, 3], pads=[0, 0, 0, 0], strides=[1, 1]}
  node "pool": p, _ = MaxPool(c) {kernel_shape=[2, 2]}
  const sizes: int64[4] = {1, 1, 2, 2}
  node "resize": u: float32[1,1,2,2] = Resize(p, _, _, sizes) {coordinate_transformation_mode="asymmetric", mode="nearest", nearest_mode="floor"}
  output u
}`,
	"constants of every type as outputs": `graph "consts" {
  input x: float64[?,3]
  const f: float32[] = {1.5}
  const i: int32[2] = {-1, 7}
  const b: bool[3] = {true, false, true}
  const e: int64[0] = {}
  node "id": y: float64[?,3] = Identity(x)
  output y
  output f
  output i
  output b
  output e
  output x
}`,
}

func TestRoundTripHandMade(t *testing.T) {
	for name, src := range handMade {
		t.Run(name, func(t *testing.T) {
			g := mustParse(t, src)
			b, err := Encode(g)
			if err != nil {
				t.Fatal(err)
			}
			back, err := importer.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := text(back), text(g); got != want {
				t.Errorf("round trip changed the graph:\n%s\nwant\n%s", got, want)
			}
			if back.SourceOpset != ir.Opset {
				t.Errorf("exported model has opset %d, want %d", back.SourceOpset, ir.Opset)
			}
		})
	}
}

func TestEncodeMetadata(t *testing.T) {
	m, err := ToModelProto(mustParse(t, handMade["dense autoencoder"]))
	if err != nil {
		t.Fatal(err)
	}
	if m.GetIrVersion() != 8 || m.GetProducerName() != "latent" || len(m.GetOpsetImport()) != 1 ||
		m.GetOpsetImport()[0].GetVersion() != 17 || m.GetOpsetImport()[0].GetDomain() != "" {
		t.Errorf("model header: ir %d producer %q opsets %v", m.GetIrVersion(), m.GetProducerName(), m.GetOpsetImport())
	}
	in := m.GetGraph().GetInput()[0].GetType().GetTensorType().GetShape().GetDim()
	if len(in) != 2 || in[0].GetDimParam() != "N" || in[1].GetDimValue() != 8 {
		t.Errorf("input shape %v, want [N, 8] with N a dim_param", in)
	}
	for _, tp := range m.GetGraph().GetInitializer() {
		if len(tp.GetRawData()) == 0 || len(tp.GetFloatData()) != 0 {
			t.Errorf("initializer %q is not stored as raw_data", tp.GetName())
		}
	}
}

func TestRejectsLatentDomain(t *testing.T) {
	g := mustParse(t, handMade["dense autoencoder"])
	g.Nodes[0].Domain = "latent"
	g.Nodes[0].Op = "FusedGemmRelu"
	_, err := Encode(g)
	if err == nil || !strings.Contains(err.Error(), `latent.FusedGemmRelu "enc"`) || !strings.Contains(err.Error(), "no ONNX form") {
		t.Errorf("got %v, want an error naming the fused node", err)
	}
}

func TestRejectsInvalidGraph(t *testing.T) {
	g := mustParse(t, handMade["dense autoencoder"])
	g.Nodes = g.Nodes[1:] // h is used but never defined
	if _, err := Encode(g); err == nil || !strings.Contains(err.Error(), `"h"`) {
		t.Errorf("got %v, want an error naming the undefined value", err)
	}
	if _, err := Encode(nil); err == nil {
		t.Error("Encode(nil) did not fail")
	}
}

func TestOutputTypeInferred(t *testing.T) {
	g := mustParse(t, `graph "g" {
  input x: float32[2,3]
  node "r": y = Relu(x)
  output y
}`)
	m, err := ToModelProto(g)
	if err != nil {
		t.Fatal(err)
	}
	out := m.GetGraph().GetOutput()[0].GetType().GetTensorType()
	if out.GetElemType() != int32(ir.Float32) {
		t.Errorf("output element type %d, want float32 (inferred)", out.GetElemType())
	}
}

func TestTensorRoundTrip(t *testing.T) {
	for _, tt := range []*ir.Tensor{
		ir.Float32Tensor([]int{2, 2}, []float32{1, -2.5, 3e-38, 4}),
		ir.Float32Tensor(nil, []float32{7}),
		ir.Int64Tensor([]int{3}, []int64{-1 << 62, 0, 1 << 62}),
		ir.BoolTensor([]int{2, 1}, []bool{true, false}),
		{DType: ir.Float64, Shape: []int{1}, F64: []float64{1e300}},
		{DType: ir.Int32, Shape: []int{2}, I32: []int32{-5, 5}},
		{DType: ir.Float32, Shape: []int{0, 3}, F32: []float32{}},
	} {
		b, err := EncodeTensor(tt, "t")
		if err != nil {
			t.Fatal(err)
		}
		name, back, err := importer.DecodeNamedTensor(b)
		if err != nil {
			t.Fatal(err)
		}
		if name != "t" || back.DType != tt.DType || !slices.Equal(back.Shape, tt.Shape) || !equalData(back, tt) {
			t.Errorf("round trip of %s%v gave %q %s%v", tt.DType, tt.Shape, name, back.DType, back.Shape)
		}
	}
	if _, err := EncodeTensor(&ir.Tensor{DType: ir.Float32, Shape: []int{3}, F32: []float32{1}}, "bad"); err == nil {
		t.Error("encoded a tensor whose data does not fill its shape")
	}
}

func equalData(a, b *ir.Tensor) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i := 0; i < a.Len(); i++ {
		if a.Float64At(i) != b.Float64At(i) {
			return false
		}
	}
	return true
}

func TestSaveAtomic(t *testing.T) {
	dir := t.TempDir()
	g := mustParse(t, handMade["dense autoencoder"])
	path := filepath.Join(dir, "m.onnx")
	for i := 0; i < 2; i++ { // the second Save replaces the first
		if err := Save(g, path); err != nil {
			t.Fatal(err)
		}
	}
	back, err := importer.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if text(back) != text(g) {
		t.Error("saved model differs")
	}
	if err := WriteTensor(ir.Float32Tensor([]int{1}, []float32{2}), "y", filepath.Join(dir, "output_0.pb")); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only m.onnx and output_0.pb (no temporary files)", names)
	}
	if err := Save(g, filepath.Join(dir, "missing", "m.onnx")); err == nil {
		t.Error("Save into a missing directory did not fail")
	}
	g.Nodes[0].Domain = "latent"
	if err := Save(g, path); err == nil {
		t.Error("Save of an invalid graph did not fail")
	}
	if back, err := importer.Load(path); err != nil || text(back) == "" {
		t.Errorf("a failed Save damaged the existing file: %v", err)
	}
}

// conformanceGraphs imports every model of ONNX's test suite that latent
// supports.
func conformanceGraphs(t *testing.T) map[string]*ir.Graph {
	t.Helper()
	if _, err := os.Stat(filepath.Join(onnxTestData, "node")); err != nil {
		t.Skipf("ONNX backend test data not installed (apt-get install libonnx-testdata): %v", err)
	}
	out := map[string]*ir.Graph{}
	for _, d := range []string{"node", "simple", "pytorch-converted", "pytorch-operator"} {
		models, _ := filepath.Glob(filepath.Join(onnxTestData, d, "*", "model.onnx"))
		for _, m := range models {
			g, err := importer.Load(m)
			if err != nil {
				if !errors.Is(err, importer.ErrUnsupported) {
					t.Errorf("%s: %v", m, err)
				}
				continue
			}
			out[d+"/"+filepath.Base(filepath.Dir(m))] = g
		}
	}
	return out
}

// TestRoundTripConformance exports every importable model of ONNX's test
// suite and imports it again: the graph must come back unchanged.
func TestRoundTripConformance(t *testing.T) {
	graphs := conformanceGraphs(t)
	for name, g := range graphs {
		b, err := Encode(g)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		back, err := importer.Decode(b)
		if err != nil {
			t.Errorf("%s: re-import: %v", name, err)
			continue
		}
		if got, want := text(back), text(g); got != want {
			t.Errorf("%s: round trip changed the graph:\n%s\nwant\n%s", name, got, want)
		}
	}
	t.Logf("%d models round-tripped", len(graphs))
}

// python returns Debian's python3 if it can import onnx.
func python(t *testing.T) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import onnx").Run(); err != nil {
		t.Skipf("%s with the onnx module is not available (apt-get install python3-onnx): %v", py, err)
	}
	return py
}

// checkerScript runs onnx.checker.check_model(full_check=True) on every
// file named on the command line and prints one line per failure.
const checkerScript = `
import sys, onnx
bad = 0
for p in sys.argv[1:]:
    try:
        onnx.checker.check_model(onnx.load(p), full_check=True)
    except Exception as e:
        bad += 1
        print(p + ": " + str(e).replace("\n", " "))
sys.exit(1 if bad else 0)
`

// TestONNXChecker runs ONNX's own model checker, with full shape
// inference, on the hand-made graphs and on every re-exported model of the
// test suite.
func TestONNXChecker(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	var files []string
	save := func(name string, g *ir.Graph) {
		p := filepath.Join(dir, strings.ReplaceAll(name, "/", "_")+".onnx")
		if err := Save(g, p); err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		files = append(files, p)
	}
	for name, src := range handMade {
		save(name, mustParse(t, src))
	}
	if _, err := os.Stat(filepath.Join(onnxTestData, "node")); err == nil {
		for name, g := range conformanceGraphs(t) {
			save(name, g)
		}
	}
	out, err := exec.Command(py, append([]string{"-c", checkerScript}, files...)...).CombinedOutput()
	if err != nil {
		t.Errorf("onnx.checker rejected exported models: %v\n%s", err, out)
	}
	t.Logf("onnx.checker (full_check) accepted %d of %d exported models", len(files)-strings.Count(string(out), "\n"), len(files))
}
