package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/latent-go/latent/train/dataset"
	"github.com/latent-go/latent/train/internal/linalg"
)

// RBMConfig describes a restricted Boltzmann machine.
type RBMConfig struct {
	// Visible and Hidden are the numbers of units.
	Visible, Hidden int
	// GaussianVisible makes the visible units Gaussian with unit variance
	// (a Gaussian-Bernoulli RBM for real-valued, standardised data);
	// otherwise they are Bernoulli (binary, or probabilities in [0, 1]).
	GaussianVisible bool
	// GaussianHidden makes the hidden units Gaussian with unit variance
	// (linear hidden units, as in the code layer of Hinton and
	// Salakhutdinov 2006); otherwise they are Bernoulli.
	GaussianHidden bool
	// K is the number of Gibbs steps of CD-k (0: 1).
	K int
	// Persistent uses persistent contrastive divergence (Tieleman 2008):
	// the negative phase continues Chains Gibbs chains from one
	// mini-batch to the next instead of restarting at the data.
	Persistent bool
	// Chains is the number of persistent chains (0: 100).
	Chains int
	// Seed seeds the weight initialisation and the initial chain states.
	Seed uint64
}

// RBM is a restricted Boltzmann machine with energy
// E(v, h) = -b·v - c·h - h·W v (+ |v|²/2 for Gaussian visible units,
// + |h|²/2 for Gaussian hidden units), trained with CD-k or persistent CD.
type RBM struct {
	Visible, Hidden int
	GaussianVisible bool
	GaussianHidden  bool
	K               int
	Persistent      bool
	// W is Hidden×Visible, B the visible and C the hidden biases.
	W, B, C *Param
	// Chain holds the persistent chains' visible states (Chains×Visible);
	// nil unless Persistent.
	Chain *Param

	set                        *dataset.Set
	v0, ph0, h, pv, v, ph, tmp []float32
	rowsCap                    int
	ps                         []*Param
}

// NewRBM returns an RBM with small random weights (N(0, 0.01²), as
// Hinton's practical guide suggests) and zero biases.
func NewRBM(cfg RBMConfig) (*RBM, error) {
	if cfg.Visible <= 0 || cfg.Hidden <= 0 || cfg.K < 0 || cfg.Chains < 0 {
		return nil, fmt.Errorf("train: RBM needs positive sizes and non-negative K and Chains, have %+v", cfg)
	}
	r := &RBM{Visible: cfg.Visible, Hidden: cfg.Hidden, GaussianVisible: cfg.GaussianVisible,
		GaussianHidden: cfg.GaussianHidden, K: max(cfg.K, 1), Persistent: cfg.Persistent,
		W: newParam("rbm.W", cfg.Hidden, cfg.Visible, true),
		B: newParam("rbm.B", 1, cfg.Visible, false),
		C: newParam("rbm.C", 1, cfg.Hidden, false)}
	src := rand.NewPCG(cfg.Seed, initSeedStream)
	for i := 0; i < len(r.W.Data); i += 2 {
		a, b := normalPair(src)
		r.W.Data[i] = float32(0.01 * a)
		if i+1 < len(r.W.Data) {
			r.W.Data[i+1] = float32(0.01 * b)
		}
	}
	if cfg.Persistent {
		chains := cfg.Chains
		if chains == 0 {
			chains = 100
		}
		r.Chain = newParam("rbm.chain", chains, cfg.Visible, false)
		r.Chain.Grad = nil
		for i := range r.Chain.Data {
			if cfg.GaussianVisible {
				a, _ := normalPair(src)
				r.Chain.Data[i] = float32(a)
			} else if uniform32(src) < 0.5 {
				r.Chain.Data[i] = 1
			}
		}
	}
	return r, nil
}

