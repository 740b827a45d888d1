package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/latent-go/latent/train/dataset"
)

// TestLinearAutoencoderMatchesPCA trains a linear autoencoder (linear code
// and output, squared error) and checks that its decoder's column space is
// the principal subspace gonum's SVD finds: the cosines of the principal
// angles between the two k-dimensional subspaces must all be near 1.
func TestLinearAutoencoderMatchesPCA(t *testing.T) {
	const n, d, k = 2000, 12, 3
	src := rand.NewPCG(11, 12)
	// Data with a clear spectral gap: k strong directions, weak noise, and
	// a non-zero mean the biases must absorb.
	basis := make([][]float64, k)
	for i := range basis {
		basis[i] = make([]float64, d)
		for j := range basis[i] {
			basis[i][j], _ = normalPair(src)
		}
	}
	scales := []float64{3, 2, 1.5}
	x := make([]float32, n*d)
	for r := 0; r < n; r++ {
		for i := 0; i < k; i++ {
			z, _ := normalPair(src)
			for j := 0; j < d; j++ {
				x[r*d+j] += float32(scales[i] * z * basis[i][j])
			}
		}
		for j := 0; j < d; j++ {
			e, _ := normalPair(src)
			x[r*d+j] += float32(0.1*e) + float32(j)/10
		}
	}
	set, err := dataset.New(x, nil, n, d)
	if err != nil {
		t.Fatal(err)
	}

	// PCA with gonum: top-k right singular vectors of the centred data.
	mean := make([]float64, d)
	for r := 0; r < n; r++ {
		for j := 0; j < d; j++ {
			mean[j] += float64(x[r*d+j]) / n
		}
	}
	c := mat.NewDense(n, d, nil)
	for r := 0; r < n; r++ {
		for j := 0; j < d; j++ {
			c.Set(r, j, float64(x[r*d+j])-mean[j])
		}
	}
	var svd mat.SVD
	if !svd.Factorize(c, mat.SVDThin) {
		t.Fatal("SVD failed")
	}
	var v mat.Dense
	svd.VTo(&v)
	pcs := v.Slice(0, d, 0, k) // d×k, orthonormal columns

	for _, tied := range []bool{false, true} {
		ae, err := NewAutoencoder(AutoencoderConfig{Sizes: []int{d, k}, Hidden: Linear, Output: Linear, Loss: SquaredError, Tied: tied, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		// A fast phase, then slower ones to settle at the minimum (Adam's
		// noise floor scales with its step size).
		for i, lr := range []float32{0.01, 0.003, 0.001, 0.0003} {
			if _, err := ae.Fit(context.Background(), set, nil, Config{Epochs: 40, BatchSize: 50, Optimizer: &Adam{LR: lr}, Seed: uint64(i)}); err != nil {
				t.Fatal(err)
			}
		}
		// The decoder's columns (d×k), the subspace codes are mapped into,
		// must span the principal subspace. (The untied encoder's rows
		// converge there too, but slowly: their components along the
		// low-variance directions barely change the loss. With tied weights
		// they are the decoder's columns.)
		dec := ae.Decoder()[0].Weight()
		for _, sub := range []struct {
			name string
			at   func(i, j int) float64
		}{
			{"decoder columns", func(i, j int) float64 { return float64(dec.Data[i*k+j]) }},
		} {
			dm := mat.NewDense(d, k, nil)
			for i := 0; i < d; i++ {
				for j := 0; j < k; j++ {
					dm.Set(i, j, sub.at(i, j))
				}
			}
			var qr mat.QR
			qr.Factorize(dm)
			var q mat.Dense
			qr.QTo(&q)
			qk := q.Slice(0, d, 0, k)
			var m mat.Dense
			m.Mul(pcs.T(), qk)
			var s mat.SVD
			if !s.Factorize(&m, mat.SVDNone) {
				t.Fatal("SVD of the overlap failed")
			}
			for i, cos := range s.Values(nil) {
				angle := math.Acos(math.Min(cos, 1)) * 180 / math.Pi
				t.Logf("tied=%v %s: principal angle %d: %.4f degrees", tied, sub.name, i, angle)
				if angle > 1 {
					t.Errorf("%s: principal angle %d to PCA's subspace is %.3f degrees, want < 1", sub.name, i, angle)
				}
			}
		}

		// The linear autoencoder's reconstruction error must match PCA's (the
		// optimum for a rank-k linear map) to within 1%.
		var pcaErr float64
		var proj mat.Dense
		proj.Mul(c, pcs)
		var rec mat.Dense
		rec.Mul(&proj, pcs.T())
		for r := 0; r < n; r++ {
			for j := 0; j < d; j++ {
				e := rec.At(r, j) - c.At(r, j)
				pcaErr += e * e / n
			}
		}
		aeErr, err := ae.SquaredError(MatrixOf(set))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("tied=%v: squared reconstruction error: linear autoencoder %.5f, PCA %.5f", tied, aeErr, pcaErr)
		if aeErr > 1.01*pcaErr || aeErr < 0.99*pcaErr {
			t.Errorf("linear autoencoder squared error %v, PCA %v: want within 1%%", aeErr, pcaErr)
		}
	}
}
