package asm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// This file runs the ONNX backend node tests (Debian libonnx-testdata)
// of the ops built from this package's conv and pooling helpers: the
// expected outputs come from ONNX's reference implementation, not from
// us. A minimal protobuf reader is enough for the few message fields
// needed (asm imports nothing from the module).

const onnxNodeDir = "/usr/share/libonnx-testdata/data/node"

// onnxConvPoolTests are the node tests that must run and pass.
var onnxConvPoolTests = []string{
	"test_averagepool_1d_default", "test_averagepool_2d_ceil", "test_averagepool_2d_default",
	"test_averagepool_2d_pads", "test_averagepool_2d_pads_count_include_pad",
	"test_averagepool_2d_precomputed_pads", "test_averagepool_2d_precomputed_pads_count_include_pad",
	"test_averagepool_2d_precomputed_same_upper", "test_averagepool_2d_precomputed_strides",
	"test_averagepool_2d_same_lower", "test_averagepool_2d_same_upper", "test_averagepool_2d_strides",
	"test_averagepool_3d_default",
	"test_maxpool_1d_default", "test_maxpool_2d_ceil", "test_maxpool_2d_default", "test_maxpool_2d_dilations",
	"test_maxpool_2d_pads", "test_maxpool_2d_precomputed_pads", "test_maxpool_2d_precomputed_same_upper",
	"test_maxpool_2d_precomputed_strides", "test_maxpool_2d_same_lower", "test_maxpool_2d_same_upper",
	"test_maxpool_2d_strides", "test_maxpool_3d_default",
	"test_maxpool_with_argmax_2d_precomputed_pads", "test_maxpool_with_argmax_2d_precomputed_strides",
	"test_globalaveragepool", "test_globalaveragepool_precomputed", "test_globalmaxpool", "test_globalmaxpool_precomputed",
	"test_basic_conv_with_padding", "test_basic_conv_without_padding", "test_conv_with_autopad_same",
	"test_conv_with_strides_and_asymmetric_padding", "test_conv_with_strides_no_padding", "test_conv_with_strides_padding",
	"test_convtranspose", "test_convtranspose_1d", "test_convtranspose_3d", "test_convtranspose_autopad_same",
	"test_convtranspose_dilations", "test_convtranspose_kernel_shape", "test_convtranspose_output_shape",
	"test_convtranspose_pad", "test_convtranspose_pads", "test_convtranspose_with_kernel",
	"test_maxunpool_export_with_output_shape", "test_maxunpool_export_without_output_shape",
	"test_upsample_nearest", "test_resize_upsample_scales_nearest",
}

// --- minimal protobuf ---

type pbField struct {
	num, wt int
	v       uint64 // varint, fixed32, fixed64
	b       []byte // length-delimited
}

func pbParse(b []byte) ([]pbField, error) {
	var fs []pbField
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errors.New("bad key")
		}
		b = b[n:]
		f := pbField{num: int(key >> 3), wt: int(key & 7)}
		switch f.wt {
		case 0:
			f.v, n = binary.Uvarint(b)
			if n <= 0 {
				return nil, errors.New("bad varint")
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return nil, errors.New("short fixed64")
			}
			f.v, b = binary.LittleEndian.Uint64(b), b[8:]
		case 5:
			if len(b) < 4 {
				return nil, errors.New("short fixed32")
			}
			f.v, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return nil, errors.New("bad length")
			}
			f.b, b = b[n:n+int(l)], b[n+int(l):]
		default:
			return nil, fmt.Errorf("wire type %d", f.wt)
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// pbInts returns the (packed or not) varint values of field f.
func pbInts(f pbField) []int64 {
	if f.wt == 0 {
		return []int64{int64(f.v)}
	}
	var r []int64
	for b := f.b; len(b) > 0; {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			break
		}
		r, b = append(r, int64(v)), b[n:]
	}
	return r
}

type onnxTensor struct {
	dims []int
	f    []float32
	i    []int64
}

func readTensor(path string) (*onnxTensor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fs, err := pbParse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t := &onnxTensor{}
	dtype := 0
	var raw []byte
	for _, f := range fs {
		switch f.num {
		case 1:
			for _, d := range pbInts(f) {
				t.dims = append(t.dims, int(d))
			}
		case 2:
			dtype = int(f.v)
		case 4:
			if f.wt == 5 {
				t.f = append(t.f, math.Float32frombits(uint32(f.v)))
			} else {
				for i := 0; i+4 <= len(f.b); i += 4 {
					t.f = append(t.f, math.Float32frombits(binary.LittleEndian.Uint32(f.b[i:])))
				}
			}
		case 7:
			t.i = append(t.i, pbInts(f)...)
		case 9:
			raw = f.b
		}
	}
	switch dtype {
	case 1:
		for i := 0; i+4 <= len(raw); i += 4 {
			t.f = append(t.f, math.Float32frombits(binary.LittleEndian.Uint32(raw[i:])))
		}
	case 7:
		for i := 0; i+8 <= len(raw); i += 8 {
			t.i = append(t.i, int64(binary.LittleEndian.Uint64(raw[i:])))
		}
	default:
		return nil, fmt.Errorf("%s: data type %d", path, dtype)
	}
	return t, nil
}

