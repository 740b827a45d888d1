// Package npy reads and writes NumPy .npy files (format versions 1.0, 2.0
// and 3.0) holding float32, float64, int32, int64 or bool arrays in C
// order, as ir.Tensors.
package npy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/latent-go/latent/ir"
)

var magic = []byte("\x93NUMPY")

// maxHeader bounds the header length a file may declare.
const maxHeader = 1 << 16

// Read decodes one .npy array from r. size is the number of bytes r holds
// (or -1 if unknown); when known, the declared shape is checked against it
// before any data buffer is allocated.
func Read(r io.Reader, size int64) (*ir.Tensor, error) {
	br := bufio.NewReader(r)
	pre := make([]byte, 8)
	if _, err := io.ReadFull(br, pre); err != nil {
		return nil, fmt.Errorf("npy: reading preamble: %w", err)
	}
	if !bytes.Equal(pre[:6], magic) {
		return nil, errors.New("npy: not a .npy file (bad magic)")
	}
	var hlen int
	pos := int64(8)
	switch pre[6] {
	case 1:
		b := make([]byte, 2)
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b))
		pos += 2
	case 2, 3:
		b := make([]byte, 4)
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b))
		pos += 4
	default:
		return nil, fmt.Errorf("npy: unsupported format version %d.%d", pre[6], pre[7])
	}
	if hlen > maxHeader {
		return nil, fmt.Errorf("npy: header length %d exceeds %d", hlen, maxHeader)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return nil, fmt.Errorf("npy: reading header: %w", err)
	}
	pos += int64(hlen)
	descr, fortran, shape, err := parseHeader(string(hdr))
	if err != nil {
		return nil, err
	}
	if fortran {
		return nil, errors.New("npy: Fortran-order arrays are not supported")
	}
	var dt ir.DType
	order := binary.ByteOrder(binary.LittleEndian)
	switch descr {
	case "<f4", "f4":
		dt = ir.Float32
	case ">f4":
		dt, order = ir.Float32, binary.BigEndian
	case "<f8", "f8":
		dt = ir.Float64
	case ">f8":
		dt, order = ir.Float64, binary.BigEndian
	case "<i4", "i4":
		dt = ir.Int32
	case ">i4":
		dt, order = ir.Int32, binary.BigEndian
	case "<i8", "i8":
		dt = ir.Int64
	case ">i8":
		dt, order = ir.Int64, binary.BigEndian
	case "|b1", "b1", "?":
		dt = ir.Bool
	default:
		return nil, fmt.Errorf("npy: unsupported dtype %q (want float32, float64, int32, int64 or bool)", descr)
	}
	n := ir.NumElements(shape)
	if n < 0 {
		return nil, fmt.Errorf("npy: invalid shape %v", shape)
	}
	need := int64(n) * int64(dt.Size())
	if size >= 0 && size-pos < need {
		return nil, fmt.Errorf("npy: shape %v needs %d data bytes, file has %d", shape, need, size-pos)
	}
	if size < 0 && need > 1<<34 {
		return nil, fmt.Errorf("npy: shape %v is too large", shape)
	}
	t, err := ir.NewTensor(dt, shape...)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	var data any
	switch dt {
	case ir.Float32:
		data = t.F32
	case ir.Float64:
		data = t.F64
	case ir.Int32:
		data = t.I32
	case ir.Int64:
		data = t.I64
	case ir.Bool:
		raw := make([]byte, n)
		if _, err := io.ReadFull(br, raw); err != nil {
			return nil, fmt.Errorf("npy: reading %d data bytes: %w", n, err)
		}
		for i, b := range raw {
			t.Bool[i] = b != 0
		}
		return t, nil
	}
	if err := binary.Read(br, order, data); err != nil {
		return nil, fmt.Errorf("npy: reading %d data bytes: %w", need, err)
	}
	return t, nil
}

// ReadFile reads a .npy file.
func ReadFile(path string) (*ir.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	t, err := Read(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// parseHeader reads the Python dict literal of a .npy header, for example
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }.
func parseHeader(h string) (descr string, fortran bool, shape []int, err error) {
	h = strings.TrimSpace(h)
	if !strings.HasPrefix(h, "{") || !strings.HasSuffix(h, "}") {
		return "", false, nil, fmt.Errorf("npy: malformed header %q", h)
	}
	get := func(key string) (string, bool) {
		i := strings.Index(h, "'"+key+"'")
		if i < 0 {
			return "", false
		}
		rest := strings.TrimSpace(h[i+len(key)+2:])
		if !strings.HasPrefix(rest, ":") {
			return "", false
		}
		return strings.TrimSpace(rest[1:]), true
	}
	d, ok := get("descr")
	if !ok || !strings.HasPrefix(d, "'") {
		return "", false, nil, fmt.Errorf("npy: header has no descr: %q", h)
	}
	end := strings.IndexByte(d[1:], '\'')
	if end < 0 {
		return "", false, nil, fmt.Errorf("npy: malformed descr in %q", h)
	}
	descr = d[1 : end+1]
	if f, ok := get("fortran_order"); ok {
		fortran = strings.HasPrefix(f, "True")
	}
	s, ok := get("shape")
	if !ok || !strings.HasPrefix(s, "(") {
		return "", false, nil, fmt.Errorf("npy: header has no shape: %q", h)
	}
	end = strings.IndexByte(s, ')')
	if end < 0 {
		return "", false, nil, fmt.Errorf("npy: malformed shape in %q", h)
	}
	shape = []int{}
	for _, part := range strings.Split(s[1:end], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		part = strings.TrimSuffix(part, "L")
		v, err := strconv.Atoi(part)
		if err != nil || v < 0 {
			return "", false, nil, fmt.Errorf("npy: bad dimension %q in shape", part)
		}
		shape = append(shape, v)
	}
	return descr, fortran, shape, nil
}

// Write encodes t as a version 1.0 .npy array.
func Write(w io.Writer, t *ir.Tensor) error {
	if err := t.Check(); err != nil {
		return fmt.Errorf("npy: %w", err)
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
	}
	dims := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = strconv.Itoa(d)
	}
	shape := strings.Join(dims, ", ")
	if len(t.Shape) == 1 {
		shape += ","
	}
	hdr := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, shape)
	// pad so that the data starts on a 64-byte boundary, header ends in \n
	total := 10 + len(hdr) + 1
	pad := (64 - total%64) % 64
	hdr += strings.Repeat(" ", pad) + "\n"
	if len(hdr) > math.MaxUint16 {
		return errors.New("npy: header too long")
	}
	bw := bufio.NewWriter(w)
	bw.Write(magic)
	bw.Write([]byte{1, 0})
	binary.Write(bw, binary.LittleEndian, uint16(len(hdr)))
	bw.WriteString(hdr)
	var err error
	switch t.DType {
	case ir.Float32:
		err = binary.Write(bw, binary.LittleEndian, t.F32)
	case ir.Float64:
		err = binary.Write(bw, binary.LittleEndian, t.F64)
	case ir.Int32:
		err = binary.Write(bw, binary.LittleEndian, t.I32)
	case ir.Int64:
		err = binary.Write(bw, binary.LittleEndian, t.I64)
	case ir.Bool:
		for _, b := range t.Bool {
			if b {
				bw.WriteByte(1)
			} else {
				bw.WriteByte(0)
			}
		}
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// WriteFile writes t to path atomically: to a temporary file in the same
// directory, then renamed over path.
func WriteFile(path string, t *ir.Tensor) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if err := Write(f, t); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
