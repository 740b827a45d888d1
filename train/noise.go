package train

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// NoiseKind selects how a denoising autoencoder corrupts its input.
type NoiseKind uint8

const (
	// NoNoise leaves the input clean (an ordinary autoencoder).
	NoNoise NoiseKind = iota
	// MaskNoise sets each input to 0 independently with probability
	// Level (the lecture's nu).
	MaskNoise
	// GaussianNoise adds independent N(0, Level²) noise to each input.
	GaussianNoise
	// SaltPepperNoise sets each input, with probability Level, to 0 or 1
	// with equal probability.
	SaltPepperNoise
	numNoiseKinds
)

var noiseNames = [numNoiseKinds]string{"none", "mask", "gaussian", "saltpepper"}

// String returns the noise kind's name.
func (k NoiseKind) String() string {
	if k < numNoiseKinds {
		return noiseNames[k]
	}
	return fmt.Sprintf("NoiseKind(%d)", uint8(k))
}

// MarshalText implements encoding.TextMarshaler.
func (k NoiseKind) MarshalText() ([]byte, error) {
	if k >= numNoiseKinds {
		return nil, fmt.Errorf("train: invalid noise kind %d", uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *NoiseKind) UnmarshalText(b []byte) error {
	for i, n := range noiseNames {
		if n == string(b) {
			*k = NoiseKind(i)
			return nil
		}
	}
	return fmt.Errorf("train: unknown noise kind %q", b)
}

// Noise is a corruption process x -> x̃ for denoising autoencoders. The
// reconstruction is computed from x̃ and the loss always compares it with
// the clean x.
type Noise struct {
	Kind NoiseKind `json:"kind"`
	// Level is the corruption probability nu (mask, salt-and-pepper) or
	// the standard deviation (Gaussian).
	Level float32 `json:"level"`
}

// Validate reports whether the noise parameters are in range.
func (n Noise) Validate() error {
	switch n.Kind {
	case NoNoise:
		return nil
	case MaskNoise, SaltPepperNoise:
		if !(n.Level >= 0 && n.Level <= 1) {
			return fmt.Errorf("train: %v noise probability %v outside [0, 1]", n.Kind, n.Level)
		}
	case GaussianNoise:
		if !(n.Level >= 0) || math.IsInf(float64(n.Level), 0) {
			return fmt.Errorf("train: Gaussian noise deviation %v must be finite and >= 0", n.Level)
		}
	default:
		return fmt.Errorf("train: invalid noise kind %d", n.Kind)
	}
	return nil
}

// ParseNoise parses "none", "mask:0.25", "gaussian:0.1" or
// "saltpepper:0.1".
func ParseNoise(s string) (Noise, error) {
	if s == "" || s == "none" {
		return Noise{}, nil
	}
	var name string
	var level float64
	for i := range s {
		if s[i] == ':' {
			name = s[:i]
			if _, err := fmt.Sscan(s[i+1:], &level); err != nil {
				return Noise{}, fmt.Errorf("train: noise %q: bad level: %w", s, err)
			}
			break
		}
	}
	var k NoiseKind
	if err := k.UnmarshalText([]byte(name)); err != nil {
		return Noise{}, fmt.Errorf("train: noise %q: want kind:level", s)
	}
	n := Noise{Kind: k, Level: float32(level)}
	return n, n.Validate()
}

// uniform32 returns a uniform float32 in [0, 1) from 24 random bits.
func uniform32(src rand.Source) float32 {
	return float32(src.Uint64()>>40) * 0x1p-24
}

// uniform64 returns a uniform float64 in [0, 1) from 53 random bits.
func uniform64(src rand.Source) float64 {
	return float64(src.Uint64()>>11) * 0x1p-53
}

// normalPair returns two independent standard normal numbers (Box-Muller),
// an algorithm fixed here so results depend only on the source's bits.
func normalPair(src rand.Source) (float64, float64) {
	u1 := 1 - uniform64(src) // (0, 1]
	u2 := uniform64(src)
	r := math.Sqrt(-2 * math.Log(u1))
	s, c := math.Sincos(2 * math.Pi * u2)
	return r * c, r * s
}

// Apply writes the corrupted x into dst (len(dst) == len(x)), drawing
// from src.
func (n Noise) Apply(dst, x []float32, src rand.Source) {
	dst = dst[:len(x)]
	switch n.Kind {
	case NoNoise:
		copy(dst, x)
	case MaskNoise:
		for i, v := range x {
			if uniform32(src) < n.Level {
				v = 0
			}
			dst[i] = v
		}
	case GaussianNoise:
		for i := 0; i < len(x); i += 2 {
			a, b := normalPair(src)
			dst[i] = x[i] + n.Level*float32(a)
			if i+1 < len(x) {
				dst[i+1] = x[i+1] + n.Level*float32(b)
			}
		}
	case SaltPepperNoise:
		for i, v := range x {
			u := src.Uint64()
			if float32(u>>40)*0x1p-24 < n.Level {
				v = float32(u & 1)
			}
			dst[i] = v
		}
	}
}
