package asm

import "fmt"

// moveKernels are one tier's data-movement kernels for convolution
// regions; nil entries use the generic twins. Every kernel loops over
// planes of rows; strides are in elements.
type moveKernels struct {
	maxPool2x2     func(planes, rows, n int, x *float32, ld, xps int, dst *float32, dps int)
	maxPool2x2Idx  func(planes, rows, n int, x *float32, ld, xps int, dst *float32, dps int, idx *int64, base, bps int64, w int)
	dup2           func(planes, rows, n int, src *float32, lds, sps int, dst *float32, ldd, dps, gap int)
	padRows        func(planes, rows, w int, src *float32, lds, sps int, dst *float32, ldd, dps, gap int)
	splitRows      func(planes, rows, ne, no int, src *float32, lds, sps int, even, odd *float32, ldd, dps, gape, gapo int)
	interleaveRows func(planes, rows, ne, no int, even *float32, lde, eps int, odd *float32, ldo, ops int, dst *float32, ldd, dps int)
}

// moveFor returns tier t's data-movement kernels.
func moveFor(t Tier) *moveKernels {
	if k := archMove(t); k != nil {
		return k
	}
	return &moveKernels{}
}

var activeMove = moveFor(Active())

// Planes addresses planes of rows in a slice: element i of row r of plane
// p is Data[p·PlaneStride + r·RowStride + i]. The row kernels read and
// write through it.
type Planes struct {
	Data                   []float32
	RowStride, PlaneStride int
}

// check reports whether p holds planes planes of rows rows of w
// elements, with gap more elements after every row but the last of a
// plane.
func (p *Planes) check(fn, name string, gap, planes, rows, w int) error {
	if planes < 0 || rows < 0 || w < 0 || gap < 0 || p.RowStride < 0 || p.PlaneStride < 0 ||
		(rows > 1 && p.RowStride < w+gap) {
		return fmt.Errorf("asm: %s: %s: %d planes of %d rows of %d (+%d) elements, rows %d and planes %d apart", fn, name, planes, rows, w, gap, p.RowStride, p.PlaneStride)
	}
	if planes == 0 || rows == 0 || w == 0 {
		return nil
	}
	if planes-1 > maxWindowElems/max(1, p.PlaneStride) || rows-1 > maxWindowElems/max(1, p.RowStride) {
		return fmt.Errorf("asm: %s: %s: strides too large", fn, name)
	}
	if need := (planes-1)*p.PlaneStride + (rows-1)*p.RowStride + w; len(p.Data) < need {
		return fmt.Errorf("asm: %s: %s has %d elements, want %d (%d planes of %d rows of %d, rows %d and planes %d apart)", fn, name, len(p.Data), need, planes, rows, w, p.RowStride, p.PlaneStride)
	}
	return nil
}

// MaxPool2x2 computes 2×2, stride-2 max pools of planes planes of rows·2
// input rows each into rows×cols outputs per plane: output (p, i, j), at
// dst[(p·rows+i)·cols+j], is the largest of the four elements of x at
// rows 2i, 2i+1 and columns 2j, 2j+1 of plane p, in that order, as
// MaxPool chooses: a NaN wins (the first one), ties go to the first. If
// idx is not nil it receives the chosen element's ONNX index base +
// p·baseStride + (2i+dy)·w + 2j+dx, where w is the width of the pooled
// planes (x's row stride may be larger: a padded pitch).
func MaxPool2x2(dst []float32, idx []int64, x Planes, planes, rows, cols int, base, baseStride int64, w int) error {
	return maxPool2x2With(activeMove, dst, idx, x, planes, rows, cols, base, baseStride, w)
}

