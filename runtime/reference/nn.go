package reference

import (
	"fmt"
	"slices"

	"github.com/latent-go/latent/ir"
)

// Kernels of the neural-network operators (this file and nn_*.go): Gemm,
// MatMul, Conv, ConvTranspose, MaxPool, AveragePool, GlobalAveragePool,
// GlobalMaxPool, MaxUnpool, Resize, BatchNormalization, Dropout, Softmax,
// LogSoftmax and Pad. They compute float32 tensors with float32
// accumulation (Pad copies any element type) and check every shape before
// indexing, so that bad input gives an error rather than a panic.

func init() {
	for op, k := range map[string]Kernel{
		"Gemm":               nnGemm,
		"MatMul":             nnMatMul,
		"Conv":               nnConv,
		"ConvTranspose":      nnConvTranspose,
		"MaxPool":            nnMaxPool,
		"AveragePool":        nnAveragePool,
		"GlobalAveragePool":  nnGlobalAveragePool,
		"GlobalMaxPool":      nnGlobalMaxPool,
		"MaxUnpool":          nnMaxUnpool,
		"Resize":             nnResize,
		"BatchNormalization": nnBatchNorm,
		"Dropout":            nnDropout,
		"Softmax":            nnSoftmax,
		"LogSoftmax":         nnLogSoftmax,
		"Pad":                nnPad,
	} {
		Register("", op, k)
	}
}

// nnMaxElements bounds the size of any tensor or index table a kernel
// allocates (4 GiB of float32), so that a hostile attribute (a huge stride
// or output_shape) gives an error instead of exhausting memory.
const nnMaxElements = 1 << 30

// nnInput returns input i, or an error if it is missing or malformed.
func nnInput(in []*ir.Tensor, i int, name string) (*ir.Tensor, error) {
	if i >= len(in) || in[i] == nil {
		return nil, fmt.Errorf("input %s (%d) is missing", name, i)
	}
	if err := in[i].Check(); err != nil {
		return nil, fmt.Errorf("input %s: %w", name, err)
	}
	return in[i], nil
}

// nnOptional returns input i, nil if it is omitted, or an error if it is
// malformed.
func nnOptional(in []*ir.Tensor, i int, name string) (*ir.Tensor, error) {
	if i >= len(in) || in[i] == nil {
		return nil, nil
	}
	return nnInput(in, i, name)
}

// nnF32 returns input i as a float32 tensor.
func nnF32(in []*ir.Tensor, i int, name string) (*ir.Tensor, error) {
	t, err := nnInput(in, i, name)
	if err != nil {
		return nil, err
	}
	if t.DType != ir.Float32 {
		return nil, fmt.Errorf("input %s has element type %s; the reference evaluator computes this operator in float32 only", name, t.DType)
	}
	return t, nil
}

// nnOptF32 is nnF32 for an optional input.
func nnOptF32(in []*ir.Tensor, i int, name string) (*ir.Tensor, error) {
	if i >= len(in) || in[i] == nil {
		return nil, nil
	}
	return nnF32(in, i, name)
}

// nnNewF32 allocates a zeroed float32 tensor, refusing absurd sizes.
func nnNewF32(shape []int) (*ir.Tensor, error) {
	if err := nnCheckSize(shape); err != nil {
		return nil, err
	}
	return ir.NewTensor(ir.Float32, shape...)
}

func nnCheckSize(shape []int) error {
	n := ir.NumElements(shape)
	if n < 0 || n > nnMaxElements {
		return fmt.Errorf("output shape %v is invalid or too large", shape)
	}
	return nil
}

