package viz

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	pdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Curve is one named series of per-epoch values; Values[i] belongs to
// epoch i+1.
type Curve struct {
	Name   string
	Values []float64
}

// LossOptions controls LossCurve and LossCurves. The zero value gives an
// 800x500 plot with a linear y axis.
type LossOptions struct {
	// Title is drawn above the plot; "" means none.
	Title string
	// XLabel and YLabel name the axes; "" means "epoch" and "loss".
	XLabel, YLabel string
	// LogY uses a logarithmic y axis; every plotted value must then be
	// positive.
	LogY bool
	// Width and Height are the image size in pixels; 0 means 800 and 500.
	Width, Height int
}

// Series colours, in order: blue, orange, green, red, purple (the first
// five of matplotlib's default cycle), then repeating.
var curveColors = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff},
	{0xff, 0x7f, 0x0e, 0xff},
	{0x2c, 0xa0, 0x2c, 0xff},
	{0xd6, 0x27, 0x28, 0xff},
	{0x94, 0x67, 0xbd, 0xff},
}

// CurveColor returns the colour LossCurves uses for curve i.
func CurveColor(i int) color.RGBA { return curveColors[i%len(curveColors)] }

// LossCurve plots training and validation loss per epoch (epoch i+1 at
// index i). valid may be nil. See LossCurves.
func LossCurve(train, valid []float64, opt *LossOptions) (*image.RGBA, error) {
	curves := []Curve{{Name: "train", Values: train}}
	if valid != nil {
		curves = append(curves, Curve{Name: "validation", Values: valid})
	}
	return LossCurves(curves, opt)
}

// LossCurves plots each curve against the epoch number with gonum/plot,
// in the colours CurveColor gives, with a legend. NaN and infinite values
// (a diverged run) are left out, breaking the line; with LogY a value <= 0
// is an error. opt may be nil.
func LossCurves(curves []Curve, opt *LossOptions) (img *image.RGBA, err error) {
	var o LossOptions
	if opt != nil {
		o = *opt
	}
	if o.Width == 0 {
		o.Width = 800
	}
	if o.Height == 0 {
		o.Height = 500
	}
	if o.Width < 100 || o.Height < 100 || o.Width > 10000 || o.Height > 10000 {
		return nil, fmt.Errorf("viz: loss plot size %dx%d outside 100..10000 pixels", o.Width, o.Height)
	}
	if o.XLabel == "" {
		o.XLabel = "epoch"
	}
	if o.YLabel == "" {
		o.YLabel = "loss"
	}
	p := plot.New()
	p.Title.Text = o.Title
	p.X.Label.Text = o.XLabel
	p.Y.Label.Text = o.YLabel
	p.X.Tick.Marker = epochTicks{}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Y.Tick.Marker = linearTicks{}
	if o.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	points := 0
	for ci, c := range curves {
		col := CurveColor(ci)
		var seg plotter.XYs
		flush := func() error {
			if len(seg) == 0 {
				return nil
			}
			l, s, err := plotter.NewLinePoints(seg)
			if err != nil {
				return fmt.Errorf("viz: curve %q: %w", c.Name, err)
			}
			l.Color, s.Color = col, col
			l.Width = vg.Points(1.5)
			s.Shape = pdraw.CircleGlyph{}
			s.Radius = vg.Points(2)
			if len(c.Values) > 60 {
				s.Radius = 0
			}
			p.Add(l, s)
			points += len(seg)
			seg = nil
			return nil
		}
		for i, v := range c.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				if err := flush(); err != nil {
					return nil, err
				}
				continue
			}
			if o.LogY && v <= 0 {
				return nil, fmt.Errorf("viz: log-scale loss plot: curve %q has value %v at epoch %d", c.Name, v, i+1)
			}
			seg = append(seg, plotter.XY{X: float64(i + 1), Y: v})
		}
		if err := flush(); err != nil {
			return nil, err
		}
		if c.Name != "" {
			swatch, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}})
			swatch.Color, swatch.Width = col, vg.Points(2)
			p.Legend.Add(c.Name, swatch)
		}
	}
	if points == 0 {
		return nil, fmt.Errorf("viz: loss plot: no finite values to draw")
	}
	img = image.NewRGBA(image.Rect(0, 0, o.Width, o.Height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	defer func() {
		// gonum/plot panics on some degenerate inputs; report them as
		// errors rather than crash the caller.
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("viz: drawing loss plot: %v", r)
		}
	}()
	c := vgimg.NewWith(vgimg.UseImage(img))
	p.Draw(pdraw.New(c))
	return toRGBA(c.Image()), nil
}

func toRGBA(m image.Image) *image.RGBA {
	if r, ok := m.(*image.RGBA); ok {
		return r
	}
	r := image.NewRGBA(m.Bounds())
	draw.Draw(r, r.Bounds(), m, m.Bounds().Min, draw.Src)
	return r
}

// epochTicks labels whole epochs only, about ten of them.
type epochTicks struct{}

func (epochTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 1.0
	for (hi-lo)/step > 10 {
		switch {
		case isPow10(step):
			step *= 2
		case isPow10(step / 2):
			step = step / 2 * 5
		default:
			step = step / 5 * 10
		}
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		if v >= 1 {
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
		}
	}
	return ticks
}

func isPow10(v float64) bool {
	l := math.Log10(v)
	return math.Abs(l-math.Round(l)) < 1e-9
}

// logTicks is plot.LogTicks, but when the range spans less than a decade
// (common for losses) it also labels 2..9 times the powers of ten, so the
// axis is never left without numbers.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.LogTicks{Prec: -1}.Ticks(lo, hi)
	labelled := 0
	for _, t := range ticks {
		if t.Label != "" && t.Value >= lo && t.Value <= hi {
			labelled++
		}
	}
	if labelled < 2 {
		for i := range ticks {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 3, 64)
		}
	}
	return ticks
}

// linearTicks puts labelled ticks at 5 to 10 round values (1, 2 or 5 times
// a power of ten apart), labelled with as few digits as they need.
type linearTicks struct{}

func (linearTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	step := math.Pow(10, math.Floor(math.Log10((hi-lo)/5)))
	for _, m := range []float64{1, 2, 5, 10} {
		if (hi-lo)/(step*m) <= 10 {
			step *= m
			break
		}
	}
	var ticks []plot.Tick
	for k := math.Ceil(lo / step); k*step <= hi; k++ {
		v := k * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 6, 64)})
	}
	return ticks
}
