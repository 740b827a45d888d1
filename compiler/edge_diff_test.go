package compiler_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/latent-go/latent/compiler"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/runtime"
	"github.com/latent-go/latent/runtime/reference"
)

// planRunsOrRejects checks the contract for graphs at the edge of what
// the compiled path supports: either compiling or planning fails with an
// error, or the plan runs and matches the reference evaluator. A plan
// that is built but always fails at run time breaks it.
func planRunsOrRejects(t *testing.T, src string, batch int) {
	t.Helper()
	g, err := ir.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Verify(g); err != nil {
		t.Fatal(err)
	}
	m, err := compiler.Compile(g, compiler.Options{Debug: true})
	if err != nil {
		t.Logf("rejected at compile time: %v", err)
		return
	}
	s := runtime.NewSession(m, runtime.Options{Threads: 1})
	defer s.Close()
	ins, err := inputsFor(g, batch, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	shapes := [][]int{ins[0].Shape}
	if _, err := s.PlanFor(shapes); err != nil {
		t.Logf("rejected at plan time: %v", err)
		return
	}
	if err := diffGraph(g, diffConfig{batches: []int{batch}, threads: []int{1}, planCheck: true}, 1); err != nil {
		t.Errorf("planned, but: %v\n%s", err, graphText(g))
	}
}

// TestPoolPadsAsLargeAsKernel: pooling whose end padding equals the
// (dilated) kernel, so that the last window sees only padding. The
// reference evaluates it; lowering accepts it (asm.NewWindow succeeds),
// but asm.MaxPool/AvgPool reject the window at run time, so every Run
// fails with "pads ... are not smaller than the dilated kernel".
func TestPoolPadsAsLargeAsKernel(t *testing.T) {
	for _, src := range []string{`graph g {
  input x: float32[N,5,7]
  y = MaxPool(x) {kernel_shape=[2], pads=[0, 2], strides=[2]}
  output y
}`, `graph g {
  input x: float32[N,2,4,2]
  y = AveragePool(x) {count_include_pad=1, kernel_shape=[1, 2], pads=[0, 0, 0, 2], strides=[2, 1]}
  output y
}`, `graph g {
  input x: float32[N,3,11,11]
  y = MaxPool(x) {kernel_shape=[2, 1], pads=[1, 0, 0, 1], strides=[1, 2]}
  output y
}`} {
		planRunsOrRejects(t, src, 2)
	}
}

// TestEdgeGraphsDiff runs hand-written graphs at the edges of lowering
// and memory planning through the differential check: outputs that are
// inputs, constants, views of inputs, the same value twice, shape
// computations that fold only once the batch is known, values read both
// by a later node and as an output, and in-place chains.
func TestEdgeGraphsDiff(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"output is the input", `graph g {
  input x: float32[N,3]
  output x
}`},
		{"input passed through Identity and Relu", `graph g {
  input x: float32[N,3]
  i = Identity(x)
  r = Relu(x)
  output i
  output r
}`},
		{"output twice", `graph g {
  input x: float32[N,3]
  r = Relu(x)
  output r
  output r
}`},
		{"reshaped input as output", `graph g {
  input x: float32[N,2,3]
  const s: int64[2] = {0, -1}
  y = Reshape(x, s)
  output y
}`},
		{"shape of the input as output", `graph g {
  input x: float32[N,2,3]
  s = Shape(x)
  output s
}`},
		{"constant output", `graph g {
  input x: float32[N,2]
  const a: float32[2] = {1, 2}
  const b: float32[2] = {3, 4}
  c = Add(a, b)
  y = Sigmoid(x)
  output y
  output c
}`},
		{"intermediate output also read later, in-place chain", `graph g {
  input x: float32[N,4]
  const w: float32[4,4] = {1, 0.5, 0, 0, 0, 1, 0.5, 0, 0, 0, 1, 0.5, 0.5, 0, 0, 1}
  m = MatMul(x, w)
  r = Relu(m)
  s = Sigmoid(r)
  t = Tanh(s)
  u = Add(t, r)
  output r
  output u
}`},
		{"x + x in place", `graph g {
  input x: float32[N,4]
  const w: float32[4,4] = {1, 0.5, 0, 0, 0, 1, 0.5, 0, 0, 0, 1, 0.5, 0.5, 0, 0, 1}
  m = MatMul(x, w)
  a = Add(m, m)
  b = Mul(a, a)
  output b
}`},
		{"view of an intermediate read after an in-place op", `graph g {
  input x: float32[N,4]
  const w: float32[4,4] = {1, 0.5, 0, 0, 0, 1, 0.5, 0, 0, 0, 1, 0.5, 0.5, 0, 0, 1}
  const s: int64[3] = {0, 2, 2}
  m = MatMul(x, w)
  v = Reshape(m, s)
  r = Relu(m)
  f = Flatten(v)
  y = Sub(f, r)
  output y
}`},
		{"static shapes: full-matrix constant C and bias", `graph g {
  input x: float32[3,4]
  const w: float32[4,2] = {1, -2, 3, 0.5, -1, 2, 0.25, 1}
  const c: float32[3,2] = {0.5, -0.5, 1, 2, -1, 0}
  const col: float32[3,1] = {1, 2, 3}
  g1 = Gemm(x, w, c) {alpha=0.5, beta=2.0}
  m = MatMul(x, w)
  a = Add(m, c)
  g2 = Gemm(x, w, col)
  s = Add(g1, a)
  y = Sub(s, g2)
  output y
}`},
		{"maxpool indices as output", `graph g {
  input x: float32[N,2,4,4]
  y, i = MaxPool(x) {kernel_shape=[2, 2], strides=[2, 2]}
  output y
  output i
}`},
		{"pytorch flatten chain before gemm", `graph g {
  input x: float32[N,2,2,2]
  const w: float32[3,8] = {1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0}
  const b: float32[3] = {0.5, -0.5, 0}
  const i0: int64[] = {0}
  const ax: int64[1] = {0}
  const m1: int64[1] = {-1}
  s = Shape(x)
  n = Gather(s, i0) {axis=0}
  u = Unsqueeze(n, ax)
  c = Concat(u, m1) {axis=0}
  f = Reshape(x, c)
  y = Gemm(f, w, b) {transB=1}
  z = Relu(y)
  output z
}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := ir.Parse(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if err := ir.Verify(g); err != nil {
				t.Fatal(err)
			}
			if err := diffGraph(g, diffConfig{batches: []int{1, 3}, threads: []int{1, 2}, planCheck: true}, 1); err != nil {
				t.Errorf("%v\n%s", err, graphText(g))
			}
		})
	}
}

// TestEmptyBatch runs graphs at batch size 0: every output is empty, and
// the compiled path must produce the same empty tensors as the reference
// instead of failing.
func TestEmptyBatch(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"gemm relu", `graph g {
  input x: float32[N,3]
  const w: float32[3,2] = {1, -2, 3, 0.5, -1, 2}
  const b: float32[2] = {0.25, -0.5}
  m = MatMul(x, w)
  a = Add(m, b)
  y = Relu(a)
  output y
}`},
		{"conv bn pool upsample", `graph g {
  input x: float32[N,1,4,4]
  const w: float32[2,1,3,3] = {1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -2, -3, -4, -5, -6, -7, -8, -9}
  const sc: float32[2] = {1.5, 0.5}
  const sh: float32[2] = {0.1, -0.1}
  const mu: float32[2] = {0.3, 1}
  const va: float32[2] = {1, 4}
  const s: float32[4] = {1, 1, 2, 2}
  c = Conv(x, w) {pads=[1, 1, 1, 1]}
  n = BatchNormalization(c, sc, sh, mu, va)
  p = MaxPool(n) {kernel_shape=[2, 2], strides=[2, 2]}
  u = Resize(p, _, s) {mode="nearest"}
  y = Sigmoid(u)
  output y
}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := ir.Parse(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if err := diffGraph(g, diffConfig{batches: []int{0, 2}, threads: []int{1, 2}, planCheck: true}, 1); err != nil {
				t.Errorf("%v\n%s", err, graphText(g))
			}
		})
	}
}

