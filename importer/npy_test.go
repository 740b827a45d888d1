package importer

import (
	"encoding/binary"
	"strings"
	"testing"
)

// npyFile builds a version-1.0 .npy file from a header and data.
func npyFile(header string, data []byte) []byte {
	b := []byte("\x93NUMPY\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(header)))
	return append(append(b, header...), data...)
}

func TestDecodeNPYHostile(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"bad magic", []byte("PK\x03\x04 not numpy"), "bad magic"},
		{"truncated header", npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", nil)[:20], "header of"},
		{"huge shape", npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }", make([]byte, 4)), "limit"},
		{"short data", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", make([]byte, 31)), "needs 32"},
		{"negative dim", npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", nil), "bad dimension"},
		{"fortran", npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", make([]byte, 4)), "Fortran"},
		{"object", npyFile("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", make([]byte, 8)), "element type"},
		{"not a dict", npyFile("descr", nil), "not a dict"},
		{"no shape", npyFile("{'descr': '<f4', }", nil), "lacks"},
		{"version 9", []byte("\x93NUMPY\x09\x00\x00\x00\x00\x00"), "version 9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeNPY(tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// FuzzDecodeNPY checks that DecodeNPY never panics and returns well-formed
// tensors.
func FuzzDecodeNPY(f *testing.F) {
	f.Add(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", make([]byte, 8)))
	f.Add(npyFile("{'descr': '>i8', 'fortran_order': False, 'shape': (), }", make([]byte, 8)))
	f.Add(npyFile("{'descr': '|b1', 'fortran_order': False, 'shape': (1, 3), }", []byte{0, 1, 2}))
	f.Fuzz(func(t *testing.T, data []byte) {
		tt, err := DecodeNPY(data, fuzzOptions)
		if err != nil {
			return
		}
		if err := tt.Check(); err != nil {
			t.Fatalf("DecodeNPY returned a malformed tensor: %v", err)
		}
	})
}
