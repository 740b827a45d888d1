package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// matmul returns a[m x k] * b[k x n], accumulated in float64.
func matmul(a, b []float32, m, k, n int) []float32 {
	c := make([]float32, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += float64(a[i*k+p]) * float64(b[p*n+j])
			}
			c[i*n+j] = float32(s)
		}
	}
	return c
}

// TestIm2ColLecture is the worked example of DESIGN.md: a 4x4 input and
// the 3x3 kernel 1..9 give the 2x2 convolution [[57,50],[66,61]], and the
// transposed convolution of [[1,0],[2,1]] gives the 4x4 grid below.
func TestIm2ColLecture(t *testing.T) {
	x := []float32{2, 1, 0, 3, 0, 0, 1, 2, 3, 1, 2, 0, 0, 2, 2, 1}
	k := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	w, err := NewWindow([]int{4, 4}, []int{3, 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w.Out[0] != 2 || w.Out[1] != 2 {
		t.Fatalf("Out = %v, want [2 2]", w.Out)
	}
	col := make([]float32, w.ColSize(1))
	if err := Im2Col(col, x, w, 1); err != nil {
		t.Fatal(err)
	}
	got := matmul(k, col, 1, 9, 4)
	want := []float32{57, 50, 66, 61}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("conv = %v, want %v", got, want)
		}
	}

	// ConvTranspose: col[k, o] = kernel[k] * in[o], scattered by Col2Im.
	in := []float32{1, 0, 2, 1}
	col = matmul(k, in, 9, 1, 4)
	out := make([]float32, 16)
	if err := Col2Im(out, col, w, 1); err != nil {
		t.Fatal(err)
	}
	wantT := []float32{1, 2, 3, 0, 6, 10, 14, 3, 15, 22, 26, 6, 14, 23, 26, 9}
	for i := range wantT {
		if out[i] != wantT[i] {
			t.Fatalf("conv transpose = %v, want %v", out, wantT)
		}
	}
}

// geom is a random window geometry for the reference tests.
type geom struct {
	in, kernel []int
	opt        WindowOptions
	channels   int
}

func randomGeoms(r *rand.Rand, count int) []geom {
	var gs []geom
	for len(gs) < count {
		nd := 1 + r.IntN(3)
		g := geom{channels: 1 + r.IntN(3)}
		g.opt.Strides = make([]int, nd)
		g.opt.Dilations = make([]int, nd)
		g.opt.Pads = make([]int, 2*nd)
		for i := 0; i < nd; i++ {
			g.in = append(g.in, 1+r.IntN(9))
			g.kernel = append(g.kernel, 1+r.IntN(4))
			g.opt.Strides[i] = 1 + r.IntN(3)
			g.opt.Dilations[i] = 1 + r.IntN(2)
			span := g.opt.Dilations[i]*(g.kernel[i]-1) + 1
			g.opt.Pads[i] = r.IntN(span)
			g.opt.Pads[nd+i] = r.IntN(span)
		}
		if _, err := NewWindow(g.in, g.kernel, &g.opt); err == nil {
			gs = append(gs, g)
		}
	}
	return gs
}

// directConv is the naive N-D convolution: y[m][o] = sum over c, k of
// wt[m][c][k] * x[c][o*s + k*d - pad], in float64.
func directConv(x, wt []float32, w *Window, c, m int) []float32 {
	y := make([]float32, m*w.OutSize())
	nd := len(w.In)
	kpos, opos := make([]int, nd), make([]int, nd)
	for mm := 0; mm < m; mm++ {
		for o := 0; o < w.OutSize(); o++ {
			unflatten(o, w.Out, opos)
			var s float64
			for cc := 0; cc < c; cc++ {
				for k := 0; k < w.KernelSize(); k++ {
					unflatten(k, w.Kernel, kpos)
					if i := w.inputIndex(kpos, opos); i >= 0 {
						s += float64(wt[(mm*c+cc)*w.KernelSize()+k]) * float64(x[cc*w.InSize()+i])
					}
				}
			}
			y[mm*w.OutSize()+o] = float32(s)
		}
	}
	return y
}

func unflatten(i int, dims, pos []int) {
	for d := len(dims) - 1; d >= 0; d-- {
		pos[d] = i % dims[d]
		i /= dims[d]
	}
}

