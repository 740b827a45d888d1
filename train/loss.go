package train

import (
	"fmt"
	"math"
)

// Loss is the per-example reconstruction or classification loss l(f(x)),
// as the lecture defines it. Training minimises its mean over a
// mini-batch.
type Loss uint8

const (
	// CrossEntropy is the sum of Bernoulli cross-entropies for inputs in
	// [0, 1]: l = -sum_k x_k log x̂_k + (1-x_k) log(1-x̂_k), with x̂ the
	// sigmoid of the output pre-activation a. It is computed stably from
	// a as sum_k softplus(a_k) - x_k a_k; the output layer must use
	// Sigmoid.
	CrossEntropy Loss = iota
	// SquaredError is half the sum of squared differences,
	// l = 1/2 sum_k (x̂_k - x_k)². The lecture pairs it with a Linear output
	// layer for real-valued inputs; any non-softmax output is accepted.
	SquaredError
	// SoftmaxCrossEntropy is -sum_k t_k log softmax(a)_k for a target
	// distribution t (one-hot for a class label), computed from the
	// logits a with log-sum-exp; the output layer must use Softmax.
	SoftmaxCrossEntropy
	numLosses
)

var lossNames = [numLosses]string{"crossentropy", "squarederror", "softmaxcrossentropy"}

// String returns the loss's lower-case name.
func (l Loss) String() string {
	if l < numLosses {
		return lossNames[l]
	}
	return fmt.Sprintf("Loss(%d)", uint8(l))
}

// MarshalText implements encoding.TextMarshaler.
func (l Loss) MarshalText() ([]byte, error) {
	if l >= numLosses {
		return nil, fmt.Errorf("train: invalid loss %d", uint8(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (l *Loss) UnmarshalText(b []byte) error {
	for i, n := range lossNames {
		if n == string(b) {
			*l = Loss(i)
			return nil
		}
	}
	return fmt.Errorf("train: unknown loss %q", b)
}

// checkOutput reports whether the loss can be used with an output layer
// of activation act.
func (l Loss) checkOutput(act Activation) error {
	switch l {
	case CrossEntropy:
		if act != Sigmoid {
			return fmt.Errorf("train: cross-entropy loss needs a sigmoid output layer, have %v", act)
		}
	case SquaredError:
		if act == Softmax {
			return fmt.Errorf("train: squared-error loss cannot follow a softmax output")
		}
	case SoftmaxCrossEntropy:
		if act != Softmax {
			return fmt.Errorf("train: softmax cross-entropy loss needs a softmax output layer, have %v", act)
		}
	default:
		return fmt.Errorf("train: invalid loss %d", uint8(l))
	}
	return nil
}

// needsLogits reports whether the loss value is computed from the output
// pre-activation rather than from the output.
func (l Loss) needsLogits() bool { return l == CrossEntropy || l == SoftmaxCrossEntropy }

// lossRow returns the loss of one example and writes scale * dl/da (the
// gradient with respect to the output pre-activation) into d. logits may
// be nil when the loss does not need them.
func lossRow(loss Loss, act Activation, slope float32, logits, out, target, d []float32, scale float32) float64 {
	out = out[:len(d)]
	target = target[:len(d)]
	var sum float64
	switch loss {
	case CrossEntropy:
		logits = logits[:len(d)]
		for k, a := range logits {
			t := target[k]
			sum += softplus32(a) - float64(t)*float64(a)
			d[k] = (out[k] - t) * scale
		}
	case SquaredError:
		for k, y := range out {
			e := y - target[k]
			sum += 0.5 * float64(e) * float64(e)
			d[k] = e * scale
		}
		if act != Linear {
			actGrad(act, slope, d, out, nil, nil)
		}
	case SoftmaxCrossEntropy:
		logits = logits[:len(d)]
		m := logits[0]
		for _, a := range logits[1:] {
			m = max(m, a)
		}
		var s float64
		for _, a := range logits {
			s += math.Exp(float64(a - m))
		}
		lse := float64(m) + math.Log(s)
		var tsum float32
		for k, a := range logits {
			t := target[k]
			if t != 0 {
				sum += float64(t) * (lse - float64(a))
			}
			tsum += t
		}
		for k, y := range out {
			d[k] = (tsum*y - target[k]) * scale
		}
	}
	return sum
}