type onnxNode struct {
	op     string
	inputs []string // node input names; "" for an omitted optional input
	ints   map[string][]int
	strs   map[string]string
	flts   map[string]float32
	nodes  int
}

func readNode(path string) (*onnxNode, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	model, err := pbParse(b)
	if err != nil {
		return nil, err
	}
	nd := &onnxNode{ints: map[string][]int{}, strs: map[string]string{}, flts: map[string]float32{}}
	for _, mf := range model {
		if mf.num != 7 {
			continue
		}
		graph, err := pbParse(mf.b)
		if err != nil {
			return nil, err
		}
		for _, gf := range graph {
			if gf.num != 1 {
				continue
			}
			nd.nodes++
			node, err := pbParse(gf.b)
			if err != nil {
				return nil, err
			}
			for _, f := range node {
				switch f.num {
				case 1:
					nd.inputs = append(nd.inputs, string(f.b))
				case 4:
					nd.op = string(f.b)
				case 5:
					attr, err := pbParse(f.b)
					if err != nil {
						return nil, err
					}
					var name string
					for _, a := range attr {
						if a.num == 1 {
							name = string(a.b)
						}
					}
					for _, a := range attr {
						switch a.num {
						case 2:
							nd.flts[name] = math.Float32frombits(uint32(a.v))
						case 3:
							nd.ints[name] = []int{int(int64(a.v))}
						case 4:
							nd.strs[name] = string(a.b)
						case 8:
							for _, v := range pbInts(a) {
								nd.ints[name] = append(nd.ints[name], int(v))
							}
						}
					}
				}
			}
		}
	}
	return nd, nil
}

func (n *onnxNode) int1(name string, def int) int {
	if v, ok := n.ints[name]; ok && len(v) == 1 {
		return v[0]
	}
	return def
}

func prod(d []int) int {
	p := 1
	for _, v := range d {
		p *= v
	}
	return p
}

// --- running the ops on our kernels ---

// windowFor builds the Window of a Conv/Pool node over spatial dims in.
func windowFor(n *onnxNode, in, kernel []int) (*Window, error) {
	opt := &WindowOptions{Strides: n.ints["strides"], Dilations: n.ints["dilations"], Pads: n.ints["pads"], CeilMode: n.int1("ceil_mode", 0) == 1}
	switch n.strs["auto_pad"] {
	case "SAME_UPPER", "SAME_LOWER":
		p, err := AutoPads(in, kernel, opt.Strides, opt.Dilations, n.strs["auto_pad"] == "SAME_UPPER")
		if err != nil {
			return nil, err
		}
		opt.Pads = p
	case "VALID":
		opt.Pads = nil
	}
	return NewWindow(in, kernel, opt)
}

