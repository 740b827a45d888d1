package runtime

import (
	"github.com/latent-go/latent/asm"
)

// ActivationStep returns a step applying act to buffer x into buffer out
// (which may share x's storage).
func ActivationStep(name string, act Activation, x, out int) Step {
	return Step{Name: name, Kernel: "act:" + act.Op, In: []int{x}, Out: []int{out},
		Run: func(f *Frame) error {
			src, dst := f.F32(x), f.F32(out)
			if &src[0] != &dst[0] {
				copy(dst, src)
			}
			act.Apply(dst)
			return nil
		}}
}

// BinaryKind is a broadcasting pattern an elementwise binary step handles.
type BinaryKind int

// Broadcast patterns: y's shape relative to x's (the output's).
const (
	SameShape  BinaryKind = iota // y has x's size
	Scalar                       // y has one element
	RowVector                    // y broadcasts along the last axis: [.., N] with N = x's last dim
	ChannelVec                   // y is per channel of NCHW: [C,1,1] or [1,C,1,1]
)

// BinaryStep returns a step computing out = x op y for op in Add, Sub,
// Mul, Div, with y broadcast by kind; channels and spatial describe
// ChannelVec (NCHW with spatial = H·W·...).
func BinaryStep(name, op string, kind BinaryKind, x, y, out, channels, spatial int) Step {
	return Step{Name: name, Kernel: "binary:" + op, In: []int{x, y}, Out: []int{out},
		Run: func(f *Frame) error {
			a, b, dst := f.F32(x), f.F32(y), f.F32(out)
			switch kind {
			case SameShape:
				binary(op, dst, a, b)
			case Scalar:
				s := b[0]
				switch op {
				case "Add":
					asm.AddScalar(dst, a, s)
				case "Sub":
					asm.AddScalar(dst, a, -s)
				case "Mul":
					asm.MulScalar(dst, a, s)
				case "Div":
					asm.DivScalar(dst, a, s)
				}
			case RowVector:
				n := len(b)
				for i := 0; i+n <= len(a); i += n {
					binary(op, dst[i:i+n], a[i:i+n], b)
				}
			case ChannelVec:
				for i, p := 0, 0; i+spatial <= len(a); i, p = i+spatial, p+1 {
					s := b[p%channels]
					d, src := dst[i:i+spatial], a[i:i+spatial]
					switch op {
					case "Add":
						asm.AddScalar(d, src, s)
					case "Sub":
						asm.AddScalar(d, src, -s)
					case "Mul":
						asm.MulScalar(d, src, s)
					case "Div":
						asm.DivScalar(d, src, s)
					}
				}
			}
			return nil
		}}
}

func binary(op string, dst, a, b []float32) {
	switch op {
	case "Add":
		asm.Add(dst, a, b)
	case "Sub":
		asm.Sub(dst, a, b)
	case "Mul":
		asm.Mul(dst, a, b)
	case "Div":
		asm.Div(dst, a, b)
	}
}

// ScaleShiftStep returns a step computing out = x*scale[c] + shift[c] per
// channel of an NCHW tensor (inference BatchNormalization).
func ScaleShiftStep(name string, x, out int, scale, shift []float32, spatial int) Step {
	return Step{Name: name, Kernel: "scaleshift", In: []int{x}, Out: []int{out},
		Run: func(f *Frame) error {
			asm.ScaleShiftChannels(f.F32(out), f.F32(x), scale, shift, spatial)
			return nil
		}}
}

// SoftmaxStep returns a step computing softmax (or log-softmax) over
// rows of length n.
func SoftmaxStep(name string, x, out, n int, logSoftmax bool) Step {
	kernel := "softmax"
	if logSoftmax {
		kernel = "logsoftmax"
	}
	return Step{Name: name, Kernel: kernel, In: []int{x}, Out: []int{out},
		Run: func(f *Frame) error {
			src, dst := f.F32(x), f.F32(out)
			for i := 0; i+n <= len(src); i += n {
				asm.Softmax(dst[i:i+n], src[i:i+n])
				if logSoftmax {
					logRow(dst[i:i+n], src[i:i+n])
				}
			}
			return nil
		}}
}

// logRow turns a softmax row into log-softmax computed stably from the
// inputs: x - max - log(sum(exp(x - max))).
func logRow(dst, x []float32) {
	m := asm.Max(x)
	s := asm.ExpShiftSum(dst, x, m)
	ls := float32(logf64(float64(s)))
	for i, v := range x {
		dst[i] = v - m - ls
	}
}
