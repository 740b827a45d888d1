package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/latent-go/latent/train/dataset"
)

// freeEnergy64 is an independent float64 free energy of a Bernoulli-
// Bernoulli RBM: F(v) = -b·v - sum_j log(1 + exp(c_j + W_j·v)).
func freeEnergy64(r *RBM, v []float32) float64 {
	f := 0.0
	for k, x := range v {
		f -= float64(r.B.Data[k]) * float64(x)
	}
	for j := 0; j < r.Hidden; j++ {
		a := float64(r.C.Data[j])
		for k, x := range v {
			a += float64(r.W.Data[j*r.Visible+k]) * float64(x)
		}
		f -= math.Log1p(math.Exp(a))
	}
	return f
}

// exactLogLikelihood returns the mean log p(v) over the rows of s,
// computing the partition function by enumerating all 2^V visible
// configurations.
func exactLogLikelihood(r *RBM, s *dataset.Set) float64 {
	V := r.Visible
	v := make([]float32, V)
	var fs []float64
	for m := 0; m < 1<<V; m++ {
		for k := range v {
			v[k] = float32((m >> k) & 1)
		}
		fs = append(fs, -freeEnergy64(r, v))
	}
	mx := math.Inf(-1)
	for _, f := range fs {
		mx = math.Max(mx, f)
	}
	var z float64
	for _, f := range fs {
		z += math.Exp(f - mx)
	}
	logZ := mx + math.Log(z)
	var ll float64
	for i := 0; i < s.N; i++ {
		ll += -freeEnergy64(r, s.Row(i)) - logZ
	}
	return ll / float64(s.N)
}