func runOnnxNode(n *onnxNode, in []*onnxTensor) ([]*onnxTensor, error) {
	x := in[0]
	switch n.op {
	case "MaxPool", "AveragePool":
		w, err := windowFor(n, x.dims[2:], n.ints["kernel_shape"])
		if err != nil {
			return nil, err
		}
		planes := x.dims[0] * x.dims[1]
		y := &onnxTensor{dims: append([]int{x.dims[0], x.dims[1]}, w.Out...), f: make([]float32, planes*w.OutSize())}
		if n.op == "AveragePool" {
			return []*onnxTensor{y}, AvgPool(y.f, x.f, w, planes, n.int1("count_include_pad", 0) == 1)
		}
		idx := &onnxTensor{dims: y.dims, i: make([]int64, len(y.f))}
		err = MaxPool(y.f, idx.i, x.f, w, planes, n.int1("storage_order", 0) == 1)
		return []*onnxTensor{y, idx}, err
	case "GlobalAveragePool", "GlobalMaxPool":
		planes := x.dims[0] * x.dims[1]
		y := &onnxTensor{f: make([]float32, planes)}
		if n.op == "GlobalMaxPool" {
			return []*onnxTensor{y}, GlobalMaxPool(y.f, x.f, planes, prod(x.dims[2:]))
		}
		return []*onnxTensor{y}, GlobalAvgPool(y.f, x.f, planes, prod(x.dims[2:]))
	case "Conv":
		wt := in[1]
		w, err := windowFor(n, x.dims[2:], wt.dims[2:])
		if err != nil {
			return nil, err
		}
		g := n.int1("group", 1)
		cin, m := x.dims[1], wt.dims[0]
		cg, mg := cin/g, m/g
		y := &onnxTensor{f: make([]float32, x.dims[0]*m*w.OutSize())}
		col := make([]float32, w.ColSize(cg))
		for b := 0; b < x.dims[0]; b++ {
			for gi := 0; gi < g; gi++ {
				xs := x.f[(b*cin+gi*cg)*w.InSize() : (b*cin+(gi+1)*cg)*w.InSize()]
				if err := Im2Col(col, xs, w, cg); err != nil {
					return nil, err
				}
				ws := wt.f[gi*mg*cg*w.KernelSize() : (gi+1)*mg*cg*w.KernelSize()]
				copy(y.f[(b*m+gi*mg)*w.OutSize():], matmul(ws, col, mg, cg*w.KernelSize(), w.OutSize()))
			}
		}
		if len(in) > 2 {
			ActiveVec().AddChannelBias(y.f, y.f, in[2].f, w.OutSize())
		}
		return []*onnxTensor{y}, nil
	case "ConvTranspose":
		wt := in[1]
		nd := len(x.dims) - 2
		kernel := wt.dims[2:]
		strides, dil := n.ints["strides"], n.ints["dilations"]
		if strides == nil {
			strides = ones(nd)
		}
		if dil == nil {
			dil = ones(nd)
		}
		outPad := n.ints["output_padding"]
		if outPad == nil {
			outPad = make([]int, nd)
		}
		pads := n.ints["pads"]
		if pads == nil {
			pads = make([]int, 2*nd)
		}
		outShape := n.ints["output_shape"]
		if outShape == nil && (n.strs["auto_pad"] == "SAME_UPPER" || n.strs["auto_pad"] == "SAME_LOWER") {
			for i := 0; i < nd; i++ {
				outShape = append(outShape, x.dims[2+i]*strides[i])
			}
		}
		out := make([]int, nd)
		for i := 0; i < nd; i++ {
			full := strides[i]*(x.dims[2+i]-1) + outPad[i] + (kernel[i]-1)*dil[i] + 1
			if outShape != nil {
				total := full - outShape[len(outShape)-nd+i]
				if total < 0 {
					// The requested output is larger than the transposed
					// convolution covers: the extra end rows stay zero,
					// as with output_padding.
					pads[i], pads[nd+i] = 0, 0
					out[i] = outShape[len(outShape)-nd+i]
					continue
				}
				if n.strs["auto_pad"] == "SAME_UPPER" {
					pads[i], pads[nd+i] = total/2, total-total/2
				} else {
					pads[i], pads[nd+i] = total-total/2, total/2
				}
			}
			out[i] = full - pads[i] - pads[nd+i]
		}
		w, err := NewWindow(out, kernel, &WindowOptions{Strides: strides, Dilations: dil, Pads: pads})
		if err != nil {
			return nil, err
		}
		for i := range out {
			if w.Out[i] != x.dims[2+i] {
				return nil, fmt.Errorf("window maps %v back to %v, not the input %v", out, w.Out, x.dims[2:])
			}
		}
		g := n.int1("group", 1)
		cin, mg := x.dims[1], wt.dims[1]
		cg, m := cin/g, mg*g
		y := &onnxTensor{f: make([]float32, x.dims[0]*m*w.InSize())}
		for b := 0; b < x.dims[0]; b++ {
			for gi := 0; gi < g; gi++ {
				// col[(mm*K+k), o] = sum_c W[c][mm][k] * X[c][o]
				wsl := wt.f[gi*cg*mg*w.KernelSize() : (gi+1)*cg*mg*w.KernelSize()]
				wT := make([]float32, len(wsl))
				for c := 0; c < cg; c++ {
					for j := 0; j < mg*w.KernelSize(); j++ {
						wT[j*cg+c] = wsl[c*mg*w.KernelSize()+j]
					}
				}
				xs := x.f[(b*cin+gi*cg)*w.OutSize() : (b*cin+(gi+1)*cg)*w.OutSize()]
				col := matmul(wT, xs, mg*w.KernelSize(), cg, w.OutSize())
				ys := y.f[(b*m+gi*mg)*w.InSize() : (b*m+(gi+1)*mg)*w.InSize()]
				if err := Col2Im(ys, col, w, mg); err != nil {
					return nil, err
				}
			}
		}
		if len(in) > 2 {
			ActiveVec().AddChannelBias(y.f, y.f, in[2].f, w.InSize())
		}
		return []*onnxTensor{y}, nil
	case "MaxUnpool":
		k := n.ints["kernel_shape"]
		nd := len(k)
		strides, pads := n.ints["strides"], n.ints["pads"]
		if strides == nil {
			strides = ones(nd)
		}
		if pads == nil {
			pads = make([]int, 2*nd)
		}
		var from, to []int
		for i := 0; i < nd; i++ {
			from = append(from, (x.dims[2+i]-1)*strides[i]+k[i]-pads[i]-pads[nd+i])
		}
		to = from
		if len(in) > 2 {
			to = nil
			for _, v := range in[2].i[2:] {
				to = append(to, int(v))
			}
		}
		y := &onnxTensor{f: make([]float32, x.dims[0]*x.dims[1]*prod(to))}
		return []*onnxTensor{y}, MaxUnpool(y.f, x.f, in[1].i, from, to)
	case "Upsample", "Resize":
		if n.strs["mode"] != "nearest" {
			return nil, fmt.Errorf("mode %q", n.strs["mode"])
		}
		sc := in[len(in)-1].f
		if len(sc) != len(x.dims) || sc[0] != 1 || sc[1] != 1 {
			return nil, fmt.Errorf("scales %v", sc)
		}
		var f []int
		for _, s := range sc[2:] {
			if s != float32(int(s)) {
				return nil, fmt.Errorf("non-integer scale %v", s)
			}
			f = append(f, int(s))
		}
		planes := x.dims[0] * x.dims[1]
		y := &onnxTensor{f: make([]float32, len(x.f)*prod(f))}
		return []*onnxTensor{y}, UpsampleNearest(y.f, x.f, planes, x.dims[2:], f)
	}
	return nil, fmt.Errorf("op %s not handled", n.op)
}

