package importer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/latent-go/latent/importer/onnxpb"
	"github.com/latent-go/latent/ir"
)

// protoRecursionLimit bounds message nesting (a subgraph inside an
// attribute inside a node inside a graph ...). Real models nest a few
// levels; the protobuf default of 10,000 is needlessly deep.
const protoRecursionLimit = 100

var unmarshalOpts = proto.UnmarshalOptions{RecursionLimit: protoRecursionLimit}

// DecodeTensor decodes a serialized ONNX TensorProto, the format of the
// input_K.pb and output_K.pb files of ONNX's test data. Only Options'
// size limits and ExternalDataDir apply.
func DecodeTensor(data []byte, opts ...Options) (*ir.Tensor, error) {
	_, t, err := DecodeNamedTensor(data, opts...)
	return t, err
}

// DecodeNamedTensor is DecodeTensor that also returns the tensor's name
// (the graph input or output it belongs to, in ONNX's test data; it may be
// empty).
func DecodeNamedTensor(data []byte, opts ...Options) (string, *ir.Tensor, error) {
	o := pickOptions(opts)
	if int64(len(data)) > o.MaxFileBytes {
		return "", nil, fmt.Errorf("tensor: %d bytes exceed the limit of %d", len(data), o.MaxFileBytes)
	}
	tp := new(onnxpb.TensorProto)
	if err := unmarshalOpts.Unmarshal(data, tp); err != nil {
		return "", nil, fmt.Errorf("tensor: not a valid TensorProto: %w", err)
	}
	d := &tensorDecoder{opts: o}
	t, err := d.decode(tp, tensorWhat(tp.GetName(), "tensor"))
	if err != nil {
		return "", nil, err
	}
	return tp.GetName(), t, nil
}

// ReadTensor reads a file holding one serialized ONNX TensorProto.
// External data, if any, is resolved against the file's directory.
func ReadTensor(path string, opts ...Options) (*ir.Tensor, error) {
	_, t, err := ReadNamedTensor(path, opts...)
	return t, err
}

// ReadNamedTensor is ReadTensor that also returns the tensor's name.
func ReadNamedTensor(path string, opts ...Options) (string, *ir.Tensor, error) {
	o := pickOptions(opts)
	data, err := readFileLimited(path, o.MaxFileBytes)
	if err != nil {
		return "", nil, err
	}
	if o.ExternalDataDir == "" {
		o.ExternalDataDir = filepath.Dir(path)
	}
	name, t, err := DecodeNamedTensor(data, o)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", path, err)
	}
	return name, t, nil
}

// FromTensorProto converts a decoded TensorProto to an ir.Tensor under the
// options' limits. External data is read from Options.ExternalDataDir.
func FromTensorProto(tp *onnxpb.TensorProto, opts ...Options) (*ir.Tensor, error) {
	if tp == nil {
		return nil, errors.New("nil TensorProto")
	}
	d := &tensorDecoder{opts: pickOptions(opts)}
	return d.decode(tp, tensorWhat(tp.GetName(), "tensor"))
}

func tensorWhat(name, fallback string) string {
	if name == "" {
		return fallback
	}
	return "tensor " + strconv.Quote(name)
}

// readFileLimited reads a whole file, refusing files larger than limit.
func readFileLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes exceed the limit of %d", path, fi.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: more than %d bytes", path, limit)
	}
	return data, nil
}

// dtypeName names an ONNX TensorProto.DataType, including those ir does
// not list.
func dtypeName(dt int32) string {
	switch dt {
	case 15:
		return "complex128"
	case 17:
		return "float8e4m3fn"
	case 18:
		return "float8e4m3fnuz"
	case 19:
		return "float8e5m2"
	case 20:
		return "float8e5m2fnuz"
	case 21:
		return "uint4"
	case 22:
		return "int4"
	}
	return ir.DType(dt).String()
}

// tensorDecoder converts TensorProtos to ir.Tensors, enforcing the
// per-tensor and total limits. Every size is checked against the bytes
// actually present before anything is allocated.
type tensorDecoder struct {
	opts       Options
	totalElems int64
}

// checkShape validates dims and returns the element count.
func (d *tensorDecoder) checkShape(dims []int64, dt ir.DType, what string) (int, []int, error) {
	shape := make([]int, len(dims))
	maxElems := d.opts.MaxTensorBytes / int64(max(dt.Size(), 1))
	n := int64(1)
	for i, v := range dims {
		if v < 0 {
			return 0, nil, fmt.Errorf("%s: dimension %d is negative (%d)", what, i, v)
		}
		if v > maxElems {
			return 0, nil, fmt.Errorf("%s: dimension %d is %d, more than the limit of %d elements per tensor (%d bytes)", what, i, v, maxElems, d.opts.MaxTensorBytes)
		}
		shape[i] = int(v)
		if n != 0 && v != 0 && n > maxElems/v {
			return 0, nil, fmt.Errorf("%s: shape %v has more than %d elements, the limit per tensor (%d bytes)", what, dims, maxElems, d.opts.MaxTensorBytes)
		}
		n *= v
	}
	if ir.NumElements(shape) < 0 {
		return 0, nil, fmt.Errorf("%s: shape %v is invalid", what, dims)
	}
	if d.totalElems+n > d.opts.MaxTotalElements {
		return 0, nil, fmt.Errorf("%s: shape %v brings the model's tensors to more than %d elements, the limit", what, dims, d.opts.MaxTotalElements)
	}
	return int(n), shape, nil
}

