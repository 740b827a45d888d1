package train

import (
	"encoding/json"
	"fmt"
)

// MarshalText implements encoding.TextMarshaler.
func (k SparsityKind) MarshalText() ([]byte, error) {
	switch k {
	case NoSparsity:
		return []byte("none"), nil
	case KLSparsity:
		return []byte("kl"), nil
	case L1Sparsity:
		return []byte("l1"), nil
	}
	return nil, fmt.Errorf("train: invalid sparsity kind %d", uint8(k))
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *SparsityKind) UnmarshalText(b []byte) error {
	switch string(b) {
	case "none":
		*k = NoSparsity
	case "kl":
		*k = KLSparsity
	case "l1":
		*k = L1Sparsity
	default:
		return fmt.Errorf("train: unknown sparsity kind %q", b)
	}
	return nil
}

// layerSpec is the JSON description of one Dense layer.
type layerSpec struct {
	Name       string     `json:"name"`
	In         int        `json:"in"`
	Out        int        `json:"out"`
	Act        Activation `json:"act"`
	LeakySlope float32    `json:"leaky_slope"`
	TiedTo     int        `json:"tied_to"` // index of the layer whose W is transposed, or -1
}

// networkSpec is the JSON description of a Network's architecture.
type networkSpec struct {
	Layers   []layerSpec `json:"layers"`
	Loss     Loss        `json:"loss"`
	Sparsity Sparsity    `json:"sparsity"`
}

func (n *Network) spec() (networkSpec, error) {
	s := networkSpec{Loss: n.Loss, Sparsity: n.Sparsity}
	for _, d := range n.Layers {
		ls := layerSpec{In: d.In, Out: d.Out, Act: d.Act, LeakySlope: d.LeakySlope, TiedTo: -1}
		name := d.B.Name
		if len(name) > 2 && name[len(name)-2:] == ".B" {
			name = name[:len(name)-2]
		}
		ls.Name = name
		if d.Tied != nil {
			for j, o := range n.Layers {
				if o == d.Tied {
					ls.TiedTo = j
				}
			}
			if ls.TiedTo < 0 {
				return s, fmt.Errorf("train: layer %s is tied to a layer outside the network", name)
			}
		}
		s.Layers = append(s.Layers, ls)
	}
	return s, nil
}

// build returns a Network with zero parameters from the description.
func (s networkSpec) build(maxElems int64) (*Network, error) {
	if len(s.Layers) == 0 || len(s.Layers) > 1<<10 {
		return nil, fmt.Errorf("train: network spec with %d layers", len(s.Layers))
	}
	var total int64
	for i, ls := range s.Layers {
		if ls.In <= 0 || ls.Out <= 0 || ls.In > 1<<24 || ls.Out > 1<<24 {
			return nil, fmt.Errorf("train: layer %d: bad size %dx%d", i, ls.In, ls.Out)
		}
		total += int64(ls.Out)
		if ls.TiedTo < 0 {
			total += int64(ls.In) * int64(ls.Out)
		}
	}
	if total > maxElems {
		return nil, fmt.Errorf("train: network spec declares %d parameters, more than the %d values available", total, maxElems)
	}
	n := &Network{Loss: s.Loss, Sparsity: s.Sparsity}
	for i, ls := range s.Layers {
		if ls.In <= 0 || ls.Out <= 0 || ls.In > 1<<24 || ls.Out > 1<<24 || int64(ls.In)*int64(ls.Out) > 1<<31 {
			return nil, fmt.Errorf("train: layer %d: bad size %dx%d", i, ls.In, ls.Out)
		}
		var d *Dense
		if ls.TiedTo >= 0 {
			if ls.TiedTo >= i {
				return nil, fmt.Errorf("train: layer %d tied to later layer %d", i, ls.TiedTo)
			}
			t := n.Layers[ls.TiedTo]
			if t.Tied != nil || t.In != ls.Out || t.Out != ls.In {
				return nil, fmt.Errorf("train: layer %d tied to incompatible layer %d", i, ls.TiedTo)
			}
			d = NewTiedDense(ls.Name, t, ls.Act)
		} else {
			d = &Dense{In: ls.In, Out: ls.Out, Act: ls.Act, W: newParam(ls.Name+".W", ls.Out, ls.In, true),
				B: newParam(ls.Name+".B", 1, ls.Out, false)}
		}
		d.LeakySlope = ls.LeakySlope
		n.Layers = append(n.Layers, d)
	}
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return n, nil
}

type autoencoderSpec struct {
	Net   networkSpec `json:"net"`
	Code  int         `json:"code"`
	Noise Noise       `json:"noise"`
}

func (a *Autoencoder) spec() (string, any) {
	ns, _ := a.Net.spec()
	return "autoencoder", autoencoderSpec{Net: ns, Code: a.Code, Noise: a.Noise}
}

type classifierSpec struct {
	Net networkSpec `json:"net"`
}

func (c *Classifier) spec() (string, any) {
	ns, _ := c.Net.spec()
	return "classifier", classifierSpec{Net: ns}
}

// buildLearner reconstructs a model with zero parameters from a
// checkpoint's kind and model description.
// maxElems bounds the parameters the description may declare (the values
// a checkpoint file actually holds), so a hostile header cannot make it
// allocate more.
func buildLearner(kind string, raw json.RawMessage, maxElems int64) (learner, error) {
	switch kind {
	case "autoencoder":
		var s autoencoderSpec
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("train: autoencoder spec: %w", err)
		}
		n, err := s.Net.build(maxElems)
		if err != nil {
			return nil, err
		}
		a := &Autoencoder{Net: n, Code: s.Code, Noise: s.Noise}
		return a, a.Validate()
	case "classifier":
		var s classifierSpec
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("train: classifier spec: %w", err)
		}
		n, err := s.Net.build(maxElems)
		if err != nil {
			return nil, err
		}
		c := &Classifier{Net: n}
		return c, c.Validate()
	case "rbm":
		var s rbmSpec
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("train: rbm spec: %w", err)
		}
		return s.build(maxElems)
	}
	return nil, fmt.Errorf("train: unknown model kind %q", kind)
}
