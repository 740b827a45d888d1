package reference

import (
	"fmt"

	"github.com/latent-go/latent/ir"
)

// nnConvOperands checks the operands of Conv or ConvTranspose: X of shape
// [N, C, spatial...], W of the same rank, an optional 1-D bias, and a
// positive group.
func nnConvOperands(n *ir.Node, in []*ir.Tensor) (x, w, b *ir.Tensor, group int, err error) {
	if x, err = nnF32(in, 0, "X"); err != nil {
		return
	}
	if w, err = nnF32(in, 1, "W"); err != nil {
		return
	}
	if b, err = nnOptF32(in, 2, "B"); err != nil {
		return
	}
	if len(x.Shape) < 3 {
		err = fmt.Errorf("input X shape %v has rank %d, want at least 3 (N, C, spatial...)", x.Shape, len(x.Shape))
		return
	}
	if len(w.Shape) != len(x.Shape) {
		err = fmt.Errorf("weight W shape %v has rank %d, input X %v has rank %d", w.Shape, len(w.Shape), x.Shape, len(x.Shape))
		return
	}
	g := n.Attrs.Int("group", 1)
	if g < 1 || g > int64(max(x.Shape[1], 1)) {
		err = fmt.Errorf("group %d is out of range for %d input channels", g, x.Shape[1])
		return
	}
	group = int(g)
	if b != nil && len(b.Shape) != 1 {
		err = fmt.Errorf("bias B shape %v is not 1-D", b.Shape)
	}
	return
}

// nnConv computes Conv: Y[n, m, o] = B[m] + sum over the input channels c
// of m's group and kernel offsets k of X[n, c, o*stride - pad + k*dilation]
// * W[m, c, k], reading zeros outside X.
func nnConv(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	x, w, b, group, err := nnConvOperands(n, in)
	if err != nil {
		return nil, err
	}
	N, C := x.Shape[0], x.Shape[1]
	M, Cg := w.Shape[0], w.Shape[1]
	if Cg*group != C {
		return nil, fmt.Errorf("input X has %d channels, weight W %v expects %d (%d per group x group %d)", C, w.Shape, Cg*group, Cg, group)
	}
	if M%group != 0 {
		return nil, fmt.Errorf("weight W has %d output channels, not divisible by group %d", M, group)
	}
	if b != nil && b.Shape[0] != M {
		return nil, fmt.Errorf("bias B has %d elements, weight W has %d output channels", b.Shape[0], M)
	}
	kernel, err := nnSpatialKernel(n, w.Shape)
	if err != nil {
		return nil, err
	}
	win, err := ir.ConvWindow(n, x.Shape[2:], kernel)
	if err != nil {
		return nil, err
	}
	y, err := nnNewF32(append([]int{N, M}, win.Out...))
	if err != nil {
		return nil, err
	}
	table, err := nnTable(win.Out, kernel, win.In, func(a, p, q int) int {
		return p*win.Strides[a] - win.PadsBegin[a] + q*win.Dilations[a]
	})
	if err != nil {
		return nil, err
	}
	inSize, outSize, kSize := ir.NumElements(win.In), ir.NumElements(win.Out), ir.NumElements(kernel)
	mPerGroup := M / group
	X, W, Y := x.F32, w.F32, y.F32
	for bn := 0; bn < N; bn++ {
		for m := 0; m < M; m++ {
			g := m / mPerGroup
			ybase := (bn*M + m) * outSize
			var bias float32
			if b != nil {
				bias = b.F32[m]
			}
			for p := 0; p < outSize; p++ {
				sum := bias
				row := table[p*kSize : (p+1)*kSize]
				for c := 0; c < Cg; c++ {
					xbase := (bn*C + g*Cg + c) * inSize
					wbase := (m*Cg + c) * kSize
					for q, t := range row {
						if t >= 0 {
							sum += X[xbase+t] * W[wbase+q]
						}
					}
				}
				Y[ybase+p] = sum
			}
		}
	}
	return []*ir.Tensor{y}, nil
}

// nnConvTranspose computes ConvTranspose: every input element X[n, c, p]
// adds X[n, c, p] * W[c, m, k] to Y[n, g*M/group + m, p*stride - pad +
// k*dilation] for the output channels m of c's group, dropping positions
// outside Y; then the bias is added.
func nnConvTranspose(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	x, w, b, group, err := nnConvOperands(n, in)
	if err != nil {
		return nil, err
	}
	N, C := x.Shape[0], x.Shape[1]
	Cw, Mg := w.Shape[0], w.Shape[1]
	if Cw != C {
		return nil, fmt.Errorf("input X has %d channels, weight W %v has %d input channels", C, w.Shape, Cw)
	}
	if C%group != 0 {
		return nil, fmt.Errorf("input X has %d channels, not divisible by group %d", C, group)
	}
	M := Mg * group
	if b != nil && b.Shape[0] != M {
		return nil, fmt.Errorf("bias B has %d elements, output has %d channels", b.Shape[0], M)
	}
	kernel, err := nnSpatialKernel(n, w.Shape)
	if err != nil {
		return nil, err
	}
	win, err := ir.ConvTransposeWindow(n, x.Shape[2:], kernel)
	if err != nil {
		return nil, err
	}
	y, err := nnNewF32(append([]int{N, M}, win.Out...))
	if err != nil {
		return nil, err
	}
	table, err := nnTable(win.In, kernel, win.Out, func(a, p, q int) int {
		return p*win.Strides[a] - win.PadsBegin[a] + q*win.Dilations[a]
	})
	if err != nil {
		return nil, err
	}
	inSize, outSize, kSize := ir.NumElements(win.In), ir.NumElements(win.Out), ir.NumElements(kernel)
	cPerGroup := C / group
	X, W, Y := x.F32, w.F32, y.F32
	for bn := 0; bn < N; bn++ {
		for c := 0; c < C; c++ {
			g := c / cPerGroup
			xbase := (bn*C + c) * inSize
			for p := 0; p < inSize; p++ {
				xv := X[xbase+p]
				row := table[p*kSize : (p+1)*kSize]
				for m := 0; m < Mg; m++ {
					ybase := (bn*M + g*Mg + m) * outSize
					wbase := (c*Mg + m) * kSize
					for q, t := range row {
						if t >= 0 {
							Y[ybase+t] += xv * W[wbase+q]
						}
					}
				}
			}
		}
		if b != nil {
			for m := 0; m < M; m++ {
				plane := Y[(bn*M+m)*outSize : (bn*M+m+1)*outSize]
				for i := range plane {
					plane[i] += b.F32[m]
				}
			}
		}
	}
	return []*ir.Tensor{y}, nil
}
