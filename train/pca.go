package train

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// PCA is a principal component analysis of a data set: the mean and the
// top K principal directions (unit vectors), the linear baseline the
// lecture compares autoencoders with.
type PCA struct {
	// Mean is the data mean (one value per feature).
	Mean []float64
	// Components is K×D: row k is the k-th principal direction.
	Components *mat.Dense
	// Variances are the variances along each component, largest first.
	Variances []float64
}

// FitPCA computes the top k principal components of the rows of x from
// the eigen-decomposition of the covariance matrix (gonum's EigenSym, in
// float64).
func FitPCA(x *Matrix, k int) (*PCA, error) {
	if err := x.check("PCA input"); err != nil {
		return nil, err
	}
	n, d := x.Rows, x.Cols
	if n < 2 || k < 1 || k > d {
		return nil, fmt.Errorf("train: PCA of %d rows with %d features into %d components", n, d, k)
	}
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range x.Row(i) {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	c := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j, v := range x.Row(i) {
			c.Set(i, j, float64(v)-mean[j])
		}
	}
	cov := mat.NewSymDense(d, nil)
	cov.SymOuterK(1/float64(n-1), c.T())
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		return nil, fmt.Errorf("train: PCA eigen-decomposition failed")
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	p := &PCA{Mean: mean, Components: mat.NewDense(k, d, nil), Variances: make([]float64, k)}
	for r := 0; r < k; r++ {
		col := d - 1 - r
		p.Variances[r] = vals[col]
		for j := 0; j < d; j++ {
			p.Components.Set(r, j, vecs.At(j, col))
		}
	}
	return p, nil
}

// Transform returns the K-dimensional codes (projections on the
// components) of the rows of x.
func (p *PCA) Transform(x *Matrix) (*Matrix, error) {
	k, d := p.Components.Dims()
	if err := x.check("PCA input"); err != nil {
		return nil, err
	}
	if x.Cols != d {
		return nil, fmt.Errorf("train: PCA input has %d features, want %d", x.Cols, d)
	}
	out := NewMatrix(x.Rows, k)
	row := make([]float64, d)
	comp := p.Components.RawMatrix()
	for i := 0; i < x.Rows; i++ {
		for j, v := range x.Row(i) {
			row[j] = float64(v) - p.Mean[j]
		}
		for r := 0; r < k; r++ {
			u := comp.Data[r*comp.Stride : r*comp.Stride+d]
			var s float64
			for j, v := range row {
				s += v * u[j]
			}
			out.Data[i*k+r] = float32(s)
		}
	}
	return out, nil
}

// Reconstruct returns the projections of the rows of x onto the
// principal subspace, mean + sum_k <x - mean, u_k> u_k.
func (p *PCA) Reconstruct(x *Matrix) (*Matrix, error) {
	codes, err := p.Transform(x)
	if err != nil {
		return nil, err
	}
	k, d := p.Components.Dims()
	comp := p.Components.RawMatrix()
	out := NewMatrix(x.Rows, d)
	acc := make([]float64, d)
	for i := 0; i < x.Rows; i++ {
		copy(acc, p.Mean)
		for r := 0; r < k; r++ {
			c := float64(codes.Data[i*k+r])
			for j, u := range comp.Data[r*comp.Stride : r*comp.Stride+d] {
				acc[j] += c * u
			}
		}
		o := out.Row(i)
		for j, v := range acc {
			o[j] = float32(v)
		}
	}
	return out, nil
}

// SquaredError returns the mean over rows of x of the summed squared
// reconstruction error, as Autoencoder.SquaredError does.
func (p *PCA) SquaredError(x *Matrix) (float64, error) {
	r, err := p.Reconstruct(x)
	if err != nil {
		return 0, err
	}
	return meanSquaredDistance(x, r), nil
}
