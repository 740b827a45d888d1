package ir

import (
	"math"
	"strings"
	"testing"
)

// Test-only operators in their own domain, so that these tests do not
// depend on the standard operator schemas.
func init() {
	Register(&Schema{Op: "Unary", Domain: "test", MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
		Attrs: map[string]AttrSpec{
			"alpha": {Kind: AttrFloat}, "axes": {Kind: AttrInts}, "mode": {Kind: AttrString},
			"n": {Kind: AttrInt}, "fs": {Kind: AttrFloats}, "ss": {Kind: AttrStrings}, "t": {Kind: AttrTensor},
		},
		Infer: func(n *Node) error {
			in := n.Inputs[0]
			n.Outputs[0].DType, n.Outputs[0].Shape = in.DType, in.Shape.Clone()
			return nil
		},
		Elementwise: true,
	})
	Register(&Schema{Op: "Add", Domain: "test", MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
		Infer: func(n *Node) error {
			s, err := BroadcastShapes(n.Inputs[0].Shape, n.Inputs[1].Shape)
			if err != nil {
				return err
			}
			n.Outputs[0].DType, n.Outputs[0].Shape = n.Inputs[0].DType, s
			return nil
		},
	})
	Register(&Schema{Op: "Split2", Domain: "test", MinInputs: 1, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 2,
		Attrs: map[string]AttrSpec{"req": {Kind: AttrInt, Required: true}},
		Infer: func(n *Node) error {
			for _, o := range n.Outputs {
				if o != nil {
					o.DType = n.Inputs[0].DType
				}
			}
			return nil
		},
	})
}

const sample = `graph "tiny" opset 17 {
  doc "a \"quoted\" doc"
  source_opset 9
  input x: float32[N,4]
  input "odd name/1": float32[N,?]
  const w: float32[4] = {1, -2.5, NaN, +Inf}
  const k: int64[2] = {3, -4}
  const flags: bool[2,1] = {true, false}
  node "first": y: float32[N,4] = test.Add(x, w)
  z = test.Unary(y) {alpha=0.5, axes=[1, -1], fs=[1.0, 2.5], mode="edge", n=3, ss=["a", "b"], t=int64[2]{7, 8}}
  e = test.Unary(k) {axes=ints[], fs=floats[]}
  a, _ = test.Split2(z, _) {req=1}
  b = test.Unary(flags)
  output a
  output e
  output b
  output "odd name/1"
}
`

func TestParsePrintRoundTrip(t *testing.T) {
	g, err := Parse(sample)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(g); err != nil {
		t.Fatal(err)
	}
	if g.Name != "tiny" || g.SourceOpset != 9 || g.Doc != `a "quoted" doc` {
		t.Errorf("header: name %q opset %d doc %q", g.Name, g.SourceOpset, g.Doc)
	}
	if got := g.Inputs[0].Shape.String(); got != "[N,4]" {
		t.Errorf("input shape %s", got)
	}
	w := g.Nodes[0].Inputs[1].Const
	if w.F32[0] != 1 || w.F32[1] != -2.5 || !math.IsNaN(float64(w.F32[2])) || !math.IsInf(float64(w.F32[3]), 1) {
		t.Errorf("w = %v", w.F32)
	}
	z := g.Nodes[1]
	if z.Attrs.Float("alpha", 0) != 0.5 || z.Attrs.Int("n", 0) != 3 || z.Attrs.String("mode", "") != "edge" {
		t.Errorf("attrs %v", z.Attrs)
	}
	if tt := z.Attrs.Tensor("t"); tt == nil || tt.I64[1] != 8 {
		t.Errorf("tensor attr %v", tt)
	}
	if e := g.Nodes[2].Attrs; e["axes"].Kind != AttrInts || e["fs"].Kind != AttrFloats {
		t.Errorf("empty lists lost their kinds: %v", e)
	}
	var b strings.Builder
	if err := Print(&b, g); err != nil {
		t.Fatal(err)
	}
	g2, err := Parse(b.String())
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, b.String())
	}
	var b2 strings.Builder
	_ = Print(&b2, g2)
	if b.String() != b2.String() {
		t.Errorf("print/parse/print not stable:\n%s\n---\n%s", b.String(), b2.String())
	}
}