// decode converts tp; what names it in errors ("initializer \"w\"").
func (d *tensorDecoder) decode(tp *onnxpb.TensorProto, what string) (*ir.Tensor, error) {
	dt := ir.DType(tp.GetDataType())
	if !dt.Supported() {
		if dt == ir.Undefined {
			return nil, fmt.Errorf("%s: element type is undefined", what)
		}
		return nil, unsupportedf("%s: element type %s", what, dtypeName(int32(dt)))
	}
	if tp.GetSegment() != nil {
		return nil, unsupportedf("%s: segmented tensors", what)
	}
	n, shape, err := d.checkShape(tp.GetDims(), dt, what)
	if err != nil {
		return nil, err
	}
	raw := tp.GetRawData()
	if tp.GetDataLocation() == onnxpb.TensorProto_EXTERNAL {
		raw, err = d.external(tp, n*dt.Size(), what)
		if err != nil {
			return nil, err
		}
	}
	t := &ir.Tensor{DType: dt, Shape: shape}
	if len(raw) > 0 || tp.GetDataLocation() == onnxpb.TensorProto_EXTERNAL {
		if want := n * dt.Size(); len(raw) != want {
			return nil, fmt.Errorf("%s: raw_data holds %d bytes, shape %v of %s needs %d", what, len(raw), shape, dt, want)
		}
		decodeRaw(t, raw, n)
	} else if err := decodeTyped(t, tp, n, what); err != nil {
		return nil, err
	}
	d.totalElems += int64(n)
	return t, nil
}

