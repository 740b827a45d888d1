package asm_test

import (
	"fmt"

	"github.com/latent-go/latent/asm"
)

func ExampleSigmoid() {
	x := []float32{-100, -1, 0, 1, 100}
	y := make([]float32, len(x))
	asm.Sigmoid(y, x) // sigmoid(-100) = 3.72e-44 rounds to the subnormal 27 * 2^-149
	fmt.Printf("%.6g\n", y)
	// Output: [3.78351e-44 0.268941 0.5 0.731059 1]
}

func ExampleSoftmax() {
	x := []float32{1, 2, 3, 4}
	y := make([]float32, len(x))
	asm.Softmax(y, x)
	fmt.Printf("%.5f\n", y)
	// Output: [0.03206 0.08714 0.23688 0.64391]
}

func ExampleVecFor() {
	// Compare two tiers on the same data (tests and benchmarks do this).
	gen, _ := asm.VecFor(asm.Generic)
	best, _ := asm.VecFor(asm.Best())
	x := []float32{-2, -0.5, 0.5, 2}
	a, b := make([]float32, 4), make([]float32, 4)
	gen.Tanh(a, x)
	best.Tanh(b, x)
	fmt.Println(a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3])
	// Output: true
}

func ExampleScaleShiftChannels() {
	// BatchNormalization at inference on an NCHW tensor with N=1, C=2,
	// H*W=3: y = x*scale[c] + shift[c].
	x := []float32{1, 2, 3, 1, 2, 3}
	y := make([]float32, len(x))
	asm.ScaleShiftChannels(y, x, []float32{2, -1}, []float32{0.5, 10}, 3)
	fmt.Println(y)
	// Output: [2.5 4.5 6.5 9 8 7]
}
