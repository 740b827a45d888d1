package train

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/latent-go/latent/train/dataset"
)

// Module selects the "greedy module" trained at each level of greedy
// layer-wise pre-training.
type Module uint8

const (
	// ModuleAutoencoder trains a one-hidden-layer autoencoder per level.
	ModuleAutoencoder Module = iota
	// ModuleDenoising trains a denoising autoencoder per level (Vincent et
	// al. 2008), corrupting each level's input with PretrainConfig.Noise.
	ModuleDenoising
	// ModuleRBM trains a restricted Boltzmann machine per level with CD-k
	// (Hinton, Osindero and Teh 2006).
	ModuleRBM
)

// String returns "autoencoder", "denoising" or "rbm".
func (m Module) String() string {
	switch m {
	case ModuleAutoencoder:
		return "autoencoder"
	case ModuleDenoising:
		return "denoising"
	case ModuleRBM:
		return "rbm"
	}
	return fmt.Sprintf("Module(%d)", uint8(m))
}

// PretrainConfig configures greedy layer-wise pre-training.
type PretrainConfig struct {
	// Sizes lists the input size then each hidden layer's size:
	// {784, 500, 500, 500} pre-trains three layers.
	Sizes []int
	// Module is the greedy module.
	Module Module
	// Hidden is the hidden units' activation for autoencoder modules
	// (Sigmoid in the lecture); RBM hidden units are always logistic
	// (except a linear code, below).
	Hidden Activation
	// RealInput declares the first level's inputs real-valued: its
	// autoencoder reconstructs them with a linear output and squared error
	// and its RBM has Gaussian visible units (standardise the data).
	// Otherwise inputs must lie in [0, 1] and are reconstructed with a
	// sigmoid output and cross-entropy (Bernoulli visible units).
	RealInput bool
	// LinearCode makes the top layer linear (Gaussian hidden units for an
	// RBM), as in Hinton and Salakhutdinov's deep autoencoder.
	LinearCode bool
	// Tied ties each autoencoder module's decoder to its encoder.
	Tied bool
	// Noise is the denoising modules' corruption.
	Noise Noise
	// Sparsity penalises autoencoder modules' hidden layers.
	Sparsity Sparsity
	// K and Persistent configure RBM training (CD-k, PCD).
	K          int
	Persistent bool
	// Train is each level's training configuration; its Optimizer is
	// copied without state for every level, and its Checkpoint, if set,
	// gets a ".l<level>" suffix per level.
	Train Config
	// Seed seeds the modules' weight initialisation (level l uses
	// Seed+l).
	Seed uint64
	// Progress, when set, receives each level's progress (level is
	// 1-based).
	Progress func(level int, p Progress)
}

// Stack is the result of greedy layer-wise pre-training: the encoder
// layers W(l), b(l) of the deep network, and for each level the greedy
// module's decoder (from h(l) back to h(l-1)), used to unroll a deep
// autoencoder.
type Stack struct {
	// Layers are the pre-trained encoder layers, input first.
	Layers []*Dense
	// Decoders[l] maps level l+1's representation back to level l's.
	Decoders []*Dense
	// Histories holds each level's training history.
	Histories []*History
}

// freshOptimizer returns an optimizer with o's hyper-parameters and no
// state (nil for nil).
func freshOptimizer(o Optimizer) Optimizer {
	switch o := o.(type) {
	case *SGD:
		return &SGD{LR: o.LR, Momentum: o.Momentum, WeightDecay: o.WeightDecay}
	case *Adam:
		return &Adam{LR: o.LR, Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, WeightDecay: o.WeightDecay}
	}
	return nil
}

// cloneDense returns an untied deep copy of d (a tied layer's weight is
// materialised).
func cloneDense(d *Dense, name string) *Dense {
	c := &Dense{In: d.In, Out: d.Out, Act: d.Act, LeakySlope: d.LeakySlope,
		W: newParam(name+".W", d.Out, d.In, true), B: newParam(name+".B", 1, d.Out, false)}
	copy(c.W.Data, d.Weight().Data)
	copy(c.B.Data, d.B.Data)
	return c
}

