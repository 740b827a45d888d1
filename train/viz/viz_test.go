package viz

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// roundTrip encodes img as PNG and decodes it again, so tests check what a
// viewer would see.
func roundTrip(t *testing.T, img image.Image) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := EncodePNG(&buf, img); err != nil {
		t.Fatal(err)
	}
	out, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func gray(m image.Image, x, y int) uint8 {
	return color.GrayModel.Convert(m.At(x, y)).(color.Gray).Y
}

func TestImageGridLayoutAndValues(t *testing.T) {
	// 2x3 tiles; row 0 has two images, row 1 one image and a nil cell.
	a := []float32{0, 0.5, 1, 0.25, -1, 2} // clamps to 0 and 1
	b := []float32{1, 1, 1, 0, 0, 0}
	c := []float32{float32(math.NaN()), 0, 0, 0, 0, 0.75}
	img, err := ImageGrid([][][]float32{{a, b}, {c, nil}}, 2, 3, &GridOptions{Scale: 3, Pad: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := roundTrip(t, img)
	// Width: pad + 2*(3*3 + pad) = 1 + 20 = 21; height: 1 + 2*(2*3+1) = 15.
	if b := m.Bounds(); b.Dx() != 21 || b.Dy() != 15 {
		t.Fatalf("size %v, want 21x15", b)
	}
	// pixel (px, py) of tile (r, col) has its top-left output pixel at
	// (1 + col*10 + 3*px, 1 + r*7 + 3*py), replicated over 3x3.
	at := func(r, col, px, py, dx, dy int) uint8 {
		return gray(m, 1+col*10+3*px+dx, 1+r*7+3*py+dy)
	}
	tests := []struct {
		r, col, px, py int
		want           uint8
	}{
		{0, 0, 0, 0, 0}, {0, 0, 1, 0, 128}, {0, 0, 2, 0, 255},
		{0, 0, 0, 1, 64}, {0, 0, 1, 1, 0}, {0, 0, 2, 1, 255},
		{0, 1, 0, 0, 255}, {0, 1, 2, 1, 0},
		{1, 0, 0, 0, 128}, // NaN drawn in the gap colour
		{1, 0, 2, 1, 191},
		{1, 1, 1, 1, 128}, // nil cell
	}
	for _, tc := range tests {
		for _, d := range [][2]int{{0, 0}, {2, 2}, {1, 2}} {
			if got := at(tc.r, tc.col, tc.px, tc.py, d[0], d[1]); got != tc.want {
				t.Errorf("tile (%d,%d) pixel (%d,%d)+%v = %d, want %d", tc.r, tc.col, tc.px, tc.py, d, got, tc.want)
			}
		}
	}
	// Gaps: the first column and row, and between tiles.
	for _, p := range [][2]int{{0, 0}, {10, 3}, {5, 7}, {20, 14}} {
		if g := gray(m, p[0], p[1]); g != 128 {
			t.Errorf("gap pixel %v = %d, want 128", p, g)
		}
	}
}

func TestImageGridInvertAndGap(t *testing.T) {
	img, err := ImageGrid([][][]float32{{{0, 1}}}, 1, 2, &GridOptions{Scale: 1, Pad: -1, Invert: true})
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 2 || img.Bounds().Dy() != 1 || img.Pix[0] != 255 || img.Pix[1] != 0 {
		t.Errorf("inverted, unpadded: %v %v", img.Bounds(), img.Pix)
	}
	img, _ = ImageGrid([][][]float32{{{1}, nil}}, 1, 1, &GridOptions{Scale: 1, Pad: 1, Gap: -1})
	if img.Pix[0] != 0 || img.GrayAt(1, 1).Y != 255 || img.GrayAt(3, 1).Y != 0 {
		t.Errorf("black gap: %v", img.Pix)
	}
}

func TestShading(t *testing.T) {
	tests := []struct {
		shade Shading
		in    []float32
		want  []uint8
	}{
		{ShadeClamp, []float32{-1, 0, 0.5, 1, 7}, []uint8{0, 0, 128, 255, 255}},
		{ShadePerImage, []float32{2, 4, 6, 3}, []uint8{0, 128, 255, 64}},
		{ShadePerImage, []float32{3, 3}, []uint8{128, 128}},
		{ShadeSymmetric, []float32{-2, 0, 1, 2}, []uint8{0, 128, 191, 255}},
		{ShadeSymmetric, []float32{0, 0}, []uint8{128, 128}},
	}
	for _, tc := range tests {
		img, err := ImageGrid([][][]float32{{tc.in}}, 1, len(tc.in), &GridOptions{Scale: 1, Pad: -1, Shade: tc.shade})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(img.Pix, tc.want) {
			t.Errorf("shade %d of %v = %v, want %v", tc.shade, tc.in, img.Pix, tc.want)
		}
	}
}

func TestImageGridRowLabels(t *testing.T) {
	tile := make([]float32, 4*4)
	cells := [][][]float32{{tile, tile}, {tile, tile}, {tile, tile}}
	plain, _ := ImageGrid(cells, 4, 4, &GridOptions{Scale: 4})
	img, err := ImageGrid(cells, 4, 4, &GridOptions{Scale: 4, RowLabels: []string{"input", "", "reconstruction"}})
	if err != nil {
		t.Fatal(err)
	}
	m := roundTrip(t, img)
	labelW := m.Bounds().Dx() - plain.Bounds().Dx()
	// "reconstruction" is 14 characters of the 7-pixel-wide font, + 8.
	if labelW != 14*7+8 || m.Bounds().Dy() != plain.Bounds().Dy() {
		t.Fatalf("label column %d wide, size %v", labelW, m.Bounds())
	}
	// Each labelled row has black text pixels in the label column; the
	// unlabelled one is plain white.
	for r, want := range []bool{true, false, true} {
		y0 := 2 + r*(16+2)
		dark, other := 0, 0
		for y := y0; y < y0+16; y++ {
			for x := range labelW {
				switch g := gray(m, x, y); {
				case g < 128:
					dark++
				case g != 255:
					other++
				}
			}
		}
		if (dark > 10) != want || other != 0 {
			t.Errorf("row %d: %d dark and %d gray label pixels, want text=%v", r, dark, other, want)
		}
	}
	// The tiles are where they were, shifted right by the label column.
	if gray(m, labelW+2, 2) != 0 || gray(m, labelW+1, 2) != 128 {
		t.Error("tiles not shifted by the label column")
	}
}

func TestImageGridErrors(t *testing.T) {
	tests := []struct {
		name  string
		cells [][][]float32
		h, w  int
		opt   *GridOptions
	}{
		{"no cells", nil, 2, 2, nil},
		{"empty rows", [][][]float32{{}, {}}, 2, 2, nil},
		{"wrong size", [][][]float32{{make([]float32, 3)}}, 2, 2, nil},
		{"zero shape", [][][]float32{{{}}}, 0, 2, nil},
		{"huge", [][][]float32{{make([]float32, 4)}}, 2, 2, &GridOptions{Scale: 1000}},
		{"huge grid", [][][]float32{make([][]float32, 200000)}, 10, 10, &GridOptions{Scale: 10}},
	}
	for _, tc := range tests {
		if _, err := ImageGrid(tc.cells, tc.h, tc.w, tc.opt); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestFilterGrid(t *testing.T) {
	const units, h, w = 5, 2, 3
	rows := make([]float32, units*h*w) // unit j, pixel p: j*10 + p
	cols := make([]float32, units*h*w) // the transpose
	for j := range units {
		for p := range h * w {
			v := float32(j*10 + p)
			if p == 0 {
				v = -v // sign varies inside each filter
			}
			rows[j*h*w+p] = v
			cols[p*units+j] = v
		}
	}
	a, err := FilterGrid(rows, units, h, w, RowPerUnit, &FilterOptions{GridOptions: GridOptions{Scale: 1, Pad: 1}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := FilterGrid(cols, units, h, w, ColumnPerUnit, &FilterOptions{GridOptions: GridOptions{Scale: 1, Pad: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Error("RowPerUnit and ColumnPerUnit disagree on transposed weights")
	}
	// 5 filters -> 3 per row, 2 rows: width 1+3*(3+1) = 13, height 1+2*(2+1) = 7.
	m := roundTrip(t, a)
	if m.Bounds().Dx() != 13 || m.Bounds().Dy() != 7 {
		t.Fatalf("size %v", m.Bounds())
	}
	// Per-filter stretch: pixel 0 is each filter's minimum (black) and
	// pixel 5 its maximum (white), except filter 0 whose minimum is
	// pixel 0 = 0 as well.
	for j := range units {
		x0, y0 := 1+(j%3)*4, 1+(j/3)*3
		if g := gray(m, x0, y0); g != 0 {
			t.Errorf("filter %d pixel 0 = %d, want 0", j, g)
		}
		if g := gray(m, x0+2, y0+1); g != 255 {
			t.Errorf("filter %d pixel 5 = %d, want 255", j, g)
		}
	}
	if g := gray(m, 1+2*4+1, 1+3); g != 255 {
		t.Errorf("empty cell = %d, want the white default gap", g)
	}
	// Max and PerRow.
	c, err := FilterGrid(rows, units, h, w, RowPerUnit, &FilterOptions{GridOptions: GridOptions{Scale: 2, Pad: -1}, Max: 4, PerRow: 4})
	if err != nil {
		t.Fatal(err)
	}
	if c.Bounds().Dx() != 4*3*2 || c.Bounds().Dy() != 2*2 {
		t.Errorf("Max 4, PerRow 4: size %v", c.Bounds())
	}
	for _, bad := range []struct {
		w      []float32
		units  int
		layout WeightLayout
	}{
		{rows[:29], 5, RowPerUnit}, {rows, 4, RowPerUnit}, {rows, 0, RowPerUnit}, {rows, 5, WeightLayout(7)},
	} {
		if _, err := FilterGrid(bad.w, bad.units, h, w, bad.layout, nil); err == nil {
			t.Errorf("FilterGrid(len %d, units %d, layout %d) succeeded", len(bad.w), bad.units, bad.layout)
		}
	}
}

func TestWritePNGAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "grid.png")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	img, _ := ImageGrid([][][]float32{{{0, 1, 0.5, 1}}}, 2, 2, nil)
	if err := WritePNG(path, img); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if got.Bounds() != img.Bounds() || gray(got, 2+2, 2) != 255 {
		t.Errorf("decoded %v, pixel %d", got.Bounds(), gray(got, 4, 2))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only grid.png", len(entries))
	}
	if err := WritePNG(filepath.Join(dir, "no", "such", "dir.png"), img); err == nil {
		t.Error("WritePNG into a missing directory succeeded")
	}
}

// curveRows returns, for each x in [x0, x1), the mean y of the pixels
// whose colour is near col (NaN where there are none).
func curveRows(m image.Image, col color.RGBA, x0, x1 int) []float64 {
	ys := make([]float64, 0, x1-x0)
	for x := x0; x < x1; x++ {
		sum, n := 0.0, 0
		for y := m.Bounds().Min.Y; y < m.Bounds().Max.Y; y++ {
			r, g, b, _ := m.At(x, y).RGBA()
			d := math.Abs(float64(r>>8)-float64(col.R)) + math.Abs(float64(g>>8)-float64(col.G)) + math.Abs(float64(b>>8)-float64(col.B))
			if d < 40 {
				sum += float64(y)
				n++
			}
		}
		if n == 0 {
			ys = append(ys, math.NaN())
		} else {
			ys = append(ys, sum/float64(n))
		}
	}
	return ys
}

// lineFitResidual fits y = a + b x to the non-NaN points by least squares
// and returns the largest absolute residual and the number of points.
func lineFitResidual(ys []float64) (float64, int) {
	var sx, sy, sxx, sxy, n float64
	for x, y := range ys {
		if !math.IsNaN(y) {
			fx := float64(x)
			sx, sy, sxx, sxy, n = sx+fx, sy+y, sxx+fx*fx, sxy+fx*y, n+1
		}
	}
	b := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	a := (sy - b*sx) / n
	worst := 0.0
	for x, y := range ys {
		if !math.IsNaN(y) {
			worst = max(worst, math.Abs(y-(a+b*float64(x))))
		}
	}
	return worst, int(n)
}

func TestLossCurve(t *testing.T) {
	// A geometric decay: a straight line on a log axis, a curve on a
	// linear one.
	train := make([]float64, 20)
	valid := make([]float64, 20)
	for i := range train {
		train[i] = 1000 * math.Pow(0.7, float64(i))
		valid[i] = 1.5 * train[i]
	}
	for _, logY := range []bool{false, true} {
		img, err := LossCurve(train, valid, &LossOptions{LogY: logY, Width: 640, Height: 480, Title: "t"})
		if err != nil {
			t.Fatal(err)
		}
		m := roundTrip(t, img)
		if m.Bounds().Dx() != 640 || m.Bounds().Dy() != 480 {
			t.Fatalf("size %v", m.Bounds())
		}
		if r, g, b, _ := m.At(0, 0).RGBA(); r>>8 != 255 || g>>8 != 255 || b>>8 != 255 {
			t.Errorf("corner is not white")
		}
		// Both curves are drawn, in their colours, with the validation
		// curve above (smaller y) the training curve; the legend sits at
		// the top right, so look at the left 60% only.
		tr := curveRows(m, CurveColor(0), 0, 384)
		va := curveRows(m, CurveColor(1), 0, 384)
		above, below := 0, 0
		for x := range tr {
			if !math.IsNaN(tr[x]) && !math.IsNaN(va[x]) {
				if va[x] < tr[x] {
					above++
				} else {
					below++
				}
			}
		}
		if above < 100 || below > above/20 {
			t.Errorf("logY=%v: validation above training in %d columns, below in %d", logY, above, below)
		}
		res, n := lineFitResidual(tr)
		t.Logf("logY=%v residual %.2f over %d columns, above %d below %d", logY, res, n, above, below)
		if n < 150 {
			t.Fatalf("logY=%v: training curve found in only %d columns", logY, n)
		}
		if logY && res > 4 {
			t.Errorf("log scale: geometric series deviates %.1f px from a straight line", res)
		}
		if !logY && res < 30 {
			t.Errorf("linear scale: geometric series within %.1f px of a straight line", res)
		}
	}
}

func TestLossCurveEdgeCases(t *testing.T) {
	nan := math.NaN()
	if _, err := LossCurve([]float64{3, nan, 2, math.Inf(1), 1}, nil, nil); err != nil {
		t.Errorf("NaN and Inf values: %v", err)
	}
	if _, err := LossCurve([]float64{5}, []float64{6}, nil); err != nil {
		t.Errorf("a single epoch: %v", err)
	}
	if _, err := LossCurve([]float64{2, 2, 2}, nil, &LossOptions{LogY: true}); err != nil {
		t.Errorf("a constant curve on a log axis: %v", err)
	}
	for _, tc := range []struct {
		name  string
		train []float64
		opt   *LossOptions
		want  string
	}{
		{"empty", nil, nil, "no finite values"},
		{"all NaN", []float64{nan, nan}, nil, "no finite values"},
		{"log of zero", []float64{1, 0}, &LossOptions{LogY: true}, "epoch 2"},
		{"tiny image", []float64{1}, &LossOptions{Width: 10}, "size"},
	} {
		if _, err := LossCurve(tc.train, nil, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	c, err := LossCurves([]Curve{{"a", []float64{1, 2}}, {"b", []float64{2, 1}}, {"c", []float64{1.5, 1.5}}}, nil)
	if err != nil || c.Bounds().Dx() != 800 || c.Bounds().Dy() != 500 {
		t.Errorf("three curves: %v %v", err, c.Bounds())
	}
}

func TestTicks(t *testing.T) {
	ticks := linearTicks{}.Ticks(23.4, 126)
	var labels []string
	for _, tk := range ticks {
		labels = append(labels, tk.Label)
	}
	if got := strings.Join(labels, " "); got != "40 60 80 100 120" {
		t.Errorf("linear ticks over [23.4, 126]: %s", got)
	}
	labels = labels[:0]
	for _, tk := range (linearTicks{}).Ticks(0.01, 0.07) {
		labels = append(labels, tk.Label)
	}
	if got := strings.Join(labels, " "); got != "0.01 0.02 0.03 0.04 0.05 0.06 0.07" {
		t.Errorf("linear ticks over [0.01, 0.07]: %s", got)
	}
	labels = labels[:0]
	for _, tk := range (epochTicks{}).Ticks(1, 100) {
		labels = append(labels, tk.Label)
	}
	if got := strings.Join(labels, " "); got != "10 20 30 40 50 60 70 80 90 100" {
		t.Errorf("epoch ticks over [1, 100]: %s", got)
	}
	n := 0
	for _, tk := range (logTicks{}).Ticks(30, 80) {
		if tk.Label != "" && tk.Value >= 30 && tk.Value <= 80 {
			n++
		}
	}
	if n < 2 {
		t.Errorf("log ticks over [30, 80] label %d values", n)
	}
}
