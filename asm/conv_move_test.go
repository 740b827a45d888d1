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

// TestMaxPool2x2 compares every tier's 2×2 pooling with a direct
// evaluation of MaxPool's rules (asm.MaxPool on the same rows), on odd
// widths, padded pitches, ties, signed zeros and NaNs, and checks that
// nothing past the outputs is written.
func TestMaxPool2x2(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	negZero := float32(math.Copysign(0, -1))
	specials := []float32{0, negZero, 0, negZero, 1, float32(math.NaN()), float32(math.Inf(-1)), float32(math.Inf(1))}
	for _, tier := range Tiers() {
		k := moveFor(tier)
		for _, cols := range []int{1, 2, 3, 7, 14, 15, 16, 17, 31, 32, 33, 64, 65} {
			for _, pad := range []int{0, 1, 2, 5} {
				rows := 1 + r.IntN(4)
				w := 2*cols + r.IntN(2) // plane width (an odd width drops its last column)
				ldx := w + pad
				x := make([]float32, 2*rows*ldx+3)[1:] // unaligned
				for i := range x {
					if r.IntN(2) == 0 {
						x[i] = specials[r.IntN(len(specials))]
					} else {
						x[i] = float32(r.IntN(5)) // many ties
					}
				}
				// Reference: asm.MaxPool on the dense rows·2 × w plane.
				plane := make([]float32, 2*rows*w)
				for y := 0; y < 2*rows; y++ {
					copy(plane[y*w:(y+1)*w], x[y*ldx:y*ldx+w])
				}
				win, err := NewWindow([]int{2 * rows, w}, []int{2, 2}, &WindowOptions{Strides: []int{2, 2}})
				if err != nil {
					t.Fatal(err)
				}
				want := make([]float32, rows*cols)
				wantIdx := make([]int64, rows*cols)
				if err := MaxPool(want, wantIdx, plane, win, 1, false); err != nil {
					t.Fatal(err)
				}
				const base = 1 << 33
				for _, withIdx := range []bool{false, true} {
					dst := make([]float32, rows*cols+1)
					dst[rows*cols] = 42
					var idx []int64
					if withIdx {
						idx = make([]int64, rows*cols+1)
						idx[rows*cols] = 42
					}
					if err := maxPool2x2With(k, dst, idx, x, ldx, rows, cols, base, w); err != nil {
						t.Fatal(err)
					}
					name := fmt.Sprintf("%s/cols=%d/ldx=%d/idx=%v", tier, cols, ldx, withIdx)
					if dst[rows*cols] != 42 || (withIdx && idx[rows*cols] != 42) {
						t.Fatalf("%s: wrote past the outputs", name)
					}
					for i := range want {
						if !sameF32(dst[i], want[i]) {
							t.Fatalf("%s: out[%d] = %v, want %v", name, i, dst[i], want[i])
						}
						if withIdx && idx[i] != base+wantIdx[i] {
							t.Fatalf("%s: idx[%d] = %d, want %d", name, i, idx[i]-base, wantIdx[i])
						}
					}
				}
			}
		}
	}
}

// rowsCase is one geometry for the row kernels.
type rowsCase struct{ rows, w, lds, ldd, gap int }

