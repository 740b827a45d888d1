package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/latent-go/latent/train/dataset"
)

// AutoencoderConfig describes an autoencoder: an encoder through the
// layer sizes Sizes[0] -> Sizes[1] -> ... -> Sizes[K] (the code) and a
// mirrored decoder back to Sizes[0].
type AutoencoderConfig struct {
	// Sizes lists the input size, then each encoder layer's size; the last
	// is the code size. {784, 500} is a one-hidden-layer autoencoder
	// (undercomplete); {784, 1000} an overcomplete one; {784, 1000, 500,
	// 250, 30} the deep autoencoder of Hinton and Salakhutdinov (2006).
	Sizes []int
	// Hidden is the activation of every hidden layer (encoder, code and
	// decoder).
	Hidden Activation
	// CodeLinear makes the code layer linear, as in Hinton and
	// Salakhutdinov's deep autoencoder.
	CodeLinear bool
	// Output is the reconstruction layer's activation: Sigmoid with
	// CrossEntropy for inputs in [0, 1], Linear with SquaredError for real
	// inputs.
	Output Activation
	// Loss is the reconstruction loss.
	Loss Loss
	// Tied makes each decoder weight matrix the transpose of the mirrored
	// encoder matrix.
	Tied bool
	// Noise corrupts the input during training (a denoising autoencoder);
	// the loss always compares with the clean input.
	Noise Noise
	// Sparsity, if Kind is not NoSparsity, penalises the code layer (its
	// Layer field is ignored).
	Sparsity Sparsity
	// Seed seeds the weight initialisation.
	Seed uint64
}

// initSeedStream is the second PCG word for weight initialisation.
const initSeedStream = 0x696e6974 // "init"

// Autoencoder is a feed-forward autoencoder trained to reproduce its
// (clean) input.
type Autoencoder struct {
	// Net holds the encoder layers Net.Layers[:Code+1] followed by the
	// decoder layers.
	Net *Network
	// Code is the index in Net.Layers of the code layer.
	Code int
	// Noise is the training-time corruption.
	Noise Noise

	set      *dataset.Set
	clean, x []float32
}

