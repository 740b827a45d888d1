package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// convGemmRef computes ConvGemm's contract in float64 before rounding the
// sum, and returns per element the bound Σ|a·x| that scales the rounding
// error a float32 evaluation may make.
func convGemmRef(m, k, n int, a []float32, lda int, off []int, x []float32, bias []float32) (want, scale []float64) {
	want, scale = make([]float64, m*n), make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, sa float64
			for p := 0; p < k; p++ {
				v := float64(a[i*lda+p]) * float64(x[off[p]+j])
				s += v
				sa += math.Abs(v)
			}
			if bias != nil {
				s += float64(bias[i])
				sa += math.Abs(float64(bias[i]))
			}
			want[i*n+j], scale[i*n+j] = s, sa
		}
	}
	return want, scale
}

// TestConvGemm runs every register tile of every tier the CPU supports on
// odd sizes, unaligned inputs, with and without bias and with each
// activation, against a float64 evaluation of the contract followed by
// the generic activation.
func TestConvGemm(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	acts := []Epilogue{{}, {Act: ActReLU}, {Act: ActLeakyReLU, Alpha: 0.2}, {Act: ActClip, Min: -0.5, Max: 0.7}, {Act: ActSigmoid}, {Act: ActTanh}}
	sizes := []struct{ m, k, n int }{
		{1, 1, 1}, {1, 9, 17}, {2, 3, 63}, {3, 7, 64}, {5, 17, 65}, {8, 144, 100},
		{9, 9, 7}, {16, 72, 840}, {17, 2, 129}, {4, 288, 33}, {7, 5, 3},
	}
	for _, tier := range Tiers() {
		for si, s := range convShapes(tier) {
			for ci, sz := range sizes {
				ep := acts[(si+ci)%len(acts)]
				bias := make([]float32, sz.m)
				for i := range bias {
					bias[i] = float32(r.NormFloat64())
				}
				if ci%3 == 0 {
					bias = nil
				}
				ep.RowBias = bias
				lda := sz.k + ci%2
				a := make([]float32, sz.m*lda)
				for i := range a {
					a[i] = float32(r.NormFloat64())
				}
				off := make([]int, sz.k)
				span := 1 + r.IntN(300)
				for p := range off {
					off[p] = r.IntN(span)
				}
				g, err := newConvGemm(tier, s, sz.m, sz.k, sz.n, a, lda, off, ep)
				if err != nil {
					t.Fatal(err)
				}
				// x starts one element into its slice: unaligned.
				xbuf := make([]float32, g.XLen()+1)
				for i := range xbuf {
					xbuf[i] = float32(r.NormFloat64())
				}
				x := xbuf[1:]
				c := make([]float32, g.CLen()+1)[1:]
				if err := g.Run(c, x); err != nil {
					t.Fatal(err)
				}
				want, scale := convGemmRef(sz.m, sz.k, sz.n, a, lda, off, x, bias)
				name := fmt.Sprintf("%s/%dx%d/m%d k%d n%d/%s", tier, s.mr, s.lanes*s.nv, sz.m, sz.k, sz.n, ep.Act)
				for i := 0; i < sz.m; i++ {
					for j := 0; j < sz.n; j++ {
						got := float64(c[i*g.Ldc()+j])
						w := actRef(want[i*sz.n+j], ep)
						// Each of k+1 float32 roundings may be off by
						// 2^-24 of the running |sum|; activations add a
						// few ulps (sigmoid, tanh: see Vec).
						tol := 4*float64(sz.k+1)*0x1p-24*scale[i*sz.n+j] + 1e-6*math.Max(1, math.Abs(w))
						if ep.Act == ActSigmoid || ep.Act == ActTanh {
							tol += 1e-6
						}
						if math.Abs(got-w) > tol {
							t.Fatalf("%s: C[%d][%d] = %v, want %v (tol %g)", name, i, j, got, w, tol)
						}
					}
				}
			}
		}
	}
}

// actRef applies an epilogue activation in float64.
func actRef(v float64, ep Epilogue) float64 {
	switch ep.Act {
	case ActReLU:
		return math.Max(v, 0)
	case ActLeakyReLU:
		if v < 0 {
			return v * float64(ep.Alpha)
		}
	case ActClip:
		return math.Min(math.Max(v, float64(ep.Min)), float64(ep.Max))
	case ActSigmoid:
		return 1 / (1 + math.Exp(-v))
	case ActTanh:
		return math.Tanh(v)
	}
	return v
}

