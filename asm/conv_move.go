package asm

import "fmt"

// moveKernels are one tier's data-movement kernels for convolution
// regions; nil entries use the generic twins.
type moveKernels struct {
	maxPool2x2     func(rows, n int, x *float32, ld int, dst *float32)
	maxPool2x2Idx  func(rows, n int, x *float32, ld int, dst *float32, idx *int64, base int64, w int)
	dup2           func(rows, n int, src *float32, lds int, dst *float32, ldd, gap int)
	padRows        func(rows, w int, src *float32, lds int, dst *float32, ldd, gap int)
	splitRows      func(rows, ne, no int, src *float32, lds int, even, odd *float32, ldd, gape, gapo int)
	interleaveRows func(rows, ne, no int, even *float32, lde int, odd *float32, ldo int, dst *float32, ldd int)
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
	switch {
	case idx == nil && k.maxPool2x2 != nil:
		k.maxPool2x2(rows, cols, &x[0], ldx, &dst[0])
	case idx != nil && k.maxPool2x2Idx != nil:
		k.maxPool2x2Idx(rows, cols, &x[0], ldx, &dst[0], &idx[0], base, w)
	default:
		for i := 0; i < rows; i++ {
			var ix []int64
			if idx != nil {
				ix = idx[i*cols : (i+1)*cols]
			}
			maxPool2x2Generic(cols, x[2*i*ldx:], ldx, dst[i*cols:(i+1)*cols], ix, base+int64(2*i*w), w)
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
	if f < 1 || len(dst) != f*len(src) {
		return fmt.Errorf("asm: RepeatEach: %d elements for %d repeated %d times", len(dst), len(src), f)
	}
	if f == 2 {
		return repeat2RowsWith(activeMove, dst, len(dst), 0, src, len(src), 1, len(src))
	}
	repeatEachGeneric(dst, src, f)
	return nil
}

// repeatEachGeneric is RepeatEach's generic twin.
func repeatEachGeneric(dst, src []float32, f int) {
	o := 0
	for _, v := range src {
		for k := 0; k < f; k++ {
			dst[o+k] = v
		}
		o += f
	}
}

// checkRows checks that a holds rows rows of w elements ld apart, with
// gap more elements after every row but the last.
func checkRows(fn, name string, a []float32, ld, gap, rows, w int) error {
	if rows < 0 || w < 0 || gap < 0 || (rows > 1 && ld < w+gap) {
		return fmt.Errorf("asm: %s: %s: %d rows of %d (+%d) elements %d apart", fn, name, rows, w, gap, ld)
	}
	if rows > 0 && len(a) < (rows-1)*ld+w {
		return fmt.Errorf("asm: %s: %s has %d elements, want %d rows of %d, %d apart", fn, name, len(a), rows, w, ld)
	}
	return nil
}

// PadRows copies rows rows of w elements of src (rows lds apart) into
// dst (rows ldd apart) and sets the gap elements after each row but the
// last to zero: the rows of a zero-padded plane, whose right padding and
// the next row's left padding form one gap.
func PadRows(dst []float32, ldd, gap int, src []float32, lds, rows, w int) error {
	return padRowsWith(activeMove, dst, ldd, gap, src, lds, rows, w)
}

func padRowsWith(k *moveKernels, dst []float32, ldd, gap int, src []float32, lds, rows, w int) error {
	if err := checkRows("PadRows", "dst", dst, ldd, gap, rows, w); err != nil {
		return err
	}
	if err := checkRows("PadRows", "src", src, lds, 0, rows, w); err != nil {
		return err
	}
	if rows == 0 || (w == 0 && (gap == 0 || rows == 1)) {
		return nil
	}
	if k.padRows != nil && w > 0 {
		k.padRows(rows, w, &src[0], lds, &dst[0], ldd, gap)
		return nil
	}
	padRowsGeneric(dst, ldd, gap, src, lds, rows, w)
	return nil
}

// padRowsGeneric is PadRows's generic twin.
func padRowsGeneric(dst []float32, ldd, gap int, src []float32, lds, rows, w int) {
	for r := 0; r < rows; r++ {
		copy(dst[r*ldd:r*ldd+w], src[r*lds:r*lds+w])
		if r < rows-1 {
			clear(dst[r*ldd+w : r*ldd+w+gap])
		}
	}
}

// Repeat2Rows writes rows rows of n elements of src (rows lds apart),
// every element twice (dst[r·ldd+2i] = dst[r·ldd+2i+1] = src[r·lds+i]),
// into dst (rows ldd apart), and sets the gap elements after each row but
// the last to zero: 2× nearest-neighbour upsampling along a row, into a
// padded plane.
func Repeat2Rows(dst []float32, ldd, gap int, src []float32, lds, rows, n int) error {
	return repeat2RowsWith(activeMove, dst, ldd, gap, src, lds, rows, n)
}

func repeat2RowsWith(k *moveKernels, dst []float32, ldd, gap int, src []float32, lds, rows, n int) error {
	if err := checkRows("Repeat2Rows", "dst", dst, ldd, gap, rows, 2*n); err != nil {
		return err
	}
	if err := checkRows("Repeat2Rows", "src", src, lds, 0, rows, n); err != nil {
		return err
	}
	if rows == 0 || n == 0 {
		if n == 0 && rows > 1 {
			repeat2RowsGeneric(dst, ldd, gap, src, lds, rows, n)
		}
		return nil
	}
	if k.dup2 != nil {
		k.dup2(rows, n, &src[0], lds, &dst[0], ldd, gap)
		return nil
	}
	repeat2RowsGeneric(dst, ldd, gap, src, lds, rows, n)
	return nil
}

// repeat2RowsGeneric is Repeat2Rows's generic twin.
func repeat2RowsGeneric(dst []float32, ldd, gap int, src []float32, lds, rows, n int) {
	for r := 0; r < rows; r++ {
		repeatEachGeneric(dst[r*ldd:r*ldd+2*n], src[r*lds:r*lds+n], 2)
		if r < rows-1 {
			clear(dst[r*ldd+2*n : r*ldd+2*n+gap])
		}
	}
}

// SplitRows splits each of rows rows of ne+no elements of src (rows lds
// apart; ne = no or no+1) into its even elements, even[r·ldd+i] =
// src[r·lds+2i] for i < ne, and its odd ones, odd[r·ldd+i] =
// src[r·lds+2i+1] for i < no, and sets the gapE elements after each even
// row and the gapO after each odd row, but the last, to zero: the column
// phases of a stride-2 convolution's padded input.
func SplitRows(even, odd []float32, ldd, gapE, gapO int, src []float32, lds, rows, ne, no int) error {
	return splitRowsWith(activeMove, even, odd, ldd, gapE, gapO, src, lds, rows, ne, no)
}

func splitRowsWith(k *moveKernels, even, odd []float32, ldd, gapE, gapO int, src []float32, lds, rows, ne, no int) error {
	if ne != no && ne != no+1 {
		return fmt.Errorf("asm: SplitRows: %d even and %d odd elements", ne, no)
	}
	if err := checkRows("SplitRows", "even", even, ldd, gapE, rows, ne); err != nil {
		return err
	}
	if err := checkRows("SplitRows", "odd", odd, ldd, gapO, rows, no); err != nil {
		return err
	}
	if err := checkRows("SplitRows", "src", src, lds, 0, rows, ne+no); err != nil {
		return err
	}
	if rows == 0 {
		return nil
	}
	if k.splitRows != nil && ne > 0 && no > 0 {
		k.splitRows(rows, ne, no, &src[0], lds, &even[0], &odd[0], ldd, gapE, gapO)
		return nil
	}
	splitRowsGeneric(even, odd, ldd, gapE, gapO, src, lds, rows, ne, no)
	return nil
}

// splitRowsGeneric is SplitRows's generic twin.
func splitRowsGeneric(even, odd []float32, ldd, gapE, gapO int, src []float32, lds, rows, ne, no int) {
	for r := 0; r < rows; r++ {
		s := src[r*lds:]
		for i := 0; i < ne; i++ {
			even[r*ldd+i] = s[2*i]
		}
		for i := 0; i < no; i++ {
			odd[r*ldd+i] = s[2*i+1]
		}
		if r < rows-1 {
			clear(even[r*ldd+ne : r*ldd+ne+gapE])
			clear(odd[r*ldd+no : r*ldd+no+gapO])
		}
	}
}

// InterleaveRows merges rows rows of even elements (rows lde apart) and
// odd elements (ldo apart) into dst (rows ldd apart): dst[r·ldd+2i] =
// even[r·lde+i] for i < ne and dst[r·ldd+2i+1] = odd[r·ldo+i] for i < no
// (ne = no or no+1): the two column phases of a stride-2 transposed
// convolution's output row.
func InterleaveRows(dst []float32, ldd int, even []float32, lde int, odd []float32, ldo int, rows, ne, no int) error {
	return interleaveRowsWith(activeMove, dst, ldd, even, lde, odd, ldo, rows, ne, no)
}

func interleaveRowsWith(k *moveKernels, dst []float32, ldd int, even []float32, lde int, odd []float32, ldo int, rows, ne, no int) error {
	if ne != no && ne != no+1 {
		return fmt.Errorf("asm: InterleaveRows: %d even and %d odd elements", ne, no)
	}
	if err := checkRows("InterleaveRows", "dst", dst, ldd, 0, rows, ne+no); err != nil {
		return err
	}
	if err := checkRows("InterleaveRows", "even", even, lde, 0, rows, ne); err != nil {
		return err
	}
	if err := checkRows("InterleaveRows", "odd", odd, ldo, 0, rows, no); err != nil {
		return err
	}
	if rows == 0 || ne == 0 {
		return nil
	}
	if k.interleaveRows != nil && no > 0 {
		k.interleaveRows(rows, ne, no, &even[0], lde, &odd[0], ldo, &dst[0], ldd)
		return nil
	}
	interleaveRowsGeneric(dst, ldd, even, lde, odd, ldo, rows, ne, no)
	return nil
}

// interleaveRowsGeneric is InterleaveRows's generic twin.
func interleaveRowsGeneric(dst []float32, ldd int, even []float32, lde int, odd []float32, ldo int, rows, ne, no int) {
	for r := 0; r < rows; r++ {
		d := dst[r*ldd:]
		for i := 0; i < ne; i++ {
			d[2*i] = even[r*lde+i]
		}
		for i := 0; i < no; i++ {
			d[2*i+1] = odd[r*ldo+i]
		}
	}
}
