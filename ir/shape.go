package ir

import (
	"fmt"
	"strconv"
	"strings"
)

// A Dim is one dimension of a Value's shape: a known size (Size >= 0), or a
// symbolic size named by Param (Size < 0), or unknown (Size < 0, Param
// empty). Two dims with the same non-empty Param are equal.
type Dim struct {
	Size  int
	Param string
}

// Known reports whether d has a fixed size.
func (d Dim) Known() bool { return d.Size >= 0 }

// String returns the size, the parameter name, or "?".
func (d Dim) String() string {
	switch {
	case d.Size >= 0:
		return strconv.Itoa(d.Size)
	case d.Param != "":
		return d.Param
	}
	return "?"
}

// D returns a known dimension.
func D(size int) Dim { return Dim{Size: size} }

// Sym returns a symbolic dimension named name.
func Sym(name string) Dim { return Dim{Size: -1, Param: name} }

// Unknown is a dimension about which nothing is known.
var Unknown = Dim{Size: -1}

// Shape is a Value's shape. A nil Shape means the rank is unknown; a
// non-nil empty Shape is a scalar. Use Clone to copy a shape: append on an
// empty shape would turn a scalar into an unknown rank.
type Shape []Dim

// StaticShape returns the Shape of known dimensions dims.
func StaticShape(dims ...int) Shape {
	s := make(Shape, len(dims))
	for i, d := range dims {
		s[i] = D(d)
	}
	return s
}

// Clone returns a copy of s that keeps the nil/scalar distinction.
func (s Shape) Clone() Shape {
	if s == nil {
		return nil
	}
	return append(Shape{}, s...)
}

// Rank returns the number of dimensions, or -1 if unknown.
func (s Shape) Rank() int {
	if s == nil {
		return -1
	}
	return len(s)
}

// IsStatic reports whether the rank and every dimension are known.
func (s Shape) IsStatic() bool {
	if s == nil {
		return false
	}
	for _, d := range s {
		if !d.Known() {
			return false
		}
	}
	return true
}

// Ints returns the dimensions as ints; ok is false unless IsStatic.
func (s Shape) Ints() (dims []int, ok bool) {
	if !s.IsStatic() {
		return nil, false
	}
	dims = make([]int, len(s))
	for i, d := range s {
		dims[i] = d.Size
	}
	return dims, true
}

// Equal reports whether s and t have the same rank and equal dimensions
// (known sizes equal, or the same symbolic name).
func (s Shape) Equal(t Shape) bool {
	if (s == nil) != (t == nil) || len(s) != len(t) {
		return false
	}
	for i := range s {
		if s[i] != t[i] {
			return false
		}
	}
	return true
}

// String formats the shape as "[N,3,28,28]", "[]" for a scalar and "[*]"
// for an unknown rank.
func (s Shape) String() string {
	if s == nil {
		return "[*]"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = d.String()
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// Substitute returns s with every symbolic dimension found in bind replaced
// by its size.
func (s Shape) Substitute(bind map[string]int) Shape {
	out := s.Clone()
	for i, d := range out {
		if !d.Known() && d.Param != "" {
			if v, ok := bind[d.Param]; ok {
				out[i] = D(v)
			}
		}
	}
	return out
}

// BroadcastShapes returns the multidirectional (numpy) broadcast of the
// shapes, following ONNX's broadcasting rules. A symbolic dimension
// broadcasts with 1 and with itself; an unknown dimension against anything
// other than 1 gives an unknown result.
func BroadcastShapes(shapes ...Shape) (Shape, error) {
	rank := 0
	for _, s := range shapes {
		if s == nil {
			return nil, nil
		}
		rank = max(rank, len(s))
	}
	out := make(Shape, rank)
	for i := range out {
		out[i] = D(1)
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			o := out[off+i]
			switch {
			case d.Size == 1:
				// broadcasts to anything
			case o.Size == 1:
				out[off+i] = d
			case d.Known() && o.Known():
				if d.Size != o.Size {
					return nil, fmt.Errorf("shapes %v cannot be broadcast: dimension %d is %d and %d", shapes, off+i, o.Size, d.Size)
				}
			case d == o:
			case d.Known():
				out[off+i] = d // assume the symbolic dim equals the known one
			case o.Known():
			default:
				out[off+i] = Unknown
			}
		}
	}
	return out, nil
}

// BroadcastInts is BroadcastShapes for static shapes.
func BroadcastInts(shapes ...[]int) ([]int, error) {
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	out := make([]int, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			switch o := out[off+i]; {
			case d == 1:
			case o == 1:
				out[off+i] = d
			case o != d:
				return nil, fmt.Errorf("shapes %v cannot be broadcast: dimension %d is %d and %d", shapes, off+i, o, d)
			}
		}
	}
	return out, nil
}
