package dataset

import (
	"fmt"
)

// Sizes of the MNIST variants of Larochelle et al. (2007).
const (
	LarochelleTrain = 10000
	LarochelleValid = 2000
	LarochelleTest  = 50000
)

// Splits is a train / validation / test split of a labelled image set.
type Splits struct {
	Train, Valid, Test *Set

	// TrainOrigin, ValidOrigin and TestOrigin give, for each example, its
	// index in the pool the split was drawn from. For the MNIST splits the
	// pool is the 70,000 MNIST digits in file order: 0..59999 are the
	// training file's digits, 60000..69999 the test file's.
	TrainOrigin, ValidOrigin, TestOrigin []int
	// Unused lists the pool indices not in any part.
	Unused []int

	// TrainAngle, ValidAngle and TestAngle hold the rotation, in radians,
	// applied to each example (MNIST-rotation only; nil otherwise).
	TrainAngle, ValidAngle, TestAngle []float64
}

// SplitRandom draws one uniformly random permutation of pool's examples
// from src (Perm) and cuts its first nTrain+nValid+nTest entries into a
// training, validation and test part, in that order; the parts are copies.
func SplitRandom(pool *Set, nTrain, nValid, nTest int, src Source) (*Splits, error) {
	return splitPools([]*Set{pool}, nTrain, nValid, nTest, src)
}

// splitPools is SplitRandom over the concatenation of pools, without
// materialising the concatenation.
func splitPools(pools []*Set, nTrain, nValid, nTest int, src Source) (*Splits, error) {
	first := pools[0]
	n, labelled, classes := 0, true, 0
	for i, p := range pools {
		if err := p.Validate(); err != nil {
			return nil, err
		}
		if p.Dim != first.Dim || p.Rows != first.Rows || p.Cols != first.Cols {
			return nil, fmt.Errorf("dataset: split: set %d has Dim=%d (%dx%d), set 0 has Dim=%d (%dx%d)",
				i, p.Dim, p.Rows, p.Cols, first.Dim, first.Rows, first.Cols)
		}
		n += p.N
		labelled = labelled && p.Y != nil
		classes = max(classes, p.Classes)
	}
	if nTrain < 0 || nValid < 0 || nTest < 0 || nTrain+nValid+nTest > n {
		return nil, fmt.Errorf("dataset: split %d/%d/%d does not fit in %d examples", nTrain, nValid, nTest, n)
	}
	p := Perm(n, src)
	sp := &Splits{
		TrainOrigin: p[:nTrain:nTrain],
		ValidOrigin: p[nTrain : nTrain+nValid : nTrain+nValid],
		TestOrigin:  p[nTrain+nValid : nTrain+nValid+nTest : nTrain+nValid+nTest],
		Unused:      p[nTrain+nValid+nTest:],
	}
	gather := func(idx []int) *Set {
		t := &Set{N: len(idx), Dim: first.Dim, Rows: first.Rows, Cols: first.Cols}
		t.X = make([]float32, len(idx)*t.Dim)
		if labelled {
			t.Y = make([]int, len(idx))
			t.Classes = classes
		}
		for k, i := range idx {
			src := pools[0]
			for j := 0; i >= src.N; j++ {
				i -= src.N
				src = pools[j+1]
			}
			copy(t.X[k*t.Dim:(k+1)*t.Dim], src.Row(i))
			if labelled {
				t.Y[k] = src.Y[i]
			}
		}
		return t
	}
	sp.Train, sp.Valid, sp.Test = gather(sp.TrainOrigin), gather(sp.ValidOrigin), gather(sp.TestOrigin)
	return sp, nil
}

// MNISTBasic builds the MNIST-basic benchmark of Larochelle, Erhan,
// Courville, Bergstra and Bengio (2007), "An empirical evaluation of deep
// architectures on problems with many factors of variation": 10,000
// training, 2,000 validation and 50,000 test digits, 62,000 in all, taken
// from MNIST's 70,000.
//
// The paper fixes only the sizes, not which digits; this function chooses
// them as follows, deterministically from seed: the pool is the 60,000
// digits of train followed by the 10,000 of test (file order), one
// permutation of the pool is drawn with Perm(70000, NewSource(seed)), and
// its entries [0, 10000) form the training part, [10000, 12000) the
// validation part and [12000, 62000) the test part. The other 8,000
// digits are left out (Splits.Unused). Training and test digits of the
// original MNIST are thus mixed in every part, as in the paper's 62,000-
// digit subset, whose three parts are disjoint.
//
// train and test are the sets LoadMNIST returns; they are not modified.
func MNISTBasic(train, test *Set, seed uint64) (*Splits, error) {
	sp, err := splitPools([]*Set{train, test}, LarochelleTrain, LarochelleValid, LarochelleTest, NewSource(seed))
	if err != nil {
		return nil, fmt.Errorf("dataset: MNISTBasic: %w", err)
	}
	return sp, nil
}

// MNISTRotation builds the MNIST-rotation benchmark of Larochelle et al.
// (2007): the digits MNISTBasic(train, test, seed) selects (same sizes,
// same examples in the same order), each rotated counter-clockwise by an
// angle drawn uniformly from [0, 2π) with bilinear interpolation
// (RotateImage). The angles come from rand.NewPCG(seed, 0x726f74) ("rot"),
// one Float64 draw per example, training part first, then validation,
// then test; they are recorded in the Splits.
func MNISTRotation(train, test *Set, seed uint64) (*Splits, error) {
	sp, err := MNISTBasic(train, test, seed)
	if err != nil {
		return nil, err
	}
	src := rotationSource(seed)
	sp.TrainAngle = RandomAngles(sp.Train.N, src)
	sp.ValidAngle = RandomAngles(sp.Valid.N, src)
	sp.TestAngle = RandomAngles(sp.Test.N, src)
	if sp.Train, err = sp.Train.Rotate(sp.TrainAngle); err != nil {
		return nil, err
	}
	if sp.Valid, err = sp.Valid.Rotate(sp.ValidAngle); err != nil {
		return nil, err
	}
	if sp.Test, err = sp.Test.Rotate(sp.TestAngle); err != nil {
		return nil, err
	}
	return sp, nil
}

// LoadMNISTBasic loads MNIST (LoadMNIST without binarisation), builds
// MNISTBasic(train, test, seed) and then applies the binarisation in opts
// to the training, validation and test parts, in that order.
func LoadMNISTBasic(opts MNISTOptions, seed uint64) (*Splits, error) {
	train, test, err := loadMNISTRaw(opts)
	if err != nil {
		return nil, err
	}
	sp, err := MNISTBasic(train, test, seed)
	if err != nil {
		return nil, err
	}
	opts.binarize(sp.Train, sp.Valid, sp.Test)
	return sp, nil
}

// LoadMNISTRotation loads MNIST (LoadMNIST without binarisation), builds
// MNISTRotation(train, test, seed) and then applies the binarisation in
// opts to the rotated training, validation and test parts, in that order.
func LoadMNISTRotation(opts MNISTOptions, seed uint64) (*Splits, error) {
	train, test, err := loadMNISTRaw(opts)
	if err != nil {
		return nil, err
	}
	sp, err := MNISTRotation(train, test, seed)
	if err != nil {
		return nil, err
	}
	opts.binarize(sp.Train, sp.Valid, sp.Test)
	return sp, nil
}