// TestEmptyBatchGemmTransA: a Gemm reading a transposed [K, N] operand
// (transA=1, as left unfused when the Transpose is not folded) fails at
// batch 0: GemmStep passes lda = M = 0 to asm.SgemmPacked, which rejects
// it ("lda = 0, want >= 1").
func TestEmptyBatchGemmTransA(t *testing.T) {
	g, err := ir.Parse(`graph g {
  input x: float32[N,2]
  const w: float32[2,3] = {1, -2, 3, 0.5, -1, 2}
  t = Transpose(x) {perm=[1, 0]}
  y = Gemm(t, w) {transA=1}
  output y
}`)
	if err != nil {
		t.Fatal(err)
	}
	if err := diffGraph(g, diffConfig{batches: []int{0, 2}, threads: []int{1}}, 1); err != nil {
		t.Errorf("%v\n%s", err, graphText(g))
	}
}

// TestSymbolicSpatialDims runs a fully convolutional autoencoder whose
// input has symbolic height and width as well as batch, so that every
// plan has different window geometry (odd sizes make the pooling drop a
// row, and the upsampling then give a smaller map that the last
// ConvTranspose's output_padding does not restore).
func TestSymbolicSpatialDims(t *testing.T) {
	g, err := ir.Parse(`graph g {
  input x: float32[N,1,H,W]
  const w1: float32[3,1,3,3] = {0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8, 0.9, -0.1, 0.2, -0.3, 0.4, -0.5, 0.6, -0.7, 0.8, -0.9, 0.5, 0.5, 0.5, -0.5, -0.5, -0.5, 0.25, 0.25, 0.25}
  const b1: float32[3] = {0.1, 0, -0.1}
  const w2: float32[3,2,2,2] = {0.3, -0.1, 0.2, 0.4, -0.2, 0.1, 0.5, -0.3, 0.1, 0.1, -0.4, 0.2, 0.3, 0.3, -0.1, 0.2, 0.2, -0.2, 0.1, 0.4, -0.3, 0.5, 0.1, -0.1}
  const w3: float32[1,2,3,3] = {0.2, 0.1, -0.1, 0.3, 0.2, 0.1, -0.2, 0.1, 0.3, 0.1, -0.3, 0.2, 0.1, 0.4, -0.1, 0.2, 0.1, 0.2}
  const sc: float32[4] = {1, 1, 2, 2}
  c = Conv(x, w1, b1) {pads=[1, 1, 1, 1]}
  r = Relu(c)
  p = MaxPool(r) {kernel_shape=[2, 2], strides=[2, 2]}
  u = ConvTranspose(p, w2) {strides=[2, 2]}
  l = LeakyRelu(u) {alpha=0.1}
  up = Resize(l, _, sc) {coordinate_transformation_mode="asymmetric", mode="nearest", nearest_mode="floor"}
  d = Conv(up, w3) {pads=[1, 1, 1, 1], strides=[2, 2]}
  y = Sigmoid(d)
  output y
}`)
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Verify(g); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, noFusion := range []bool{false, true} {
		m, err := compiler.Compile(g, compiler.Options{Debug: true, NoFusion: noFusion})
		if err != nil {
			t.Fatal(err)
		}
		for _, threads := range []int{1, 2} {
			s := runtime.NewSession(m, runtime.Options{Threads: threads})
			for _, dims := range [][]int{{2, 1, 8, 8}, {1, 1, 6, 10}, {3, 1, 5, 7}, {2, 1, 8, 8}} {
				x, _ := ir.NewTensor(ir.Float32, dims...)
				for i := range x.F32 {
					x.F32[i] = float32(rng.NormFloat64())
				}
				want, err := reference.Run(ctx, g, []*ir.Tensor{x})
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.Run(ctx, []*ir.Tensor{x})
				if err != nil {
					t.Fatalf("NoFusion %v, threads %d, input %v: %v", noFusion, threads, dims, err)
				}
				if err := compareOutputs(got, want); err != nil {
					t.Errorf("NoFusion %v, threads %d, input %v: %v", noFusion, threads, dims, err)
				}
				p, err := s.PlanFor([][]int{dims})
				if err != nil {
					t.Fatal(err)
				}
				sg, err := m.Specialize([][]int{dims})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := checkPlan(p, sg); err != nil {
					t.Errorf("input %v: memory plan: %v", dims, err)
				}
			}
			s.Close()
		}
	}
}
