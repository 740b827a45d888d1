package exporter

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/latent-go/latent/ir"
)

// EncodeNPY serializes t as a NumPy .npy file (format version 1.0,
// little-endian, C order).
func EncodeNPY(t *ir.Tensor) ([]byte, error) {
	if t == nil {
		return nil, errors.New("exporter: nil tensor")
	}
	if err := t.Check(); err != nil {
		return nil, fmt.Errorf("exporter: npy: %w", err)
	}
	var descr string
	switch t.DType {
	case ir.Float32:
		descr = "<f4"
	case ir.Float64:
		descr = "<f8"
	case ir.Int32:
		descr = "<i4"
	case ir.Int64:
		descr = "<i8"
	case ir.Bool:
		descr = "|b1"
	default:
		return nil, fmt.Errorf("exporter: npy: element type %s", t.DType)
	}
	dims := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = strconv.Itoa(d)
	}
	shape := "(" + strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	shape += ")"
	header := "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }"
	// Pad with spaces so that the data starts at a multiple of 64 bytes;
	// the header ends with a newline.
	total := 10 + len(header) + 1
	pad := (64 - total%64) % 64
	header += strings.Repeat(" ", pad) + "\n"
	if len(header) > 0xffff {
		return nil, fmt.Errorf("exporter: npy: header too long for rank %d", len(t.Shape))
	}
	tp, err := TensorProto(t, "")
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 10+len(header)+len(tp.RawData))
	out = append(out, "\x93NUMPY\x01\x00"...)
	out = append(out, byte(len(header)), byte(len(header)>>8))
	out = append(out, header...)
	out = append(out, tp.RawData...)
	return out, nil
}

// WriteNPY writes t as a NumPy .npy file, atomically.
func WriteNPY(t *ir.Tensor, path string) error {
	b, err := EncodeNPY(t)
	if err != nil {
		return err
	}
	return writeAtomic(path, b)
}