// TestConvGemmTiersAgree checks that every tile of every tier equals the
// generic kernel within rounding, including NaN and infinite inputs,
// which must propagate to the outputs that read them and nowhere else.
func TestConvGemmTiersAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	m, k, n := 11, 27, 301
	a := make([]float32, m*k)
	for i := range a {
		a[i] = float32(r.NormFloat64())
	}
	off := make([]int, k)
	for p := range off {
		off[p] = (p/9)*400 + (p%9/3)*30 + p%3
	}
	for _, act := range []Epilogue{{Act: ActReLU}, {Act: ActLeakyReLU, Alpha: 0.1}, {Act: ActClip, Min: -1, Max: 1}, {}} {
		ref, err := newConvGemm(Generic, genericConvShapes[0], m, k, n, a, k, off, act)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, ref.XLen()+2048)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		x[500] = float32(math.NaN())
		x[900] = float32(math.Inf(1))
		cref := make([]float32, ref.CLen())
		if err := ref.Run(cref, x); err != nil {
			t.Fatal(err)
		}
		for _, tier := range Tiers() {
			for _, s := range convShapes(tier) {
				g, err := newConvGemm(tier, s, m, k, n, a, k, off, act)
				if err != nil {
					t.Fatal(err)
				}
				c := make([]float32, g.CLen())
				if err := g.Run(c, x); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						got, want := c[i*g.Ldc()+j], cref[i*ref.Ldc()+j]
						gn, wn := got != got, want != want
						if gn != wn || (!gn && math.Abs(float64(got-want)) > 1e-4*math.Max(1, math.Abs(float64(want)))) {
							t.Fatalf("%s %dx%d act %s: C[%d][%d] = %v, generic %v", tier, s.mr, s.lanes*s.nv, act.Act, i, j, got, want)
						}
					}
				}
			}
		}
	}
}

// TestConvGemmArgs checks the argument errors.
func TestConvGemmArgs(t *testing.T) {
	a := make([]float32, 6)
	cases := []struct {
		name    string
		m, k, n int
		lda     int
		off     []int
		ep      Epilogue
	}{
		{"zero m", 0, 3, 4, 3, []int{0, 1, 2}, Epilogue{}},
		{"short a", 3, 3, 4, 3, []int{0, 1, 2}, Epilogue{}},
		{"offsets", 2, 3, 4, 3, []int{0, 1}, Epilogue{}},
		{"negative offset", 2, 3, 4, 3, []int{0, -1, 2}, Epilogue{}},
		{"col bias", 2, 3, 4, 3, []int{0, 1, 2}, Epilogue{ColBias: make([]float32, 4)}},
		{"short bias", 2, 3, 4, 3, []int{0, 1, 2}, Epilogue{RowBias: make([]float32, 1)}},
	}
	for _, c := range cases {
		if _, err := NewConvGemm(Generic, c.m, c.k, c.n, a, c.lda, c.off, c.ep); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	g, err := NewConvGemm(Active(), 2, 3, 4, a, 3, []int{0, 5, 2}, Epilogue{})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Run(make([]float32, g.CLen()), make([]float32, g.XLen()-1)); err == nil {
		t.Error("short X: no error")
	}
	if err := g.Run(make([]float32, g.CLen()-1), make([]float32, g.XLen())); err == nil {
		t.Error("short C: no error")
	}
	if err := g.RunTiles(make([]float32, g.CLen()), make([]float32, g.XLen()), 0, g.Tiles()+1); err == nil {
		t.Error("tile range: no error")
	}
}

// BenchmarkConvGemm reports GFLOP/s (useful flops: 2·M·N·K) of the
// direct-convolution kernels on the layer shapes of the conv
// autoencoders (3×3 kernels, padded row pitch W+2):
//
//	go test ./asm -run '^$' -bench ConvGemm
func BenchmarkConvGemm(b *testing.B) {
	shapes := []struct{ cout, cin, hw int }{
		{16, 1, 28}, {8, 16, 14}, {8, 8, 14}, {16, 8, 28}, {1, 16, 28}, {32, 16, 14}, {16, 32, 14},
	}
	for _, s := range shapes {
		wq := s.hw + 2
		k := s.cin * 9
		off := make([]int, k)
		for p := range off {
			off[p] = (p/9)*(s.hw+3)*wq + (p%9/3)*wq + p%3
		}
		a := make([]float32, s.cout*k)
		for i := range a {
			a[i] = float32(i%7) * 0.1
		}
		n := s.hw * wq
		for _, tier := range Tiers() {
			for _, sh := range convShapes(tier) {
				g, err := newConvGemm(tier, sh, s.cout, k, n, a, k, off, Epilogue{Act: ActReLU})
				if err != nil {
					b.Fatal(err)
				}
				x := make([]float32, g.XLen())
				c := make([]float32, g.CLen())
				name := fmt.Sprintf("%s/%dx%d/cout%d/cin%d/%dx%d", tier, sh.mr, sh.lanes*sh.nv, s.cout, s.cin, s.hw, s.hw)
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						g.Run(c, x)
					}
					b.ReportMetric(float64(g.FLOPs())*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}