// nnRowMajor returns the row-major strides of shape.
func nnRowMajor(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

// nnForEach calls f for every index of shape in row-major order with its
// flat position and coordinates (f must not keep coords).
func nnForEach(shape []int, f func(flat int, coords []int)) {
	n := ir.NumElements(shape)
	if n <= 0 {
		return
	}
	coords := make([]int, len(shape))
	for flat := 0; flat < n; flat++ {
		f(flat, coords)
		for d := len(shape) - 1; d >= 0; d-- {
			coords[d]++
			if coords[d] < shape[d] {
				break
			}
			coords[d] = 0
		}
	}
}

// nnTable returns, for every position p of grid outer and every offset q
// of grid kernel, the row-major flat index into grid target whose
// coordinate along each axis a is coord(a, p[a], q[a]), or -1 if any
// coordinate falls outside target. Entry p*len(kernel)+q holds it.
func nnTable(outer, kernel, target []int, coord func(a, p, q int) int) ([]int, error) {
	no, nk := ir.NumElements(outer), ir.NumElements(kernel)
	if no < 0 || nk < 0 || (nk > 0 && no > nnMaxElements/nk) {
		return nil, fmt.Errorf("window table of %v positions by %v kernel offsets is too large", outer, kernel)
	}
	ts := nnRowMajor(target)
	table := make([]int, no*nk)
	// Per-axis partial offsets: off[a][p*kernel[a]+q] = coordinate * stride, or -1.
	off := make([][]int, len(outer))
	for a := range outer {
		off[a] = make([]int, outer[a]*kernel[a])
		for p := 0; p < outer[a]; p++ {
			for q := 0; q < kernel[a]; q++ {
				c := coord(a, p, q)
				if c < 0 || c >= target[a] {
					off[a][p*kernel[a]+q] = -1
				} else {
					off[a][p*kernel[a]+q] = c * ts[a]
				}
			}
		}
	}
	nnForEach(outer, func(pf int, pc []int) {
		nnForEach(kernel, func(qf int, qc []int) {
			t := 0
			for a := range pc {
				o := off[a][pc[a]*kernel[a]+qc[a]]
				if o < 0 {
					t = -1
					break
				}
				t += o
			}
			table[pf*nk+qf] = t
		})
	})
	return table, nil
}

// nnSpatialKernel returns the spatial kernel of a Conv-like weight w of
// shape [*, *, k...], checking it against a kernel_shape attribute.
func nnSpatialKernel(n *ir.Node, w []int) ([]int, error) {
	kernel := slices.Clone(w[2:])
	if ks, ok := n.Attrs["kernel_shape"]; ok {
		if len(ks.Ints) != len(kernel) {
			return nil, fmt.Errorf("kernel_shape %v needs %d spatial dims, weight shape is %v", ks.Ints, len(ks.Ints), w)
		}
		for i, k := range ks.Ints {
			if int64(kernel[i]) != k {
				return nil, fmt.Errorf("kernel_shape %v disagrees with weight shape %v", ks.Ints, w)
			}
		}
	}
	return kernel, nil
}

// nnPoolKernel returns the required kernel_shape attribute of a pooling
// node for an input of rank rank.
func nnPoolKernel(n *ir.Node, rank int) ([]int, error) {
	ks, ok := n.Attrs["kernel_shape"]
	if !ok {
		return nil, fmt.Errorf("required attribute kernel_shape is missing")
	}
	if len(ks.Ints) != rank-2 {
		return nil, fmt.Errorf("kernel_shape %v needs %d spatial dims, input has rank %d", ks.Ints, len(ks.Ints), rank)
	}
	k := make([]int, len(ks.Ints))
	for i, v := range ks.Ints {
		if v < 1 || v > nnMaxElements {
			return nil, fmt.Errorf("kernel_shape %v: size %d is out of range", ks.Ints, v)
		}
		k[i] = int(v)
	}
	return k, nil
}

// nnTrim returns the first len(n.Outputs) of outs: the driver rejects
// more results than the node has outputs.
func nnTrim(n *ir.Node, outs ...*ir.Tensor) []*ir.Tensor {
	return outs[:min(len(outs), len(n.Outputs))]
}
