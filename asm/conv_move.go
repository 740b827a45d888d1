package asm

import "fmt"

// moveKernels are one tier's data-movement kernels for convolution
// regions; nil entries use the generic twins.
type moveKernels struct {
	maxPool2x2    func(n int, x *float32, ld int, dst *float32)
	maxPool2x2Idx func(n int, x *float32, ld int, dst *float32, idx *int64, base int64, w int)
	dup2          func(n int, src, dst *float32)
	deinterleave2 func(ne, no int, src, even, odd *float32)
}

// moveFor returns tier t's data-movement kernels.
func moveFor(t Tier) *moveKernels {
	if k := archMove(t); k != nil {
		return k
	}
	return &moveKernels{}
}

var activeMove = moveFor(Active())

// MaxPool2x2 computes a 2×2, stride-2 max pool of rows·2 input rows into
// rows×cols outputs: output (i, j), at dst[i*cols+j], is the largest of
// x[2i·ldx + 2j], x[2i·ldx + 2j+1], x[(2i+1)·ldx + 2j] and
// x[(2i+1)·ldx + 2j+1], in that order, as MaxPool chooses: a NaN wins
// (the first one), ties go to the first. If idx is not nil it receives
// the chosen element's ONNX index base + (2i+dy)·w + 2j+dx, where w is
// the width of the pooled plane (ldx may be larger: a padded pitch). x
// must hold (2·rows-1)·ldx + 2·cols elements.
func MaxPool2x2(dst []float32, idx []int64, x []float32, ldx, rows, cols int, base int64, w int) error {
	return maxPool2x2With(activeMove, dst, idx, x, ldx, rows, cols, base, w)
}

func maxPool2x2With(k *moveKernels, dst []float32, idx []int64, x []float32, ldx, rows, cols int, base int64, w int) error {
	if rows < 0 || cols < 0 || ldx < 2*cols || w < 2*cols {
		return fmt.Errorf("asm: MaxPool2x2: %d×%d outputs from rows %d apart of width %d", rows, cols, ldx, w)
	}
	if rows == 0 || cols == 0 {
		return nil
	}
	if len(dst) < rows*cols || (idx != nil && len(idx) < rows*cols) || len(x) < (2*rows-1)*ldx+2*cols {
		return fmt.Errorf("asm: MaxPool2x2: %d outputs, %d indices, %d inputs for %d×%d outputs from rows %d apart", len(dst), len(idx), len(x), rows, cols, ldx)
	}
	for i := 0; i < rows; i++ {
		xi := x[2*i*ldx:]
		d := dst[i*cols : (i+1)*cols]
		switch {
		case idx == nil && k.maxPool2x2 != nil:
			k.maxPool2x2(cols, &xi[0], ldx, &d[0])
		case idx == nil:
			maxPool2x2Generic(cols, xi, ldx, d, nil, 0, w)
		case k.maxPool2x2Idx != nil:
			k.maxPool2x2Idx(cols, &xi[0], ldx, &d[0], &idx[i*cols], base+int64(2*i*w), w)
		default:
			maxPool2x2Generic(cols, xi, ldx, d, idx[i*cols:(i+1)*cols], base+int64(2*i*w), w)
		}
	}
	return nil
}

// maxPool2x2Generic pools one output row: n outputs from the rows x[0:]
// and x[ld:]; idx, if not nil, gets base + dy·w + 2j+dx.
func maxPool2x2Generic(n int, x []float32, ld int, dst []float32, idx []int64, base int64, w int) {
	top, bot := x[:2*n], x[ld:ld+2*n]
	for j := 0; j < n; j++ {
		m, code := top[2*j], 0
		for c, v := range [3]float32{top[2*j+1], bot[2*j], bot[2*j+1]} {
			if v > m || (v != v && m == m) {
				m, code = v, c+1
			}
		}
		dst[j] = m
		if idx != nil {
			off := 2*j + code&1
			if code >= 2 {
				off += w
			}
			idx[j] = base + int64(off)
		}
	}
}

// RepeatEach sets dst[i·f+k] = src[i] for k < f: one row of a
// nearest-neighbour upsampling by f. len(dst) must be f·len(src).
func RepeatEach(dst, src []float32, f int) error {
	return repeatEachWith(activeMove, dst, src, f)
}

func repeatEachWith(k *moveKernels, dst, src []float32, f int) error {
	if f < 1 || len(dst) != f*len(src) {
		return fmt.Errorf("asm: RepeatEach: %d elements for %d repeated %d times", len(dst), len(src), f)
	}
	switch {
	case len(src) == 0:
	case f == 1:
		copy(dst, src)
	case f == 2 && k.dup2 != nil:
		k.dup2(len(src), &src[0], &dst[0])
	default:
		repeatEachGeneric(dst, src, f)
	}
	return nil
}

// repeatEachGeneric is RepeatEach's generic twin (dup2's for f = 2).
func repeatEachGeneric(dst, src []float32, f int) {
	o := 0
	for _, v := range src {
		for k := 0; k < f; k++ {
			dst[o+k] = v
		}
		o += f
	}
}

// SplitEvenOdd copies the even-indexed elements of src to even and the
// odd-indexed ones to odd: even[i] = src[2i], odd[i] = src[2i+1].
// len(even) must be (len(src)+1)/2 and len(odd) len(src)/2.
func SplitEvenOdd(even, odd, src []float32) error {
	return splitEvenOddWith(activeMove, even, odd, src)
}

func splitEvenOddWith(k *moveKernels, even, odd, src []float32) error {
	if len(even) != (len(src)+1)/2 || len(odd) != len(src)/2 {
		return fmt.Errorf("asm: SplitEvenOdd: %d and %d elements for %d", len(even), len(odd), len(src))
	}
	switch {
	case len(src) == 0:
	case k.deinterleave2 != nil:
		var o *float32
		if len(odd) > 0 {
			o = &odd[0]
		}
		k.deinterleave2(len(even), len(odd), &src[0], &even[0], o)
	default:
		deinterleave2Generic(even, odd, src)
	}
	return nil
}

// deinterleave2Generic is SplitEvenOdd's generic twin.
func deinterleave2Generic(even, odd, src []float32) {
	for i := range even {
		even[i] = src[2*i]
	}
	for i := range odd {
		odd[i] = src[2*i+1]
	}
}