// Validate reports whether the RBM is well formed.
func (r *RBM) Validate() error {
	if r == nil || r.W == nil || r.B == nil || r.C == nil {
		return fmt.Errorf("train: incomplete RBM")
	}
	if r.Visible <= 0 || r.Hidden <= 0 || r.K <= 0 || len(r.W.Data) != r.Visible*r.Hidden ||
		len(r.B.Data) != r.Visible || len(r.C.Data) != r.Hidden {
		return fmt.Errorf("train: RBM sizes inconsistent (%d visible, %d hidden, K=%d)", r.Visible, r.Hidden, r.K)
	}
	if r.Persistent && (r.Chain == nil || r.Chain.Rows <= 0 || len(r.Chain.Data) != r.Chain.Rows*r.Visible) {
		return fmt.Errorf("train: persistent RBM without valid chains")
	}
	return nil
}

// Fit trains the RBM on trainSet's examples with CD-k (or PCD) and the
// optimizer in cfg (which minimises the negative log-likelihood using the
// CD estimate of its gradient). The reported loss is the squared
// reconstruction error 1/2 |v - v̂|² per example (v̂ the mean-field
// reconstruction), on valSet if given.
func (r *RBM) Fit(ctx context.Context, trainSet, valSet *dataset.Set, cfg Config) (*History, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if cfg.Monitor == MonitorError {
		return nil, fmt.Errorf("train: an RBM has no classification error to monitor")
	}
	return fit(ctx, r, trainSet, valSet, cfg)
}

func (r *RBM) params() []*Param {
	if len(r.ps) != 3 || r.ps[0] != r.W || r.ps[1] != r.B || r.ps[2] != r.C {
		r.ps = []*Param{r.W, r.B, r.C}
	}
	return r.ps
}

func (r *RBM) extraState() []*Param {
	if r.Chain == nil {
		return nil
	}
	return []*Param{r.Chain}
}

func (r *RBM) begin(set *dataset.Set, batch, threads int) error {
	if set.Dim != r.Visible {
		return fmt.Errorf("train: data has %d features, RBM has %d visible units", set.Dim, r.Visible)
	}
	r.set = set
	r.reserve(batch)
	return nil
}

func (r *RBM) reserve(rows int) {
	if r.Chain != nil {
		rows = max(rows, r.Chain.Rows)
	}
	if rows <= r.rowsCap {
		return
	}
	r.rowsCap = rows
	V, H := r.Visible, r.Hidden
	r.v0 = make([]float32, rows*V)
	r.ph0 = make([]float32, rows*H)
	r.h = make([]float32, rows*H)
	r.pv = make([]float32, rows*V)
	r.v = make([]float32, rows*V)
	r.ph = make([]float32, rows*H)
	r.tmp = make([]float32, max(rows*V, rows*H))
}

// hiddenMeans writes E[h | v] for rows examples of v into dst.
func (r *RBM) hiddenMeans(threads int, v []float32, rows int, dst []float32) {
	H := r.Hidden
	ep := linalg.Epilogue{ColBias: r.C.Data, Act: linalg.ActSigmoid}
	if r.GaussianHidden {
		ep.Act = linalg.ActNone
	}
	linalg.GemmEp(threads, false, true, rows, H, r.Visible, 1, v, r.Visible, r.W.Data, r.Visible, 0, dst, H, ep)
}

// visibleMeans writes E[v | h] for rows examples of h into dst.
func (r *RBM) visibleMeans(threads int, h []float32, rows int, dst []float32) {
	V := r.Visible
	ep := linalg.Epilogue{ColBias: r.B.Data, Act: linalg.ActSigmoid}
	if r.GaussianVisible {
		ep.Act = linalg.ActNone
	}
	linalg.GemmEp(threads, false, false, rows, V, r.Hidden, 1, h, r.Hidden, r.W.Data, V, 0, dst, V, ep)
}

// sample draws unit states from their means: Bernoulli(p) or mean + N(0,1).
func sample(dst, mean []float32, gaussian bool, src rand.Source) {
	dst = dst[:len(mean)]
	if gaussian {
		for i := 0; i < len(mean); i += 2 {
			a, b := normalPair(src)
			dst[i] = mean[i] + float32(a)
			if i+1 < len(mean) {
				dst[i+1] = mean[i+1] + float32(b)
			}
		}
		return
	}
	for i, p := range mean {
		if uniform32(src) < p {
			dst[i] = 1
		} else {
			dst[i] = 0
		}
	}
}