func TestParseSortsNodes(t *testing.T) {
	g, err := Parse(`graph "g" {
  input x: float32[2]
  z = test.Unary(y)
  y = test.Unary(x)
  output z
}`)
	if err != nil {
		t.Fatal(err)
	}
	if g.Nodes[0].Outputs[0].Name != "y" {
		t.Errorf("nodes not sorted: first defines %s", g.Nodes[0].Outputs[0].Name)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"elided", `graph g { const w: float32[40] = {...40 values} }`, "elided"},
		{"too few", `graph g { const w: float32[3] = {1, 2} }`, "2 elements given"},
		{"too many", `graph g { const w: float32[1] = {1, 2} }`, "more than 1"},
		{"cycle", "graph g {\n a = test.Unary(b)\n b = test.Unary(a)\n output a\n}", "cycle"},
		{"undefined", "graph g {\n a = test.Unary(b)\n output a\n}", `input "b" is not`},
		{"bad dtype", `graph g { input x: float33[1] }`, "float33"},
		{"unterminated", `graph g { input x: float32[1]`, "missing"},
		{"opset", `graph g opset 12 { }`, "opset 12"},
		{"dup input", "graph g {\n input x: float32[1]\n input x: float32[1]\n}", "declared twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	base := func() *Graph {
		g, err := Parse(`graph g {
  input x: float32[2]
  const c: float32[2] = {1, 2}
  y = test.Add(x, c)
  z = test.Unary(y) {alpha=1.0}
  output z
}`)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	if err := Verify(base()); err != nil {
		t.Fatalf("base graph: %v", err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(g *Graph)
		want   string
	}{
		{"unknown op", func(g *Graph) { g.Nodes[1].Op = "Nope" }, "unknown operator"},
		{"too many inputs", func(g *Graph) { g.Nodes[1].Inputs = append(g.Nodes[1].Inputs, g.Inputs[0]) }, "has 2 inputs"},
		{"missing required input", func(g *Graph) { g.Nodes[0].Inputs[1] = nil }, "required input 1"},
		{"unknown attr", func(g *Graph) { g.Nodes[1].Attrs["beta"] = IntAttr(1) }, `unknown attribute "beta"`},
		{"attr kind", func(g *Graph) { g.Nodes[1].Attrs["alpha"] = IntAttr(1) }, `"alpha" is int, want float`},
		{"required attr", func(g *Graph) {
			g.Nodes[1].Op = "Split2"
			g.Nodes[1].Attrs = nil
		}, `required attribute "req"`},
		{"order", func(g *Graph) { g.Nodes[0], g.Nodes[1] = g.Nodes[1], g.Nodes[0] }, "not defined before use"},
		{"dup name", func(g *Graph) { g.Nodes[1].Outputs[0].Name = "y" }, `name "y" is used by two`},
		{"no outputs", func(g *Graph) { g.Outputs = nil }, "no outputs"},
		{"undefined output", func(g *Graph) { g.Outputs[0] = &Value{Name: "q", DType: Float32} }, `"q" is never defined`},
		{"bad const", func(g *Graph) { g.Nodes[0].Inputs[1].Const.F32 = []float32{1} }, "needs 2 elements"},
		{"const type", func(g *Graph) { g.Nodes[0].Inputs[1].DType = Int64 }, "value type int64"},
		{"redefine input", func(g *Graph) { g.Nodes[1].Outputs[0] = g.Inputs[0]; g.Outputs[0] = g.Inputs[0] }, "already defined"},
		{"input unsupported", func(g *Graph) { g.Inputs[0].DType = String }, "unsupported element type"},
		{"empty name", func(g *Graph) { g.Inputs[0].Name = "" }, "no name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := base()
			tc.mutate(g)
			err := Verify(g)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestBroadcastShapes(t *testing.T) {
	for _, tc := range []struct {
		a, b Shape
		want string
		err  bool
	}{
		{StaticShape(2, 3), StaticShape(3), "[2,3]", false},
		{StaticShape(2, 1), StaticShape(1, 5), "[2,5]", false},
		{Shape{Sym("N"), D(4)}, StaticShape(1, 4), "[N,4]", false},
		{Shape{Sym("N"), D(4)}, Shape{Sym("N"), D(1)}, "[N,4]", false},
		{Shape{Sym("N")}, Shape{Sym("M")}, "[?]", false},
		{StaticShape(2, 3), StaticShape(4, 3), "", true},
		{Shape{}, StaticShape(7), "[7]", false},
	} {
		got, err := BroadcastShapes(tc.a, tc.b)
		if (err != nil) != tc.err {
			t.Errorf("%v,%v: err %v", tc.a, tc.b, err)
			continue
		}
		if err == nil && got.String() != tc.want {
			t.Errorf("%v,%v: got %v want %s", tc.a, tc.b, got, tc.want)
		}
	}
	if _, err := BroadcastInts([]int{2, 3}, []int{3, 3}); err == nil {
		t.Error("BroadcastInts accepted [2,3] with [3,3]")
	}
	if got, _ := BroadcastInts([]int{5, 1, 3}, []int{4, 1}); len(got) != 3 || got[1] != 4 {
		t.Errorf("BroadcastInts = %v", got)
	}
}

func TestInferShapesMerges(t *testing.T) {
	g, err := Parse(`graph g {
  input x: float32[N,4]
  const c: float32[4] = {1, 2, 3, 4}
  y: float32[8,?] = test.Add(x, c)
  output y
}`)
	if err != nil {
		t.Fatal(err)
	}
	if err := InferShapes(g); err != nil {
		t.Fatal(err)
	}
	if got := g.Outputs[0].Shape.String(); got != "[8,4]" {
		t.Errorf("merged shape %s, want [8,4]", got)
	}
	g.Outputs[0].Shape = StaticShape(8, 5)
	if err := InferShapes(g); err == nil || !strings.Contains(err.Error(), "disagrees") {
		t.Errorf("conflicting declaration: %v", err)
	}
	g.Outputs[0].Shape = nil
	g.Outputs[0].DType = Int64
	if err := InferShapes(g); err == nil || !strings.Contains(err.Error(), "declared int64") {
		t.Errorf("conflicting type: %v", err)
	}
}

func TestCloneIsDeep(t *testing.T) {
	g, err := Parse(sample)
	if err != nil {
		t.Fatal(err)
	}
	c := g.Clone()
	if err := Verify(c); err != nil {
		t.Fatal(err)
	}
	c.Nodes[0].Inputs[1].Const.F32[0] = 42
	c.Nodes[1].Attrs["axes"].Ints[0] = 9
	if g.Nodes[0].Inputs[1].Const.F32[0] != 1 || g.Nodes[1].Attrs["axes"].Ints[0] != 1 {
		t.Error("Clone shares data with the original")
	}
	if g.String() == "" || !strings.Contains(g.String(), "test.Unary") {
		t.Error("String is empty")
	}
}

func TestTensor(t *testing.T) {
	if _, err := NewTensor(String, 2); err == nil {
		t.Error("NewTensor accepted string")
	}
	if _, err := NewTensor(Float32, 2, -1); err == nil {
		t.Error("NewTensor accepted a negative dim")
	}
	if NumElements([]int{math.MaxInt / 2, 3}) != -1 {
		t.Error("NumElements did not catch overflow")
	}
	x, _ := NewTensor(Int32, 2, 2)
	x.SetFloat64(3, 7)
	if x.Int64At(3) != 7 || x.Float64At(3) != 7 || x.Int64s()[3] != 7 || x.Bytes() != 16 {
		t.Errorf("int32 tensor accessors: %v", x.I32)
	}
	if err := (&Tensor{DType: Float32, Shape: []int{2}, F32: []float32{1}}).Check(); err == nil {
		t.Error("Check accepted a short tensor")
	}
}
