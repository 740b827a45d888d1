package train

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/latent-go/latent/train/dataset"
)

// ClassifierConfig describes a feed-forward classifier with a softmax
// output layer trained with SoftmaxCrossEntropy.
type ClassifierConfig struct {
	// Sizes lists the input size, the hidden layer sizes and the number
	// of classes: {784, 500, 10}.
	Sizes []int
	// Hidden is the hidden layers' activation.
	Hidden Activation
	// Seed seeds the weight initialisation.
	Seed uint64
}

// Classifier is a feed-forward network with a softmax output over
// classes.
type Classifier struct {
	Net *Network

	set  *dataset.Set
	x, t []float32
}

// NewClassifier builds a classifier with freshly initialised weights.
func NewClassifier(cfg ClassifierConfig) (*Classifier, error) {
	if len(cfg.Sizes) < 2 {
		return nil, fmt.Errorf("train: classifier needs at least input and class counts, have %v", cfg.Sizes)
	}
	for _, s := range cfg.Sizes {
		if s <= 0 {
			return nil, fmt.Errorf("train: classifier sizes must be positive, have %v", cfg.Sizes)
		}
	}
	src := rand.NewPCG(cfg.Seed, initSeedStream)
	n := &Network{Loss: SoftmaxCrossEntropy}
	L := len(cfg.Sizes) - 1
	for l := 0; l < L; l++ {
		act := cfg.Hidden
		if l == L-1 {
			act = Softmax
		}
		n.Layers = append(n.Layers, NewDense(fmt.Sprintf("layer%d", l), cfg.Sizes[l], cfg.Sizes[l+1], act, src))
	}
	c := &Classifier{Net: n}
	return c, c.Validate()
}

// Validate reports whether the classifier is well formed.
func (c *Classifier) Validate() error {
	if c == nil || c.Net == nil {
		return fmt.Errorf("train: nil classifier")
	}
	if err := c.Net.Validate(); err != nil {
		return err
	}
	if c.Net.Loss != SoftmaxCrossEntropy {
		return fmt.Errorf("train: classifier loss must be softmax cross-entropy")
	}
	return nil
}

// Classes returns the number of classes.
func (c *Classifier) Classes() int { return c.Net.OutputSize() }

// Fit trains the classifier on the labelled trainSet; valSet (labelled,
// may be nil) gives the validation loss and error after each epoch.
func (c *Classifier) Fit(ctx context.Context, trainSet, valSet *dataset.Set, cfg Config) (*History, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	for _, s := range []*dataset.Set{trainSet, valSet} {
		if s != nil && s.N > 0 && (s.Y == nil || s.Classes > c.Classes()) {
			return nil, fmt.Errorf("train: classifier data must be labelled with at most %d classes", c.Classes())
		}
	}
	return fit(ctx, c, trainSet, valSet, cfg)
}

// Probabilities returns the class probabilities for the rows of x.
func (c *Classifier) Probabilities(x *Matrix) (*Matrix, error) { return c.Net.Forward(x) }

// Predict returns the most probable class of each row of x.
func (c *Classifier) Predict(x *Matrix) ([]int, error) {
	p, err := c.Probabilities(x)
	if err != nil {
		return nil, err
	}
	out := make([]int, p.Rows)
	for i := range out {
		out[i] = argmax(p.Row(i))
	}
	return out, nil
}

// ErrorRate returns the fraction of examples of the labelled set s that
// are misclassified.
func (c *Classifier) ErrorRate(s *dataset.Set) (float64, error) {
	if s.Y == nil {
		return 0, fmt.Errorf("train: error rate needs labels")
	}
	pred, err := c.Predict(MatrixOf(s))
	if err != nil {
		return 0, err
	}
	if len(pred) == 0 {
		return 0, nil
	}
	wrong := 0
	for i, p := range pred {
		if p != s.Y[i] {
			wrong++
		}
	}
	return float64(wrong) / float64(len(pred)), nil
}

func argmax(r []float32) int {
	best := 0
	for j, v := range r {
		if v > r[best] {
			best = j
		}
	}
	return best
}

func (c *Classifier) params() []*Param     { return c.Net.Params() }
func (c *Classifier) extraState() []*Param { return nil }

func (c *Classifier) begin(set *dataset.Set, batch, threads int) error {
	if set.Dim != c.Net.InputSize() {
		return fmt.Errorf("train: data has %d features, classifier wants %d", set.Dim, c.Net.InputSize())
	}
	c.set = set
	c.x = make([]float32, batch*set.Dim)
	c.t = make([]float32, batch*c.Classes())
	c.Net.reserve(batch)
	return nil
}

func oneHot(dst []float32, labels []int, classes int) {
	clear(dst[:len(labels)*classes])
	for r, y := range labels {
		dst[r*classes+y] = 1
	}
}

func (c *Classifier) trainStep(idx []int, _ rand.Source, opt Optimizer, threads int) (float64, error) {
	dim, k := c.set.Dim, c.Classes()
	rows := len(idx)
	x, t := c.x[:rows*dim], c.t[:rows*k]
	clear(t)
	for r, i := range idx {
		copy(x[r*dim:(r+1)*dim], c.set.Row(i))
		t[r*k+c.set.Y[i]] = 1
	}
	return netStep(c.Net, x, t, rows, opt, threads)
}

func (c *Classifier) evaluate(set *dataset.Set, threads int) (float64, float64, error) {
	c.Net.Threads = threads
	k := c.Classes()
	const chunk = 256
	t := make([]float32, chunk*k)
	var loss float64
	wrong := 0
	for r0 := 0; r0 < set.N; r0 += chunk {
		rows := min(chunk, set.N-r0)
		oneHot(t, set.Y[r0:r0+rows], k)
		c.Net.forward(set.X[r0*set.Dim:(r0+rows)*set.Dim], rows)
		loss += c.Net.lossGrad(t[:rows*k], rows)
		out := c.Net.ws.h[len(c.Net.Layers)-1]
		for r := 0; r < rows; r++ {
			if argmax(out[r*k:(r+1)*k]) != set.Y[r0+r] {
				wrong++
			}
		}
	}
	return loss / float64(set.N), float64(wrong) / float64(set.N), nil
}
