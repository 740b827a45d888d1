package ir

import (
	"fmt"
	"slices"
)

// AttrKind is the type of a node attribute.
type AttrKind uint8

// Attribute kinds, as in ONNX's AttributeProto.
const (
	AttrUndefined AttrKind = iota
	AttrFloat
	AttrInt
	AttrString
	AttrTensor
	AttrFloats
	AttrInts
	AttrStrings
)

var attrKindNames = [...]string{"undefined", "float", "int", "string", "tensor", "floats", "ints", "strings"}

// String returns the kind's name.
func (k AttrKind) String() string {
	if int(k) < len(attrKindNames) {
		return attrKindNames[k]
	}
	return fmt.Sprintf("AttrKind(%d)", k)
}

// An Attr is one typed attribute value; the field matching Kind holds it.
type Attr struct {
	Kind    AttrKind
	Float   float32
	Int     int64
	String  string
	Tensor  *Tensor
	Floats  []float32
	Ints    []int64
	Strings []string
}

// Attrs maps attribute names to values.
type Attrs map[string]Attr

// FloatAttr, IntAttr, StringAttr, TensorAttr, FloatsAttr, IntsAttr and
// StringsAttr build attribute values.
func FloatAttr(v float32) Attr { return Attr{Kind: AttrFloat, Float: v} }

// IntAttr builds an int attribute.
func IntAttr(v int64) Attr { return Attr{Kind: AttrInt, Int: v} }

// StringAttr builds a string attribute.
func StringAttr(v string) Attr { return Attr{Kind: AttrString, String: v} }

// TensorAttr builds a tensor attribute.
func TensorAttr(v *Tensor) Attr { return Attr{Kind: AttrTensor, Tensor: v} }

// FloatsAttr builds a list-of-floats attribute.
func FloatsAttr(v ...float32) Attr { return Attr{Kind: AttrFloats, Floats: v} }

// IntsAttr builds a list-of-ints attribute.
func IntsAttr(v ...int64) Attr { return Attr{Kind: AttrInts, Ints: v} }

// StringsAttr builds a list-of-strings attribute.
func StringsAttr(v ...string) Attr { return Attr{Kind: AttrStrings, Strings: v} }

// Names returns the attribute names in sorted order.
func (a Attrs) Names() []string {
	names := make([]string, 0, len(a))
	for n := range a {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Has reports whether attribute name is set.
func (a Attrs) Has(name string) bool {
	_, ok := a[name]
	return ok
}

// Int returns int attribute name, or def if it is not set.
func (a Attrs) Int(name string, def int64) int64 {
	if v, ok := a[name]; ok && v.Kind == AttrInt {
		return v.Int
	}
	return def
}

// Float returns float attribute name, or def if it is not set.
func (a Attrs) Float(name string, def float32) float32 {
	if v, ok := a[name]; ok && v.Kind == AttrFloat {
		return v.Float
	}
	return def
}

// String returns string attribute name, or def if it is not set.
func (a Attrs) String(name, def string) string {
	if v, ok := a[name]; ok && v.Kind == AttrString {
		return v.String
	}
	return def
}

// Ints returns ints attribute name, or def if it is not set.
func (a Attrs) Ints(name string, def []int64) []int64 {
	if v, ok := a[name]; ok && v.Kind == AttrInts {
		return v.Ints
	}
	return def
}

// Floats returns floats attribute name, or def if it is not set.
func (a Attrs) Floats(name string, def []float32) []float32 {
	if v, ok := a[name]; ok && v.Kind == AttrFloats {
		return v.Floats
	}
	return def
}

// Strings returns strings attribute name, or def if it is not set.
func (a Attrs) Strings(name string, def []string) []string {
	if v, ok := a[name]; ok && v.Kind == AttrStrings {
		return v.Strings
	}
	return def
}

// Tensor returns tensor attribute name, or nil if it is not set.
func (a Attrs) Tensor(name string) *Tensor {
	if v, ok := a[name]; ok && v.Kind == AttrTensor {
		return v.Tensor
	}
	return nil
}

// Clone returns a deep copy of the attributes.
func (a Attrs) Clone() Attrs {
	if a == nil {
		return nil
	}
	c := make(Attrs, len(a))
	for k, v := range a {
		v.Floats = slices.Clone(v.Floats)
		v.Ints = slices.Clone(v.Ints)
		v.Strings = slices.Clone(v.Strings)
		if v.Tensor != nil {
			v.Tensor = v.Tensor.Clone()
		}
		c[k] = v
	}
	return c
}
