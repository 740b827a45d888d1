package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naivePool is the direct definition of max and average pooling over
// one plane, enumerating window positions by their coordinates.
func naivePool(x []float32, w *Window, isMax, includePad bool) (out []float32, idx []int) {
	nd := len(w.In)
	opos, kpos, p := make([]int, nd), make([]int, nd), make([]int, nd)
	for o := 0; o < w.OutSize(); o++ {
		unflatten(o, w.Out, opos)
		best, bi := float32(math.Inf(-1)), -1
		var sum float64
		n, np := 0, 1
		for d := 0; d < nd; d++ {
			c := 0
			for k := 0; k < w.Kernel[d]; k++ {
				q := opos[d]*w.Strides[d] + k*w.Dilations[d] - w.PadBegin[d]
				if q >= -w.PadBegin[d] && q < w.In[d]+w.PadEnd[d] {
					c++
				}
			}
			np *= c
		}
		for k := 0; k < w.KernelSize(); k++ {
			unflatten(k, w.Kernel, kpos)
			in := true
			for d := 0; d < nd; d++ {
				p[d] = opos[d]*w.Strides[d] + kpos[d]*w.Dilations[d] - w.PadBegin[d]
				in = in && p[d] >= 0 && p[d] < w.In[d]
			}
			if !in {
				continue
			}
			flat := 0
			for d := 0; d < nd; d++ {
				flat = flat*w.In[d] + p[d]
			}
			v := x[flat]
			n++
			sum += float64(v)
			if bi < 0 || v > best || (v != v && best == best) {
				best, bi = v, flat
			}
		}
		if isMax {
			out = append(out, best)
			idx = append(idx, bi)
		} else if includePad {
			out = append(out, float32(sum/float64(np)))
		} else if n == 0 {
			out = append(out, 0)
		} else {
			out = append(out, float32(sum/float64(n)))
		}
	}
	return out, idx
}

// TestPoolNaive checks MaxPool (values, row- and column-major indices)
// and AvgPool (both count_include_pad modes, ceil mode) against the
// direct definition over random geometries, with guard bands.
func TestPoolNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for gi, g := range randomGeoms(r, 300) {
		g.opt.CeilMode = gi%3 == 0
		w, err := NewWindow(g.in, g.kernel, &g.opt)
		if err != nil {
			continue // ceil mode can make a geometry invalid; others were checked
		}
		planes := g.channels
		name := fmt.Sprintf("#%d in=%v k=%v s=%v p=%v d=%v ceil=%v", gi, g.in, g.kernel, g.opt.Strides, g.opt.Pads, g.opt.Dilations, g.opt.CeilMode)
		x := make([]float32, planes*w.InSize())
		fill(r, x, 5)
		for i, v := range x {
			if a := math.Abs(float64(v)); a > 1e6 && a <= math.MaxFloat32 {
				x[i] = 1 // float32 window sums may overflow where float64 does not
			}
		}
		off := gi % 4
		mx, mbuf := guarded(planes*w.OutSize(), off)
		idx := make([]int64, len(mx))
		cidx := make([]int64, len(mx))
		if err := MaxPool(mx, idx, x, w, planes, false); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := MaxPool(mx, cidx, x, w, planes, true); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkGuards(t, name, mbuf, off, len(mx))
		for _, inc := range []bool{false, true} {
			av, abuf := guarded(planes*w.OutSize(), off)
			if err := AvgPool(av, x, w, planes, inc); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			checkGuards(t, name, abuf, off, len(av))
			for p := 0; p < planes; p++ {
				xp := x[p*w.InSize() : (p+1)*w.InSize()]
				want, _ := naivePool(xp, w, false, inc)
				for o, wv := range want {
					got := av[p*w.OutSize()+o]
					if !same(got, wv) && !closeTo(got, wv, 1e-5) {
						t.Fatalf("%s: avg(include=%v) plane %d [%d] = %v, want %v", name, inc, p, o, got, wv)
					}
				}
			}
		}
		for p := 0; p < planes; p++ {
			xp := x[p*w.InSize() : (p+1)*w.InSize()]
			want, wi := naivePool(xp, w, true, false)
			for o, wv := range want {
				k := p*w.OutSize() + o
				if wi[o] < 0 {
					if mx[k] != wv || idx[k] != -1 || cidx[k] != -1 {
						t.Fatalf("%s: empty window: %v @%d, %d; want -Inf @-1", name, mx[k], idx[k], cidx[k])
					}
					continue
				}
				if !same(mx[k], wv) || idx[k] != int64(p*w.InSize()+wi[o]) {
					t.Fatalf("%s: max plane %d [%d] = %v @%d, want %v @%d", name, p, o, mx[k], idx[k], wv, p*w.InSize()+wi[o])
				}
				// Column-major: reverse the coordinates of the row-major index.
				pos := make([]int, len(w.In))
				unflatten(wi[o], w.In, pos)
				c := 0
				for d := len(w.In) - 1; d >= 0; d-- {
					c = c*w.In[d] + pos[d]
				}
				if cidx[k] != int64(p*w.InSize()+c) {
					t.Fatalf("%s: column-major index %d, want %d", name, cidx[k], p*w.InSize()+c)
				}
			}
		}
	}
}

