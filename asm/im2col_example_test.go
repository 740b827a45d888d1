package asm_test

import (
	"fmt"

	"github.com/latent-go/latent/asm"
)

func ExampleIm2Col() {
	// The lecture example: a 4x4 input convolved with the 3x3 kernel 1..9.
	x := []float32{2, 1, 0, 3, 0, 0, 1, 2, 3, 1, 2, 0, 0, 2, 2, 1}
	k := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	w, err := asm.NewWindow([]int{4, 4}, []int{3, 3}, nil)
	if err != nil {
		panic(err)
	}
	col := make([]float32, w.ColSize(1)) // 9 rows x 4 output positions
	if err := asm.Im2Col(col, x, w, 1); err != nil {
		panic(err)
	}
	y := make([]float32, w.OutSize())
	for o := range y { // y = k (1x9) times col (9x4)
		for r := range k {
			y[o] += k[r] * col[r*w.OutSize()+o]
		}
	}
	fmt.Println(w.Out, y)
	// Output: [2 2] [57 50 66 61]
}

func ExampleMaxPool() {
	x := []float32{
		1, 5, 2, 0,
		3, 4, 8, 1,
		0, 0, 1, 2,
		9, 0, 3, 3,
	}
	w, _ := asm.NewWindow([]int{4, 4}, []int{2, 2}, &asm.WindowOptions{Strides: []int{2, 2}})
	y := make([]float32, w.OutSize())
	idx := make([]int64, w.OutSize())
	if err := asm.MaxPool(y, idx, x, w, 1, false); err != nil {
		panic(err)
	}
	fmt.Println(y, idx)
	// Output: [5 8 9 3] [1 6 12 14]
}
