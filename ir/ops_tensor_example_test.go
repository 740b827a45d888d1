package ir_test

import (
	"fmt"

	"github.com/latent-go/latent/ir"
)

// Shape inference follows symbolic dimensions through the standard
// operators, using constant inputs such as Reshape's target shape.
func ExampleInferShapes_reshape() {
	g, err := ir.Parse(`graph "flatten" {
  input x: float32[N,1,28,28]
  const s: int64[2] = {-1, 784}
  y = Reshape(x, s)
  z = Sigmoid(y)
  output z
}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := ir.InferShapes(g); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(g.Outputs[0])
	// Output: z: float32[N,784]
}

// SliceRange applies Slice's clamping rules to one axis.
func ExampleSliceRange() {
	// x[::-2] on an axis of 7 elements takes indices 6, 4, 2, 0.
	first, count := ir.SliceRange(-1, -1<<63, -2, 7)
	fmt.Println(first, count)
	// An end past the axis is clamped: x[2:100] of 7 takes 5.
	first, count = ir.SliceRange(2, 100, 1, 7)
	fmt.Println(first, count)
	// Output:
	// 6 4
	// 2 5
}
