package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// sameF32 reports whether a and b are the same float32, NaNs equal and
// zeros compared by sign.
func sameF32(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// TestMaxPool2x2 compares every tier's 2×2 pooling with the direct
// definition of max pooling (naivePool) on the same planes, on odd widths, padded pitches, several planes, ties,
// signed zeros and NaNs, and checks that nothing past the outputs is
// written.
func TestMaxPool2x2(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	negZero := float32(math.Copysign(0, -1))
	specials := []float32{0, negZero, 0, negZero, 1, float32(math.NaN()), float32(math.Inf(-1)), float32(math.Inf(1))}
	for _, tier := range Tiers() {
		k := moveFor(tier)
		for _, cols := range []int{1, 2, 3, 7, 14, 15, 16, 17, 31, 32, 33, 64, 65} {
			for _, pad := range []int{0, 1, 2, 5} {
				rows := 1 + r.IntN(4)
				planes := 1 + r.IntN(3)
				w := 2*cols + r.IntN(2) // plane width (an odd width drops its last column)
				ldx := w + pad
				ps := 2*rows*ldx + r.IntN(5)
				x := make([]float32, planes*ps+3)[1:] // unaligned
				for i := range x {
					if r.IntN(2) == 0 {
						x[i] = specials[r.IntN(len(specials))]
					} else {
						x[i] = float32(r.IntN(5)) // many ties
					}
				}
				// Reference: naivePool on the dense planes.
				plane := make([]float32, planes*2*rows*w)
				for p := 0; p < planes; p++ {
					for y := 0; y < 2*rows; y++ {
						copy(plane[(p*2*rows+y)*w:][:w], x[p*ps+y*ldx:])
					}
				}
				win, err := NewWindow([]int{2 * rows, w}, []int{2, 2}, &WindowOptions{Strides: []int{2, 2}})
				if err != nil {
					t.Fatal(err)
				}
				n := planes * rows * cols
				want := make([]float32, 0, n)
				wantIdx := make([]int64, 0, n)
				for p := 0; p < planes; p++ {
					o, oi := naivePool(plane[p*2*rows*w:(p+1)*2*rows*w], win, true, false)
					want = append(want, o...)
					for _, v := range oi {
						wantIdx = append(wantIdx, int64(p*2*rows*w+v))
					}
				}
				const base, bstride = 1 << 33, 1000
				for _, withIdx := range []bool{false, true} {
					dst := make([]float32, n+1)
					dst[n] = 42
					var idx []int64
					if withIdx {
						idx = make([]int64, n+1)
						idx[n] = 42
					}
					if err := maxPool2x2With(k, dst, idx, Planes{Data: x, RowStride: ldx, PlaneStride: ps}, planes, rows, cols, base, bstride, w); err != nil {
						t.Fatal(err)
					}
					name := fmt.Sprintf("%s/planes=%d/cols=%d/ldx=%d/idx=%v", tier, planes, cols, ldx, withIdx)
					if dst[n] != 42 || (withIdx && idx[n] != 42) {
						t.Fatalf("%s: wrote past the outputs", name)
					}
					for i := range want {
						if !sameF32(dst[i], want[i]) {
							t.Fatalf("%s: out[%d] = %v, want %v", name, i, dst[i], want[i])
						}
						p := int64(i / (rows * cols))
						// MaxPool's index counts dense planes of 2·rows·w.
						wi := wantIdx[i] - p*int64(2*rows*w)
						if withIdx && idx[i] != base+p*bstride+wi {
							t.Fatalf("%s: idx[%d] = %d, want %d", name, i, idx[i]-base-p*bstride, wi)
						}
					}
				}
			}
		}
	}
}

// rowsCase is one geometry for the row kernels.
type rowsCase struct{ planes, rows, w, lds, ldd, gap, sps, dps int }

func rowsCases(r *rand.Rand) []rowsCase {
	var cs []rowsCase
	for _, w := range []int{1, 2, 3, 7, 14, 15, 16, 17, 28, 31, 32, 33, 64, 65} {
		for _, rows := range []int{1, 2, 5} {
			for _, planes := range []int{1, 3} {
				gap := r.IntN(20)
				c := rowsCase{planes: planes, rows: rows, w: w, lds: 2*w + r.IntN(3), ldd: 2*w + gap + r.IntN(3), gap: gap}
				c.sps = rows*c.lds + r.IntN(4)
				c.dps = rows*c.ldd + r.IntN(4)
				cs = append(cs, c)
			}
		}
	}
	return cs
}

// filled returns n elements of 100+i, one element into a larger slice
// (unaligned).
func filled(n int) []float32 {
	s := make([]float32, n+1)[1:]
	for i := range s {
		s[i] = 100 + float32(i)
	}
	return s
}

// TestRowKernels compares every tier's PadRows, Repeat2Rows, SplitRows
// and InterleaveRows with their generic twins on odd widths, gaps,
// pitches and plane strides: destinations start filled with sentinels,
// so a write the twin does not make (past a row, past a gap, past the
// last row of a plane) shows up. The generic twins are checked against
// the definitions.
func TestRowKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	same := func(name string, got, want []float32) {
		t.Helper()
		for i := range want {
			if !sameF32(got[i], want[i]) {
				t.Fatalf("%s: element %d = %v, generic %v", name, i, got[i], want[i])
			}
		}
	}
	gen := &moveKernels{}
	for _, tier := range Tiers() {
		k := moveFor(tier)
		for _, c := range rowsCases(r) {
			name := fmt.Sprintf("%s/%+v", tier, c)
			src := Planes{Data: filled(c.planes * c.sps), RowStride: c.lds, PlaneStride: c.sps}
			dlen := c.planes*c.dps + 40
			dst := func() Planes { return Planes{Data: filled(dlen), RowStride: c.ldd, PlaneStride: c.dps} }

			got, want := dst(), dst()
			if err := padRowsWith(k, got, c.gap, src, c.planes, c.rows, c.w); err != nil {
				t.Fatal(err)
			}
			padRowsWith(gen, want, c.gap, src, c.planes, c.rows, c.w)
			same("PadRows "+name, got.Data, want.Data)
			if c.rows > 1 && (want.Data[c.w] != 0 && c.gap > 0 || want.Data[c.w-1] != src.Data[c.w-1]) {
				t.Fatalf("PadRows generic %s: row 0 = %v", name, want.Data[:c.ldd])
			}

			got, want = dst(), dst()
			if err := repeat2RowsWith(k, got, c.gap, src, c.planes, c.rows, c.w); err != nil {
				t.Fatal(err)
			}
			repeat2RowsWith(gen, want, c.gap, src, c.planes, c.rows, c.w)
			same("Repeat2Rows "+name, got.Data, want.Data)
			for i := 0; i < 2*c.w && c.planes > 1; i++ {
				if want.Data[c.dps+i] != src.Data[c.sps+i/2] {
					t.Fatalf("Repeat2Rows generic %s: element %d of plane 1 = %v, want %v", name, i, want.Data[c.dps+i], src.Data[c.sps+i/2])
				}
			}

			ne := (c.w + 1) / 2
			for _, no := range []int{c.w / 2, ne} { // odd and even widths
				gotE, gotO, wantE, wantO := dst(), dst(), dst(), dst()
				if err := splitRowsWith(k, gotE, gotO, c.gap, max(0, c.gap-1), src, c.planes, c.rows, ne, no); err != nil {
					t.Fatal(err)
				}
				splitRowsWith(gen, wantE, wantO, c.gap, max(0, c.gap-1), src, c.planes, c.rows, ne, no)
				same("SplitRows even "+name, gotE.Data, wantE.Data)
				same("SplitRows odd "+name, gotO.Data, wantO.Data)
				if no > 0 && (wantE.Data[0] != src.Data[0] || wantO.Data[0] != src.Data[1]) {
					t.Fatalf("SplitRows generic %s: first elements %v, %v", name, wantE.Data[0], wantO.Data[0])
				}

				odd := Planes{Data: filled(c.planes*c.sps + 7), RowStride: c.lds + 1, PlaneStride: c.sps + 2}
				got, want := dst(), dst()
				if err := interleaveRowsWith(k, got, src, odd, c.planes, c.rows, ne, no); err != nil {
					t.Fatal(err)
				}
				interleaveRowsWith(gen, want, src, odd, c.planes, c.rows, ne, no)
				same("InterleaveRows "+name, got.Data, want.Data)
				for i := 0; i < ne+no; i++ {
					w := src.Data[i/2]
					if i%2 == 1 {
						w = odd.Data[i/2]
					}
					if want.Data[i] != w {
						t.Fatalf("InterleaveRows generic %s: element %d = %v, want %v", name, i, want.Data[i], w)
					}
				}
			}
		}
	}
	bad := Planes{Data: make([]float32, 10), RowStride: 4}
	for _, err := range []error{
		PadRows(bad, 1, bad, 1, 3, 4),
		SplitRows(Planes{Data: make([]float32, 4), RowStride: 4}, Planes{Data: make([]float32, 4), RowStride: 4}, 0, 0, Planes{Data: make([]float32, 8), RowStride: 8}, 1, 1, 3, 1),
		InterleaveRows(Planes{Data: make([]float32, 3), RowStride: 4}, bad, bad, 1, 1, 2, 2),
		MaxPool2x2(make([]float32, 4), nil, bad, 1, 2, 2, 0, 0, 4),
	} {
		if err == nil {
			t.Error("bad arguments: no error")
		}
	}
}

