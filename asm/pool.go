package asm

import (
	"fmt"
	"math"
)

// checkPoolPads rejects geometries in which some window lies entirely in
// padding (pads as large as the dilated kernel), which ONNX leaves
// undefined and which would divide by zero in average pooling.
func (w *Window) checkPoolPads(op string) error {
	for i := range w.In {
		span := w.Dilations[i]*(w.Kernel[i]-1) + 1
		if w.PadBegin[i] >= span || w.PadEnd[i] >= span {
			return fmt.Errorf("asm: %s: pads %d, %d of dim %d are not smaller than the dilated kernel %d", op, w.PadBegin[i], w.PadEnd[i], i, span)
		}
	}
	return nil
}

// spatialIndex returns the flat index of input position pos, row-major
// (last dim fastest) or, with columnMajor, first dim fastest (ONNX
// MaxPool storage_order = 1).
func (w *Window) spatialIndex(pos []int, columnMajor bool) int {
	idx := 0
	if columnMajor {
		for i := len(w.In) - 1; i >= 0; i-- {
			idx = idx*w.In[i] + pos[i]
		}
		return idx
	}
	for i := range w.In {
		idx = idx*w.In[i] + pos[i]
	}
	return idx
}

// MaxPool computes ONNX MaxPool over planes input planes x (N*C planes
// of w.InSize() elements, NCHW) into dst (planes * w.OutSize()). Padding
// never wins. A NaN in a window makes that output NaN (its index is the
// first NaN's). If indices is not nil it receives, per output, the index
// of the chosen element flattened over the whole input tensor, as ONNX
// MaxPool's Indices output: plane*InSize + the row-major spatial index, or
// the column-major one if columnMajor (storage_order = 1). Ties go to the
// first position in row-major window order. A window that covers no input
// element (possible only with dilations larger than the input) gives -Inf
// and index -1.
func MaxPool(dst []float32, indices []int64, x []float32, w *Window, planes int, columnMajor bool) error {
	if err := w.checkPlanes("MaxPool", planes, w.inSize, w.outSize, x, dst); err != nil {
		return err
	}
	if indices != nil && len(indices) != len(dst) {
		return fmt.Errorf("asm: MaxPool: %d indices for %d outputs", len(indices), len(dst))
	}
	if err := w.checkPoolPads("MaxPool"); err != nil {
		return err
	}
	if len(w.In) <= 2 {
		maxPool2D(dst, indices, x, w, planes, columnMajor)
		return nil
	}
	var ka, oa, pa [8]int
	kpos, opos := scratch2(len(w.In), &ka, &oa)
	pos := pa[:0]
	if len(w.In) <= len(pa) {
		pos = pa[:len(w.In)]
	} else {
		pos = make([]int, len(w.In))
	}
	negInf := float32(math.Inf(-1))
	for p := 0; p < planes; p++ {
		xp := x[p*w.inSize : (p+1)*w.inSize]
		dp := dst[p*w.outSize : (p+1)*w.outSize]
		clear(opos)
		for o := range dp {
			m, mi := negInf, -1
			clear(kpos)
			for {
				if i := w.inputIndex(kpos, opos); i >= 0 {
					v := xp[i]
					if v > m || (v != v && m == m) || mi < 0 {
						m, mi = v, i
						if columnMajor {
							w.posOf(kpos, opos, pos)
						}
					}
				}
				if !next(kpos, w.Kernel) {
					break
				}
			}
			dp[o] = m
			if indices != nil {
				switch {
				case mi < 0:
					indices[p*w.outSize+o] = -1
				case columnMajor:
					indices[p*w.outSize+o] = int64(p*w.inSize + w.spatialIndex(pos, true))
				default:
					indices[p*w.outSize+o] = int64(p*w.inSize + mi)
				}
			}
			next(opos, w.Out)
		}
	}
	return nil
}

// posOf stores the input position of kernel position kpos at output
// position opos in pos.
func (w *Window) posOf(kpos, opos, pos []int) {
	for i := range pos {
		pos[i] = opos[i]*w.Strides[i] + kpos[i]*w.Dilations[i] - w.PadBegin[i]
	}
}

