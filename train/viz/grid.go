package viz

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Shading selects how the values of a tile map to gray levels.
type Shading int

const (
	// ShadeDefault is ShadeClamp for ImageGrid and ShadePerImage for
	// FilterGrid.
	ShadeDefault Shading = iota
	// ShadeClamp clamps each value to [0, 1]: 0 is black, 1 is white.
	// Suited to images such as MNIST digits and reconstructions.
	ShadeClamp
	// ShadePerImage stretches each tile's own minimum to black and maximum
	// to white (a constant tile is mid-gray).
	ShadePerImage
	// ShadeSymmetric scales each tile by its largest absolute value: 0 is
	// mid-gray, positive values lighter, negative darker. Suited to
	// weights, where the sign matters.
	ShadeSymmetric
)

// GridOptions controls the layout and shading of ImageGrid and FilterGrid.
// The zero value gives 2x magnification, 2-pixel gaps, no labels.
type GridOptions struct {
	// Scale magnifies each image pixel to Scale x Scale output pixels;
	// 0 means 2.
	Scale int
	// Pad is the gap in output pixels between tiles and around the grid;
	// 0 means 2 and a negative value means none.
	Pad int
	// Gap is the gray level (1..255) of the gaps and of empty cells; 0
	// means the default (128 for ImageGrid, 255 for FilterGrid) and a
	// negative value means black.
	Gap int
	// Shade selects how values become gray levels.
	Shade Shading
	// Invert draws value 1 as black and 0 as white (dark ink on paper).
	Invert bool
	// RowLabels, if non-empty, puts text to the left of each row (one
	// label per row; extra labels are ignored, missing ones left blank),
	// drawn in the 7x13 basic font, black on white.
	RowLabels []string
}

func (o *GridOptions) scale() int {
	if o == nil || o.Scale <= 0 {
		return 2
	}
	return o.Scale
}

func (o *GridOptions) pad() int {
	switch {
	case o == nil || o.Pad == 0:
		return 2
	case o.Pad < 0:
		return 0
	}
	return o.Pad
}

func (o *GridOptions) gap(def uint8) uint8 {
	switch {
	case o == nil || o.Gap == 0:
		return def
	case o.Gap < 0:
		return 0
	}
	return uint8(min(o.Gap, 255))
}

// maxGridPixels bounds the size of a grid image (about 256 MB as 8-bit
// gray), so a mistaken size fails instead of exhausting memory.
const maxGridPixels = 1 << 28

// ImageGrid draws cells[r][c], each an h x w grayscale image in row-major
// order, as a grid with one row of tiles per r. Rows may have different
// lengths (the grid is as wide as the longest) and nil cells are left
// empty. A typical use is three rows: inputs, corrupted inputs and
// reconstructions. Values are shaded by opt.Shade (ShadeClamp by default);
// NaN is drawn as the gap colour. opt may be nil.
func ImageGrid(cells [][][]float32, h, w int, opt *GridOptions) (*image.Gray, error) {
	return drawGrid(cells, h, w, opt, ShadeClamp, 128)
}

func drawGrid(cells [][][]float32, h, w int, opt *GridOptions, def Shading, defGap uint8) (*image.Gray, error) {
	if h <= 0 || w <= 0 {
		return nil, fmt.Errorf("viz: tile shape %dx%d must be positive", h, w)
	}
	ncols := 0
	for r, row := range cells {
		ncols = max(ncols, len(row))
		for c, img := range row {
			if img != nil && len(img) != h*w {
				return nil, fmt.Errorf("viz: cell [%d][%d] has %d values, want %dx%d=%d", r, c, len(img), h, w, h*w)
			}
		}
	}
	if len(cells) == 0 || ncols == 0 {
		return nil, fmt.Errorf("viz: no images to draw")
	}
	scale, pad := opt.scale(), opt.pad()
	shade := def
	var labels []string
	invert := false
	if opt != nil {
		if opt.Shade != ShadeDefault {
			shade = opt.Shade
		}
		labels = opt.RowLabels
		invert = opt.Invert
	}
	if scale > 64 || pad > 1024 || h > 1<<14 || w > 1<<14 {
		return nil, fmt.Errorf("viz: scale %d, pad %d or tile %dx%d too large", scale, pad, h, w)
	}
	tw, th := w*scale, h*scale
	face := basicfont.Face7x13
	labelW := 0
	if len(labels) > 0 {
		for _, l := range labels[:min(len(labels), len(cells))] {
			labelW = max(labelW, font.MeasureString(face, l).Ceil())
		}
		if labelW > 0 {
			labelW += 8 // margins left and right of the text
		}
	}
	W := labelW + pad + ncols*(tw+pad)
	H := pad + len(cells)*(th+pad)
	if int64(W)*int64(H) > maxGridPixels {
		return nil, fmt.Errorf("viz: grid of %dx%d pixels is too large", W, H)
	}
	img := image.NewGray(image.Rect(0, 0, W, H))
	gap := opt.gap(defGap)
	for i := range img.Pix {
		img.Pix[i] = gap
	}
	if labelW > 0 {
		for y := range H {
			row := img.Pix[y*img.Stride : y*img.Stride+labelW]
			for i := range row {
				row[i] = 255
			}
		}
	}
	levels := make([]uint8, h*w)
	for r, row := range cells {
		y0 := pad + r*(th+pad)
		for c, cell := range row {
			if cell == nil {
				continue
			}
			x0 := labelW + pad + c*(tw+pad)
			shadeTile(levels, cell, shade, invert, gap)
			for y := range th {
				dst := img.Pix[(y0+y)*img.Stride+x0:]
				src := levels[(y/scale)*w:]
				for x := range tw {
					dst[x] = src[x/scale]
				}
			}
		}
		if r < len(labels) && labels[r] != "" {
			d := font.Drawer{
				Dst:  img,
				Src:  image.NewUniform(color.Gray{0}),
				Face: face,
				Dot:  fixed.P(4, y0+th/2+face.Ascent/2-1),
			}
			d.DrawString(labels[r])
		}
	}
	return img, nil
}

