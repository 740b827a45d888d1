package train

import "testing"

func BenchmarkActGradSigmoid(b *testing.B) {
	const rows, cols = 64, 1000
	d := make([]float32, rows*cols)
	y := make([]float32, rows*cols)
	for i := range y {
		y[i] = float32(i%97) / 97
		d[i] = 1
	}
	sum := make([]float32, cols)
	tmp := make([]float32, cols)
	for _, tc := range []struct {
		name string
		tmp  []float32
	}{{"scalar", nil}, {"vec", tmp}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				clear(sum)
				for i := 0; i < rows; i++ {
					actGrad(Sigmoid, 0, d[i*cols:(i+1)*cols], y[i*cols:(i+1)*cols], sum, tc.tmp)
				}
			}
		})
	}
}

// TestActGradVecMatchesScalar checks that the vectorised activation
// derivative and column sums give the same bits as the scalar loops.
func TestActGradVecMatchesScalar(t *testing.T) {
	const rows, cols = 5, 37
	for _, act := range []Activation{Sigmoid, Tanh, ReLU, LeakyReLU, Linear} {
		y := make([]float32, rows*cols)
		for i := range y {
			y[i] = float32(i%29)/29*2 - 0.5
		}
		d1 := make([]float32, rows*cols)
		for i := range d1 {
			d1[i] = float32(i%13) - 6.3
		}
		d2 := append([]float32(nil), d1...)
		s1, s2 := make([]float32, cols), make([]float32, cols)
		tmp := make([]float32, cols)
		for i := 0; i < rows; i++ {
			actGrad(act, 0.1, d1[i*cols:(i+1)*cols], y[i*cols:(i+1)*cols], s1, nil)
			actGrad(act, 0.1, d2[i*cols:(i+1)*cols], y[i*cols:(i+1)*cols], s2, tmp)
		}
		for i := range d1 {
			if d1[i] != d2[i] {
				t.Fatalf("%v: element %d: scalar %v, vectorised %v", act, i, d1[i], d2[i])
			}
		}
		for j := range s1 {
			if s1[j] != s2[j] {
				t.Fatalf("%v: column sum %d: scalar %v, vectorised %v", act, j, s1[j], s2[j])
			}
		}
	}
}