func (r *RBM) trainStep(idx []int, src rand.Source, opt Optimizer, threads int) (float64, error) {
	V, H := r.Visible, r.Hidden
	rows := len(idx)
	v0 := r.v0[:rows*V]
	for k, i := range idx {
		copy(v0[k*V:(k+1)*V], r.set.Row(i))
	}
	ph0 := r.ph0[:rows*H]
	r.hiddenMeans(threads, v0, rows, ph0)

	// Negative phase: a chain of K Gibbs steps starting at the data (CD)
	// or at the persistent chains (PCD).
	neg := rows
	var recon float64
	h := r.h[:rows*H]
	if r.Persistent {
		neg = r.Chain.Rows
		h = r.h[:neg*H]
		ph := r.ph[:neg*H]
		r.hiddenMeans(threads, r.Chain.Data, neg, ph)
		sample(h, ph, r.GaussianHidden, src)
		// Report the mean-field reconstruction error of the data.
		pv := r.pv[:rows*V]
		r.visibleMeans(threads, ph0, rows, pv)
		recon = halfSquaredDistance(v0, pv)
	} else {
		sample(h, ph0, r.GaussianHidden, src)
	}
	pv, v, ph := r.pv[:neg*V], r.v[:neg*V], r.ph[:neg*H]
	for step := 0; step < r.K; step++ {
		r.visibleMeans(threads, h, neg, pv)
		if !r.Persistent && step == 0 {
			recon = halfSquaredDistance(v0, pv)
		}
		last := step == r.K-1
		if last && !r.Persistent {
			// Use the visible means for the negative statistics (Hinton's
			// practical guide); it lowers sampling noise.
			copy(v, pv)
		} else {
			sample(v, pv, r.GaussianVisible, src)
		}
		r.hiddenMeans(threads, v, neg, ph)
		if !last {
			sample(h, ph, r.GaussianHidden, src)
		}
	}
	if r.Persistent {
		copy(r.Chain.Data, v)
	}
	// Gradient of the negative log-likelihood (CD estimate):
	// dW = -(<h v>_data - <h v>_model), db = -(<v>_data - <v>_model),
	// dc = -(<h>_data - <h>_model).
	linalg.Gemm(threads, true, false, H, V, rows, -1/float32(rows), ph0, H, v0, V, 0, r.W.Grad, V)
	linalg.Gemm(threads, true, false, H, V, neg, 1/float32(neg), ph, H, v, V, 1, r.W.Grad, V)
	colMeanDiff(r.B.Grad, v0, rows, v, neg, V)
	colMeanDiff(r.C.Grad, ph0, rows, ph, neg, H)
	if err := opt.Step(r.params(), threads); err != nil {
		return 0, err
	}
	return recon, nil
}

// colMeanDiff writes mean(b) - mean(a) per column into dst.
func colMeanDiff(dst, a []float32, ra int, b []float32, rb, cols int) {
	clear(dst)
	sa, sb := -1/float32(ra), 1/float32(rb)
	for i := 0; i < ra; i++ {
		for j, x := range a[i*cols : (i+1)*cols] {
			dst[j] += sa * x
		}
	}
	for i := 0; i < rb; i++ {
		for j, x := range b[i*cols : (i+1)*cols] {
			dst[j] += sb * x
		}
	}
}

func halfSquaredDistance(a, b []float32) float64 {
	var s float64
	for i, x := range a {
		d := float64(b[i]) - float64(x)
		s += d * d
	}
	return s / 2
}

func (r *RBM) evaluate(set *dataset.Set, threads int) (float64, float64, error) {
	rec, err := r.Reconstruct(MatrixOf(set))
	if err != nil {
		return 0, 0, err
	}
	if set.N == 0 {
		return 0, math.NaN(), nil
	}
	return halfSquaredDistance(set.X, rec.Data) / float64(set.N), math.NaN(), nil
}

func (r *RBM) checkInput(x *Matrix) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := x.check("input"); err != nil {
		return err
	}
	if x.Cols != r.Visible {
		return fmt.Errorf("train: input has %d columns, RBM has %d visible units", x.Cols, r.Visible)
	}
	return nil
}

