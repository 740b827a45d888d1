package runtime

import (
	"github.com/latent-go/latent/asm"
)

// MaxPoolStep returns a step computing ONNX MaxPool over planes NCHW
// planes; indices is the buffer of the Indices output, or -1.
func MaxPoolStep(name string, w *asm.Window, planes int, x, out, indices int, columnMajor bool) Step {
	outs := []int{out}
	if indices >= 0 {
		outs = append(outs, indices)
	}
	return Step{Name: name, Kernel: "maxpool", In: []int{x}, Out: outs,
		Run: func(f *Frame) error {
			var idx []int64
			if indices >= 0 {
				idx = f.I64(indices)
			}
			return asm.MaxPool(f.F32(out), idx, f.F32(x), w, planes, columnMajor)
		}}
}

// AvgPoolStep returns a step computing ONNX AveragePool.
func AvgPoolStep(name string, w *asm.Window, planes int, x, out int, countIncludePad bool) Step {
	return Step{Name: name, Kernel: "avgpool", In: []int{x}, Out: []int{out},
		Run: func(f *Frame) error {
			return asm.AvgPool(f.F32(out), f.F32(x), w, planes, countIncludePad)
		}}
}

// GlobalPoolStep returns a step computing GlobalAveragePool (max=false)
// or GlobalMaxPool.
func GlobalPoolStep(name string, planes, planeSize int, x, out int, isMax bool) Step {
	kernel := "globalavgpool"
	if isMax {
		kernel = "globalmaxpool"
	}
	return Step{Name: name, Kernel: kernel, In: []int{x}, Out: []int{out},
		Run: func(f *Frame) error {
			if isMax {
				return asm.GlobalMaxPool(f.F32(out), f.F32(x), planes, planeSize)
			}
			return asm.GlobalAvgPool(f.F32(out), f.F32(x), planes, planeSize)
		}}
}

// MaxUnpoolStep returns a step computing ONNX MaxUnpool from an input of
// shape from into an output of shape to.
func MaxUnpoolStep(name string, x, indices, out int, from, to []int) Step {
	return Step{Name: name, Kernel: "maxunpool", In: []int{x, indices}, Out: []int{out},
		Run: func(f *Frame) error {
			return asm.MaxUnpool(f.F32(out), f.F32(x), f.I64(indices), from, to)
		}}
}

// UpsampleNearestStep returns a step repeating every element of planes
// planes of spatial size in by integer factors.
func UpsampleNearestStep(name string, planes int, in, factors []int, x, out int) Step {
	return Step{Name: name, Kernel: "upsample-nearest", In: []int{x}, Out: []int{out},
		Run: func(f *Frame) error {
			return asm.UpsampleNearest(f.F32(out), f.F32(x), planes, in, factors)
		}}
}