// TestRBMExactLikelihoodImproves trains tiny Bernoulli RBMs with CD-1,
// CD-3 and PCD and checks with exact enumeration that the data's
// log-likelihood rises well above its starting value.
func TestRBMExactLikelihoodImproves(t *testing.T) {
	data := prototypes(21, 500, 8, 3, 0.05)
	for _, tc := range []struct {
		name string
		cfg  RBMConfig
	}{
		{"CD-1", RBMConfig{Visible: 8, Hidden: 4, K: 1}},
		{"CD-3", RBMConfig{Visible: 8, Hidden: 4, K: 3}},
		{"PCD", RBMConfig{Visible: 8, Hidden: 4, K: 1, Persistent: true, Chains: 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewRBM(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			before := exactLogLikelihood(r, data)
			if _, err := r.Fit(context.Background(), data, nil, Config{Epochs: 40, BatchSize: 20, Optimizer: &SGD{LR: 0.1, Momentum: 0.5}, Seed: 1}); err != nil {
				t.Fatal(err)
			}
			after := exactLogLikelihood(r, data)
			t.Logf("mean log-likelihood %.3f -> %.3f nats (uniform: %.3f)", before, after, -8*math.Ln2)
			// Three prototypes with 5% bit flips have entropy of at most
			// log 3 + 8 H(0.05) = 2.7 nats; the uniform model scores 5.5.
			if !(after > before+1.2) {
				t.Errorf("log-likelihood %v -> %v: want an improvement of more than 1.2 nats", before, after)
			}
			// The package's float32 free energy agrees with the float64 one.
			fe, err := r.FreeEnergy(MatrixOf(data))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 10; i++ {
				if want := freeEnergy64(r, data.Row(i)); math.Abs(fe[i]-want) > 1e-4*(1+math.Abs(want)) {
					t.Fatalf("FreeEnergy row %d = %v, want %v", i, fe[i], want)
				}
			}
		})
	}
}

func meanF(fe []float64) float64 {
	var s float64
	for _, f := range fe {
		s += f
	}
	return s / float64(len(fe))
}

func TestRBMReconstructionAndFreeEnergy(t *testing.T) {
	t.Run("bernoulli", func(t *testing.T) {
		data := prototypes(22, 1000, 64, 5, 0.05)
		parts, _ := data.Split(800, 200)
		r, _ := NewRBM(RBMConfig{Visible: 64, Hidden: 32, K: 1})
		h, err := r.Fit(context.Background(), parts[0], parts[1], Config{Epochs: 15, BatchSize: 20, Optimizer: &SGD{LR: 0.05, Momentum: 0.5}})
		if err != nil {
			t.Fatal(err)
		}
		first, last := h.Epochs[0].ValLoss, h.Epochs[len(h.Epochs)-1].ValLoss
		if !(last < 0.5*first) {
			t.Errorf("validation reconstruction error %v -> %v: want halved", first, last)
		}
		noise := prototypes(23, 200, 64, 200, 0.5) // uniform random bits
		fd, _ := r.FreeEnergy(MatrixOf(parts[1]))
		fn, _ := r.FreeEnergy(MatrixOf(noise))
		if !(meanF(fd) < meanF(fn)-10) {
			t.Errorf("mean free energy: held-out data %v, noise %v: want data lower by > 10", meanF(fd), meanF(fn))
		}
	})
	t.Run("gaussian-bernoulli", func(t *testing.T) {
		// Standardised real data from three Gaussian clusters.
		const n, d = 900, 16
		src := rand.NewPCG(5, 6)
		centers := make([][]float64, 3)
		for c := range centers {
			centers[c] = make([]float64, d)
			for j := range centers[c] {
				centers[c][j], _ = normalPair(src)
				centers[c][j] *= 1.5
			}
		}
		x := make([]float32, n*d)
		for i := 0; i < n; i++ {
			c := i % 3
			for j := 0; j < d; j++ {
				e, _ := normalPair(src)
				x[i*d+j] = float32(centers[c][j] + 0.3*e)
			}
		}
		set, _ := dataset.New(x, nil, n, d)
		parts, _ := set.Split(700, 200)
		r, _ := NewRBM(RBMConfig{Visible: d, Hidden: 12, GaussianVisible: true, K: 1})
		h, err := r.Fit(context.Background(), parts[0], parts[1], Config{Epochs: 30, BatchSize: 20, Optimizer: &SGD{LR: 0.01, Momentum: 0.5}})
		if err != nil {
			t.Fatal(err)
		}
		first, last := h.Epochs[0].ValLoss, h.Epochs[len(h.Epochs)-1].ValLoss
		if !(last < 0.5*first) {
			t.Errorf("validation reconstruction error %v -> %v: want halved", first, last)
		}
		noise := NewMatrix(200, d)
		for i := range noise.Data {
			e, _ := normalPair(src)
			noise.Data[i] = float32(1.5 * e)
		}
		fd, _ := r.FreeEnergy(MatrixOf(parts[1]))
		fn, _ := r.FreeEnergy(noise)
		if !(meanF(fd) < meanF(fn)) {
			t.Errorf("mean free energy: held-out data %v, noise %v: want data lower", meanF(fd), meanF(fn))
		}
	})
}

// TestRBMFreeEnergyDefinition checks FreeEnergy against its definition
// F(v) = -log sum_h exp(-E(v, h)) computed by brute force from the energy
// (enumerating binary hidden units, integrating Gaussian ones with the
// trapezoid rule), for all four unit-type combinations. Differences
// F(v1) - F(v2) are compared, since FreeEnergy drops constants.
func TestRBMFreeEnergyDefinition(t *testing.T) {
	for _, tc := range []struct{ gv, gh bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		const V, H = 3, 2
		r, _ := NewRBM(RBMConfig{Visible: V, Hidden: H, GaussianVisible: tc.gv, GaussianHidden: tc.gh, Seed: 3})
		src := rand.NewPCG(4, 4)
		for i := range r.W.Data {
			a, _ := normalPair(src)
			r.W.Data[i] = float32(0.5 * a)
		}
		for i := range r.B.Data {
			r.B.Data[i] = float32(uniform64(src) - 0.5)
		}
		for i := range r.C.Data {
			r.C.Data[i] = float32(uniform64(src) - 0.5)
		}
		energy := func(v, h []float64) float64 {
			e := 0.0
			for k := 0; k < V; k++ {
				if tc.gv {
					d := v[k] - float64(r.B.Data[k])
					e += d * d / 2
				} else {
					e -= float64(r.B.Data[k]) * v[k]
				}
			}
			for j := 0; j < H; j++ {
				if tc.gh {
					e += h[j] * h[j] / 2
				}
				e -= float64(r.C.Data[j]) * h[j]
				for k := 0; k < V; k++ {
					e -= h[j] * float64(r.W.Data[j*V+k]) * v[k]
				}
			}
			return e
		}
		bruteF := func(v []float64) float64 {
			var z float64
			if tc.gh {
				const lo, hi, steps = -15.0, 15.0, 600
				dh := (hi - lo) / steps
				for a := 0; a <= steps; a++ {
					for b := 0; b <= steps; b++ {
						w := dh * dh
						if a == 0 || a == steps {
							w /= 2
						}
						if b == 0 || b == steps {
							w /= 2
						}
						z += w * math.Exp(-energy(v, []float64{lo + float64(a)*dh, lo + float64(b)*dh}))
					}
				}
			} else {
				for m := 0; m < 1<<H; m++ {
					h := []float64{float64(m & 1), float64(m >> 1 & 1)}
					z += math.Exp(-energy(v, h))
				}
			}
			return -math.Log(z)
		}
		vs := [][]float32{{1, 0, 1}, {0, 1, 1}}
		if tc.gv {
			vs = [][]float32{{0.3, -1.2, 0.8}, {-0.5, 0.4, 1.5}}
		}
		x := &Matrix{Rows: 2, Cols: V, Data: append(append([]float32(nil), vs[0]...), vs[1]...)}
		fe, err := r.FreeEnergy(x)
		if err != nil {
			t.Fatal(err)
		}
		var b [2]float64
		for i, v := range vs {
			b[i] = bruteF([]float64{float64(v[0]), float64(v[1]), float64(v[2])})
		}
		if got, want := fe[0]-fe[1], b[0]-b[1]; math.Abs(got-want) > 1e-5 {
			t.Errorf("gaussian visible %v hidden %v: F(v1)-F(v2) = %v, brute force %v", tc.gv, tc.gh, got, want)
		}
	}
}