// shadeTile maps one tile's values to gray levels.
func shadeTile(dst []uint8, src []float32, shade Shading, invert bool, nan uint8) {
	lo, hi, amax := math.Inf(1), math.Inf(-1), 0.0
	for _, v := range src {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		lo, hi = min(lo, f), max(hi, f)
		amax = max(amax, math.Abs(f))
	}
	for i, v := range src {
		f := float64(v)
		if math.IsNaN(f) {
			dst[i] = nan
			continue
		}
		var u float64 // in [0, 1]
		switch shade {
		case ShadePerImage:
			if hi > lo {
				u = (f - lo) / (hi - lo)
			} else {
				u = 0.5
			}
		case ShadeSymmetric:
			if amax > 0 {
				u = 0.5 + 0.5*f/amax
			} else {
				u = 0.5
			}
		default:
			u = f
		}
		u = min(max(u, 0), 1) // also maps ±Inf in the stretched modes
		if invert {
			u = 1 - u
		}
		dst[i] = uint8(math.Round(255 * u))
	}
}

// WeightLayout says how a dense layer's weight matrix is stored.
type WeightLayout int

const (
	// RowPerUnit stores the weights as a units x inputs matrix, row-major:
	// the filter of unit j is row j (PyTorch nn.Linear, ONNX Gemm with
	// transB=1).
	RowPerUnit WeightLayout = iota
	// ColumnPerUnit stores them as an inputs x units matrix, row-major:
	// the filter of unit j is column j (x·W, ONNX MatMul).
	ColumnPerUnit
)

// FilterOptions controls FilterGrid.
type FilterOptions struct {
	GridOptions
	// PerRow is the number of filters per grid row; 0 means
	// ceil(sqrt(number drawn)).
	PerRow int
	// Max limits how many filters are drawn (the first Max units); 0 means
	// all.
	Max int
}

// FilterGrid draws the weights of a dense layer with `units` hidden units
// over h*w inputs as a grid of h x w images, one per unit: the classic
// picture of an autoencoder's first-layer filters. weights holds
// units*h*w values in the given layout. Tiles are shaded per filter
// (ShadePerImage) unless opt.Shade says otherwise. opt may be nil.
func FilterGrid(weights []float32, units, h, w int, layout WeightLayout, opt *FilterOptions) (*image.Gray, error) {
	if units <= 0 || h <= 0 || w <= 0 {
		return nil, fmt.Errorf("viz: FilterGrid of %d units of %dx%d inputs", units, h, w)
	}
	in := h * w
	if len(weights) != units*in {
		return nil, fmt.Errorf("viz: FilterGrid: %d weights, want %d units x %d inputs = %d", len(weights), units, in, units*in)
	}
	if layout != RowPerUnit && layout != ColumnPerUnit {
		return nil, fmt.Errorf("viz: FilterGrid: unknown weight layout %d", layout)
	}
	if opt == nil {
		opt = &FilterOptions{}
	}
	n := units
	if opt.Max > 0 {
		n = min(n, opt.Max)
	}
	perRow := opt.PerRow
	if perRow <= 0 {
		perRow = int(math.Ceil(math.Sqrt(float64(n))))
	}
	filters := make([]float32, n*in)
	for j := range n {
		f := filters[j*in : (j+1)*in]
		if layout == RowPerUnit {
			copy(f, weights[j*in:(j+1)*in])
		} else {
			for i := range in {
				f[i] = weights[i*units+j]
			}
		}
	}
	var cells [][][]float32
	for j := range n {
		if j%perRow == 0 {
			cells = append(cells, nil)
		}
		cells[len(cells)-1] = append(cells[len(cells)-1], filters[j*in:(j+1)*in])
	}
	return drawGrid(cells, h, w, &opt.GridOptions, ShadePerImage, 255)
}
