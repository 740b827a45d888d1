package reference

import (
	"fmt"
	"math"
	"slices"

	"github.com/latent-go/latent/ir"
)

// nnPoolSetup checks a pooling node's input and resolves its window.
func nnPoolSetup(n *ir.Node, in []*ir.Tensor) (x *ir.Tensor, win *ir.Window, table []int, err error) {
	if x, err = nnF32(in, 0, "X"); err != nil {
		return
	}
	if len(x.Shape) < 3 {
		err = fmt.Errorf("input X shape %v has rank %d, want at least 3 (N, C, spatial...)", x.Shape, len(x.Shape))
		return
	}
	kernel, err := nnPoolKernel(n, len(x.Shape))
	if err != nil {
		return
	}
	if win, err = ir.ConvWindow(n, x.Shape[2:], kernel); err != nil {
		return
	}
	if err = nnCheckSize(append([]int{x.Shape[0], x.Shape[1]}, win.Out...)); err != nil {
		return
	}
	table, err = nnTable(win.Out, kernel, win.In, func(a, p, q int) int {
		return p*win.Strides[a] - win.PadsBegin[a] + q*win.Dilations[a]
	})
	return
}

// nnMaxPool computes MaxPool: the maximum of each window, ignoring
// padding, and optionally the flat index of the (first) maximum in X,
// row-major (storage_order 0) or with the spatial axes column-major
// (storage_order 1).
func nnMaxPool(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	x, win, table, err := nnPoolSetup(n, in)
	if err != nil {
		return nil, err
	}
	order := n.Attrs.Int("storage_order", 0)
	if order != 0 && order != 1 {
		return nil, fmt.Errorf("storage_order %d is not 0 or 1", order)
	}
	shape := append([]int{x.Shape[0], x.Shape[1]}, win.Out...)
	y, err := nnNewF32(shape)
	if err != nil {
		return nil, err
	}
	idx, err := ir.NewTensor(ir.Int64, shape...)
	if err != nil {
		return nil, err
	}
	inSize, outSize, kSize := ir.NumElements(win.In), ir.NumElements(win.Out), ir.NumElements(win.Kernel)
	// colMajor[t] is the column-major position of row-major spatial index t.
	var colMajor []int
	if order == 1 {
		colMajor = make([]int, inSize)
		cs := make([]int, len(win.In))
		acc := 1
		for a := range win.In {
			cs[a] = acc
			acc *= win.In[a]
		}
		nnForEach(win.In, func(flat int, c []int) {
			for a, v := range c {
				colMajor[flat] += v * cs[a]
			}
		})
	}
	planes := x.Shape[0] * x.Shape[1]
	for pl := 0; pl < planes; pl++ {
		X := x.F32[pl*inSize : (pl+1)*inSize]
		for p := 0; p < outSize; p++ {
			best, at := float32(math.Inf(-1)), -1
			for _, t := range table[p*kSize : (p+1)*kSize] {
				if t < 0 {
					continue
				}
				v := X[t]
				if at < 0 || v > best || (v != v && best == best) {
					best, at = v, t
				}
			}
			y.F32[pl*outSize+p] = best
			if at < 0 {
				idx.I64[pl*outSize+p] = -1 // window entirely in padding
				continue
			}
			if order == 1 {
				at = colMajor[at]
			}
			idx.I64[pl*outSize+p] = int64(pl*inSize + at)
		}
	}
	return nnTrim(n, y, idx), nil
}

// nnAveragePool computes AveragePool: the mean of each window over the
// elements inside X (count_include_pad=0) or over the elements inside the
// padded input (count_include_pad=1; positions a ceil_mode window reaches
// beyond the end padding are never counted).
func nnAveragePool(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	x, win, table, err := nnPoolSetup(n, in)
	if err != nil {
		return nil, err
	}
	includePad := n.Attrs.Int("count_include_pad", 0) != 0
	y, err := nnNewF32(append([]int{x.Shape[0], x.Shape[1]}, win.Out...))
	if err != nil {
		return nil, err
	}
	inSize, outSize, kSize := ir.NumElements(win.In), ir.NumElements(win.Out), ir.NumElements(win.Kernel)
	var padCount []int
	if includePad {
		// Per axis, how many kernel offsets of output position p land in
		// [-padBegin, in+padEnd).
		perAxis := make([][]int, win.Rank())
		for a := range perAxis {
			perAxis[a] = make([]int, win.Out[a])
			for p := range perAxis[a] {
				for q := 0; q < win.Kernel[a]; q++ {
					c := p*win.Strides[a] - win.PadsBegin[a] + q*win.Dilations[a]
					if c >= -win.PadsBegin[a] && c < win.In[a]+win.PadsEnd[a] {
						perAxis[a][p]++
					}
				}
			}
		}
		padCount = make([]int, outSize)
		nnForEach(win.Out, func(flat int, c []int) {
			cnt := 1
			for a, v := range c {
				cnt *= perAxis[a][v]
			}
			padCount[flat] = cnt
		})
	}
	planes := x.Shape[0] * x.Shape[1]
	for pl := 0; pl < planes; pl++ {
		X := x.F32[pl*inSize : (pl+1)*inSize]
		for p := 0; p < outSize; p++ {
			var sum float32
			cnt := 0
			for _, t := range table[p*kSize : (p+1)*kSize] {
				if t >= 0 {
					sum += X[t]
					cnt++
				}
			}
			if includePad {
				cnt = padCount[p]
			}
			y.F32[pl*outSize+p] = sum / float32(cnt)
		}
	}
	return []*ir.Tensor{y}, nil
}

