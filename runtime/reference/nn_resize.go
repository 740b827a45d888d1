package reference

import (
	"fmt"
	"math"

	"github.com/latent-go/latent/ir"
)

// A resize tap is one input index and its weight along one axis.
type nnTap struct {
	i int
	w float64
}

// nnResizeAxis returns, for every output coordinate along one axis, the
// taps that interpolate it, or nil taps where tf_crop_and_resize maps the
// coordinate outside the input (the output is then extrapolation_value).
// The arithmetic follows ONNX's reference implementation: coordinates are
// float64, the "resized length" is scale*in, an integral source coordinate
// uses the neighbour below it with ratio 1, and neighbours beyond the edge
// clamp to it.
func nnResizeAxis(n *ir.Node, in, out int, scale float64, roiStart, roiEnd float64) ([][]nnTap, error) {
	mode := n.Attrs.String("mode", "nearest")
	ctm := n.Attrs.String("coordinate_transformation_mode", "half_pixel")
	nearest := n.Attrs.String("nearest_mode", "round_prefer_floor")
	a := float64(n.Attrs.Float("cubic_coeff_a", -0.75))
	exclude := n.Attrs.Int("exclude_outside", 0) != 0
	length := scale * float64(in)
	taps := make([][]nnTap, out)
	for x := range taps {
		xf := float64(x)
		var src float64
		switch ctm {
		case "half_pixel":
			src = (xf+0.5)/scale - 0.5
		case "pytorch_half_pixel":
			if length == 1 {
				src = -0.5
			} else {
				src = (xf+0.5)/scale - 0.5
			}
		case "align_corners":
			if length == 1 {
				src = 0
			} else {
				src = xf * float64(in-1) / (length - 1)
			}
		case "asymmetric":
			src = xf / scale
		case "tf_half_pixel_for_nn":
			src = (xf + 0.5) / scale
		case "tf_crop_and_resize":
			if length == 1 {
				src = (roiEnd - roiStart) * float64(in-1) / 2
			} else {
				src = xf * (roiEnd - roiStart) * float64(in-1) / (length - 1)
			}
			src += roiStart * float64(in-1)
			if src < 0 || src > float64(in-1) {
				continue // extrapolate
			}
		default:
			return nil, fmt.Errorf("coordinate_transformation_mode %q is not supported", ctm)
		}
		if math.IsNaN(src) || math.IsInf(src, 0) {
			return nil, fmt.Errorf("output coordinate %d maps to input coordinate %v", x, src)
		}
		base := math.Floor(src)
		ratio := src - base
		if ratio == 0 {
			base, ratio = base-1, 1
		}
		b := int(base)
		var t []nnTap
		switch mode {
		case "nearest":
			up := false
			switch {
			case ratio == 1:
				up = true
			case nearest == "round_prefer_floor":
				up = ratio > 0.5
			case nearest == "round_prefer_ceil":
				up = ratio >= 0.5
			case nearest == "floor":
				up = false
			case nearest == "ceil":
				up = true
			default:
				return nil, fmt.Errorf("nearest_mode %q is not supported", nearest)
			}
			if up {
				t = []nnTap{{b + 1, 1}}
			} else {
				t = []nnTap{{b, 1}}
			}
		case "linear":
			t = []nnTap{{b, 1 - ratio}, {b + 1, ratio}}
		case "cubic":
			r, s := ratio, 1-ratio
			t = []nnTap{
				{b - 1, ((a*(r+1)-5*a)*(r+1)+8*a)*(r+1) - 4*a},
				{b, ((a+2)*r-(a+3))*r*r + 1},
				{b + 1, ((a+2)*s-(a+3))*s*s + 1},
				{b + 2, ((a*(s+1)-5*a)*(s+1)+8*a)*(s+1) - 4*a},
			}
		default:
			return nil, fmt.Errorf("mode %q is not nearest, linear or cubic", mode)
		}
		if exclude {
			sum := 0.0
			for i := range t {
				if t[i].i < 0 || t[i].i >= in {
					t[i].w = 0
				}
				sum += t[i].w
			}
			if sum != 0 {
				for i := range t {
					t[i].w /= sum
				}
			}
		}
		for i := range t {
			t[i].i = min(max(t[i].i, 0), in-1)
		}
		taps[x] = t
	}
	return taps, nil
}

// nnResize computes Resize by separable interpolation: each output element
// is the sum, over the product of the per-axis taps, of the tap weights
// times the input element.
func nnResize(n *ir.Node, in []*ir.Tensor) ([]*ir.Tensor, error) {
	x, err := nnF32(in, 0, "X")
	if err != nil {
		return nil, err
	}
	var opt [4]*ir.Tensor
	for i, name := range []string{"", "roi", "scales", "sizes"} {
		if i > 0 {
			if opt[i], err = nnOptional(in, i, name); err != nil {
				return nil, err
			}
		}
	}
	roi := opt[1]
	r := len(x.Shape)
	ctm := n.Attrs.String("coordinate_transformation_mode", "half_pixel")
	if ctm == "tf_crop_and_resize" {
		if roi == nil || roi.Len() != 2*r {
			return nil, fmt.Errorf("coordinate_transformation_mode tf_crop_and_resize needs roi with %d values (2 per axis)", 2*r)
		}
		if !roi.DType.IsFloat() {
			return nil, fmt.Errorf("roi has element type %s, want float32", roi.DType)
		}
	}
	p, err := ir.ResizeOutput(n, x.Shape, roi, opt[2], opt[3])
	if err != nil {
		return nil, err
	}
	y, err := nnNewF32(p.Out)
	if err != nil {
		return nil, err
	}
	if y.Len() == 0 {
		return []*ir.Tensor{y}, nil
	}
	if ir.NumElements(x.Shape) == 0 {
		return nil, fmt.Errorf("cannot resize an empty input %v to %v", x.Shape, p.Out)
	}
	taps := make([][][]nnTap, r)
	for a := range r {
		rs, re := 0.0, 1.0
		if ctm == "tf_crop_and_resize" {
			rs, re = roi.Float64At(a), roi.Float64At(r+a)
		}
		if taps[a], err = nnResizeAxis(n, x.Shape[a], p.Out[a], p.Scales[a], rs, re); err != nil {
			return nil, fmt.Errorf("axis %d: %w", a, err)
		}
	}
	extrapolation := n.Attrs.Float("extrapolation_value", 0)
	xs := nnRowMajor(x.Shape)
	var sumOver func(a, off int, w float64, c []int) float64
	sumOver = func(a, off int, w float64, c []int) float64 {
		if a == r {
			return w * float64(x.F32[off])
		}
		s := 0.0
		for _, t := range taps[a][c[a]] {
			if t.w != 0 {
				s += sumOver(a+1, off+t.i*xs[a], w*t.w, c)
			}
		}
		return s
	}
	nnForEach(p.Out, func(flat int, c []int) {
		for a := range r {
			if taps[a][c[a]] == nil {
				y.F32[flat] = extrapolation
				return
			}
		}
		y.F32[flat] = float32(sumOver(0, 0, 1, c))
	})
	return []*ir.Tensor{y}, nil
}