// BenchmarkMaxPool2x2 reports GB/s of input read by the 2×2 pooling of a
// conv-autoencoder layer (16 channels of 28×28, pitch 30), with and
// without indices:
//
//	go test ./asm -run '^$' -bench MaxPool2x2
func BenchmarkMaxPool2x2(b *testing.B) {
	const c, h, w, ldx = 16, 28, 28, 30
	x := Planes{Data: make([]float32, c*h*ldx), RowStride: ldx, PlaneStride: h * ldx}
	for i := range x.Data {
		x.Data[i] = float32(i % 13)
	}
	dst := make([]float32, c*(h/2)*(w/2))
	idx := make([]int64, len(dst))
	for _, tier := range Tiers() {
		k := moveFor(tier)
		for _, withIdx := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/idx=%v", tier, withIdx), func(b *testing.B) {
				var id []int64
				if withIdx {
					id = idx
				}
				b.SetBytes(int64(4 * c * h * w))
				for b.Loop() {
					maxPool2x2With(k, dst, id, x, c, h/2, w/2, 0, int64(h*w), w)
				}
			})
		}
	}
}

// BenchmarkRowKernels reports GB/s written by the padded copy of a
// conv-autoencoder layer's input (16 channels of 14×14 into pitch 16)
// and by its 2× upsampling.
func BenchmarkRowKernels(b *testing.B) {
	const c, h, w, wq = 16, 14, 14, 16
	src := Planes{Data: make([]float32, c*h*w), RowStride: w, PlaneStride: h * w}
	dst := Planes{Data: make([]float32, c*2*h*2*wq), RowStride: wq, PlaneStride: h * wq}
	for _, tier := range Tiers() {
		k := moveFor(tier)
		b.Run("PadRows/"+tier.String(), func(b *testing.B) {
			b.SetBytes(int64(4 * c * h * w))
			for b.Loop() {
				padRowsWith(k, dst, wq-w, src, c, h, w)
			}
		})
		up := Planes{Data: dst.Data, RowStride: 4 * wq, PlaneStride: 4 * h * wq}
		b.Run("Repeat2Rows/"+tier.String(), func(b *testing.B) {
			b.SetBytes(int64(8 * c * h * w))
			for b.Loop() {
				repeat2RowsWith(k, up, 2*wq-2*w, src, c, h, w)
			}
		})
	}
}