// AvgPool computes ONNX AveragePool over planes input planes x into dst.
// The sum of the window's input elements (float32, row-major window
// order) is divided by the number of window positions inside the input
// or, with countIncludePad, inside the padded input (positions a ceil-mode
// window has beyond the end padding never count, as in ONNX Runtime). A
// window that covers no input element gives 0 without countIncludePad.
func AvgPool(dst, x []float32, w *Window, planes int, countIncludePad bool) error {
	if err := w.checkPlanes("AvgPool", planes, w.inSize, w.outSize, x, dst); err != nil {
		return err
	}
	if err := w.checkPoolPads("AvgPool"); err != nil {
		return err
	}
	if len(w.In) <= 2 {
		avgPool2D(dst, x, w, planes, countIncludePad)
		return nil
	}
	var ka, oa [8]int
	kpos, opos := scratch2(len(w.In), &ka, &oa)
	for p := 0; p < planes; p++ {
		xp := x[p*w.inSize : (p+1)*w.inSize]
		dp := dst[p*w.outSize : (p+1)*w.outSize]
		clear(opos)
		for o := range dp {
			var s float32
			n := 0
			clear(kpos)
			for {
				if i := w.inputIndex(kpos, opos); i >= 0 {
					s += xp[i]
					n++
				}
				if !next(kpos, w.Kernel) {
					break
				}
			}
			if countIncludePad {
				n = w.paddedCount(opos)
			}
			if n == 0 {
				dp[o] = 0 // the window covers no input element
			} else {
				dp[o] = s / float32(n)
			}
			next(opos, w.Out)
		}
	}
	return nil
}

// paddedCount returns the number of window positions at output position
// opos that lie inside the padded input.
func (w *Window) paddedCount(opos []int) int {
	n := 1
	for i := range w.In {
		c := 0
		for k := 0; k < w.Kernel[i]; k++ {
			p := opos[i]*w.Strides[i] + k*w.Dilations[i] - w.PadBegin[i]
			if p >= -w.PadBegin[i] && p < w.In[i]+w.PadEnd[i] {
				c++
			}
		}
		n *= c
	}
	return n
}

// GlobalAvgPool sets dst[p] to the mean of plane p of x (planes planes of
// planeSize elements), summed as Sum does.
func GlobalAvgPool(dst, x []float32, planes, planeSize int) error {
	if planes < 0 || planeSize < 1 || len(dst) != planes || len(x) != planes*planeSize {
		return fmt.Errorf("asm: GlobalAvgPool: %d outputs and %d inputs for %d planes of %d", len(dst), len(x), planes, planeSize)
	}
	v := ActiveVec()
	for p := range dst {
		dst[p] = v.Sum(x[p*planeSize:(p+1)*planeSize]) / float32(planeSize)
	}
	return nil
}

// GlobalMaxPool sets dst[p] to the largest element of plane p of x (NaN
// if the plane holds one).
func GlobalMaxPool(dst, x []float32, planes, planeSize int) error {
	if planes < 0 || planeSize < 1 || len(dst) != planes || len(x) != planes*planeSize {
		return fmt.Errorf("asm: GlobalMaxPool: %d outputs and %d inputs for %d planes of %d", len(dst), len(x), planes, planeSize)
	}
	v := ActiveVec()
	for p := range dst {
		dst[p] = v.Max(x[p*planeSize : (p+1)*planeSize])
	}
	return nil
}

// MaxUnpool is ONNX MaxUnpool's scatter: it clears dst and sets the
// element at indices[i] to x[i]. Indices are flat over the whole tensor,
// as MaxPool produces them for an input of spatial dims from; dst holds
// the same number of planes with spatial dims to (each to[i] >= from[i];
// ONNX's output_shape may add room at the end), and an index keeps its
// plane and its spatial coordinates. An index outside the from-shaped
// tensor is an error (dst is then partly written).
func MaxUnpool(dst, x []float32, indices []int64, from, to []int) error {
	if len(indices) != len(x) {
		return fmt.Errorf("asm: MaxUnpool: %d indices for %d values", len(indices), len(x))
	}
	if len(from) == 0 || len(from) != len(to) {
		return fmt.Errorf("asm: MaxUnpool: index dims %v and output dims %v disagree", from, to)
	}
	fromSize, toSize := 1, 1
	same := true
	for i := range from {
		if from[i] < 1 || to[i] < from[i] || to[i] > maxWindowElems {
			return fmt.Errorf("asm: MaxUnpool: index dims %v do not fit output dims %v", from, to)
		}
		fromSize *= from[i]
		toSize *= to[i]
		if toSize > maxWindowElems {
			return fmt.Errorf("asm: MaxUnpool: output dims %v too large", to)
		}
		same = same && from[i] == to[i]
	}
	if len(dst)%toSize != 0 {
		return fmt.Errorf("asm: MaxUnpool: output of %d elements is not a whole number of %v planes", len(dst), to)
	}
	planes := len(dst) / toSize
	limit := int64(planes) * int64(fromSize)
	clear(dst)
	for i, j := range indices {
		if j < 0 || j >= limit {
			return fmt.Errorf("asm: MaxUnpool: index %d at position %d is outside the %d x %v input", j, i, planes, from)
		}
		if same {
			dst[j] = x[i]
			continue
		}
		p, r := int(j)/fromSize, int(j)%fromSize
		o, stride := 0, 1
		for d := len(from) - 1; d >= 0; d-- {
			o += (r % from[d]) * stride
			r /= from[d]
			stride *= to[d]
		}
		dst[p*toSize+o] = x[i]
	}
	return nil
}

