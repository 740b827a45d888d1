package dataset

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// IDXType is the element type code of an idx file (the third magic byte).
type IDXType byte

// Element types defined by the idx format.
const (
	IDXUint8   IDXType = 0x08
	IDXInt8    IDXType = 0x09
	IDXInt16   IDXType = 0x0B
	IDXInt32   IDXType = 0x0C
	IDXFloat32 IDXType = 0x0D
	IDXFloat64 IDXType = 0x0E
)

// Size returns the size in bytes of one element, or 0 for an unknown type.
func (t IDXType) Size() int {
	switch t {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

// String returns the type's name as the idx format describes it.
func (t IDXType) String() string {
	switch t {
	case IDXUint8:
		return "ubyte"
	case IDXInt8:
		return "byte"
	case IDXInt16:
		return "short"
	case IDXInt32:
		return "int"
	case IDXFloat32:
		return "float"
	case IDXFloat64:
		return "double"
	}
	return fmt.Sprintf("IDXType(%#02x)", byte(t))
}

// IDX is a decoded idx file: a dense array with shape Dims whose elements
// are stored in Data as big-endian values of Type, in row-major order.
type IDX struct {
	Type IDXType
	Dims []int
	Data []byte
}

// Len returns the number of elements (the product of Dims).
func (x *IDX) Len() int {
	n := 1
	for _, d := range x.Dims {
		n *= d
	}
	return n
}

// DefaultIDXLimit is the largest payload, in bytes, ReadIDX accepts when
// given a limit <= 0: 1 GiB, enough for MNIST-sized data sets many times over.
const DefaultIDXLimit = 1 << 30

// maxIDXDims bounds the number of dimensions an idx header may declare.
const maxIDXDims = 16

// ReadIDX decodes one idx file from r. name is used in error messages. The
// input may be gzip-compressed (detected from its first two bytes). The
// header's declared payload must not exceed limit bytes (DefaultIDXLimit if
// limit <= 0), and memory is allocated only as data actually arrives, so a
// corrupt header cannot make ReadIDX allocate more than the input holds
// (plus at most a factor of two). Data after the declared payload, a wrong
// magic number, and a short payload are errors.
func ReadIDX(r io.Reader, name string, limit int64) (*IDX, error) {
	if limit <= 0 {
		limit = DefaultIDXLimit
	}
	br := bufio.NewReader(r)
	if head, err := br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("dataset: idx file %s: gzip header: %w", name, err)
		}
		defer zr.Close()
		zr.Multistream(false)
		br = bufio.NewReader(zr)
	}
	var magic [4]byte
	if _, err := io.ReadFull(br, magic[:]); err != nil {
		return nil, fmt.Errorf("dataset: idx file %s: reading magic number: %w", name, noEOF(err))
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("dataset: idx file %s: bad magic number %#08x (first two bytes must be 0)", name, binary.BigEndian.Uint32(magic[:]))
	}
	t := IDXType(magic[2])
	if t.Size() == 0 {
		return nil, fmt.Errorf("dataset: idx file %s: unknown element type %#02x in magic number", name, magic[2])
	}
	nd := int(magic[3])
	if nd == 0 || nd > maxIDXDims {
		return nil, fmt.Errorf("dataset: idx file %s: %d dimensions in magic number (want 1..%d)", name, nd, maxIDXDims)
	}
	dimBytes := make([]byte, 4*nd)
	if _, err := io.ReadFull(br, dimBytes); err != nil {
		return nil, fmt.Errorf("dataset: idx file %s: reading %d dimension sizes: %w", name, nd, noEOF(err))
	}
	dims := make([]int, nd)
	total := int64(t.Size())
	for i := range dims {
		d := binary.BigEndian.Uint32(dimBytes[4*i:])
		if d > math.MaxInt32 {
			return nil, fmt.Errorf("dataset: idx file %s: dimension %d size %d too large", name, i, d)
		}
		dims[i] = int(d)
		if d != 0 && total > limit/int64(d) {
			return nil, fmt.Errorf("dataset: idx file %s: shape %s of %s declares more than the %d-byte limit", name, shapeString(dims[:i+1]), t, limit)
		}
		total *= int64(d)
	}
	data, err := readN(br, total)
	if err != nil {
		return nil, fmt.Errorf("dataset: idx file %s: shape %s of %s needs %d data bytes: %w", name, shapeString(dims), t, total, err)
	}
	var one [1]byte
	if n, err := br.Read(one[:]); n > 0 {
		return nil, fmt.Errorf("dataset: idx file %s: trailing data after the %d bytes declared by shape %s", name, total, shapeString(dims))
	} else if err != nil && err != io.EOF {
		// Typically a gzip checksum error or a missing gzip trailer,
		// detected at end of stream.
		return nil, fmt.Errorf("dataset: idx file %s: after the data: %w", name, noEOF(err))
	}
	return &IDX{Type: t, Dims: dims, Data: data}, nil
}

// ReadIDXFile opens path and decodes it with ReadIDX (default limit).
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	return ReadIDX(f, path, 0)
}

// readN reads exactly n bytes, growing the buffer only as data arrives.
func readN(r io.Reader, n int64) ([]byte, error) {
	const chunk = 1 << 20
	buf := make([]byte, 0, min(n, chunk))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), min(n, 2*int64(cap(buf))+chunk))
			copy(nb, buf)
			buf = nb
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			if int64(len(buf)) < n {
				return nil, fmt.Errorf("truncated: got %d of %d bytes", len(buf), n)
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("after %d of %d bytes: %w", len(buf), n, err)
		}
	}
	return buf, nil
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("truncated file")
	}
	return err
}

func shapeString(dims []int) string {
	var b strings.Builder
	for i, d := range dims {
		if i > 0 {
			b.WriteByte('x')
		}
		fmt.Fprint(&b, d)
	}
	return b.String()
}