func ones(n int) []int {
	r := make([]int, n)
	for i := range r {
		r[i] = 1
	}
	return r
}

// TestOnnxConvPoolNodes runs the listed ONNX backend node tests through
// Im2Col/Col2Im (plus a float64 matrix product), MaxPool, AvgPool,
// MaxUnpool and UpsampleNearest and compares with the stored outputs.
func TestOnnxConvPoolNodes(t *testing.T) {
	if _, err := os.Stat(onnxNodeDir); err != nil {
		t.Skipf("ONNX backend test data not installed (apt-get install libonnx-testdata): %v", err)
	}
	for _, name := range onnxConvPoolTests {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(onnxNodeDir, name)
			node, err := readNode(filepath.Join(dir, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			if node.nodes != 1 {
				t.Fatalf("%d nodes, want 1", node.nodes)
			}
			sets, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
			if len(sets) == 0 {
				t.Fatal("no test data sets")
			}
			for _, set := range sets {
				var ins, outs []*onnxTensor
				for i := 0; ; i++ {
					tn, err := readTensor(filepath.Join(set, fmt.Sprintf("input_%d.pb", i)))
					if errors.Is(err, os.ErrNotExist) {
						break
					} else if err != nil {
						t.Fatal(err)
					}
					ins = append(ins, tn)
				}
				for i := 0; ; i++ {
					tn, err := readTensor(filepath.Join(set, fmt.Sprintf("output_%d.pb", i)))
					if errors.Is(err, os.ErrNotExist) {
						break
					} else if err != nil {
						t.Fatal(err)
					}
					outs = append(outs, tn)
				}
				got, err := runOnnxNode(node, ins)
				if err != nil {
					t.Fatalf("%s: %v", node.op, err)
				}
				for k, want := range outs {
					g := got[k]
					if want.i != nil {
						if len(g.i) != len(want.i) {
							t.Fatalf("output %d: %d values, want %d", k, len(g.i), len(want.i))
						}
						for j := range want.i {
							if g.i[j] != want.i[j] {
								t.Fatalf("output %d [%d] = %d, want %d", k, j, g.i[j], want.i[j])
							}
						}
						continue
					}
					if len(g.f) != len(want.f) {
						t.Fatalf("output %d: %d values, want %d (dims %v)", k, len(g.f), len(want.f), want.dims)
					}
					for j := range want.f {
						// The reference sums in float64 or in another order:
						// allow a few float32 rounding steps.
						if !closeTo(g.f[j], want.f[j], 1e-5) {
							t.Fatalf("output %d [%d] = %v, want %v", k, j, g.f[j], want.f[j])
						}
					}
				}
			}
		})
	}
}