// UpsampleNearest repeats every element of planes input planes x (spatial
// dims in) factors[i] times along dim i into dst, so that
// out[..., o_i, ...] = in[..., o_i / factors[i], ...]. This is ONNX
// Upsample/Resize mode "nearest" for integer scales (coordinate modes
// asymmetric with floor, or half_pixel with round_prefer_floor, agree
// there).
func UpsampleNearest(dst, x []float32, planes int, in, factors []int) error {
	if len(in) == 0 || len(factors) != len(in) {
		return fmt.Errorf("asm: UpsampleNearest: %d factors for %d dims", len(factors), len(in))
	}
	inSize, outSize := 1, 1
	for i := range in {
		if in[i] < 1 || factors[i] < 1 || in[i] > maxWindowElems || factors[i] > maxWindowElems {
			return fmt.Errorf("asm: UpsampleNearest: dim %d has size %d and factor %d", i, in[i], factors[i])
		}
		inSize *= in[i]
		outSize *= in[i] * factors[i]
		if outSize > maxWindowElems {
			return fmt.Errorf("asm: UpsampleNearest: output exceeds %d elements", maxWindowElems)
		}
	}
	if planes < 0 || len(x) != planes*inSize || len(dst) != planes*outSize {
		return fmt.Errorf("asm: UpsampleNearest: %d inputs and %d outputs for %d planes of %d -> %d", len(x), len(dst), planes, inSize, outSize)
	}
	if len(in) == 2 && factors[1] == 2 && planes > 0 {
		// Rows repeated along themselves by the vectorised kernel, then
		// copied to the factors[0]-1 rows below.
		fh, h, w := factors[0], in[0], in[1]
		first := Planes{Data: dst, RowStride: fh * 2 * w, PlaneStride: outSize}
		repeat2RowsWith(activeMove, first, 0, Planes{Data: x, RowStride: w, PlaneStride: inSize}, planes, h, w)
		for k := 1; k < fh; k++ {
			padRowsWith(activeMove, Planes{Data: dst[k*2*w:], RowStride: fh * 2 * w, PlaneStride: outSize}, 0, first, planes, h, 2*w)
		}
		return nil
	}
	// Each input row of the last dim is expanded once; the copies along
	// outer dims are block copies of already expanded output.
	for p := 0; p < planes; p++ {
		upsampleDim(dst[p*outSize:(p+1)*outSize], x[p*inSize:(p+1)*inSize], in, factors, 0)
	}
	return nil
}

// upsampleDim fills out (the output block of dims d..) from in (the input
// block of dims d..).
func upsampleDim(out, in []float32, dims, factors []int, d int) {
	if d == len(dims)-1 {
		fl, wl := factors[d], dims[d]
		if fl == 1 {
			copy(out, in[:wl])
			return
		}
		o := 0
		for _, v := range in[:wl] {
			for k := 0; k < fl; k++ {
				out[o+k] = v
			}
			o += fl
		}
		return
	}
	inBlock, outBlock := 1, 1
	for i := d + 1; i < len(dims); i++ {
		inBlock *= dims[i]
		outBlock *= dims[i] * factors[i]
	}
	f := factors[d]
	for j := 0; j < dims[d]; j++ {
		first := out[j*f*outBlock : (j*f+1)*outBlock]
		upsampleDim(first, in[j*inBlock:(j+1)*inBlock], dims, factors, d+1)
		for k := 1; k < f; k++ {
			copy(out[(j*f+k)*outBlock:(j*f+k+1)*outBlock], first)
		}
	}
}