// nnGlobalPool reduces every [N, C] plane of X to one value.
func nnGlobalPool(in []*ir.Tensor, reduce func(plane []float32) float32) ([]*ir.Tensor, error) {
	x, err := nnF32(in, 0, "X")
	if err != nil {
		return nil, err
	}
	if len(x.Shape) < 2 {
		return nil, fmt.Errorf("input X shape %v has rank %d, want at least 2 (N, C, spatial...)", x.Shape, len(x.Shape))
	}
	shape := slices.Clone(x.Shape)
	for i := 2; i < len(shape); i++ {
		shape[i] = 1
	}
	y, err := nnNewF32(shape)
	if err != nil {
		return nil, err
	}
	size := ir.NumElements(x.Shape[2:])
	for pl := range y.F32 {
		y.F32[pl] = reduce(x.F32[pl*size : (pl+1)*size])
	}
	return []*ir.Tensor{y}, nil
}

func nnGlobalAveragePool(_ *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	return nnGlobalPool(in, func(p []float32) float32 {
		var s float32
		for _, v := range p {
			s += v
		}
		return s / float32(len(p))
	})
}

func nnGlobalMaxPool(_ *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	return nnGlobalPool(in, func(p []float32) float32 {
		m := float32(math.Inf(-1))
		for i, v := range p {
			if i == 0 || v > m || (v != v && m == m) {
				m = v
			}
		}
		return m
	})
}

// nnMaxUnpool computes MaxUnpool: a zero tensor of the unpooled shape
// ((in-1)*stride + kernel - pads per spatial axis) receives X[i] at flat
// position I[i]. With the output_shape input, that result is placed at the
// start of a zero tensor of output_shape (ONNX's reference semantics), which
// must be at least as large along every axis.
func nnMaxUnpool(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	x, err := nnF32(in, 0, "X")
	if err != nil {
		return nil, err
	}
	idx, err := nnInput(in, 1, "I")
	if err != nil {
		return nil, err
	}
	if idx.DType != ir.Int64 {
		return nil, fmt.Errorf("indices I have element type %s, want int64", idx.DType)
	}
	if !slices.Equal(idx.Shape, x.Shape) {
		return nil, fmt.Errorf("indices I shape %v differs from input X shape %v", idx.Shape, x.Shape)
	}
	inferred, err := ir.MaxUnpoolShape(n, x.Shape)
	if err != nil {
		return nil, err
	}
	outShape := inferred
	if os, err := nnOptional(in, 2, "output_shape"); err != nil {
		return nil, err
	} else if os != nil {
		if os.DType != ir.Int64 && os.DType != ir.Int32 {
			return nil, fmt.Errorf("output_shape has element type %s, want int64", os.DType)
		}
		dims := os.Int64s()
		if len(dims) != len(inferred) {
			return nil, fmt.Errorf("output_shape %v has %d values, input X has rank %d", dims, len(dims), len(inferred))
		}
		outShape = make([]int, len(dims))
		for i, d := range dims {
			if d < int64(inferred[i]) || d > nnMaxElements {
				return nil, fmt.Errorf("output_shape %v is smaller than the unpooled shape %v at axis %d", dims, inferred, i)
			}
			outShape[i] = int(d)
		}
	}
	if err := nnCheckSize(inferred); err != nil {
		return nil, err
	}
	y, err := nnNewF32(outShape)
	if err != nil {
		return nil, err
	}
	total := ir.NumElements(inferred)
	is, os := nnRowMajor(inferred), nnRowMajor(outShape)
	for i, v := range x.F32 {
		j := idx.I64[i]
		if j < 0 || j >= int64(total) {
			return nil, fmt.Errorf("index %d at position %d is outside the unpooled shape %v", j, i, inferred)
		}
		// Coordinates in the unpooled shape, then flat in the output.
		rem, flat := int(j), 0
		for a := range is {
			flat += rem / is[a] * os[a]
			rem %= is[a]
		}
		y.F32[flat] = v
	}
	return []*ir.Tensor{y}, nil
}
