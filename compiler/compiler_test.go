package compiler

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime/reference"
)

// randomInputs makes a tensor for each graph input, binding symbolic dims
// to bind.
func randomInputs(t *testing.T, g *ir.Graph, bind map[string]int, rng *rand.Rand) []*ir.Tensor {
	t.Helper()
	var ins []*ir.Tensor
	for _, v := range g.Inputs {
		dims, ok := v.Shape.Substitute(bind).Ints()
		if !ok {
			t.Fatalf("input %s: shape %v not bound by %v", v.Name, v.Shape, bind)
		}
		x, err := ir.NewTensor(v.DType, dims...)
		if err != nil {
			t.Fatal(err)
		}
		for i := range x.F32 {
			x.F32[i] = float32(rng.NormFloat64())
		}
		ins = append(ins, x)
	}
	return ins
}

// checkSameOutputs runs the original and optimised graphs on the
// reference evaluator and compares them.
func checkSameOutputs(t *testing.T, orig, opt *ir.Graph, bind map[string]int, tol float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	ins := randomInputs(t, orig, bind, rng)
	want, err := reference.Run(context.Background(), orig, ins)
	if err != nil {
		t.Fatalf("reference on original: %v", err)
	}
	got, err := reference.Run(context.Background(), opt, ins)
	if err != nil {
		t.Fatalf("reference on optimised: %v\n%s", err, opt)
	}
	for i := range want {
		if len(got[i].F32) != len(want[i].F32) {
			t.Fatalf("output %d: %d elements, want %d", i, len(got[i].F32), len(want[i].F32))
		}
		for j := range want[i].F32 {
			d := float64(got[i].F32[j] - want[i].F32[j])
			if d < 0 {
				d = -d
			}
			w := float64(want[i].F32[j])
			if w < 0 {
				w = -w
			}
			if d > tol*(1+w) {
				t.Fatalf("output %d element %d: optimised %v, original %v", i, j, got[i].F32[j], want[i].F32[j])
			}
		}
	}
}

func ops(g *ir.Graph) string {
	var s []string
	for _, n := range g.Nodes {
		op := n.Op
		if n.Domain != "" {
			op = n.Domain + "." + op
		}
		if a := n.Attrs.String("activation", ""); a != "" {
			op += "+" + a
		}
		s = append(s, op)
	}
	return strings.Join(s, " ")
}

