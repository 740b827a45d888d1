package importer

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/latent-go/latent/ir"
)

// npyMagic starts every NumPy .npy file.
const npyMagic = "\x93NUMPY"

// maxNPYHeader bounds the header of a .npy file; NumPy writes well under
// a kilobyte.
const maxNPYHeader = 1 << 16

// ReadNPY reads a NumPy .npy file (format versions 1 to 3) holding a
// C-ordered array of float32, float64, int32, int64 or bool, in either
// byte order.
func ReadNPY(path string, opts ...Options) (*ir.Tensor, error) {
	o := pickOptions(opts)
	data, err := readFileLimited(path, o.MaxFileBytes)
	if err != nil {
		return nil, err
	}
	t, err := DecodeNPY(data, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// DecodeNPY decodes the bytes of a NumPy .npy file; see ReadNPY.
func DecodeNPY(data []byte, opts ...Options) (*ir.Tensor, error) {
	o := pickOptions(opts)
	if len(data) < 10 || string(data[:6]) != npyMagic {
		return nil, fmt.Errorf("npy: not a .npy file (bad magic)")
	}
	major := data[6]
	var hlen, off int
	switch major {
	case 1:
		hlen, off = int(binary.LittleEndian.Uint16(data[8:])), 10
	case 2, 3:
		if len(data) < 12 {
			return nil, fmt.Errorf("npy: truncated header")
		}
		h := binary.LittleEndian.Uint32(data[8:])
		if h > maxNPYHeader {
			return nil, fmt.Errorf("npy: header of %d bytes is too long", h)
		}
		hlen, off = int(h), 12
	default:
		return nil, fmt.Errorf("npy: format version %d.%d is not supported", major, data[7])
	}
	if len(data)-off < hlen {
		return nil, fmt.Errorf("npy: header of %d bytes, file has %d", hlen, len(data)-off)
	}
	descr, fortran, dims, err := parseNPYHeader(string(data[off : off+hlen]))
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	if fortran {
		return nil, unsupportedf("npy: Fortran-ordered arrays")
	}
	dt, order, err := npyDType(descr)
	if err != nil {
		return nil, err
	}
	d := &tensorDecoder{opts: o}
	n, shape, err := d.checkShape(dims, dt, "npy array")
	if err != nil {
		return nil, err
	}
	body := data[off+hlen:]
	if want := n * dt.Size(); len(body) != want {
		return nil, fmt.Errorf("npy: data holds %d bytes, shape %v of %s needs %d", len(body), shape, dt, want)
	}
	if order == binary.ByteOrder(binary.BigEndian) && dt.Size() > 1 {
		body = swapBytes(body, dt.Size())
	}
	t := &ir.Tensor{DType: dt, Shape: shape}
	decodeRaw(t, body, n)
	return t, nil
}

func swapBytes(b []byte, size int) []byte {
	out := make([]byte, len(b))
	for i := 0; i < len(b); i += size {
		for k := 0; k < size; k++ {
			out[i+k] = b[i+size-1-k]
		}
	}
	return out
}

// npyDType maps a NumPy type string such as "<f4" to an element type.
func npyDType(descr string) (ir.DType, binary.ByteOrder, error) {
	if len(descr) < 2 {
		return 0, nil, fmt.Errorf("npy: bad descr %q", descr)
	}
	var order binary.ByteOrder = binary.LittleEndian
	switch descr[0] {
	case '<', '|', '=':
	case '>':
		order = binary.BigEndian
	default:
		return 0, nil, fmt.Errorf("npy: bad descr %q", descr)
	}
	switch descr[1:] {
	case "f4":
		return ir.Float32, order, nil
	case "f8":
		return ir.Float64, order, nil
	case "i4":
		return ir.Int32, order, nil
	case "i8":
		return ir.Int64, order, nil
	case "b1":
		return ir.Bool, order, nil
	}
	return 0, nil, unsupportedf("npy: element type %q", descr)
}

// parseNPYHeader reads the Python dict literal of a .npy header:
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }.
func parseNPYHeader(h string) (descr string, fortran bool, dims []int64, err error) {
	h = strings.TrimSpace(h)
	if !strings.HasPrefix(h, "{") || !strings.HasSuffix(h, "}") {
		return "", false, nil, fmt.Errorf("header is not a dict: %q", h)
	}
	body := h[1 : len(h)-1]
	seen := map[string]bool{}
	for len(strings.TrimSpace(body)) > 0 {
		body = strings.TrimSpace(body)
		key, rest, ok := cutQuoted(body)
		if !ok {
			return "", false, nil, fmt.Errorf("bad header key in %q", h)
		}
		rest = strings.TrimSpace(rest)
		if !strings.HasPrefix(rest, ":") {
			return "", false, nil, fmt.Errorf("bad header near %q", rest)
		}
		rest = strings.TrimSpace(rest[1:])
		seen[key] = true
		switch key {
		case "descr":
			descr, rest, ok = cutQuoted(rest)
			if !ok {
				return "", false, nil, fmt.Errorf("bad descr in %q", h)
			}
		case "fortran_order":
			switch {
			case strings.HasPrefix(rest, "True"):
				fortran, rest = true, rest[4:]
			case strings.HasPrefix(rest, "False"):
				fortran, rest = false, rest[5:]
			default:
				return "", false, nil, fmt.Errorf("bad fortran_order in %q", h)
			}
		case "shape":
			end := strings.IndexByte(rest, ')')
			if !strings.HasPrefix(rest, "(") || end < 0 {
				return "", false, nil, fmt.Errorf("bad shape in %q", h)
			}
			dims = []int64{}
			for _, f := range strings.Split(rest[1:end], ",") {
				if f = strings.TrimSpace(f); f == "" {
					continue
				}
				if strings.HasSuffix(f, "L") { // Python 2 long
					f = f[:len(f)-1]
				}
				v, err := strconv.ParseInt(f, 10, 64)
				if err != nil || v < 0 {
					return "", false, nil, fmt.Errorf("bad dimension %q in shape", f)
				}
				dims = append(dims, v)
			}
			rest = rest[end+1:]
		default:
			return "", false, nil, fmt.Errorf("unknown header key %q", key)
		}
		rest = strings.TrimSpace(rest)
		rest = strings.TrimPrefix(rest, ",")
		body = rest
	}
	if !seen["descr"] || !seen["shape"] {
		return "", false, nil, fmt.Errorf("header lacks descr or shape: %q", h)
	}
	return descr, fortran, dims, nil
}

// cutQuoted reads a single- or double-quoted string at the start of s.
func cutQuoted(s string) (string, string, bool) {
	if len(s) < 2 || (s[0] != '\'' && s[0] != '"') {
		return "", s, false
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 {
		return "", s, false
	}
	return s[1 : 1+end], s[2+end:], true
}