// applyLayers returns h(x) for the rows of s through layers.
func applyLayers(layers []*Dense, s *dataset.Set, threads int) (*dataset.Set, error) {
	n := &Network{Layers: layers, Loss: SquaredError, Threads: threads}
	if n.Layers[len(n.Layers)-1].Act == Softmax {
		n.Loss = SoftmaxCrossEntropy
	}
	out, err := n.Forward(MatrixOf(s))
	if err != nil {
		return nil, err
	}
	return &dataset.Set{X: out.Data, Y: s.Y, N: s.N, Dim: out.Cols, Classes: s.Classes}, nil
}

// Pretrain runs greedy layer-wise pre-training as the lecture's
// pseudo-code gives it: for l = 1..L, build the data set h(l-1)(x) (with
// h(0)(x) = x), train the greedy module on it, and use the module's
// hidden-layer weights and biases as W(l), b(l). valSet (may be nil) is
// mapped the same way and used for each level's validation loss.
func Pretrain(ctx context.Context, trainSet, valSet *dataset.Set, cfg PretrainConfig) (*Stack, error) {
	L := len(cfg.Sizes) - 1
	if L < 1 {
		return nil, fmt.Errorf("train: pre-training needs an input size and at least one layer size, have %v", cfg.Sizes)
	}
	if trainSet == nil || trainSet.Dim != cfg.Sizes[0] {
		return nil, fmt.Errorf("train: pre-training data must have %d features", cfg.Sizes[0])
	}
	if cfg.Module > ModuleRBM {
		return nil, fmt.Errorf("train: invalid greedy module %d", cfg.Module)
	}
	if cfg.Module == ModuleDenoising && cfg.Noise.Kind == NoNoise {
		return nil, fmt.Errorf("train: denoising pre-training needs a noise kind")
	}
	threads := max(cfg.Train.Threads, 1)
	st := &Stack{}
	d, dv := trainSet, valSet
	for l := 1; l <= L; l++ {
		in, out := cfg.Sizes[l-1], cfg.Sizes[l]
		tc := cfg.Train
		tc.Optimizer = freshOptimizer(cfg.Train.Optimizer)
		if tc.Checkpoint != "" {
			tc.Checkpoint = fmt.Sprintf("%s.l%d", tc.Checkpoint, l)
		}
		if tc.ResumeFrom != "" {
			tc.ResumeFrom = fmt.Sprintf("%s.l%d", tc.ResumeFrom, l)
		}
		if cfg.Progress != nil {
			level := l
			tc.Progress = func(p Progress) { cfg.Progress(level, p) }
		}
		realIn := cfg.RealInput && l == 1
		top := l == L
		var enc, dec *Dense
		var hist *History
		var err error
		switch cfg.Module {
		case ModuleRBM:
			r, e := NewRBM(RBMConfig{Visible: in, Hidden: out, GaussianVisible: realIn, GaussianHidden: top && cfg.LinearCode,
				K: cfg.K, Persistent: cfg.Persistent, Seed: cfg.Seed + uint64(l)})
			if e != nil {
				return nil, e
			}
			if hist, err = r.Fit(ctx, d, dv, tc); err != nil {
				return nil, fmt.Errorf("train: pre-training level %d (RBM): %w", l, err)
			}
			enc, dec = r.Encoder(), r.Decoder()
		default:
			ac := AutoencoderConfig{Sizes: []int{in, out}, Hidden: cfg.Hidden, CodeLinear: top && cfg.LinearCode,
				Tied: cfg.Tied, Sparsity: cfg.Sparsity, Seed: cfg.Seed + uint64(l)}
			// Level l reconstructs h(l-1): real-valued unless it comes
			// from sigmoid units (or is data in [0, 1]).
			if realIn || (l > 1 && st.Layers[l-2].Act != Sigmoid) {
				ac.Output, ac.Loss = Linear, SquaredError
			} else {
				ac.Output, ac.Loss = Sigmoid, CrossEntropy
			}
			if cfg.Module == ModuleDenoising {
				ac.Noise = cfg.Noise
			}
			a, e := NewAutoencoder(ac)
			if e != nil {
				return nil, e
			}
			if hist, err = a.Fit(ctx, d, dv, tc); err != nil {
				return nil, fmt.Errorf("train: pre-training level %d (%v): %w", l, cfg.Module, err)
			}
			enc, dec = a.Net.Layers[0], a.Net.Layers[1]
		}
		st.Layers = append(st.Layers, cloneDense(enc, fmt.Sprintf("layer%d", l-1)))
		st.Decoders = append(st.Decoders, cloneDense(dec, fmt.Sprintf("dec%d", l-1)))
		st.Histories = append(st.Histories, hist)
		if l < L {
			last := st.Layers[l-1 : l]
			if d, err = applyLayers(last, d, threads); err != nil {
				return nil, err
			}
			if dv != nil {
				if dv, err = applyLayers(last, dv, threads); err != nil {
					return nil, err
				}
			}
		}
	}
	return st, nil
}