func maxPool2x2With(k *moveKernels, dst []float32, idx []int64, x Planes, planes, rows, cols int, base, baseStride int64, w int) error {
	if w < 2*cols {
		return fmt.Errorf("asm: MaxPool2x2: %d outputs per row from rows of width %d", cols, w)
	}
	if err := x.check("MaxPool2x2", "x", 0, planes, 2*rows, 2*cols); err != nil {
		return err
	}
	n := planes * rows * cols
	if len(dst) < n || (idx != nil && len(idx) < n) {
		return fmt.Errorf("asm: MaxPool2x2: %d outputs and %d indices for %d planes of %d×%d", len(dst), len(idx), planes, rows, cols)
	}
	if n == 0 {
		return nil
	}
	ld, ps := x.RowStride, x.PlaneStride
	switch {
	case idx == nil && k.maxPool2x2 != nil:
		k.maxPool2x2(planes, rows, cols, &x.Data[0], ld, ps, &dst[0], rows*cols)
	case idx != nil && k.maxPool2x2Idx != nil:
		k.maxPool2x2Idx(planes, rows, cols, &x.Data[0], ld, ps, &dst[0], rows*cols, &idx[0], base, baseStride, w)
	default:
		for p := 0; p < planes; p++ {
			for i := 0; i < rows; i++ {
				o := (p*rows + i) * cols
				var ix []int64
				if idx != nil {
					ix = idx[o : o+cols]
				}
				maxPool2x2Generic(cols, x.Data[p*ps+2*i*ld:], ld, dst[o:o+cols], ix, base+int64(p)*baseStride+int64(2*i*w), w)
			}
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

// repeatEachGeneric sets dst[i·f+k] = src[i] for k < f.
func repeatEachGeneric(dst, src []float32, f int) {
	o := 0
	for _, v := range src {
		for k := 0; k < f; k++ {
			dst[o+k] = v
		}
		o += f
	}
}

// PadRows copies planes planes of rows rows of w elements from src to
// dst and sets the gap elements after each row but the last of a plane
// to zero: the rows of zero-padded planes, where a row's right padding
// and the next row's left padding form one gap.
func PadRows(dst Planes, gap int, src Planes, planes, rows, w int) error {
	return padRowsWith(activeMove, dst, gap, src, planes, rows, w)
}

func padRowsWith(k *moveKernels, dst Planes, gap int, src Planes, planes, rows, w int) error {
	if err := dst.check("PadRows", "dst", gap, planes, rows, w); err != nil {
		return err
	}
	if err := src.check("PadRows", "src", 0, planes, rows, w); err != nil {
		return err
	}
	if planes == 0 || rows == 0 || (w == 0 && (gap == 0 || rows == 1)) {
		return nil
	}
	if k.padRows != nil && w > 0 {
		k.padRows(planes, rows, w, &src.Data[0], src.RowStride, src.PlaneStride, &dst.Data[0], dst.RowStride, dst.PlaneStride, gap)
		return nil
	}
	padRowsGeneric(dst, gap, src, planes, rows, w)
	return nil
}

// padRowsGeneric is PadRows's generic twin.
func padRowsGeneric(dst Planes, gap int, src Planes, planes, rows, w int) {
	for p := 0; p < planes; p++ {
		d, s := dst.Data[p*dst.PlaneStride:], src.Data[p*src.PlaneStride:]
		for r := 0; r < rows; r++ {
			o := r * dst.RowStride
			copy(d[o:o+w], s[r*src.RowStride:r*src.RowStride+w])
			if r < rows-1 {
				clear(d[o+w : o+w+gap])
			}
		}
	}
}

// Repeat2Rows writes planes planes of rows rows of n elements of src,
// every element twice (row r of plane p of dst gets src's elements
// 0, 0, 1, 1, ...), into dst, and sets the gap elements after each row
// but the last of a plane to zero: 2× nearest-neighbour upsampling along
// rows, into padded planes.
func Repeat2Rows(dst Planes, gap int, src Planes, planes, rows, n int) error {
	return repeat2RowsWith(activeMove, dst, gap, src, planes, rows, n)
}

func repeat2RowsWith(k *moveKernels, dst Planes, gap int, src Planes, planes, rows, n int) error {
	if err := dst.check("Repeat2Rows", "dst", gap, planes, rows, 2*n); err != nil {
		return err
	}
	if err := src.check("Repeat2Rows", "src", 0, planes, rows, n); err != nil {
		return err
	}
	if planes == 0 || rows == 0 {
		return nil
	}
	if k.dup2 != nil && n > 0 {
		k.dup2(planes, rows, n, &src.Data[0], src.RowStride, src.PlaneStride, &dst.Data[0], dst.RowStride, dst.PlaneStride, gap)
		return nil
	}
	repeat2RowsGeneric(dst, gap, src, planes, rows, n)
	return nil
}

// repeat2RowsGeneric is Repeat2Rows's generic twin.
func repeat2RowsGeneric(dst Planes, gap int, src Planes, planes, rows, n int) {
	for p := 0; p < planes; p++ {
		d, s := dst.Data[p*dst.PlaneStride:], src.Data[p*src.PlaneStride:]
		for r := 0; r < rows; r++ {
			o := r * dst.RowStride
			repeatEachGeneric(d[o:o+2*n], s[r*src.RowStride:r*src.RowStride+n], 2)
			if r < rows-1 {
				clear(d[o+2*n : o+2*n+gap])
			}
		}
	}
}

// SplitRows splits planes planes of rows rows of ne+no elements of src
// (ne = no or no+1) into their even elements, element i of a row of even
// being element 2i of src's row, and their odd elements, element i of a
// row of odd being element 2i+1, and sets the gapE elements after each
// even row and the gapO after each odd row, but the last of a plane, to
// zero: the column phases of a stride-2 convolution's padded input. even
// and odd must have the same strides.
func SplitRows(even, odd Planes, gapE, gapO int, src Planes, planes, rows, ne, no int) error {
	return splitRowsWith(activeMove, even, odd, gapE, gapO, src, planes, rows, ne, no)
}

func splitRowsWith(k *moveKernels, even, odd Planes, gapE, gapO int, src Planes, planes, rows, ne, no int) error {
	if ne != no && ne != no+1 {
		return fmt.Errorf("asm: SplitRows: %d even and %d odd elements", ne, no)
	}
	if even.RowStride != odd.RowStride || even.PlaneStride != odd.PlaneStride {
		return fmt.Errorf("asm: SplitRows: even and odd strides differ")
	}
	if err := even.check("SplitRows", "even", gapE, planes, rows, ne); err != nil {
		return err
	}
	if err := odd.check("SplitRows", "odd", gapO, planes, rows, no); err != nil {
		return err
	}
	if err := src.check("SplitRows", "src", 0, planes, rows, ne+no); err != nil {
		return err
	}
	if planes == 0 || rows == 0 {
		return nil
	}
	if k.splitRows != nil && no > 0 {
		k.splitRows(planes, rows, ne, no, &src.Data[0], src.RowStride, src.PlaneStride, &even.Data[0], &odd.Data[0], even.RowStride, even.PlaneStride, gapE, gapO)
		return nil
	}
	splitRowsGeneric(even, odd, gapE, gapO, src, planes, rows, ne, no)
	return nil
}

// splitRowsGeneric is SplitRows's generic twin.
func splitRowsGeneric(even, odd Planes, gapE, gapO int, src Planes, planes, rows, ne, no int) {
	for p := 0; p < planes; p++ {
		e, o, s := even.Data[p*even.PlaneStride:], odd.Data[p*odd.PlaneStride:], src.Data[p*src.PlaneStride:]
		for r := 0; r < rows; r++ {
			sr := s[r*src.RowStride:]
			er, or := e[r*even.RowStride:], o[r*odd.RowStride:]
			for i := 0; i < ne; i++ {
				er[i] = sr[2*i]
			}
			for i := 0; i < no; i++ {
				or[i] = sr[2*i+1]
			}
			if r < rows-1 {
				clear(er[ne : ne+gapE])
				clear(or[no : no+gapO])
			}
		}
	}
}

// InterleaveRows merges planes planes of rows rows of even and odd
// elements into dst: element 2i of a row of dst is element i of even's
// row and element 2i+1 is element i of odd's (ne = no or no+1): the two
// column phases of a stride-2 transposed convolution's output rows.
func InterleaveRows(dst, even, odd Planes, planes, rows, ne, no int) error {
	return interleaveRowsWith(activeMove, dst, even, odd, planes, rows, ne, no)
}

func interleaveRowsWith(k *moveKernels, dst, even, odd Planes, planes, rows, ne, no int) error {
	if ne != no && ne != no+1 {
		return fmt.Errorf("asm: InterleaveRows: %d even and %d odd elements", ne, no)
	}
	if err := dst.check("InterleaveRows", "dst", 0, planes, rows, ne+no); err != nil {
		return err
	}
	if err := even.check("InterleaveRows", "even", 0, planes, rows, ne); err != nil {
		return err
	}
	if err := odd.check("InterleaveRows", "odd", 0, planes, rows, no); err != nil {
		return err
	}
	if planes == 0 || rows == 0 || ne == 0 {
		return nil
	}
	if k.interleaveRows != nil && no > 0 {
		k.interleaveRows(planes, rows, ne, no, &even.Data[0], even.RowStride, even.PlaneStride, &odd.Data[0], odd.RowStride, odd.PlaneStride, &dst.Data[0], dst.RowStride, dst.PlaneStride)
		return nil
	}
	interleaveRowsGeneric(dst, even, odd, planes, rows, ne, no)
	return nil
}

// interleaveRowsGeneric is InterleaveRows's generic twin.
func interleaveRowsGeneric(dst, even, odd Planes, planes, rows, ne, no int) {
	for p := 0; p < planes; p++ {
		for r := 0; r < rows; r++ {
			d := dst.Data[p*dst.PlaneStride+r*dst.RowStride:]
			e := even.Data[p*even.PlaneStride+r*even.RowStride:]
			o := odd.Data[p*odd.PlaneStride+r*odd.RowStride:]
			for i := 0; i < ne; i++ {
				d[2*i] = e[i]
			}
			for i := 0; i < no; i++ {
				d[2*i+1] = o[i]
			}
		}
	}
}
