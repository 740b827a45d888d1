package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// idxBytes encodes an idx file by hand: magic, big-endian dims, payload.
func idxBytes(typ byte, dims []uint32, payload []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, typ, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(payload)
	return b.Bytes()
}

func gz(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func TestReadIDX(t *testing.T) {
	good := idxBytes(0x08, []uint32{2, 2, 3}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255})
	gzGood := gz(good)
	corruptGz := slices.Clone(gzGood)
	corruptGz[len(corruptGz)-6] ^= 0xff // inside the CRC-32 trailer
	tests := []struct {
		name    string
		in      []byte
		dims    []int
		typ     IDXType
		wantErr string
	}{
		{"plain", good, []int{2, 2, 3}, IDXUint8, ""},
		{"gzip", gzGood, []int{2, 2, 3}, IDXUint8, ""},
		{"int32", idxBytes(0x0C, []uint32{2}, []byte{0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff}), []int{2}, IDXInt32, ""},
		{"zero-size dim", idxBytes(0x08, []uint32{0, 28, 28}, nil), []int{0, 28, 28}, IDXUint8, ""},
		{"empty", nil, nil, 0, "truncated"},
		{"short magic", []byte{0, 0, 8}, nil, 0, "truncated"},
		{"bad magic", []byte{1, 2, 8, 1, 0, 0, 0, 0}, nil, 0, "bad magic"},
		{"bad type", idxBytes(0x07, []uint32{1}, []byte{1}), nil, 0, "unknown element type"},
		{"no dims", []byte{0, 0, 8, 0}, nil, 0, "dimensions"},
		{"truncated dims", []byte{0, 0, 8, 3, 0, 0, 0, 1, 0, 0}, nil, 0, "truncated"},
		{"truncated data", good[:len(good)-1], nil, 0, "truncated: got 11 of 12 bytes"},
		{"truncated gzip", gzGood[:len(gzGood)-20], nil, 0, "12 data bytes"},
		{"truncated gzip trailer", gzGood[:len(gzGood)-4], nil, 0, "truncated"},
		{"corrupt gzip", corruptGz, nil, 0, "checksum"},
		{"trailing data", append(slices.Clone(good), 1), nil, 0, "trailing data"},
		{"huge header", idxBytes(0x08, []uint32{0x7fffffff, 0x7fffffff, 0x7fffffff}, []byte{1, 2, 3}), nil, 0, "limit"},
		{"dim overflow", idxBytes(0x08, []uint32{0xffffffff}, nil), nil, 0, "too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadIDX(bytes.NewReader(tc.in), "x.idx", 0)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "x.idx") {
					t.Fatalf("err = %v, want one naming x.idx and containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Dims, tc.dims) || got.Type != tc.typ || len(got.Data) != got.Len()*tc.typ.Size() {
				t.Errorf("got %v %v with %d bytes", got.Type, got.Dims, len(got.Data))
			}
		})
	}
	got, _ := ReadIDX(bytes.NewReader(gzGood), "x", 0)
	if got.Data[11] != 255 || got.Data[4] != 4 {
		t.Errorf("payload %v", got.Data)
	}
}

// A header that declares far more data than the input holds must not make
// ReadIDX allocate the declared size.
func TestReadIDXBoundedAllocation(t *testing.T) {
	in := idxBytes(0x08, []uint32{500, 1000, 1000}, make([]byte, 100)) // declares 500 MB
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadIDX(bytes.NewReader(in), "x", 0)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("no error for a truncated payload")
	}
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 4<<20 {
		t.Errorf("ReadIDX allocated %d bytes for a 116-byte input", allocated)
	}
	if _, err := ReadIDX(bytes.NewReader(idxBytes(0x08, []uint32{100}, make([]byte, 100))), "x", 50); err == nil {
		t.Error("payload over the limit accepted")
	}
}

func TestLoadMNISTFilesSynthetic(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	img := write("img.gz", gz(idxBytes(0x08, []uint32{2, 2, 2}, []byte{0, 51, 102, 255, 255, 0, 0, 0})))
	lab := write("lab.gz", gz(idxBytes(0x08, []uint32{2}, []byte{3, 9})))
	s, err := LoadMNISTFiles(img, lab)
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 2 || s.Rows != 2 || s.Cols != 2 || s.Classes != 10 || !slices.Equal(s.Y, []int{3, 9}) {
		t.Fatalf("got %+v", s)
	}
	if !slices.Equal(s.X, []float32{0, 0.2, 0.4, 1, 1, 0, 0, 0}) {
		t.Errorf("pixels %v", s.X)
	}
	for _, tc := range []struct {
		name, img, lab, want string
	}{
		{"label 10", img, write("l10", idxBytes(0x08, []uint32{2}, []byte{3, 10})), "not a digit"},
		{"count mismatch", img, write("l3", idxBytes(0x08, []uint32{3}, []byte{1, 2, 3})), "2 images but"},
		{"labels 2-d", img, write("l2d", idxBytes(0x08, []uint32{1, 2}, []byte{1, 2})), "1-d ubyte"},
		{"images 2-d", write("i2d", idxBytes(0x08, []uint32{2, 4}, make([]byte, 8))), lab, "3-d ubyte"},
		{"images int32", write("i32", idxBytes(0x0C, []uint32{1, 1, 1}, make([]byte, 4))), lab, "3-d ubyte"},
		{"missing", filepath.Join(dir, "nope"), lab, "no such file"},
	} {
		if _, err := LoadMNISTFiles(tc.img, tc.lab); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// errReader fails after its data.
type errReader struct{ r io.Reader }

func (e errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, io.ErrClosedPipe
	}
	return n, err
}

func TestReadIDXReaderError(t *testing.T) {
	in := idxBytes(0x08, []uint32{4}, []byte{1, 2})
	if _, err := ReadIDX(errReader{bytes.NewReader(in)}, "pipe", 0); err == nil || !strings.Contains(err.Error(), "closed pipe") {
		t.Errorf("err = %v", err)
	}
}
