package viz_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/latent-go/latent/train/viz"
)

func ExampleImageGrid() {
	// Three rows of two 4x4 images: inputs, corrupted inputs, reconstructions.
	in := make([]float32, 16)
	for i := range in {
		in[i] = float32(i) / 15
	}
	noisy := append([]float32(nil), in...)
	noisy[5], noisy[10] = 0, 0
	img, err := viz.ImageGrid([][][]float32{{in, in}, {noisy, noisy}, {in, in}}, 4, 4,
		&viz.GridOptions{Scale: 8, RowLabels: []string{"input", "corrupted", "output"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	// A 71-pixel label column ("corrupted" in the 7-pixel font plus
	// margins), then 2 tiles of 32 pixels with 2-pixel gaps.
	fmt.Println(img.Bounds().Dx(), "x", img.Bounds().Dy())
	// Output:
	// 141 x 104
}

func ExampleFilterGrid() {
	// A 784-100 layer stored units x inputs (RowPerUnit).
	const units, side = 100, 28
	w := make([]float32, units*side*side)
	for j := range units {
		for p := range side * side {
			w[j*side*side+p] = float32(math.Sin(float64(p%side*(j+1)) / 20))
		}
	}
	img, err := viz.FilterGrid(w, units, side, side, viz.RowPerUnit, &viz.FilterOptions{Max: 64})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(img.Bounds().Dx(), "x", img.Bounds().Dy()) // 8 x 8 tiles of 56 pixels
	// Output:
	// 466 x 466
}

func ExampleLossCurve() {
	train := []float64{90, 60, 45, 38, 34, 31}
	valid := []float64{95, 68, 55, 50, 49, 50}
	img, err := viz.LossCurve(train, valid, &viz.LossOptions{Title: "denoising autoencoder", LogY: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, _ := os.MkdirTemp("", "viz-example")
	defer os.RemoveAll(dir)
	err = viz.WritePNG(filepath.Join(dir, "loss.png"), img)
	fmt.Println(img.Bounds().Dx(), "x", img.Bounds().Dy(), err)
	// Output:
	// 800 x 500 <nil>
}