// NewAutoencoder builds an autoencoder with freshly initialised weights.
func NewAutoencoder(cfg AutoencoderConfig) (*Autoencoder, error) {
	K := len(cfg.Sizes) - 1
	if K < 1 {
		return nil, fmt.Errorf("train: autoencoder needs at least an input and a code size, have %v", cfg.Sizes)
	}
	for _, s := range cfg.Sizes {
		if s <= 0 {
			return nil, fmt.Errorf("train: autoencoder sizes must be positive, have %v", cfg.Sizes)
		}
	}
	if err := cfg.Noise.Validate(); err != nil {
		return nil, err
	}
	src := rand.NewPCG(cfg.Seed, initSeedStream)
	n := &Network{Loss: cfg.Loss}
	for l := 0; l < K; l++ {
		act := cfg.Hidden
		if l == K-1 && cfg.CodeLinear {
			act = Linear
		}
		n.Layers = append(n.Layers, NewDense(fmt.Sprintf("enc%d", l), cfg.Sizes[l], cfg.Sizes[l+1], act, src))
	}
	for l := K - 1; l >= 0; l-- {
		act := cfg.Hidden
		if l == 0 {
			act = cfg.Output
		}
		name := fmt.Sprintf("dec%d", K-1-l)
		if cfg.Tied {
			n.Layers = append(n.Layers, NewTiedDense(name, n.Layers[l], act))
		} else {
			n.Layers = append(n.Layers, NewDense(name, cfg.Sizes[l+1], cfg.Sizes[l], act, src))
		}
	}
	if cfg.Sparsity.Kind != NoSparsity {
		n.Sparsity = cfg.Sparsity
		n.Sparsity.Layer = K - 1
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return &Autoencoder{Net: n, Code: K - 1, Noise: cfg.Noise}, nil
}

// Validate reports whether the autoencoder is well formed.
func (a *Autoencoder) Validate() error {
	if a == nil || a.Net == nil {
		return fmt.Errorf("train: nil autoencoder")
	}
	if err := a.Net.Validate(); err != nil {
		return err
	}
	if a.Code < 0 || a.Code >= len(a.Net.Layers)-1 {
		return fmt.Errorf("train: code layer %d is not a hidden layer", a.Code)
	}
	if a.Net.InputSize() != a.Net.OutputSize() {
		return fmt.Errorf("train: autoencoder input size %d differs from output size %d", a.Net.InputSize(), a.Net.OutputSize())
	}
	return a.Noise.Validate()
}

// Encoder returns the encoder layers (shared, not copied).
func (a *Autoencoder) Encoder() []*Dense { return a.Net.Layers[:a.Code+1] }

// Decoder returns the decoder layers (shared, not copied).
func (a *Autoencoder) Decoder() []*Dense { return a.Net.Layers[a.Code+1:] }

// Fit trains the autoencoder on the examples of trainSet (labels are
// ignored), reporting the clean reconstruction loss on valSet (may be
// nil) after each epoch.
func (a *Autoencoder) Fit(ctx context.Context, trainSet, valSet *dataset.Set, cfg Config) (*History, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if cfg.Monitor == MonitorError {
		return nil, fmt.Errorf("train: an autoencoder has no classification error to monitor")
	}
	return fit(ctx, a, trainSet, valSet, cfg)
}

// Encode returns the codes of the rows of x.
func (a *Autoencoder) Encode(x *Matrix) (*Matrix, error) { return a.Net.ForwardTo(x, a.Code) }

// Reconstruct returns the reconstructions of the rows of x.
func (a *Autoencoder) Reconstruct(x *Matrix) (*Matrix, error) { return a.Net.Forward(x) }

// Loss returns the mean clean reconstruction loss on the rows of x
// (including any sparsity penalty).
func (a *Autoencoder) Loss(x *Matrix) (float64, error) { return a.Net.Evaluate(x, x) }

// SquaredError returns the mean over rows of x of the summed squared
// reconstruction error sum_k (x̂_k - x_k)², whatever the training loss.
func (a *Autoencoder) SquaredError(x *Matrix) (float64, error) {
	r, err := a.Reconstruct(x)
	if err != nil {
		return 0, err
	}
	return meanSquaredDistance(x, r), nil
}

func meanSquaredDistance(x, r *Matrix) float64 {
	if x.Rows == 0 {
		return 0
	}
	var s float64
	for i, v := range x.Data {
		d := float64(r.Data[i]) - float64(v)
		s += d * d
	}
	return s / float64(x.Rows)
}

func (a *Autoencoder) params() []*Param { return a.Net.Params() }

func (a *Autoencoder) extraState() []*Param { return nil }

func (a *Autoencoder) begin(set *dataset.Set, batch, threads int) error {
	if set.Dim != a.Net.InputSize() {
		return fmt.Errorf("train: data has %d features, autoencoder wants %d", set.Dim, a.Net.InputSize())
	}
	a.set = set
	a.Net.Threads = threads
	a.clean = make([]float32, batch*set.Dim)
	if a.Noise.Kind != NoNoise {
		a.x = make([]float32, batch*set.Dim)
	}
	a.Net.reserve(batch)
	return nil
}

func (a *Autoencoder) trainStep(idx []int, src rand.Source, opt Optimizer, threads int) (float64, error) {
	dim := a.set.Dim
	rows := len(idx)
	clean := a.clean[:rows*dim]
	for r, i := range idx {
		copy(clean[r*dim:(r+1)*dim], a.set.Row(i))
	}
	in := clean
	if a.Noise.Kind != NoNoise {
		in = a.x[:rows*dim]
		a.Noise.Apply(in, clean, src)
	}
	return netStep(a.Net, in, clean, rows, opt, threads)
}

// netStep runs forward, loss, backward and the optimizer step on one
// mini-batch and returns the summed loss.
func netStep(n *Network, in, target []float32, rows int, opt Optimizer, threads int) (float64, error) {
	n.Threads = threads
	n.forward(in, rows)
	loss := n.lossGrad(target, rows)
	if math.IsNaN(loss) {
		return loss, fmt.Errorf("loss is NaN")
	}
	var fuse *sgdFuse
	if s, ok := opt.(*SGD); ok && s.Momentum == 0 {
		fuse = &n.ws.fuse
		*fuse = sgdFuse{lr: s.LR, decay: s.WeightDecay}
	}
	n.backward(in, rows, fuse)
	if fuse == nil {
		if err := opt.Step(n.ws.params, threads); err != nil {
			return loss, err
		}
	}
	return loss, nil
}

func (a *Autoencoder) evaluate(set *dataset.Set, threads int) (float64, float64, error) {
	a.Net.Threads = threads
	x := &Matrix{Rows: set.N, Cols: set.Dim, Data: set.X}
	l, err := a.Net.Evaluate(x, x)
	return l, math.NaN(), err
}

// MatrixOf returns the examples of s as a Matrix sharing s's storage.
func MatrixOf(s *dataset.Set) *Matrix { return &Matrix{Rows: s.N, Cols: s.Dim, Data: s.X} }
