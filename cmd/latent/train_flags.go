package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/latent-go/latent/train"
)

// parseSizes parses a comma-separated list of positive layer sizes.
func parseSizes(s string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, usagef("bad layer size %q in %q", f, s)
		}
		sizes = append(sizes, n)
	}
	if len(sizes) == 0 {
		return nil, usagef("no layer sizes in %q", s)
	}
	return sizes, nil
}

// parseFloats parses a comma-separated list of numbers.
func parseFloats(s string) ([]float64, error) {
	var xs []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, usagef("bad number %q in %q", f, s)
		}
		xs = append(xs, x)
	}
	return xs, nil
}

// parseNoise accepts train.ParseNoise's forms plus "gauss:σ" and "sp:p".
func parseNoise(s string) (train.Noise, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "gauss:"):
		s = "gaussian:" + strings.TrimPrefix(s, "gauss:")
	case strings.HasPrefix(s, "sp:"):
		s = "saltpepper:" + strings.TrimPrefix(s, "sp:")
	case strings.HasPrefix(s, "salt-pepper:"):
		s = "saltpepper:" + strings.TrimPrefix(s, "salt-pepper:")
	}
	n, err := train.ParseNoise(s)
	if err != nil {
		return n, usagef("--noise %q: want none, mask:ν, gauss:σ or saltpepper:p (%v)", s, err)
	}
	return n, nil
}

// parseSparsity parses "none", "kl:ρ:β" or "l1:λ".
func parseSparsity(s string) (train.Sparsity, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	bad := usagef("--sparsity %q: want none, kl:ρ:β or l1:λ", s)
	switch parts[0] {
	case "", "none":
		return train.Sparsity{}, nil
	case "kl":
		if len(parts) != 3 {
			return train.Sparsity{}, bad
		}
		rho, err1 := strconv.ParseFloat(parts[1], 32)
		beta, err2 := strconv.ParseFloat(parts[2], 32)
		if err1 != nil || err2 != nil || !(rho > 0 && rho < 1) || !(beta >= 0) {
			return train.Sparsity{}, bad
		}
		return train.Sparsity{Kind: train.KLSparsity, Target: float32(rho), Weight: float32(beta)}, nil
	case "l1":
		if len(parts) != 2 {
			return train.Sparsity{}, bad
		}
		l, err := strconv.ParseFloat(parts[1], 32)
		if err != nil || !(l >= 0) {
			return train.Sparsity{}, bad
		}
		return train.Sparsity{Kind: train.L1Sparsity, Weight: float32(l)}, nil
	}
	return train.Sparsity{}, bad
}

// parseOptimizer parses "sgd:lr[:momentum]" or "adam:lr[:β1[:β2]]" and
// applies the L2 weight decay.
func parseOptimizer(s string, weightDecay float64) (train.Optimizer, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	bad := usagef("--optimizer %q: want sgd:lr[:momentum] or adam:lr[:β1[:β2]]", s)
	if len(parts) < 2 {
		return nil, bad
	}
	var xs []float32
	for _, p := range parts[1:] {
		x, err := strconv.ParseFloat(p, 32)
		if err != nil || !(x >= 0) {
			return nil, bad
		}
		xs = append(xs, float32(x))
	}
	if !(xs[0] > 0) || !(weightDecay >= 0) {
		return nil, usagef("--optimizer %q: the learning rate must be positive (and --weight-decay not negative)", s)
	}
	wd := float32(weightDecay)
	switch parts[0] {
	case "sgd":
		if len(xs) > 2 || len(xs) == 2 && xs[1] >= 1 {
			return nil, bad
		}
		o := &train.SGD{LR: xs[0], WeightDecay: wd}
		if len(xs) == 2 {
			o.Momentum = xs[1]
		}
		return o, nil
	case "adam":
		if len(xs) > 3 {
			return nil, bad
		}
		o := &train.Adam{LR: xs[0], WeightDecay: wd}
		if len(xs) > 1 {
			o.Beta1 = xs[1]
		}
		if len(xs) > 2 {
			o.Beta2 = xs[2]
		}
		return o, nil
	}
	return nil, bad
}

// parseLoss maps a loss name to a reconstruction loss.
func parseLoss(s string) (train.Loss, error) {
	switch strings.ToLower(s) {
	case "ce", "crossentropy", "cross-entropy", "bce":
		return train.CrossEntropy, nil
	case "mse", "se", "squared", "squarederror", "squared-error":
		return train.SquaredError, nil
	}
	return 0, usagef("unknown --loss %q (ce or mse)", s)
}

// parseActivation maps an activation name (as train prints it, plus
// "leaky-relu") to an activation.
func parseActivation(flag, s string) (train.Activation, error) {
	if s == "leaky-relu" || s == "leaky" {
		s = "leakyrelu"
	}
	a, err := train.ParseActivation(strings.ToLower(s))
	if err != nil || a == train.Softmax {
		return 0, usagef("unknown %s %q (linear, sigmoid, tanh, relu or leakyrelu)", flag, s)
	}
	return a, nil
}

// optimizerString describes an optimizer for logs.
func optimizerString(o train.Optimizer) string {
	switch o := o.(type) {
	case *train.SGD:
		s := fmt.Sprintf("sgd lr %g", o.LR)
		if o.Momentum > 0 {
			s += fmt.Sprintf(" momentum %g", o.Momentum)
		}
		if o.WeightDecay > 0 {
			s += fmt.Sprintf(" weight decay %g", o.WeightDecay)
		}
		return s
	case *train.Adam:
		s := fmt.Sprintf("adam lr %g", o.LR)
		if o.WeightDecay > 0 {
			s += fmt.Sprintf(" weight decay %g", o.WeightDecay)
		}
		return s
	}
	return fmt.Sprintf("%T", o)
}
