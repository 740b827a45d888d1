package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// ref64 is an independent float64 implementation of a Network's forward
// pass and loss, used as the finite-difference oracle.
type ref64 struct {
	n      *Network
	params map[*Param][]float64
}

func newRef64(n *Network) *ref64 {
	r := &ref64{n: n, params: map[*Param][]float64{}}
	for _, p := range n.Params() {
		v := make([]float64, len(p.Data))
		for i, x := range p.Data {
			v[i] = float64(x)
		}
		r.params[p] = v
	}
	return r
}

func act64(a Activation, slope float64, v float64) float64 {
	switch a {
	case Sigmoid:
		return 1 / (1 + math.Exp(-v))
	case Tanh:
		return math.Tanh(v)
	case ReLU:
		return math.Max(v, 0)
	case LeakyReLU:
		if v < 0 {
			return slope * v
		}
		return v
	}
	return v
}

// meanLoss returns the mean loss over the rows of x plus the sparsity
// penalty, computed entirely in float64.
func (r *ref64) meanLoss(x, t *Matrix) float64 {
	n := r.n
	rows := x.Rows
	h := make([][]float64, rows)
	for i := range h {
		h[i] = make([]float64, x.Cols)
		for j := range h[i] {
			h[i][j] = float64(x.Data[i*x.Cols+j])
		}
	}
	var total, penalty float64
	for l, d := range n.Layers {
		w := func(o, i int) float64 {
			if d.Tied != nil {
				return r.params[d.Tied.W][i*d.Out+o]
			}
			return r.params[d.W][o*d.In+i]
		}
		b := r.params[d.B]
		next := make([][]float64, rows)
		for e := 0; e < rows; e++ {
			a := make([]float64, d.Out)
			for o := range a {
				s := b[o]
				for i := 0; i < d.In; i++ {
					s += w(o, i) * h[e][i]
				}
				a[o] = s
			}
			out := make([]float64, d.Out)
			if d.Act == Softmax {
				m := a[0]
				for _, v := range a {
					m = math.Max(m, v)
				}
				var z float64
				for _, v := range a {
					z += math.Exp(v - m)
				}
				for o, v := range a {
					out[o] = math.Exp(v-m) / z
				}
			} else {
				for o, v := range a {
					out[o] = act64(d.Act, float64(d.LeakySlope), v)
				}
			}
			if l == len(n.Layers)-1 {
				tr := t.Row(e)
				for k := range out {
					tk := float64(tr[k])
					switch n.Loss {
					case CrossEntropy:
						total += -(tk*math.Log(out[k]) + (1-tk)*math.Log(1-out[k]))
					case SquaredError:
						total += 0.5 * (out[k] - tk) * (out[k] - tk)
					case SoftmaxCrossEntropy:
						total += -tk * math.Log(out[k])
					}
				}
			}
			next[e] = out
		}
		if s := n.Sparsity; s.Kind != NoSparsity && s.Layer == l {
			switch s.Kind {
			case KLSparsity:
				rho := float64(s.Target)
				for j := 0; j < d.Out; j++ {
					var q float64
					for e := 0; e < rows; e++ {
						q += next[e][j]
					}
					q /= float64(rows)
					penalty += float64(s.Weight) * (rho*math.Log(rho/q) + (1-rho)*math.Log((1-rho)/(1-q)))
				}
			case L1Sparsity:
				for e := 0; e < rows; e++ {
					for _, v := range next[e] {
						penalty += float64(s.Weight) * math.Abs(v) / float64(rows)
					}
				}
			}
		}
		h = next
	}
	return total/float64(rows) + penalty
}

type netSpec struct {
	name     string
	sizes    []int
	acts     []Activation
	tied     []bool // tied[l]: layer l is tied to layer len-1-l
	loss     Loss
	sparsity Sparsity
}

func buildNet(s netSpec, rng *rand.Rand) *Network {
	n := &Network{Loss: s.loss, Sparsity: s.sparsity}
	L := len(s.sizes) - 1
	for l := 0; l < L; l++ {
		if s.tied != nil && s.tied[l] {
			n.Layers = append(n.Layers, NewTiedDense(fmt.Sprintf("layer%d", l), n.Layers[L-1-l], s.acts[l]))
		} else {
			n.Layers = append(n.Layers, NewDense(fmt.Sprintf("layer%d", l), s.sizes[l], s.sizes[l+1], s.acts[l], rng))
		}
		// Non-zero biases so bias gradients are exercised away from 0.
		for j := range n.Layers[l].B.Data {
			n.Layers[l].B.Data[j] = float32(rng.NormFloat64() * 0.3)
		}
	}
	return n
}

func randomData(rng *rand.Rand, rows, cols int, kind string) *Matrix {
	m := NewMatrix(rows, cols)
	for i := 0; i < rows; i++ {
		r := m.Row(i)
		switch kind {
		case "unit":
			for j := range r {
				r[j] = float32(rng.Float64())
			}
		case "normal":
			for j := range r {
				r[j] = float32(rng.NormFloat64())
			}
		case "onehot":
			r[rng.IntN(cols)] = 1
		}
	}
	return m
}

