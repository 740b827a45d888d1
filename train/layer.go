package train

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Matrix is a dense row-major float32 matrix: row i is
// Data[i*Cols : (i+1)*Cols]. Data sets are matrices with one example per
// row.
type Matrix struct {
	Rows, Cols int
	Data       []float32
}

// NewMatrix returns a zero rows×cols matrix.
func NewMatrix(rows, cols int) *Matrix {
	return &Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
}

// Row returns row i (sharing storage).
func (m *Matrix) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// check reports whether m is well formed: non-negative sizes and Data of
// exactly Rows*Cols values.
func (m *Matrix) check(what string) error {
	if m == nil {
		return fmt.Errorf("train: %s: nil matrix", what)
	}
	if m.Rows < 0 || m.Cols < 0 || len(m.Data) != m.Rows*m.Cols {
		return fmt.Errorf("train: %s: matrix %dx%d has %d values", what, m.Rows, m.Cols, len(m.Data))
	}
	return nil
}

// Param is one trainable array (a weight matrix or a bias vector) with
// its gradient.
type Param struct {
	// Name identifies the parameter inside its model (for example
	// "layer0.W"); checkpoints and lowering use it.
	Name string
	// Rows and Cols give the shape; a bias vector has Rows 1.
	Rows, Cols int
	// Data holds the values, row-major.
	Data []float32
	// Grad holds the gradient of the mean mini-batch loss after a
	// backward pass.
	Grad []float32
	// Decay reports whether L2 weight decay applies (weights yes, biases
	// no).
	Decay bool

	written bool // Grad holds this step's first contribution
}

func newParam(name string, rows, cols int, decay bool) *Param {
	return &Param{Name: name, Rows: rows, Cols: cols, Data: make([]float32, rows*cols), Grad: make([]float32, rows*cols), Decay: decay}
}

// Dense is a fully connected layer computing, for each example (row) h of
// its input, g(b + W h): W is Out×In, b has Out values.
type Dense struct {
	In, Out int
	// Act is the activation g.
	Act Activation
	// LeakySlope is LeakyReLU's negative-side slope.
	LeakySlope float32
	// W is the Out×In weight matrix; nil when Tied is set.
	W *Param
	// B is the bias vector (1×Out).
	B *Param
	// Tied, when not nil, makes this layer's weight matrix the transpose
	// of Tied.W (so In == Tied.Out and Out == Tied.In): tied weights.
	Tied *Dense
}

// NewDense returns an untied layer with Glorot-uniform weights drawn from
// src (scaled by 4 for sigmoid as Glorot and Bengio 2010 recommend, He
// uniform for ReLU kinds) and zero biases. name prefixes the parameter
// names.
func NewDense(name string, in, out int, act Activation, src rand.Source) *Dense {
	d := &Dense{In: in, Out: out, Act: act, LeakySlope: DefaultLeakySlope,
		W: newParam(name+".W", out, in, true), B: newParam(name+".B", 1, out, false)}
	initWeights(d.W.Data, in, out, act, src)
	return d
}

// NewTiedDense returns a layer whose weight is enc.W transposed, with its
// own zero bias.
func NewTiedDense(name string, enc *Dense, act Activation) *Dense {
	return &Dense{In: enc.Out, Out: enc.In, Act: act, LeakySlope: DefaultLeakySlope, Tied: enc,
		B: newParam(name+".B", 1, enc.In, false)}
}

func initWeights(w []float32, in, out int, act Activation, src rand.Source) {
	r := math.Sqrt(6 / float64(in+out))
	switch act {
	case Sigmoid:
		r *= 4
	case ReLU, LeakyReLU:
		r = math.Sqrt(6 / float64(in))
	}
	for i := range w {
		w[i] = float32((2*uniform64(src) - 1) * r)
	}
}

// Weight returns the layer's Out×In weight matrix as a new Matrix (the
// transpose of the tied layer's weight for a tied layer).
func (d *Dense) Weight() *Matrix {
	m := NewMatrix(d.Out, d.In)
	if d.Tied == nil {
		copy(m.Data, d.W.Data)
		return m
	}
	t := d.Tied.W.Data // In×Out
	for i := 0; i < d.Out; i++ {
		for j := 0; j < d.In; j++ {
			m.Data[i*d.In+j] = t[j*d.Out+i]
		}
	}
	return m
}

func (d *Dense) validate(name string) error {
	if d == nil {
		return fmt.Errorf("train: %s: nil layer", name)
	}
	if d.In <= 0 || d.Out <= 0 {
		return fmt.Errorf("train: %s: bad size %d->%d", name, d.In, d.Out)
	}
	if d.Act >= numActivations {
		return fmt.Errorf("train: %s: invalid activation %d", name, d.Act)
	}
	if d.Act == LeakyReLU && !(d.LeakySlope > 0 && d.LeakySlope < 1) {
		return fmt.Errorf("train: %s: leaky ReLU slope %v outside (0, 1)", name, d.LeakySlope)
	}
	if d.B == nil || len(d.B.Data) != d.Out || len(d.B.Grad) != d.Out {
		return fmt.Errorf("train: %s: bias must have %d values", name, d.Out)
	}
	if d.Tied != nil {
		if d.W != nil {
			return fmt.Errorf("train: %s: tied layer must not have its own W", name)
		}
		if d.Tied.Tied != nil || d.Tied.W == nil || d.Tied.In != d.Out || d.Tied.Out != d.In {
			return fmt.Errorf("train: %s: tied to a layer of incompatible shape", name)
		}
		return nil
	}
	if d.W == nil || len(d.W.Data) != d.In*d.Out || len(d.W.Grad) != d.In*d.Out {
		return fmt.Errorf("train: %s: weight must be %dx%d", name, d.Out, d.In)
	}
	return nil
}
