package dataset_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/latent-go/latent/train/dataset"
)

func ExampleLoadMNIST() {
	// Finds the files in the Go module cache (or $LATENT_MNIST).
	train, test, err := dataset.LoadMNIST(dataset.MNISTOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(train.N, test.N, train.Rows, train.Cols, train.Classes)
	fmt.Println("first training labels:", train.Y[:5])
	// Output:
	// 60000 10000 28 28 10
	// first training labels: [5 0 4 1 9]
}

func ExampleLocateMNIST() {
	dir, err := dataset.LocateMNIST("", nil)
	if errors.Is(err, dataset.ErrMNISTNotFound) {
		// A command-line tool may fetch the module instead.
		dir, err = dataset.DownloadMNIST(context.Background())
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	train, test, err := dataset.LoadMNIST(dataset.MNISTOptions{Dir: dir})
	fmt.Println(train.N, test.N, err)
}

func ExampleLoadMNISTBasic() {
	sp, err := dataset.LoadMNISTBasic(dataset.MNISTOptions{Binarize: dataset.BinarizeThreshold}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sp.Train.N, sp.Valid.N, sp.Test.N, len(sp.Unused))
	// Output:
	// 10000 2000 50000 8000
}

func ExampleSet_Split() {
	s, _ := dataset.New([]float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, []int{0, 1, 0, 1, 0}, 5, 2)
	// A random split: permute, copy, then cut (Split shares memory).
	shuffled, _ := s.Subset(dataset.Perm(s.N, dataset.NewSource(1)))
	parts, _ := shuffled.Split(3, 2)
	fmt.Println(parts[0].N, parts[1].N, s.Row(2))
	// Output:
	// 3 2 [4 5]
}

func ExampleBatches() {
	s, _ := dataset.New(make([]float32, 10*4), nil, 10, 4)
	b, _ := dataset.NewBatches(s, 4)
	x := make([]float32, 4*s.Dim) // reused for every batch
	src := dataset.NewSource(42)
	for epoch := range 2 {
		b.Shuffle(src)
		var sizes []int
		for n := b.Next(x, nil); n > 0; n = b.Next(x, nil) {
			sizes = append(sizes, n)
		}
		fmt.Println("epoch", epoch, "batch sizes", sizes)
	}
	// Output:
	// epoch 0 batch sizes [4 4 2]
	// epoch 1 batch sizes [4 4 2]
}

func ExamplePerm() {
	// The same seed gives the same permutation on every platform.
	fmt.Println(dataset.Perm(10, dataset.NewSource(1)))
	fmt.Println(dataset.Perm(10, dataset.NewSource(1)))
	// Output:
	// [1 0 5 2 4 6 3 8 9 7]
	// [1 0 5 2 4 6 3 8 9 7]
}

func ExampleRotateImage() {
	src := []float32{
		1, 2, 3,
		4, 5, 6,
		7, 8, 9,
	}
	dst := make([]float32, 9)
	_ = dataset.RotateImage(dst, src, 3, 3, math.Pi/2) // a quarter turn counter-clockwise
	for i := range 3 {
		fmt.Printf("%.0f\n", dst[3*i:3*i+3])
	}
	// Output:
	// [3 6 9]
	// [2 5 8]
	// [1 4 7]
}

func ExampleReadCSV() {
	in := "height,weight,species\n1.5,NA,cat\n1.7,60,dog\n,55,cat\n"
	t, err := dataset.ReadCSV(strings.NewReader(in), "pets.csv", dataset.CSVOptions{Label: "species"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t.Columns, t.Set.N, t.NumMissing, t.Set.Y, t.LabelNames)
	t.ImputeMean()
	fmt.Println(t.Set.X)

	_, err = dataset.ReadCSV(strings.NewReader("a,b\n1,x\n"), "bad.csv", dataset.CSVOptions{})
	fmt.Println(err)
	// Output:
	// [height weight] 3 2 [0 1 0] [cat dog]
	// [1.5 57.5 1.7 60 1.6 55]
	// dataset: bad.csv:2:3: column "b": "x" is not a finite float32 number
}