var gradSpecs = []netSpec{
	{name: "sigmoid-CE-untied", sizes: []int{7, 4, 7}, acts: []Activation{Sigmoid, Sigmoid}, loss: CrossEntropy},
	{name: "sigmoid-CE-tied-overcomplete", sizes: []int{5, 9, 5}, acts: []Activation{Sigmoid, Sigmoid}, tied: []bool{false, true}, loss: CrossEntropy},
	{name: "tanh-linear-SE-tied", sizes: []int{6, 3, 6}, acts: []Activation{Tanh, Linear}, tied: []bool{false, true}, loss: SquaredError},
	{name: "relu-sigmoid-SE", sizes: []int{6, 8, 6}, acts: []Activation{ReLU, Sigmoid}, loss: SquaredError},
	{name: "leaky-tanh-SE", sizes: []int{6, 8, 6}, acts: []Activation{LeakyReLU, Tanh}, loss: SquaredError},
	{name: "linear-SE", sizes: []int{6, 2, 6}, acts: []Activation{Linear, Linear}, loss: SquaredError},
	{name: "deep-softmax", sizes: []int{8, 6, 5, 3}, acts: []Activation{Sigmoid, Tanh, Softmax}, loss: SoftmaxCrossEntropy},
	{name: "deep-tied-AE", sizes: []int{8, 6, 3, 6, 8}, acts: []Activation{Sigmoid, Sigmoid, Sigmoid, Sigmoid}, tied: []bool{false, false, true, true}, loss: CrossEntropy},
	{name: "KL-sparse", sizes: []int{7, 10, 7}, acts: []Activation{Sigmoid, Sigmoid}, loss: CrossEntropy,
		sparsity: Sparsity{Kind: KLSparsity, Layer: 0, Target: 0.1, Weight: 0.7}},
	{name: "L1-sparse", sizes: []int{7, 10, 7}, acts: []Activation{ReLU, Linear}, loss: SquaredError,
		sparsity: Sparsity{Kind: L1Sparsity, Layer: 0, Weight: 0.3}},
}

// TestGradientCheck compares every analytic gradient (all layers,
// activations, losses, tied weights, sparsity penalties) with central
// finite differences of the float64 reference implementation.
func TestGradientCheck(t *testing.T) {
	for _, s := range gradSpecs {
		t.Run(s.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(len(s.name))))
			n := buildNet(s, rng)
			if err := n.Validate(); err != nil {
				t.Fatal(err)
			}
			rows := 5
			x := randomData(rng, rows, s.sizes[0], "unit")
			kind := "unit"
			switch s.loss {
			case SoftmaxCrossEntropy:
				kind = "onehot"
			case SquaredError:
				kind = "normal"
			}
			target := randomData(rng, rows, s.sizes[len(s.sizes)-1], kind)
			for _, th := range []int{1, 2} {
				n.Threads = th
				loss32, err := n.Gradients(x, target)
				if err != nil {
					t.Fatal(err)
				}
				ref := newRef64(n)
				loss64 := ref.meanLoss(x, target)
				if math.Abs(loss32-loss64) > 1e-5*(1+math.Abs(loss64)) {
					t.Fatalf("threads %d: float32 loss %v, float64 reference %v", th, loss32, loss64)
				}
				const eps = 1e-6
				for _, p := range n.Params() {
					v := ref.params[p]
					for i := range v {
						old := v[i]
						v[i] = old + eps
						lp := ref.meanLoss(x, target)
						v[i] = old - eps
						lm := ref.meanLoss(x, target)
						v[i] = old
						num := (lp - lm) / (2 * eps)
						got := float64(p.Grad[i])
						// float32 forward/backward against a float64
						// central difference (error ~1e-9): 1e-4
						// relative covers float32 rounding.
						if math.Abs(got-num) > 1e-4*math.Max(1, math.Abs(num)) {
							t.Fatalf("threads %d: %s[%d]: analytic %v, numeric %v", th, p.Name, i, got, num)
						}
					}
				}
			}
		})
	}
}

// TestActivationsAgainstMath checks the float32 activation kernels
// against the float64 math package over a wide range.
func TestActivationsAgainstMath(t *testing.T) {
	for _, act := range []Activation{Sigmoid, Tanh, ReLU, LeakyReLU, Linear} {
		for x := -100.0; x <= 100; x += 0.0137 {
			row := []float32{float32(x)}
			applyAct(act, 0.01, row)
			want := act64(act, 0.01, float64(float32(x)))
			if d := math.Abs(float64(row[0]) - want); d > 3e-7*math.Max(1, math.Abs(want)) && !(act == Sigmoid && d < 1e-37) {
				t.Fatalf("%v(%v) = %v, want %v", act, x, row[0], want)
			}
		}
	}
	for _, x := range []float32{-200, -88, -87.5, 0, 1e-8, 88, 88.7, 100} {
		got := exp32(x)
		want := math.Exp(float64(min(max(x, -87.33), 88.72)))
		if math.Abs(float64(got)-want) > 3e-7*want {
			t.Fatalf("exp32(%v) = %v, want %v", x, got, want)
		}
	}
}
