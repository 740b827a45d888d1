package train

import (
	"fmt"
	"math"

	"github.com/latent-go/latent/train/internal/linalg"
)

// Optimizer updates parameters from the gradients a backward pass left in
// Param.Grad. The implementations are *SGD and *Adam; an optimizer keeps
// per-parameter state (velocities, moments), so use one value per model.
type Optimizer interface {
	// Step applies one update to every parameter.
	Step(params []*Param, threads int) error
	// Name returns "sgd" or "adam".
	Name() string

	// slots returns the per-parameter state arrays, allocating them for
	// params if needed, in a fixed order (for checkpoints).
	slots(params []*Param) [][]float32
	// counter returns a pointer to the step counter (nil if none).
	counter() *int64
}

// SGD is stochastic gradient descent with optional momentum and L2 weight
// decay: v = Momentum*v - LR*(g + WeightDecay*w); w = w + v. With
// Momentum 0 it is w = w - LR*(g + WeightDecay*w), which the trainer fuses
// into the backward pass.
type SGD struct {
	LR          float32
	Momentum    float32
	WeightDecay float32

	vel        [][]float32
	args       optArgs
	plain, mom func(lo, hi int)
}

// Name implements Optimizer.
func (o *SGD) Name() string { return "sgd" }

func (o *SGD) check() error {
	if !(o.LR > 0) || !(o.Momentum >= 0 && o.Momentum < 1) || !(o.WeightDecay >= 0) {
		return fmt.Errorf("train: SGD needs LR > 0, 0 <= momentum < 1, weight decay >= 0; have %v, %v, %v", o.LR, o.Momentum, o.WeightDecay)
	}
	return nil
}

func (o *SGD) slots(params []*Param) [][]float32 {
	if o.Momentum == 0 {
		return nil
	}
	if len(o.vel) != len(params) {
		o.vel = make([][]float32, len(params))
		for i, p := range params {
			o.vel[i] = make([]float32, len(p.Data))
		}
	}
	return o.vel
}

func (o *SGD) counter() *int64 { return nil }

// optArgs are the operands of one parameter's update.
type optArgs struct {
	w, g, v, m                []float32
	lr, wd, mu, b1, b2, c2, e float32
}

// Step implements Optimizer.
func (o *SGD) Step(params []*Param, threads int) error {
	if err := o.check(); err != nil {
		return err
	}
	vel := o.slots(params)
	if o.plain == nil {
		a := &o.args
		o.plain = func(lo, hi int) {
			w, g := a.w[lo:hi], a.g[lo:hi]
			for j := range w {
				w[j] -= a.lr * (g[j] + a.wd*w[j])
			}
		}
		o.mom = func(lo, hi int) {
			w, g, v := a.w[lo:hi], a.g[lo:hi], a.v[lo:hi]
			for j := range w {
				v[j] = a.mu*v[j] - a.lr*(g[j]+a.wd*w[j])
				w[j] += v[j]
			}
		}
	}
	for i, p := range params {
		o.args = optArgs{w: p.Data, g: p.Grad, lr: o.LR, mu: o.Momentum}
		if p.Decay {
			o.args.wd = o.WeightDecay
		}
		if vel == nil {
			linalg.ParallelFor(threads, len(p.Data), 1<<14, o.plain)
			continue
		}
		o.args.v = vel[i]
		linalg.ParallelFor(threads, len(p.Data), 1<<14, o.mom)
	}
	return nil
}

// Adam is the Adam optimizer (Kingma and Ba 2015) with L2 weight decay
// added to the gradient: g' = g + WeightDecay*w; m = Beta1*m + (1-Beta1)g';
// v = Beta2*v + (1-Beta2)g'²; w = w - LR * m̂/(sqrt(v̂)+Eps) with the
// bias-corrected moments m̂ = m/(1-Beta1^t), v̂ = v/(1-Beta2^t). Zero
// Beta1, Beta2 and Eps take the defaults 0.9, 0.999 and 1e-8.
type Adam struct {
	LR           float32
	Beta1, Beta2 float32
	Eps          float32
	WeightDecay  float32

	t    int64
	m, v [][]float32
	args optArgs
	fn   func(lo, hi int)
}

// Name implements Optimizer.
func (o *Adam) Name() string { return "adam" }

func (o *Adam) defaults() (b1, b2, eps float32) {
	b1, b2, eps = o.Beta1, o.Beta2, o.Eps
	if b1 == 0 {
		b1 = 0.9
	}
	if b2 == 0 {
		b2 = 0.999
	}
	if eps == 0 {
		eps = 1e-8
	}
	return
}

func (o *Adam) slots(params []*Param) [][]float32 {
	if len(o.m) != len(params) {
		o.m = make([][]float32, len(params))
		o.v = make([][]float32, len(params))
		for i, p := range params {
			o.m[i] = make([]float32, len(p.Data))
			o.v[i] = make([]float32, len(p.Data))
		}
	}
	return append(append([][]float32(nil), o.m...), o.v...)
}

func (o *Adam) counter() *int64 { return &o.t }

// Step implements Optimizer.
func (o *Adam) Step(params []*Param, threads int) error {
	b1, b2, eps := o.defaults()
	if !(o.LR > 0) || !(b1 > 0 && b1 < 1) || !(b2 > 0 && b2 < 1) || !(eps > 0) || !(o.WeightDecay >= 0) {
		return fmt.Errorf("train: Adam needs LR > 0, betas in (0,1), eps > 0, weight decay >= 0")
	}
	if len(o.m) != len(params) {
		o.slots(params)
	}
	o.t++
	c1 := float32(1 - math.Pow(float64(b1), float64(o.t)))
	c2 := float32(1 - math.Pow(float64(b2), float64(o.t)))
	if o.fn == nil {
		a := &o.args
		o.fn = func(lo, hi int) {
			w, g, m, v := a.w[lo:hi], a.g[lo:hi], a.m[lo:hi], a.v[lo:hi]
			b1, b2 := a.b1, a.b2
			for j := range w {
				gj := g[j] + a.wd*w[j]
				m[j] = b1*m[j] + (1-b1)*gj
				v[j] = b2*v[j] + (1-b2)*gj*gj
				w[j] -= a.lr * m[j] / (float32(math.Sqrt(float64(v[j]/a.c2))) + a.e)
			}
		}
	}
	for i, p := range params {
		o.args = optArgs{w: p.Data, g: p.Grad, m: o.m[i], v: o.v[i], lr: o.LR / c1, b1: b1, b2: b2, c2: c2, e: eps}
		if p.Decay {
			o.args.wd = o.WeightDecay
		}
		linalg.ParallelFor(threads, len(p.Data), 1<<14, o.fn)
	}
	return nil
}

// newOptimizerByName returns a zero optimizer of the named kind (for
// checkpoints).
func newOptimizerByName(name string) (Optimizer, error) {
	switch name {
	case "sgd":
		return &SGD{}, nil
	case "adam":
		return &Adam{}, nil
	}
	return nil, fmt.Errorf("train: unknown optimizer %q", name)
}
