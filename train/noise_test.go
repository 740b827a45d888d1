package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestNoiseStatistics(t *testing.T) {
	const n = 200000
	x := make([]float32, n)
	for i := range x {
		x[i] = 0.5
	}
	dst := make([]float32, n)
	src := rand.NewPCG(1, 2)
	for _, tc := range []struct {
		noise Noise
		check func(t *testing.T, d []float32)
	}{
		{Noise{Kind: MaskNoise, Level: 0.25}, func(t *testing.T, d []float32) {
			zeros := 0
			for _, v := range d {
				switch v {
				case 0:
					zeros++
				case 0.5:
				default:
					t.Fatalf("mask noise produced %v", v)
				}
			}
			// Binomial(n, 0.25): sd = sqrt(n*0.25*0.75) ~ 194; allow 5 sd.
			if math.Abs(float64(zeros)-0.25*n) > 5*math.Sqrt(n*0.25*0.75) {
				t.Fatalf("mask noise zeroed %d of %d, want about %v", zeros, n, 0.25*n)
			}
		}},
		{Noise{Kind: SaltPepperNoise, Level: 0.2}, func(t *testing.T, d []float32) {
			var zeros, ones int
			for _, v := range d {
				switch v {
				case 0:
					zeros++
				case 1:
					ones++
				case 0.5:
				default:
					t.Fatalf("salt-and-pepper produced %v", v)
				}
			}
			sd := math.Sqrt(n * 0.1 * 0.9)
			if math.Abs(float64(zeros)-0.1*n) > 5*sd || math.Abs(float64(ones)-0.1*n) > 5*sd {
				t.Fatalf("salt-and-pepper: %d zeros, %d ones of %d", zeros, ones, n)
			}
		}},
		{Noise{Kind: GaussianNoise, Level: 0.3}, func(t *testing.T, d []float32) {
			var s, s2, s4 float64
			for _, v := range d {
				e := float64(v) - 0.5
				s += e
				s2 += e * e
				s4 += e * e * e * e
			}
			mean, variance := s/n, s2/n
			kurt := s4 / n / (variance * variance)
			if math.Abs(mean) > 5*0.3/math.Sqrt(n) || math.Abs(variance-0.09) > 0.09*0.02 || math.Abs(kurt-3) > 0.1 {
				t.Fatalf("Gaussian noise: mean %v, variance %v (want 0.09), kurtosis %v (want 3)", mean, variance, kurt)
			}
		}},
		{Noise{}, func(t *testing.T, d []float32) {
			for _, v := range d {
				if v != 0.5 {
					t.Fatalf("no noise changed a value to %v", v)
				}
			}
		}},
	} {
		t.Run(tc.noise.Kind.String(), func(t *testing.T) {
			tc.noise.Apply(dst, x, src)
			tc.check(t, dst)
		})
	}
}

// TestDenoisingLossAgainstCleanInput checks that a denoising
// autoencoder's training loss is measured against the clean input: with
// all inputs masked (nu = 1) the network sees only zeros, so the best it
// can do is the per-feature mean of the clean data, and the loss it
// reports must be the loss against the clean data, not against the zeros.
func TestDenoisingLossAgainstCleanInput(t *testing.T) {
	data := prototypes(6, 64, 10, 3, 0.1)
	ae, err := NewAutoencoder(AutoencoderConfig{Sizes: []int{10, 4}, Hidden: Sigmoid, Output: Sigmoid, Loss: SquaredError,
		Noise: Noise{Kind: MaskNoise, Level: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ae.begin(data, 64, 1); err != nil {
		t.Fatal(err)
	}
	idx := make([]int, 64)
	for i := range idx {
		idx[i] = i
	}
	// Reconstruction from an all-zero input is the same for every row.
	zero := NewMatrix(1, 10)
	rec, _ := ae.Reconstruct(zero)
	var want float64
	for i := 0; i < data.N; i++ {
		for j, v := range data.Row(i) {
			d := float64(rec.Data[j]) - float64(v)
			want += 0.5 * d * d
		}
	}
	got, err := ae.trainStep(idx, rand.NewPCG(1, 1), &SGD{LR: 1e-9}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 1e-4*want {
		t.Fatalf("loss with all inputs masked = %v, want the loss against the clean input %v", got, want)
	}
}

func TestParseNoise(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Noise
		ok   bool
	}{
		{"mask:0.25", Noise{MaskNoise, 0.25}, true},
		{"gaussian:0.1", Noise{GaussianNoise, 0.1}, true},
		{"saltpepper:0.3", Noise{SaltPepperNoise, 0.3}, true},
		{"none", Noise{}, true},
		{"mask:1.5", Noise{}, false},
		{"blur:0.1", Noise{}, false},
		{"mask", Noise{}, false},
	} {
		got, err := ParseNoise(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseNoise(%q) = %+v, %v", tc.in, got, err)
		}
	}
}
