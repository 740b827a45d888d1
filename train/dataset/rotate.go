package dataset

import (
	"fmt"
	"math"
)

// RotateImage writes into dst the rows x cols image src (row-major, row 0
// at the top) rotated counter-clockwise, as displayed, by theta radians
// about its centre ((cols-1)/2, (rows-1)/2).
//
// Each output pixel (x, y) takes the value of src at the point that the
// rotation maps onto it, found by rotating (x, y) by -theta about the
// centre, and read with bilinear interpolation between the four
// surrounding pixels; pixels outside src count as 0 (background). With
// theta = 0 the output equals the input exactly. dst and src must not
// overlap.
func RotateImage(dst, src []float32, rows, cols int, theta float64) error {
	if rows <= 0 || cols <= 0 || len(src) != rows*cols || len(dst) != rows*cols {
		return fmt.Errorf("dataset: RotateImage: %dx%d image with len(src)=%d, len(dst)=%d", rows, cols, len(src), len(dst))
	}
	if math.IsNaN(theta) || math.IsInf(theta, 0) {
		return fmt.Errorf("dataset: RotateImage: angle %v is not finite", theta)
	}
	sin, cos := math.Sincos(theta)
	cx, cy := float64(cols-1)/2, float64(rows-1)/2
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= cols || y >= rows {
			return 0
		}
		return float64(src[y*cols+x])
	}
	for y := range rows {
		v := cy - float64(y) // up is positive
		for x := range cols {
			u := float64(x) - cx
			// Rotate the output point by -theta to find where it came from.
			us := cos*u + sin*v
			vs := -sin*u + cos*v
			xs, ys := cx+us, cy-vs
			x0, y0 := math.Floor(xs), math.Floor(ys)
			fx, fy := xs-x0, ys-y0
			ix, iy := int(x0), int(y0)
			val := (1-fy)*((1-fx)*at(ix, iy)+fx*at(ix+1, iy)) +
				fy*((1-fx)*at(ix, iy+1)+fx*at(ix+1, iy+1))
			dst[y*cols+x] = float32(val)
		}
	}
	return nil
}

// Rotate returns a new Set with image i of s rotated by angles[i] radians
// (see RotateImage). s must hold images (Rows, Cols set) and len(angles)
// must equal s.N. Labels are copied.
func (s *Set) Rotate(angles []float64) (*Set, error) {
	if s.Rows == 0 || s.Cols == 0 {
		return nil, fmt.Errorf("dataset: Rotate: set has no image shape (Dim=%d)", s.Dim)
	}
	if len(angles) != s.N {
		return nil, fmt.Errorf("dataset: Rotate: %d angles for %d images", len(angles), s.N)
	}
	t := s.shape(s.N)
	t.X = make([]float32, len(s.X))
	if s.Y != nil {
		t.Y = append([]int(nil), s.Y...)
	}
	for i, a := range angles {
		if err := RotateImage(t.Row(i), s.Row(i), s.Rows, s.Cols, a); err != nil {
			return nil, fmt.Errorf("dataset: Rotate: image %d: %w", i, err)
		}
	}
	return t, nil
}

// RandomAngles returns n angles drawn uniformly from [0, 2π), one
// Float64(src) draw each.
func RandomAngles(n int, src Source) []float64 {
	a := make([]float64, max(n, 0))
	for i := range a {
		a[i] = 2 * math.Pi * Float64(src)
	}
	return a
}