// TestMaxPoolFastPaths checks MaxPool and UpsampleNearest on the
// geometries they hand to the row kernels (2×2 stride-2 pooling whose
// windows all lie inside the plane, 2× upsampling of rows) against the
// direct definitions, next to geometries that must not take them (ceil
// mode with a window over the edge, column-major indices).
func TestMaxPoolFastPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, c := range []struct {
		h, w   int
		ceil   bool
		colMaj bool
	}{{4, 6, false, false}, {5, 7, false, false}, {5, 7, true, false}, {28, 28, false, false}, {14, 34, false, true}} {
		win, err := NewWindow([]int{c.h, c.w}, []int{2, 2}, &WindowOptions{Strides: []int{2, 2}, CeilMode: c.ceil})
		if err != nil {
			t.Fatal(err)
		}
		planes := 3
		x := make([]float32, planes*win.InSize())
		for i := range x {
			x[i] = float32(r.IntN(7))
		}
		y := make([]float32, planes*win.OutSize())
		idx := make([]int64, len(y))
		if err := MaxPool(y, idx, x, win, planes, c.colMaj); err != nil {
			t.Fatal(err)
		}
		for p := 0; p < planes; p++ {
			want, wi := naivePool(x[p*win.InSize():(p+1)*win.InSize()], win, true, false)
			for o, wv := range want {
				k := p*win.OutSize() + o
				wantIdx := int64(p*win.InSize() + wi[o])
				if c.colMaj {
					wantIdx = int64(p*win.InSize() + (wi[o]%c.w)*c.h + wi[o]/c.w)
				}
				if y[k] != wv || idx[k] != wantIdx {
					t.Fatalf("%+v: plane %d out %d = %v @%d, want %v @%d", c, p, o, y[k], idx[k], wv, wantIdx)
				}
			}
		}
	}
}