// TestMaxUnpoolRoundTrip checks that unpooling MaxPool's output at its
// indices puts every maximum back where it came from.
func TestMaxUnpoolRoundTrip(t *testing.T) {
	w, err := NewWindow([]int{4, 6}, []int{2, 2}, &WindowOptions{Strides: []int{2, 2}})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(33, 34))
	planes := 3
	x := make([]float32, planes*w.InSize())
	for i := range x {
		x[i] = r.Float32()
	}
	y := make([]float32, planes*w.OutSize())
	idx := make([]int64, len(y))
	if err := MaxPool(y, idx, x, w, planes, false); err != nil {
		t.Fatal(err)
	}
	back := make([]float32, len(x))
	if err := MaxUnpool(back, y, idx, w.In, w.In); err != nil {
		t.Fatal(err)
	}
	nonzero := 0
	for i, v := range back {
		if v != 0 {
			nonzero++
			if v != x[i] {
				t.Fatalf("unpooled [%d] = %v, input %v", i, v, x[i])
			}
		}
	}
	if nonzero != len(y) {
		t.Fatalf("%d nonzero unpooled values, want %d", nonzero, len(y))
	}
	// Bigger output shape keeps coordinates.
	big := make([]float32, planes*5*7)
	if err := MaxUnpool(big, y, idx, w.In, []int{5, 7}); err != nil {
		t.Fatal(err)
	}
	for p := 0; p < planes; p++ {
		for i := 0; i < 4; i++ {
			for j := 0; j < 6; j++ {
				if b, s := big[p*35+i*7+j], back[p*24+i*6+j]; b != s {
					t.Fatalf("plane %d (%d,%d): %v, want %v", p, i, j, b, s)
				}
			}
		}
	}
	if err := MaxUnpool(back, y, []int64{0, 1, 2, 1000, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, w.In, w.In); err == nil {
		t.Error("out-of-range index: no error")
	}
}

// TestUpsampleNearest checks 1-D, 2-D and 3-D nearest upsampling against
// out[o] = in[o / factor].
func TestUpsampleNearest(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	for _, c := range []struct{ in, f []int }{
		{[]int{5}, []int{3}}, {[]int{2, 3}, []int{2, 2}}, {[]int{3, 4}, []int{1, 3}}, {[]int{2, 2, 3}, []int{2, 1, 2}},
		{[]int{3, 17}, []int{2, 2}}, {[]int{4, 7}, []int{3, 2}}, {[]int{2, 33}, []int{1, 2}},
	} {
		planes := 2
		inSize, outDims := prod(c.in), make([]int, len(c.in))
		for i := range c.in {
			outDims[i] = c.in[i] * c.f[i]
		}
		x := make([]float32, planes*inSize)
		for i := range x {
			x[i] = r.Float32()
		}
		y, buf := guarded(planes*prod(outDims), 1)
		if err := UpsampleNearest(y, x, planes, c.in, c.f); err != nil {
			t.Fatal(err)
		}
		checkGuards(t, fmt.Sprint(c), buf, 1, len(y))
		pos := make([]int, len(c.in))
		for p := 0; p < planes; p++ {
			for o := 0; o < prod(outDims); o++ {
				unflatten(o, outDims, pos)
				src := 0
				for d := range pos {
					src = src*c.in[d] + pos[d]/c.f[d]
				}
				if got, want := y[p*prod(outDims)+o], x[p*inSize+src]; got != want {
					t.Fatalf("%v: plane %d out %v = %v, want %v", c, p, pos, got, want)
				}
			}
		}
	}
}

// TestPoolErrors checks bad arguments return errors.
func TestPoolErrors(t *testing.T) {
	w, _ := NewWindow([]int{4, 4}, []int{2, 2}, nil)
	x := make([]float32, 16)
	if err := MaxPool(make([]float32, 8), nil, x, w, 1, false); err == nil {
		t.Error("MaxPool short dst: no error")
	}
	if err := MaxPool(make([]float32, 9), make([]int64, 3), x, w, 1, false); err == nil {
		t.Error("MaxPool short indices: no error")
	}
	if err := AvgPool(make([]float32, 9), x[:15], w, 1, false); err == nil {
		t.Error("AvgPool short x: no error")
	}
	wp, err := NewWindow([]int{4, 4}, []int{2, 2}, &WindowOptions{Pads: []int{2, 0, 0, 0}})
	if err != nil {
		t.Fatal(err)
	}
	if err := AvgPool(make([]float32, wp.OutSize()), x, wp, 1, false); err == nil {
		t.Error("AvgPool with a window entirely in padding: no error")
	}
	if err := UpsampleNearest(make([]float32, 4), make([]float32, 2), 1, []int{2}, []int{0}); err == nil {
		t.Error("UpsampleNearest factor 0: no error")
	}
}
