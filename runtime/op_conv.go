package runtime

import (
	"fmt"

	"github.com/latent-go/latent/asm"
)

// ConvParams describe an N-D convolution over NCHW data lowered to GEMM:
// per image and group, out[Cout/g, OutSize] = W[Cout/g, Cin/g·KSize] ×
// im2col(x)[Cin/g·KSize, OutSize], with the bias and activation fused.
type ConvParams struct {
	Batch, Group    int
	CIn, COut       int
	Window          *asm.Window // geometry; Window.Out is the output plane
	X, W, Out       int         // buffers
	Bias            []float32   // COut values, or nil
	Act             Activation
	Col             int // workspace buffer for im2col, or -1 for 1x1 kernels without im2col
	Pointwise       bool
	inSize, outSize int
}

// ConvStep returns the step computing p.
func ConvStep(name string, p ConvParams) (Step, error) {
	if p.Group < 1 || p.CIn%p.Group != 0 || p.COut%p.Group != 0 {
		return Step{}, fmt.Errorf("conv: %d groups for %d input and %d output channels", p.Group, p.CIn, p.COut)
	}
	p.inSize, p.outSize = 1, 1
	for i := range p.Window.In {
		p.inSize *= p.Window.In[i]
		p.outSize *= p.Window.Out[i]
	}
	ksize := 1
	for _, k := range p.Window.Kernel {
		ksize *= k
	}
	cinG, coutG := p.CIn/p.Group, p.COut/p.Group
	kdim := cinG * ksize
	ep, post := p.Act.epilogue()
	in := []int{p.X, p.W}
	kernel := "conv-im2col"
	if p.Pointwise {
		kernel = "conv-1x1"
	} else {
		in = append(in, p.Col)
	}
	if p.Act.Op != "" {
		kernel += "+" + p.Act.Op
	}
	return Step{
		Name: name, Kernel: kernel, In: in, Out: []int{p.Out},
		FLOPs: 2 * int64(p.Batch) * int64(p.COut) * int64(p.outSize) * int64(kdim),
		Run: func(f *Frame) error {
			x, w, out := f.F32(p.X), f.F32(p.W), f.F32(p.Out)
			var col []float32
			if !p.Pointwise {
				col = f.F32(p.Col)
			}
			for n := 0; n < p.Batch; n++ {
				for g := 0; g < p.Group; g++ {
					xg := x[(n*p.CIn+g*cinG)*p.inSize : (n*p.CIn+(g+1)*cinG)*p.inSize]
					b := xg
					if !p.Pointwise {
						if err := asm.Im2Col(col, xg, p.Window, cinG); err != nil {
							return err
						}
						b = col
					}
					wg := w[g*coutG*kdim : (g+1)*coutG*kdim]
					og := out[(n*p.COut+g*coutG)*p.outSize : (n*p.COut+(g+1)*coutG)*p.outSize]
					e := ep
					if p.Bias != nil {
						e.RowBias = p.Bias[g*coutG : (g+1)*coutG]
					}
					if err := f.Gemm.Sgemm(false, false, coutG, p.outSize, kdim, 1, wg, kdim, b, p.outSize, 0, og, p.outSize, e); err != nil {
						return err
					}
				}
			}
			if post {
				p.Act.Apply(out)
			}
			return nil
		},
	}, nil
}

// ConvTransposeParams describe an N-D transposed convolution over NCHW
// data lowered to GEMM and col2im: per image and group, col[Cout/g·KSize,
// InSize] = W_gᵀ × x_g, then col2im scatters col into the output planes.
// Window is the forward convolution from the output plane to the input
// plane (Window.In = output spatial size, Window.Out = input spatial size).
type ConvTransposeParams struct {
	Batch, Group int
	CIn, COut    int
	Window       *asm.Window
	X, W, Out    int
	Bias         []float32
	Act          Activation
	Col          int
}

// ConvTransposeStep returns the step computing p.
func ConvTransposeStep(name string, p ConvTransposeParams) (Step, error) {
	if p.Group < 1 || p.CIn%p.Group != 0 || p.COut%p.Group != 0 {
		return Step{}, fmt.Errorf("convtranspose: %d groups for %d input and %d output channels", p.Group, p.CIn, p.COut)
	}
	inSize, outSize, ksize := 1, 1, 1
	for i := range p.Window.In {
		outSize *= p.Window.In[i]
		inSize *= p.Window.Out[i]
		ksize *= p.Window.Kernel[i]
	}
	cinG, coutG := p.CIn/p.Group, p.COut/p.Group
	rows := coutG * ksize
	kernel := "convtranspose-col2im"
	if p.Act.Op != "" {
		kernel += "+" + p.Act.Op
	}
	return Step{
		Name: name, Kernel: kernel, In: []int{p.X, p.W, p.Col}, Out: []int{p.Out},
		FLOPs: 2 * int64(p.Batch) * int64(p.CIn) * int64(rows) * int64(inSize),
		Run: func(f *Frame) error {
			x, w, out, col := f.F32(p.X), f.F32(p.W), f.F32(p.Out), f.F32(p.Col)
			for n := 0; n < p.Batch; n++ {
				for g := 0; g < p.Group; g++ {
					xg := x[(n*p.CIn+g*cinG)*inSize : (n*p.CIn+(g+1)*cinG)*inSize]
					wg := w[g*cinG*rows : (g+1)*cinG*rows]
					if err := f.Gemm.Sgemm(true, false, rows, inSize, cinG, 1, wg, rows, xg, inSize, 0, col, inSize, asm.Epilogue{}); err != nil {
						return err
					}
					og := out[(n*p.COut+g*coutG)*outSize : (n*p.COut+(g+1)*coutG)*outSize]
					if p.Bias != nil {
						for c := 0; c < coutG; c++ {
							v := p.Bias[g*coutG+c]
							plane := og[c*outSize : (c+1)*outSize]
							for i := range plane {
								plane[i] = v
							}
						}
					} else {
						clear(og)
					}
					if err := asm.Col2Im(og, col, p.Window, coutG); err != nil {
						return err
					}
				}
			}
			p.Act.Apply(out)
			return nil
		},
	}, nil
}
