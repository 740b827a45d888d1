package runtime

import (
	"fmt"

	"github.com/latent-go/latent/asm"
)

// Activation is an element-wise function fused after a kernel.
type Activation struct {
	Op          string  // "", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "HardSigmoid"
	Alpha, Beta float32 // LeakyRelu/HardSigmoid alpha, HardSigmoid beta; Clip min (Alpha) and max (Beta)
}

// epilogue returns the asm epilogue computing act, and whether act still
// needs a separate pass (HardSigmoid).
func (a Activation) epilogue() (asm.Epilogue, bool) {
	switch a.Op {
	case "":
		return asm.Epilogue{}, false
	case "Relu":
		return asm.Epilogue{Act: asm.ActReLU}, false
	case "LeakyRelu":
		return asm.Epilogue{Act: asm.ActLeakyReLU, Alpha: a.Alpha}, false
	case "Sigmoid":
		return asm.Epilogue{Act: asm.ActSigmoid}, false
	case "Tanh":
		return asm.Epilogue{Act: asm.ActTanh}, false
	case "Clip":
		return asm.Epilogue{Act: asm.ActClip, Min: a.Alpha, Max: a.Beta}, false
	}
	return asm.Epilogue{}, true
}

// Apply computes the activation in place on x.
func (a Activation) Apply(x []float32) {
	switch a.Op {
	case "":
	case "Relu":
		asm.ReLU(x, x)
	case "LeakyRelu":
		asm.LeakyReLU(x, x, a.Alpha)
	case "Sigmoid":
		asm.Sigmoid(x, x)
	case "Tanh":
		asm.Tanh(x, x)
	case "Clip":
		asm.Clip(x, x, a.Alpha, a.Beta)
	case "HardSigmoid":
		for i, v := range x {
			y := a.Alpha*v + a.Beta
			y = min(max(y, 0), 1)
			if v != v {
				y = v
			}
			x[i] = y
		}
	}
}

// Supported reports whether the activation is one Apply knows.
func (a Activation) Supported() bool {
	switch a.Op {
	case "", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "HardSigmoid":
		return true
	}
	return false
}

// GemmParams describe Y = act(alpha·op(A)·op(B) + C), with C a column
// bias (one value per output column, already multiplied by beta) or a
// full matrix broadcast from CBuf.
type GemmParams struct {
	M, N, K int
	TransA  bool
	Alpha   float32
	A       int          // buffer of A
	Packed  *asm.PackedB // B pre-packed, or
	B       int          // buffer of B (when Packed is nil)
	TransB  bool         // with B
	ColBias []float32    // n values, or nil
	CBuf    int          // buffer of a C that is not a column bias, or -1
	CShape  []int        // its shape (rank <= 2, broadcast to [M, N])
	Beta    float32      // scales CBuf
	Act     Activation   // applied last
	Out     int          // buffer of Y
}

// GemmStep returns the step computing p.
func GemmStep(name string, p GemmParams) (Step, error) {
	ep, post := p.Act.epilogue()
	ep.ColBias = p.ColBias
	if p.ColBias != nil && len(p.ColBias) != p.N {
		return Step{}, fmt.Errorf("column bias has %d values, want %d", len(p.ColBias), p.N)
	}
	in := []int{p.A}
	if p.Packed == nil {
		in = append(in, p.B)
	}
	if p.CBuf >= 0 {
		in = append(in, p.CBuf)
	}
	kernel := "gemm"
	if p.Packed != nil {
		kernel = "gemm-packed"
	}
	if p.Act.Op != "" {
		kernel += "+" + p.Act.Op
	}
	lda := p.K
	if p.TransA {
		lda = p.M
	}
	ldb := p.N
	if p.TransB {
		ldb = p.K
	}
	beta := float32(0)
	if p.CBuf >= 0 {
		beta = 1
	}
	return Step{
		Name: name, Kernel: kernel, In: in, Out: []int{p.Out},
		FLOPs: 2 * int64(p.M) * int64(p.N) * int64(p.K),
		Run: func(f *Frame) error {
			if p.M == 0 || p.N == 0 {
				return nil
			}
			y := f.F32(p.Out)
			if p.CBuf >= 0 {
				broadcastMatrix(y, f.F32(p.CBuf), p.CShape, p.M, p.N, p.Beta)
			}
			var err error
			if p.Packed != nil {
				err = f.Gemm.SgemmPacked(p.TransA, p.M, p.Alpha, f.F32(p.A), lda, p.Packed, beta, y, p.N, ep)
			} else {
				err = f.Gemm.Sgemm(p.TransA, p.TransB, p.M, p.N, p.K, p.Alpha, f.F32(p.A), lda, f.F32(p.B), ldb, beta, y, p.N, ep)
			}
			if err != nil {
				return err
			}
			if post {
				p.Act.Apply(y)
			}
			return nil
		},
	}, nil
}

// broadcastMatrix fills y [m, n] with beta*c, c of shape s (rank <= 2)
// broadcast unidirectionally.
func broadcastMatrix(y, c []float32, s []int, m, n int, beta float32) {
	rows, cols := 1, 1
	switch len(s) {
	case 1:
		cols = s[0]
	case 2:
		rows, cols = s[0], s[1]
	}
	for i := 0; i < m; i++ {
		ci := 0
		if rows != 1 {
			ci = i * cols
		}
		row := y[i*n : (i+1)*n]
		if cols == 1 {
			v := beta * c[ci]
			for j := range row {
				row[j] = v
			}
			continue
		}
		for j := range row {
			row[j] = beta * c[ci+j]
		}
	}
}