// Encoder returns the RBM as a feed-forward layer v -> E[h | v]: the
// weights W and hidden biases c with a sigmoid (or, for Gaussian hidden
// units, linear) activation. The layer shares the RBM's parameters.
func (r *RBM) Encoder() *Dense {
	act := Sigmoid
	if r.GaussianHidden {
		act = Linear
	}
	return &Dense{In: r.Visible, Out: r.Hidden, Act: act, LeakySlope: DefaultLeakySlope, W: r.W, B: r.C}
}

// Decoder returns the RBM as a layer h -> E[v | h]: W transposed and the
// visible biases b, with a sigmoid (linear for Gaussian visible units)
// activation. The returned layer has its own copy of the weights.
func (r *RBM) Decoder() *Dense {
	act := Sigmoid
	if r.GaussianVisible {
		act = Linear
	}
	d := &Dense{In: r.Hidden, Out: r.Visible, Act: act, LeakySlope: DefaultLeakySlope,
		W: newParam("rbm.decW", r.Visible, r.Hidden, true), B: newParam("rbm.decB", 1, r.Visible, false)}
	for i := 0; i < r.Hidden; i++ {
		for j := 0; j < r.Visible; j++ {
			d.W.Data[j*r.Hidden+i] = r.W.Data[i*r.Visible+j]
		}
	}
	copy(d.B.Data, r.B.Data)
	return d
}

// Transform returns h(L)(x), the top-level representation of the rows of
// x.
func (s *Stack) Transform(x *Matrix) (*Matrix, error) {
	n := &Network{Layers: s.Layers, Loss: SquaredError}
	return n.Forward(x)
}

// Classifier returns a classifier whose hidden layers are copies of the
// pre-trained layers, topped by a randomly initialised softmax output
// layer of the given number of classes (seeded by seed): the network the
// lecture's fine-tuning phase trains with supervised back-propagation.
func (s *Stack) Classifier(classes int, seed uint64) (*Classifier, error) {
	if len(s.Layers) == 0 || classes <= 0 {
		return nil, fmt.Errorf("train: classifier from a stack of %d layers with %d classes", len(s.Layers), classes)
	}
	n := &Network{Loss: SoftmaxCrossEntropy}
	for l, d := range s.Layers {
		n.Layers = append(n.Layers, cloneDense(d, fmt.Sprintf("layer%d", l)))
	}
	top := s.Layers[len(s.Layers)-1].Out
	n.Layers = append(n.Layers, NewDense(fmt.Sprintf("layer%d", len(s.Layers)), top, classes, Softmax, rand.NewPCG(seed, initSeedStream)))
	c := &Classifier{Net: n}
	return c, c.Validate()
}

// DeepAutoencoder unrolls the stack into a deep autoencoder (Hinton and
// Salakhutdinov 2006): the pre-trained encoder layers followed by the
// greedy modules' decoders in mirrored order, untied, ready to be
// fine-tuned on reconstruction. The loss is cross-entropy when the output
// layer is a sigmoid and squared error otherwise.
func (s *Stack) DeepAutoencoder() (*Autoencoder, error) {
	if len(s.Layers) == 0 || len(s.Decoders) != len(s.Layers) {
		return nil, fmt.Errorf("train: stack has %d layers and %d decoders", len(s.Layers), len(s.Decoders))
	}
	n := &Network{}
	for l, d := range s.Layers {
		n.Layers = append(n.Layers, cloneDense(d, fmt.Sprintf("enc%d", l)))
	}
	for l := len(s.Decoders) - 1; l >= 0; l-- {
		n.Layers = append(n.Layers, cloneDense(s.Decoders[l], fmt.Sprintf("dec%d", len(s.Decoders)-1-l)))
	}
	if n.Layers[len(n.Layers)-1].Act == Sigmoid {
		n.Loss = CrossEntropy
	} else {
		n.Loss = SquaredError
	}
	a := &Autoencoder{Net: n, Code: len(s.Layers) - 1}
	return a, a.Validate()
}