func rowsCases(r *rand.Rand) []rowsCase {
	var cs []rowsCase
	for _, w := range []int{1, 2, 3, 7, 14, 15, 16, 17, 28, 31, 32, 33, 64, 65} {
		for _, rows := range []int{1, 2, 5} {
			gap := r.IntN(20)
			cs = append(cs, rowsCase{rows: rows, w: w, lds: w + r.IntN(3), ldd: w + gap + r.IntN(3), gap: gap})
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
// and InterleaveRows with their generic twins on odd widths, gaps and
// pitches: destinations start filled with sentinels, so a write the twin
// does not make (past a row, past a gap, past the last row) shows up.
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
	for _, tier := range Tiers() {
		k := moveFor(tier)
		gen := &moveKernels{}
		for _, c := range rowsCases(r) {
			name := fmt.Sprintf("%s/%+v", tier, c)
			dlen := (c.rows-1)*c.ldd + 2*c.w + c.gap + 40
			src := filled((c.rows-1)*(c.lds+c.w) + 2*c.w + 1)

			got, want := filled(dlen), filled(dlen)
			if err := padRowsWith(k, got, c.ldd, c.gap, src, c.lds, c.rows, c.w); err != nil {
				t.Fatal(err)
			}
			padRowsWith(gen, want, c.ldd, c.gap, src, c.lds, c.rows, c.w)
			same("PadRows "+name, got, want)

			ldd2 := c.ldd + c.w // room for 2w
			got, want = filled((c.rows-1)*ldd2+2*c.w+c.gap+40), filled((c.rows-1)*ldd2+2*c.w+c.gap+40)
			if err := repeat2RowsWith(k, got, ldd2, c.gap, src, c.lds, c.rows, c.w); err != nil {
				t.Fatal(err)
			}
			repeat2RowsWith(gen, want, ldd2, c.gap, src, c.lds, c.rows, c.w)
			same("Repeat2Rows "+name, got, want)
			for i := 0; i < 2*c.w; i++ {
				if want[i] != src[i/2] {
					t.Fatalf("Repeat2Rows generic %s: element %d = %v, want %v", name, i, want[i], src[i/2])
				}
			}

			ne, no := (c.w+1)/2, c.w/2
			for _, no := range []int{no, ne} { // odd and even widths
				gotE, gotO, wantE, wantO := filled(dlen), filled(dlen), filled(dlen), filled(dlen)
				if err := splitRowsWith(k, gotE, gotO, c.ldd, c.gap, max(0, c.gap-1), src, c.lds+c.w, c.rows, ne, no); err != nil {
					t.Fatal(err)
				}
				splitRowsWith(gen, wantE, wantO, c.ldd, c.gap, max(0, c.gap-1), src, c.lds+c.w, c.rows, ne, no)
				same("SplitRows even "+name, gotE, wantE)
				same("SplitRows odd "+name, gotO, wantO)

				ldo := c.lds + 1
				even, odd := filled((c.rows-1)*c.lds+ne), filled((c.rows-1)*ldo+no)
				ldd := 2*c.w + c.gap
				got, want := filled((c.rows-1)*ldd+ne+no+40), filled((c.rows-1)*ldd+ne+no+40)
				if err := interleaveRowsWith(k, got, ldd, even, c.lds, odd, ldo, c.rows, ne, no); err != nil {
					t.Fatal(err)
				}
				interleaveRowsWith(gen, want, ldd, even, c.lds, odd, ldo, c.rows, ne, no)
				same("InterleaveRows "+name, got, want)
				for i := 0; i < ne+no; i++ {
					w := even[i/2]
					if i%2 == 1 {
						w = odd[i/2]
					}
					if want[i] != w {
						t.Fatalf("InterleaveRows generic %s: element %d = %v, want %v", name, i, want[i], w)
					}
				}
			}
		}
	}
	for _, err := range []error{
		RepeatEach(make([]float32, 3), make([]float32, 2), 2),
		PadRows(make([]float32, 10), 4, 1, make([]float32, 10), 4, 3, 4),
		SplitRows(make([]float32, 4), make([]float32, 4), 4, 0, 0, make([]float32, 8), 8, 1, 3, 1),
		InterleaveRows(make([]float32, 3), 4, make([]float32, 2), 2, make([]float32, 2), 2, 1, 2, 2),
		MaxPool2x2(make([]float32, 4), nil, make([]float32, 10), 4, 2, 2, 0, 4),
	} {
		if err == nil {
			t.Error("bad arguments: no error")
		}
	}
	dst := make([]float32, 6)
	if err := RepeatEach(dst, []float32{1, 2, 3}, 2); err != nil || dst[3] != 2 || dst[5] != 3 {
		t.Errorf("RepeatEach = %v, %v", dst, err)
	}
}

// BenchmarkMaxPool2x2 reports GB/s of input read by the 2×2 pooling of a
// conv-autoencoder plane (16 channels of 28×28, pitch 30), with and
// without indices:
//
//	go test ./asm -run '^$' -bench MaxPool2x2
func BenchmarkMaxPool2x2(b *testing.B) {
	const c, h, w, ldx = 16, 28, 28, 30
	x := make([]float32, c*h*ldx)
	for i := range x {
		x[i] = float32(i % 13)
	}
	dst := make([]float32, c*(h/2)*(w/2))
	idx := make([]int64, len(dst))
	for _, tier := range Tiers() {
		k := moveFor(tier)
		for _, withIdx := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/idx=%v", tier, withIdx), func(b *testing.B) {
				b.SetBytes(int64(4 * c * h * w))
				for b.Loop() {
					for ch := 0; ch < c; ch++ {
						var id []int64
						if withIdx {
							id = idx[ch*(h/2)*(w/2):]
						}
						maxPool2x2With(k, dst[ch*(h/2)*(w/2):], id, x[ch*h*ldx:], ldx, h/2, w/2, 0, w)
					}
				}
			})
		}
	}
}

// BenchmarkRepeatEach reports GB/s written by a 2× nearest upsampling row.
func BenchmarkRepeatEach(b *testing.B) {
	src := make([]float32, 14*8*14)
	dst := make([]float32, 2*len(src))
	for _, tier := range Tiers() {
		k := moveFor(tier)
		b.Run(tier.String(), func(b *testing.B) {
			b.SetBytes(int64(4 * len(dst)))
			for b.Loop() {
				for i := 0; i < len(src); i += 14 {
					repeat2RowsWith(k, dst[2*i:2*i+28], 28, 0, src[i:i+14], 14, 1, 14)
				}
			}
		})
	}
}