// HiddenMeans returns E[h | v] for each row v of x: the hidden
// probabilities (or means, for Gaussian hidden units). This is the
// representation the next layer of a stack is trained on.
func (r *RBM) HiddenMeans(x *Matrix) (*Matrix, error) {
	if err := r.checkInput(x); err != nil {
		return nil, err
	}
	out := NewMatrix(x.Rows, r.Hidden)
	r.hiddenMeans(1, x.Data, x.Rows, out.Data)
	return out, nil
}

// Reconstruct returns the mean-field reconstruction E[v | h = E[h | x]]
// of each row of x.
func (r *RBM) Reconstruct(x *Matrix) (*Matrix, error) {
	h, err := r.HiddenMeans(x)
	if err != nil {
		return nil, err
	}
	out := NewMatrix(x.Rows, r.Visible)
	r.visibleMeans(1, h.Data, x.Rows, out.Data)
	return out, nil
}

// FreeEnergy returns F(v) = -log sum_h exp(-E(v, h)) for each row v of x:
// -b·v - sum_j softplus(c_j + W_j·v) for Bernoulli units, with b·v
// replaced by -|v - b|²/2 for Gaussian visible units and softplus(a) by
// a²/2 for Gaussian hidden units (constants dropped). Lower free energy
// means higher probability.
func (r *RBM) FreeEnergy(x *Matrix) ([]float64, error) {
	if err := r.checkInput(x); err != nil {
		return nil, err
	}
	a := make([]float32, x.Rows*r.Hidden)
	linalg.Gemm(1, false, true, x.Rows, r.Hidden, r.Visible, 1, x.Data, r.Visible, r.W.Data, r.Visible, 0, a, r.Hidden)
	out := make([]float64, x.Rows)
	for i := range out {
		v := x.Row(i)
		var f float64
		for k, vk := range v {
			bk := float64(r.B.Data[k])
			if r.GaussianVisible {
				d := float64(vk) - bk
				f += d * d / 2
			} else {
				f -= bk * float64(vk)
			}
		}
		for j, aj := range a[i*r.Hidden : (i+1)*r.Hidden] {
			z := aj + r.C.Data[j]
			if r.GaussianHidden {
				f -= float64(z) * float64(z) / 2
			} else {
				f -= softplus32(z)
			}
		}
		out[i] = f
	}
	return out, nil
}

type rbmSpec struct {
	Visible         int  `json:"visible"`
	Hidden          int  `json:"hidden"`
	GaussianVisible bool `json:"gaussian_visible"`
	GaussianHidden  bool `json:"gaussian_hidden"`
	K               int  `json:"k"`
	Persistent      bool `json:"persistent"`
	Chains          int  `json:"chains"`
}

func (r *RBM) spec() (string, any) {
	s := rbmSpec{Visible: r.Visible, Hidden: r.Hidden, GaussianVisible: r.GaussianVisible,
		GaussianHidden: r.GaussianHidden, K: r.K, Persistent: r.Persistent}
	if r.Chain != nil {
		s.Chains = r.Chain.Rows
	}
	return "rbm", s
}

func (s rbmSpec) build(maxElems int64) (*RBM, error) {
	if s.Visible <= 0 || s.Hidden <= 0 || s.Visible > 1<<24 || s.Hidden > 1<<24 || s.Chains < 0 || s.Chains > 1<<20 {
		return nil, fmt.Errorf("train: bad RBM spec %+v", s)
	}
	chains := int64(s.Chains)
	if s.Persistent && chains == 0 {
		chains = 100
	}
	if n := int64(s.Visible)*int64(s.Hidden) + int64(s.Visible) + int64(s.Hidden) + chains*int64(s.Visible); n > maxElems {
		return nil, fmt.Errorf("train: RBM spec declares %d values, more than the %d available", n, maxElems)
	}
	r, err := NewRBM(RBMConfig{Visible: s.Visible, Hidden: s.Hidden, GaussianVisible: s.GaussianVisible,
		GaussianHidden: s.GaussianHidden, K: s.K, Persistent: s.Persistent, Chains: s.Chains})
	if err != nil {
		return nil, err
	}
	return r, r.Validate()
}