func TestOptimizePatterns(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want string // op sequence after Optimize
	}{
		{"matmul add relu", `graph g {
  input x: float32[N,3]
  const w: float32[3,2] = {1, -2, 3, 0.5, -1, 2}
  const b: float32[2] = {0.25, -0.5}
  m = MatMul(x, w)
  a = Add(m, b)
  y = Relu(a)
  output y
}`, "latent.FusedGemm+Relu"},
		{"gemm sigmoid with identity and dropout", `graph g {
  input x: float32[N,3]
  const w: float32[2,3] = {1, -2, 3, 0.5, -1, 2}
  const b: float32[2] = {0.25, -0.5}
  i = Identity(x)
  m = Gemm(i, w, b) {transB=1}
  d = Dropout(m)
  y = Sigmoid(d)
  output y
}`, "latent.FusedGemm+Sigmoid"},
		{"conv bn leakyrelu", `graph g {
  input x: float32[N,2,5,5]
  const w: float32[3,2,3,3] = {1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -2, -3, -4, -5, -6, -7, -8, -9, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, -1, 0, 1, -1, 0, 1, -1, 0, 1}
  const b: float32[3] = {0.1, 0.2, 0.3}
  const sc: float32[3] = {1.5, 0.5, 2}
  const sh: float32[3] = {0.1, -0.1, 0}
  const mu: float32[3] = {0.3, 1, -2}
  const va: float32[3] = {1, 4, 0.25}
  c = Conv(x, w, b) {pads=[1, 1, 1, 1], strides=[2, 2]}
  n = BatchNormalization(c, sc, sh, mu, va) {epsilon=0.001}
  y = LeakyRelu(n) {alpha=0.2}
  output y
}`, "latent.FusedConv+LeakyRelu"},
		{"convtranspose bn clip", `graph g {
  input x: float32[N,2,3,3]
  const w: float32[2,2,2,2] = {1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, 0.5, 0.25, -0.5, 1}
  const sc: float32[2] = {1.5, 0.5}
  const sh: float32[2] = {0.1, -0.1}
  const mu: float32[2] = {0.3, 1}
  const va: float32[2] = {1, 4}
  const lo: float32[] = {-1}
  const hi: float32[] = {2}
  c = ConvTranspose(x, w) {strides=[2, 2], output_padding=[1, 1]}
  n = BatchNormalization(c, sc, sh, mu, va)
  y = Clip(n, lo, hi)
  output y
}`, "latent.FusedConvTranspose+Clip"},
		{"gemm bn with alpha beta and transposed A", `graph g {
  input x: float32[3,N]
  const w: float32[3,2] = {1, -2, 3, 0.5, -1, 2}
  const b: float32[1,2] = {0.25, -0.5}
  const sc: float32[2] = {1.5, 0.5}
  const sh: float32[2] = {0.1, -0.1}
  const mu: float32[2] = {0.3, 1}
  const va: float32[2] = {1, 4}
  t = Transpose(x) {perm=[1, 0]}
  m = Gemm(t, w, b) {alpha=0.5, beta=2.0}
  y = BatchNormalization(m, sc, sh, mu, va)
  output y
}`, "Gemm"},
		{"shape chain folds", `graph g {
  input x: float32[4,2,3]
  s = Shape(x)
  const i0: int64[] = {0}
  d0 = Gather(s, i0)
  const ax: int64[1] = {0}
  u = Unsqueeze(d0, ax)
  const m1: int64[1] = {-1}
  sh = Concat(u, m1) {axis=0}
  y = Reshape(x, sh)
  z = Tanh(y)
  output z
}`, "Reshape Tanh"},
		{"conv with separate bias add", `graph g {
  input x: float32[N,1,4,4]
  const w: float32[2,1,2,2] = {1, 2, 3, 4, -1, 0, 1, 0.5}
  const b: float32[1,2,1,1] = {0.5, -0.25}
  c = Conv(x, w)
  a = Add(c, b)
  y = Relu(a)
  output y
}`, "latent.FusedConv+Relu"},
		{"unused maxpool indices dropped", `graph g {
  input x: float32[N,1,4,4]
  y, idx = MaxPool(x) {kernel_shape=[2, 2], strides=[2, 2]}
  output y
}`, "MaxPool"},
		{"activation read twice is not fused", `graph g {
  input x: float32[N,3]
  const w: float32[3,2] = {1, -2, 3, 0.5, -1, 2}
  m = MatMul(x, w)
  r = Relu(m)
  y = Add(m, r)
  output y
}`, "Gemm Relu Add"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := ir.Parse(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if err := ir.Verify(g); err != nil {
				t.Fatal(err)
			}
			opt, err := Optimize(g, Options{Debug: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := ops(opt); got != tc.want {
				t.Errorf("ops after Optimize: %q, want %q\n%s", got, tc.want, opt)
			}
			checkSameOutputs(t, g, opt, map[string]int{"N": 3}, 1e-5)
			if len(opt.Nodes) > 0 && opt.Nodes[len(opt.Nodes)-1].Outputs[0].Name != g.Outputs[0].Name {
				t.Errorf("output renamed: %s", opt.Outputs[0].Name)
			}
			if opt.Outputs[0].Name != g.Outputs[0].Name {
				t.Errorf("graph output name %q, want %q", opt.Outputs[0].Name, g.Outputs[0].Name)
			}
		})
	}
}

func TestOptimizeLeavesInputAlone(t *testing.T) {
	g, err := ir.Parse(`graph g {
  input x: float32[N,3]
  y = Identity(x)
  output y
}`)
	if err != nil {
		t.Fatal(err)
	}
	before := ir.Format(g, 0)
	opt, err := Optimize(g, Options{Debug: true})
	if err != nil {
		t.Fatal(err)
	}
	if ir.Format(g, 0) != before {
		t.Error("Optimize modified its input graph")
	}
	// Identity from a graph input to a graph output must stay (the output
	// needs its own name).
	if ops(opt) != "Identity" {
		t.Errorf("ops %q", ops(opt))
	}
}

func TestOptimizeDump(t *testing.T) {
	g, _ := ir.Parse(`graph g {
  input x: float32[N,3]
  y = Relu(x)
  output y
}`)
	var b strings.Builder
	var timings []PassTiming
	if _, err := Optimize(g, Options{Dump: &b, Timings: &timings}); err != nil {
		t.Fatal(err)
	}
	for _, p := range Passes {
		if !strings.Contains(b.String(), "// after "+p.Name+":") {
			t.Errorf("dump lacks pass %s", p.Name)
		}
	}
	if len(timings) != len(Passes) {
		t.Errorf("%d timings for %d passes", len(timings), len(Passes))
	}
}
