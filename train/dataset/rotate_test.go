package dataset

import (
	"math"
	"slices"
	"testing"
)

func TestRotateImageZeroIsIdentity(t *testing.T) {
	for _, shape := range [][2]int{{1, 1}, {2, 3}, {5, 4}, {28, 28}} {
		rows, cols := shape[0], shape[1]
		src := make([]float32, rows*cols)
		for i := range src {
			src[i] = float32(i%7) / 7
		}
		dst := make([]float32, len(src))
		for _, theta := range []float64{0, 2 * math.Pi, -2 * math.Pi} {
			if err := RotateImage(dst, src, rows, cols, theta); err != nil {
				t.Fatal(err)
			}
			for i := range src {
				if d := math.Abs(float64(dst[i] - src[i])); (theta == 0 && d != 0) || d > 1e-6 {
					t.Fatalf("%dx%d by %v: pixel %d = %v, want %v", rows, cols, theta, i, dst[i], src[i])
				}
			}
		}
	}
}

func TestRotateImageQuarterTurn(t *testing.T) {
	// Square images of odd and even size with all-distinct pixels, so
	// every output pixel identifies the input pixel it came from.
	for _, n := range []int{3, 4, 5} {
		src := make([]float32, n*n)
		for i := range src {
			src[i] = float32(i + 1) // all distinct
		}
		dst := make([]float32, n*n)
		if err := RotateImage(dst, src, n, n, math.Pi/2); err != nil {
			t.Fatal(err)
		}
		// Counter-clockwise by 90 degrees as displayed: the top row
		// becomes the left column read bottom-up, i.e. out[y][x] =
		// in[x][n-1-y].
		for y := range n {
			for x := range n {
				want := src[x*n+(n-1-y)]
				if got := dst[y*n+x]; math.Abs(float64(got-want)) > 1e-5 {
					t.Errorf("n=%d: out[%d][%d] = %v, want in[%d][%d] = %v", n, y, x, got, x, n-1-y, want)
				}
			}
		}
		// Four quarter turns give the image back.
		a, b := slices.Clone(src), make([]float32, n*n)
		for range 4 {
			RotateImage(b, a, n, n, math.Pi/2)
			a, b = b, a
		}
		for i := range a {
			if math.Abs(float64(a[i]-src[i])) > 1e-4 {
				t.Fatalf("n=%d: four quarter turns changed pixel %d: %v -> %v", n, i, src[i], a[i])
			}
		}
	}
}

func TestRotateImageBilinearByHand(t *testing.T) {
	// 3x3 image with pixels 1..9, centre (1, 1), rotation by 45 degrees
	// counter-clockwise. Output (x, y) samples the input at the output
	// point rotated by -45 degrees about the centre; s = sqrt(2)/2.
	src := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	dst := make([]float32, 9)
	if err := RotateImage(dst, src, 3, 3, math.Pi/4); err != nil {
		t.Fatal(err)
	}
	s := math.Sqrt2 / 2
	tests := []struct {
		x, y int
		want float64
		why  string
	}{
		// The centre is fixed.
		{1, 1, 5, "centre"},
		// Output (2, 1): offset (u, v) = (1, 0) (v up) comes from
		// (s, -s), i.e. input x = 1+s, y = 1+s: bilinear between
		// pixels 5, 6, 8, 9 with weights (1-s)^2, s(1-s), s(1-s), s^2.
		{2, 1, (1-s)*(1-s)*5 + s*(1-s)*6 + s*(1-s)*8 + s*s*9, "right middle"},
		// Output (0, 0): (u, v) = (-1, 1) comes from (0, sqrt(2)), i.e.
		// input x = 1, y = 1-sqrt(2) = -0.414: between the row above the
		// image (which reads as 0) and pixel 2 of row 0, with weight
		// fy = y - floor(y) = 2 - sqrt(2) on pixel 2.
		{0, 0, (2 - math.Sqrt2) * 2, "corner, half outside"},
		// Output (1, 0): (u, v) = (0, 1) comes from (s, s), input
		// x = 1+s, y = 1-s: between pixels 2, 3 (row 0) and 5, 6 (row 1)
		// with fx = s, fy = 1-s.
		{1, 0, s*((1-s)*2+s*3) + (1-s)*((1-s)*5+s*6), "top middle"},
	}
	for _, tc := range tests {
		if got := float64(dst[tc.y*3+tc.x]); math.Abs(got-tc.want) > 1e-5 {
			t.Errorf("%s: out(%d, %d) = %v, want %v", tc.why, tc.x, tc.y, got, tc.want)
		}
	}
	// Spelled out numbers for the two interior cases (hand arithmetic):
	// right middle = 5(0.0858) + 14(0.2071) + 9(0.5) = 7.828427;
	// top middle = 0.7071(0.5858+2.1213) + 0.2929(1.4645+4.2426) = 3.585786.
	if math.Abs(float64(dst[5])-7.828427) > 1e-5 || math.Abs(float64(dst[1])-3.585786) > 1e-5 {
		t.Errorf("right middle %v, top middle %v", dst[5], dst[1])
	}
}

func TestRotateImageErrors(t *testing.T) {
	for _, tc := range []struct {
		dst, src   []float32
		rows, cols int
		theta      float64
	}{
		{make([]float32, 4), make([]float32, 3), 2, 2, 0},
		{make([]float32, 3), make([]float32, 4), 2, 2, 0},
		{nil, nil, 0, 0, 0},
		{make([]float32, 4), make([]float32, 4), 2, 2, math.NaN()},
		{make([]float32, 4), make([]float32, 4), 2, 2, math.Inf(1)},
	} {
		if err := RotateImage(tc.dst, tc.src, tc.rows, tc.cols, tc.theta); err == nil {
			t.Errorf("RotateImage(len %d, len %d, %dx%d, %v) succeeded", len(tc.dst), len(tc.src), tc.rows, tc.cols, tc.theta)
		}
	}
	s := seq(2, 4)
	if _, err := s.Rotate([]float64{0, 0}); err == nil {
		t.Error("Rotate of a set without image shape succeeded")
	}
	s.Rows, s.Cols = 2, 2
	if _, err := s.Rotate([]float64{0}); err == nil {
		t.Error("Rotate with too few angles succeeded")
	}
}

func TestRandomAngles(t *testing.T) {
	a := RandomAngles(20000, NewSource(1))
	var hist [4]int
	for _, v := range a {
		if v < 0 || v >= 2*math.Pi {
			t.Fatalf("angle %v outside [0, 2π)", v)
		}
		hist[int(v/(math.Pi/2))]++
	}
	// Each quadrant: mean 5000, sd 61.
	for q, c := range hist {
		if c < 4700 || c > 5300 {
			t.Errorf("quadrant %d has %d of 20000 angles", q, c)
		}
	}
	if !slices.Equal(a[:10], RandomAngles(10, NewSource(1))) {
		t.Error("RandomAngles is not deterministic")
	}
}