// decodeRaw fills t from little-endian bytes; len(raw) is n*size.
func decodeRaw(t *ir.Tensor, raw []byte, n int) {
	le := binary.LittleEndian
	switch t.DType {
	case ir.Float32:
		t.F32 = make([]float32, n)
		for i := range t.F32 {
			t.F32[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
	case ir.Float64:
		t.F64 = make([]float64, n)
		for i := range t.F64 {
			t.F64[i] = math.Float64frombits(le.Uint64(raw[8*i:]))
		}
	case ir.Int32:
		t.I32 = make([]int32, n)
		for i := range t.I32 {
			t.I32[i] = int32(le.Uint32(raw[4*i:]))
		}
	case ir.Int64:
		t.I64 = make([]int64, n)
		for i := range t.I64 {
			t.I64[i] = int64(le.Uint64(raw[8*i:]))
		}
	case ir.Bool:
		t.Bool = make([]bool, n)
		for i := range t.Bool {
			t.Bool[i] = raw[i] != 0
		}
	}
}

// decodeTyped fills t from the typed repeated fields of tp.
func decodeTyped(t *ir.Tensor, tp *onnxpb.TensorProto, n int, what string) error {
	count := func(field string, got int) error {
		if got != n {
			if got == 0 {
				return fmt.Errorf("%s: has no data (shape %v needs %d elements)", what, t.Shape, n)
			}
			return fmt.Errorf("%s: %s holds %d values, shape %v needs %d", what, field, got, t.Shape, n)
		}
		return nil
	}
	switch t.DType {
	case ir.Float32:
		v := tp.GetFloatData()
		if err := count("float_data", len(v)); err != nil {
			return err
		}
		t.F32 = append(make([]float32, 0, n), v...)
	case ir.Float64:
		v := tp.GetDoubleData()
		if err := count("double_data", len(v)); err != nil {
			return err
		}
		t.F64 = append(make([]float64, 0, n), v...)
	case ir.Int32:
		v := tp.GetInt32Data()
		if err := count("int32_data", len(v)); err != nil {
			return err
		}
		t.I32 = append(make([]int32, 0, n), v...)
	case ir.Int64:
		v := tp.GetInt64Data()
		if err := count("int64_data", len(v)); err != nil {
			return err
		}
		t.I64 = append(make([]int64, 0, n), v...)
	case ir.Bool:
		v := tp.GetInt32Data()
		if err := count("int32_data", len(v)); err != nil {
			return err
		}
		t.Bool = make([]bool, n)
		for i, x := range v {
			t.Bool[i] = x != 0
		}
	}
	return nil
}

// external reads the want bytes of an external-data tensor from
// Options.ExternalDataDir. The location must stay inside that directory
// (os.Root enforces it, symbolic links included), and the file must hold
// the bytes before anything is allocated.
func (d *tensorDecoder) external(tp *onnxpb.TensorProto, want int, what string) ([]byte, error) {
	if d.opts.ExternalDataDir == "" {
		return nil, unsupportedf("%s: external data without a directory to read it from (use Load, or set Options.ExternalDataDir)", what)
	}
	var loc string
	offset, length := int64(0), int64(-1)
	for _, kv := range tp.GetExternalData() {
		v := kv.GetValue()
		switch kv.GetKey() {
		case "location":
			loc = v
		case "offset", "length":
			x, err := strconv.ParseInt(v, 10, 64)
			if err != nil || x < 0 {
				return nil, fmt.Errorf("%s: external data %s %q is not a non-negative integer", what, kv.GetKey(), v)
			}
			if kv.GetKey() == "offset" {
				offset = x
			} else {
				length = x
			}
		}
	}
	if loc == "" {
		return nil, fmt.Errorf("%s: external data has no location", what)
	}
	if !filepath.IsLocal(loc) {
		return nil, fmt.Errorf("%s: external data location %q is not a relative path inside the model's directory", what, loc)
	}
	if length >= 0 && length != int64(want) {
		return nil, fmt.Errorf("%s: external data length %d, shape needs %d bytes", what, length, want)
	}
	root, err := os.OpenRoot(d.opts.ExternalDataDir)
	if err != nil {
		return nil, fmt.Errorf("%s: external data: %w", what, err)
	}
	defer root.Close()
	f, err := root.Open(loc)
	if err != nil {
		return nil, fmt.Errorf("%s: external data: %w", what, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: external data: %w", what, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: external data %q is not a regular file", what, loc)
	}
	if offset > fi.Size() || fi.Size()-offset < int64(want) {
		return nil, fmt.Errorf("%s: external data %q has %d bytes, needs %d at offset %d", what, loc, fi.Size(), want, offset)
	}
	buf := make([]byte, want)
	if _, err := f.ReadAt(buf, offset); err != nil {
		return nil, fmt.Errorf("%s: external data %q: %w", what, loc, err)
	}
	return buf, nil
}

// maxSparseDense bounds the dense size of a sparse tensor: unlike a dense
// one, its dense size is not backed by bytes in the file.
const maxSparseDense = 1 << 24

// sparse densifies a SparseTensorProto.
func (d *tensorDecoder) sparse(sp *onnxpb.SparseTensorProto, what string) (*ir.Tensor, error) {
	if sp == nil || sp.GetValues() == nil {
		return nil, fmt.Errorf("%s: sparse tensor without values", what)
	}
	vals, err := d.decode(sp.GetValues(), what+" values")
	if err != nil {
		return nil, err
	}
	n, shape, err := d.checkShape(sp.GetDims(), vals.DType, what)
	if err != nil {
		return nil, err
	}
	if n > maxSparseDense {
		return nil, unsupportedf("%s: dense size %d of a sparse tensor exceeds %d elements", what, n, maxSparseDense)
	}
	nnz := vals.Len()
	if len(vals.Shape) != 1 {
		return nil, fmt.Errorf("%s: sparse values have shape %v, want one dimension", what, vals.Shape)
	}
	var idx *ir.Tensor
	if sp.GetIndices() != nil {
		if idx, err = d.decode(sp.GetIndices(), what+" indices"); err != nil {
			return nil, err
		}
	}
	if idx == nil || idx.DType != ir.Int64 {
		return nil, fmt.Errorf("%s: sparse indices must be an int64 tensor", what)
	}
	linear := make([]int, nnz)
	switch {
	case len(idx.Shape) == 1 && idx.Shape[0] == nnz:
		for i, v := range idx.I64 {
			if v < 0 || v >= int64(n) {
				return nil, fmt.Errorf("%s: sparse index %d out of range [0, %d)", what, v, n)
			}
			linear[i] = int(v)
		}
	case len(idx.Shape) == 2 && idx.Shape[0] == nnz && idx.Shape[1] == len(shape):
		for i := 0; i < nnz; i++ {
			off := 0
			for k, dim := range shape {
				v := idx.I64[i*len(shape)+k]
				if v < 0 || v >= int64(dim) {
					return nil, fmt.Errorf("%s: sparse index %d of dimension %d out of range [0, %d)", what, v, k, dim)
				}
				off = off*dim + int(v)
			}
			linear[i] = off
		}
	default:
		return nil, fmt.Errorf("%s: sparse indices have shape %v, want [%d] or [%d,%d]", what, idx.Shape, nnz, nnz, len(shape))
	}
	t, err := ir.NewTensor(vals.DType, shape...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	for i, off := range linear {
		switch t.DType {
		case ir.Float32:
			t.F32[off] = vals.F32[i]
		case ir.Float64:
			t.F64[off] = vals.F64[i]
		case ir.Int32:
			t.I32[off] = vals.I32[i]
		case ir.Int64:
			t.I64[off] = vals.I64[i]
		case ir.Bool:
			t.Bool[off] = vals.Bool[i]
		}
	}
	d.totalElems += int64(n)
	return t, nil
}
