package asm_test

import (
	"fmt"
	"log"

	"github.com/latent-go/latent/asm"
)

// C = A·B for a 2×3 A and a 3×2 B, row-major.
func ExampleSgemm() {
	a := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{
		1, 0,
		0, 1,
		1, 1,
	}
	c := make([]float32, 2*2)
	if err := asm.Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2); err != nil {
		log.Fatal(err)
	}
	fmt.Println(c)
	// Output: [4 5 10 11]
}

// A dense layer at inference: the weights W (3 inputs × 2 outputs) are
// packed once, then each batch computes ReLU(X·W + bias) in one pass.
func ExampleGemm_SgemmPacked() {
	g, err := asm.NewGemm(asm.Active(), 1)
	if err != nil {
		log.Fatal(err)
	}
	w := []float32{
		1, -1,
		2, -2,
		3, -3,
	}
	packed, err := g.PackB(false, 3, 2, w, 2)
	if err != nil {
		log.Fatal(err)
	}
	x := []float32{
		1, 1, 1,
		0, 1, -1,
	}
	y := make([]float32, 2*2)
	ep := asm.Epilogue{ColBias: []float32{0.5, 0.5}, Act: asm.ActReLU}
	if err := g.SgemmPacked(false, 2, 1, x, 3, packed, 0, y, 2, ep); err != nil {
		log.Fatal(err)
	}
	fmt.Println(y)
	// Output: [6.5 0 0 1.5]
}

// A transposed product with an accumulating beta, as a backward pass
// computes a weight gradient: dW += Xᵀ·dY.
func ExampleGemm_Sgemm() {
	g := asm.DefaultGemm()
	x := []float32{ // batch of 2 rows, 3 inputs
		1, 2, 3,
		4, 5, 6,
	}
	dy := []float32{ // batch of 2 rows, 1 output
		1,
		-1,
	}
	dw := []float32{10, 10, 10} // 3×1, accumulated into
	if err := g.Sgemm(true, false, 3, 1, 2, 1, x, 3, dy, 1, 1, dw, 1, asm.Epilogue{}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(dw)
	// Output: [7 7 7]
}

// An elementwise pass between two products, split over two threads:
// each call gets a range of at least 1024 elements.
func ExampleParallelFor() {
	x := make([]float32, 10000)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	asm.ParallelFor(2, len(x), 1024, func(lo, hi int) {
		asm.ReLU(x[lo:hi], x[lo:hi])
	})
	fmt.Println(x[:8])
	// Output: [0 0 0 0 1 2 3 0]
}
