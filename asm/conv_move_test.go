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

// TestRepeatEachSplitEvenOdd checks every tier's upsampling row and
// even/odd split against their definitions on odd lengths, with guards
// past the ends.
func TestRepeatEachSplitEvenOdd(t *testing.T) {
	for _, tier := range Tiers() {
		k := moveFor(tier)
		for _, n := range []int{0, 1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100} {
			src := make([]float32, n+1)[1:]
			for i := range src {
				src[i] = float32(i) + 0.5
			}
			for _, f := range []int{1, 2, 3} {
				dst := make([]float32, f*n+1)
				dst[f*n] = -1
				if err := repeatEachWith(k, dst[:f*n], src, f); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < f*n; i++ {
					if dst[i] != src[i/f] {
						t.Fatalf("%s RepeatEach n=%d f=%d: dst[%d] = %v, want %v", tier, n, f, i, dst[i], src[i/f])
					}
				}
				if dst[f*n] != -1 {
					t.Fatalf("%s RepeatEach n=%d f=%d: wrote past the end", tier, n, f)
				}
			}
			even := make([]float32, (n+1)/2+1)
			odd := make([]float32, n/2+1)
			even[len(even)-1], odd[len(odd)-1] = -1, -1
			if err := splitEvenOddWith(k, even[:len(even)-1], odd[:len(odd)-1], src); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				got := even[i/2]
				if i%2 == 1 {
					got = odd[i/2]
				}
				if got != src[i] {
					t.Fatalf("%s SplitEvenOdd n=%d: element %d = %v, want %v", tier, n, i, got, src[i])
				}
			}
			if even[len(even)-1] != -1 || odd[len(odd)-1] != -1 {
				t.Fatalf("%s SplitEvenOdd n=%d: wrote past the end", tier, n)
			}
		}
	}
	if err := RepeatEach(make([]float32, 3), make([]float32, 2), 2); err == nil {
		t.Error("RepeatEach: no error for a wrong length")
	}
	if err := SplitEvenOdd(make([]float32, 1), make([]float32, 1), make([]float32, 3)); err == nil {
		t.Error("SplitEvenOdd: no error for a wrong length")
	}
	if err := MaxPool2x2(make([]float32, 4), nil, make([]float32, 10), 4, 2, 2, 0, 4); err == nil {
		t.Error("MaxPool2x2: no error for a short input")
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
					repeatEachWith(k, dst[2*i:2*i+28], src[i:i+14], 2)
				}
			}
		})
	}
}