// directConvTranspose is the naive transposed convolution: every input
// x[c][o] scatters wt[c][m][k]*x into y[m][o*s + k*d - pad].
func directConvTranspose(x, wt []float32, w *Window, c, m int) []float32 {
	y := make([]float32, m*w.InSize())
	acc := make([]float64, len(y))
	nd := len(w.In)
	kpos, opos := make([]int, nd), make([]int, nd)
	for cc := 0; cc < c; cc++ {
		for o := 0; o < w.OutSize(); o++ {
			unflatten(o, w.Out, opos)
			for mm := 0; mm < m; mm++ {
				for k := 0; k < w.KernelSize(); k++ {
					unflatten(k, w.Kernel, kpos)
					if i := w.inputIndex(kpos, opos); i >= 0 {
						acc[mm*w.InSize()+i] += float64(wt[(cc*m+mm)*w.KernelSize()+k]) * float64(x[cc*w.OutSize()+o])
					}
				}
			}
		}
	}
	for i := range y {
		y[i] = float32(acc[i])
	}
	return y
}

func closeTo(a, b float32, tol float64) bool {
	return math.Abs(float64(a)-float64(b)) <= tol*(1+math.Abs(float64(b)))
}

// TestIm2ColDirect checks Im2Col + matrix product against direct
// convolution, and Col2Im against direct transposed convolution, for
// random 1-D, 2-D and 3-D geometries with strides, pads and dilations,
// with guard bands around the outputs.
func TestIm2ColDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for gi, g := range randomGeoms(r, 300) {
		w, err := NewWindow(g.in, g.kernel, &g.opt)
		if err != nil {
			t.Fatal(err)
		}
		c, m := g.channels, 2
		name := fmt.Sprintf("#%d in=%v k=%v s=%v p=%v d=%v c=%d out=%v", gi, g.in, g.kernel, g.opt.Strides, g.opt.Pads, g.opt.Dilations, c, w.Out)
		x := make([]float32, c*w.InSize())
		fill(r, x, 1)
		for i := range x { // finite values only: 0*Inf would differ
			if x[i] != x[i] || math.IsInf(float64(x[i]), 0) || math.Abs(float64(x[i])) > 10 {
				x[i] = 0.5
			}
		}
		wt := make([]float32, m*c*w.KernelSize())
		for i := range wt {
			wt[i] = 2*r.Float32() - 1
		}
		off := gi % 4
		col, buf := guarded(w.ColSize(c), off)
		if err := Im2Col(col, x, w, c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkGuards(t, name, buf, off, len(col))
		got := matmul(wt, col, m, c*w.KernelSize(), w.OutSize())
		want := directConv(x, wt, w, c, m)
		for i := range want {
			if !closeTo(got[i], want[i], 1e-5) {
				t.Fatalf("%s: conv[%d] = %v, want %v", name, i, got[i], want[i])
			}
		}

		// Transposed: input has m channels of OutSize, output c... here
		// use c input channels of OutSize and m output channels.
		xt := make([]float32, c*w.OutSize())
		for i := range xt {
			xt[i] = 2*r.Float32() - 1
		}
		wtT := make([]float32, c*m*w.KernelSize())
		for i := range wtT {
			wtT[i] = 2*r.Float32() - 1
		}
		// col[(mm*K + k), o] = sum_c wtT[c][mm][k] * xt[c][o]: (m*K x c) * (c x Out).
		wtTT := make([]float32, m*w.KernelSize()*c)
		for cc := 0; cc < c; cc++ {
			for j := 0; j < m*w.KernelSize(); j++ {
				wtTT[j*c+cc] = wtT[cc*m*w.KernelSize()+j]
			}
		}
		colT := matmul(wtTT, xt, m*w.KernelSize(), c, w.OutSize())
		y, ybuf := guarded(m*w.InSize(), off)
		clear(y)
		if err := Col2Im(y, colT, w, m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkGuards(t, name, ybuf, off, len(y))
		wantT := directConvTranspose(xt, wtT, w, c, m)
		for i := range wantT {
			if !closeTo(y[i], wantT[i], 1e-5) {
				t.Fatalf("%s: convT[%d] = %v, want %v", name, i, y[i], wantT[i])
			}
		}
	}
}

// TestCol2ImAdjoint checks <Im2Col(x), c> == <x, Col2Im(c)>, which holds
// exactly in float64 for the adjoint pair.
func TestCol2ImAdjoint(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, g := range randomGeoms(r, 100) {
		w, _ := NewWindow(g.in, g.kernel, &g.opt)
		x := make([]float32, g.channels*w.InSize())
		c := make([]float32, w.ColSize(g.channels))
		for i := range x {
			x[i] = float32(r.IntN(7) - 3)
		}
		for i := range c {
			c[i] = float32(r.IntN(7) - 3)
		}
		col := make([]float32, len(c))
		if err := Im2Col(col, x, w, g.channels); err != nil {
			t.Fatal(err)
		}
		back := make([]float32, len(x))
		if err := Col2Im(back, c, w, g.channels); err != nil {
			t.Fatal(err)
		}
		var a, b float64
		for i := range c {
			a += float64(col[i]) * float64(c[i])
		}
		for i := range x {
			b += float64(x[i]) * float64(back[i])
		}
		if a != b {
			t.Fatalf("in=%v k=%v: <Im2Col x, c> = %v, <x, Col2Im c> = %v", g.in, g.kernel, a, b)
		}
	}
}

// TestNewWindowErrors checks that bad geometry is an error, not a panic.
func TestNewWindowErrors(t *testing.T) {
	cases := []struct {
		in, k []int
		opt   *WindowOptions
	}{
		{nil, nil, nil},
		{[]int{4}, []int{3, 3}, nil},
		{[]int{2, 2}, []int{3, 3}, nil},
		{[]int{4, 4}, []int{0, 3}, nil},
		{[]int{4, 4}, []int{3, 3}, &WindowOptions{Strides: []int{0, 1}}},
		{[]int{4, 4}, []int{3, 3}, &WindowOptions{Pads: []int{1, 1}}},
		{[]int{4, 4}, []int{3, 3}, &WindowOptions{Pads: []int{-1, 0, 0, 0}}},
		{[]int{4, 4}, []int{3, 3}, &WindowOptions{Dilations: []int{1, 0}}},
		{[]int{1 << 30, 1 << 30}, []int{1, 1}, nil},
	}
	for _, c := range cases {
		if _, err := NewWindow(c.in, c.k, c.opt); err == nil {
			t.Errorf("NewWindow(%v, %v, %+v): no error", c.in, c.k, c.opt)
		}
	}
	w, _ := NewWindow([]int{4, 4}, []int{3, 3}, nil)
	if err := Im2Col(make([]float32, 5), make([]float32, 16), w, 1); err == nil {
		t.Error("Im2Col with a short col: no error")
	}
	if err := Col2Im(make([]float32, 16), make([]float32, 5), w, 1); err == nil {
		t.Error("Col2Im with a short col: no error")
	}
}

// TestAutoPads checks SAME_UPPER/SAME_LOWER padding gives ceil(in/stride)
// outputs with the odd pad at the right end.
func TestAutoPads(t *testing.T) {
	for _, c := range []struct {
		in, k, s []int
		upper    bool
		want     []int
	}{
		{[]int{5, 5}, []int{3, 3}, []int{1, 1}, true, []int{1, 1, 1, 1}},
		{[]int{5, 5}, []int{2, 2}, []int{1, 1}, true, []int{0, 0, 1, 1}},
		{[]int{5, 5}, []int{2, 2}, []int{1, 1}, false, []int{1, 1, 0, 0}},
		{[]int{5}, []int{3}, []int{2}, true, []int{1, 1}},
	} {
		p, err := AutoPads(c.in, c.k, c.s, nil, c.upper)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(p) != fmt.Sprint(c.want) {
			t.Errorf("AutoPads(%v, %v, %v, %v) = %v, want %v", c.in, c.k, c.s, c.upper, p, c.want)
		}
		w, err := NewWindow(c.in, c.k, &WindowOptions{Strides: c.s, Pads: p})
		if err != nil {
			t.Fatal(err)
		}
		for i := range c.in {
			if w.Out[i] != (c.in[i]+c.s[i]-1)/c.s[i] {
				t.Errorf("SAME output %v for in %v stride %v", w.Out, c.in, c.s)
			}
		}
	}
}
