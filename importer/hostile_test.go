package importer

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/latent-go/latent/importer/onnxpb"
	"github.com/latent-go/latent/ir"
)

// relu is a valid one-node model around which the hostile cases are built.
func reluGraph() *onnxpb.GraphProto {
	return one(named(mkNode("Relu", []string{"x"}, []string{"y"}), "relu"), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, "N", 4)})
}

// nested returns a node whose "body" attribute nests graphs depth deep.
func nested(depth int) *onnxpb.NodeProto {
	n := mkNode("Loop", []string{"x"}, []string{"y"})
	inner := n
	for i := 0; i < depth; i++ {
		child := mkNode("Loop", nil, []string{"z"})
		inner.Attribute = []*onnxpb.AttributeProto{{Name: proto.String("body"), Type: onnxpb.AttributeProto_GRAPH.Enum(),
			G: &onnxpb.GraphProto{Node: []*onnxpb.NodeProto{child}}}}
		inner = child
	}
	return n
}

type hostileCase struct {
	name  string
	data  func(t testing.TB) []byte
	opts  Options
	want  []string // substrings of the error
	unsup bool     // the error must wrap ErrUnsupported
}

func modelBytes(opset int64, g *onnxpb.GraphProto) func(t testing.TB) []byte {
	return func(t testing.TB) []byte { return marshal(t, mkModel(opset, g)) }
}

func withInit(g *onnxpb.GraphProto, inits ...*onnxpb.TensorProto) *onnxpb.GraphProto {
	g.Initializer = append(g.Initializer, inits...)
	return g
}

// addW makes the relu model read initializer w through an Add.
func addW(w *onnxpb.TensorProto) *onnxpb.GraphProto {
	return mkGraph([]*onnxpb.NodeProto{named(mkNode("Add", []string{"x", "w"}, []string{"y"}), "add")},
		[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)}, []*onnxpb.ValueInfoProto{vi("y", ir.Float32)}, w)
}

var hostileCases = []hostileCase{
	{name: "empty file", data: func(testing.TB) []byte { return nil }, want: []string{"no graph"}},
	{name: "garbage", data: func(testing.TB) []byte { return []byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01") }, want: []string{"not a valid ONNX model"}},
	{name: "truncated", data: func(t testing.TB) []byte {
		b := marshal(t, mkModel(17, addW(f32Tensor("w", []int64{4}, 1, 2, 3, 4))))
		return b[:len(b)-7]
	}, want: []string{"not a valid ONNX model"}},
	{name: "wrong dims for typed data", data: modelBytes(17, addW(&onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{2, 3},
		DataType: proto.Int32(1), FloatData: []float32{1, 2, 3, 4, 5}})), want: []string{`initializer 0 "w"`, "float_data holds 5 values", "needs 6"}},
	{name: "huge declared shape", data: modelBytes(17, addW(&onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{1 << 40},
		DataType: proto.Int32(1), RawData: []byte{0, 0, 128, 63}})), want: []string{`"w"`, "1099511627776", "limit"}},
	{name: "huge shape within limits, 4 bytes of data", data: modelBytes(17, addW(&onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{1 << 28},
		DataType: proto.Int32(1), RawData: []byte{0, 0, 128, 63}})), want: []string{`"w"`, "raw_data holds 4 bytes", "needs 1073741824"}},
	{name: "product overflows", data: modelBytes(17, addW(&onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{1 << 20, 1 << 20, 1 << 20, 1 << 20},
		DataType: proto.Int32(1), RawData: []byte{0, 0, 128, 63}})), want: []string{`"w"`, "limit"}},
	{name: "negative dims", data: modelBytes(17, addW(&onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{-4},
		DataType: proto.Int32(1), RawData: []byte{0, 0, 128, 63}})), want: []string{`"w"`, "dimension 0 is negative"}},
	{name: "negative declared dim", data: modelBytes(17, one(mkNode("Relu", []string{"x"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2, -3)})),
		want: []string{`graph input "x"`, "dimension 1 is negative"}},
	{name: "raw_data length mismatch", data: modelBytes(17, addW(&onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{4},
		DataType: proto.Int32(1), RawData: make([]byte, 15)})), want: []string{`"w"`, "raw_data holds 15 bytes", "needs 16"}},
	{name: "no data", data: modelBytes(17, addW(&onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{4}, DataType: proto.Int32(1)})),
		want: []string{`"w"`, "has no data"}},
	{name: "cyclic graph", data: modelBytes(17, mkGraph([]*onnxpb.NodeProto{
		named(mkNode("Relu", []string{"b"}, []string{"a"}), "first"), named(mkNode("Relu", []string{"a"}, []string{"b"}), "second")},
		[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)}, []*onnxpb.ValueInfoProto{vi("b", ir.Float32)})),
		want: []string{"cycle", `"first"`, `"second"`}},
	{name: "self loop", data: modelBytes(17, mkGraph([]*onnxpb.NodeProto{named(mkNode("Add", []string{"x", "y"}, []string{"y"}), "me")},
		[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)}, []*onnxpb.ValueInfoProto{vi("y", ir.Float32)})),
		want: []string{"cycle", `"me"`}},
	{name: "missing input", data: modelBytes(17, one(named(mkNode("Add", []string{"x", "nope"}, []string{"y"}), "add"), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)})),
		want: []string{`node "add" (Add)`, `input "nope"`}},
	{name: "duplicate outputs", data: modelBytes(17, mkGraph([]*onnxpb.NodeProto{
		named(mkNode("Relu", []string{"x"}, []string{"y"}), "r1"), named(mkNode("Neg", []string{"x"}, []string{"y"}), "r2")},
		[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)}, []*onnxpb.ValueInfoProto{vi("y", ir.Float32)})),
		want: []string{`value "y"`, `"r1"`, `"r2"`}},
	{name: "output redefines input", data: modelBytes(17, mkGraph([]*onnxpb.NodeProto{named(mkNode("Relu", []string{"x"}, []string{"x"}), "r")},
		[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)}, []*onnxpb.ValueInfoProto{vi("x", ir.Float32)})),
		want: []string{`node "r" (Relu)`, `output "x" redefines a graph input`}},
	{name: "undefined graph output", data: modelBytes(17, mkGraph([]*onnxpb.NodeProto{mkNode("Relu", []string{"x"}, []string{"y"})},
		[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)}, []*onnxpb.ValueInfoProto{vi("z", ir.Float32)})),
		want: []string{`graph output 0 "z"`}},
	{name: "duplicate initializer", data: modelBytes(17, withInit(addW(f32Tensor("w", []int64{1}, 1)), f32Tensor("w", []int64{1}, 2))),
		want: []string{`initializer "w" is defined twice`}},
	{name: "unknown ops, all listed", data: modelBytes(17, mkGraph([]*onnxpb.NodeProto{
		named(mkNode("FooBar", []string{"x"}, []string{"a"}), "foo"), named(mkNode("Relu", []string{"a"}, []string{"b"}), "ok"),
		named(mkNode("Baz", []string{"b"}, []string{"c"}), "baz")},
		[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)}, []*onnxpb.ValueInfoProto{vi("c", ir.Float32)})),
		want: []string{"2 node(s) not supported", `node "foo": FooBar`, `node "baz": Baz`, "not an ai.onnx operator"}, unsup: true},
	{name: "custom domain", data: modelBytes(17, one(&onnxpb.NodeProto{OpType: proto.String("Fused"), Domain: proto.String("com.example"), Input: []string{"x"}, Output: []string{"y"}},
		[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)})), want: []string{"Fused", `domain "com.example"`}, unsup: true},
	{name: "deep nesting", data: modelBytes(17, one(nested(400), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)})),
		want: []string{"not a valid ONNX model", "recursion"}},
	{name: "subgraph", data: modelBytes(17, one(nested(1), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)})),
		want: []string{"Loop", "subgraphs are not supported"}, unsup: true},
	{name: "no op type", data: modelBytes(17, one(mkNode("", []string{"x"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)})),
		want: []string{"node 0", "no operator type"}},
	{name: "float16 initializer", data: modelBytes(17, addW(&onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{4}, DataType: proto.Int32(10), RawData: make([]byte, 8)})),
		want: []string{`"w"`, "float16"}, unsup: true},
	{name: "string input", data: modelBytes(17, one(mkNode("Identity", []string{"x"}, []string{"y"}), []*onnxpb.ValueInfoProto{vi("x", ir.String, 4)})),
		want: []string{`graph input "x"`, "string"}, unsup: true},
	{name: "external data without directory", data: modelBytes(17, addW(&onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{4}, DataType: proto.Int32(1),
		DataLocation: onnxpb.TensorProto_EXTERNAL.Enum(), ExternalData: []*onnxpb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String("w.bin")}}})),
		want: []string{`"w"`, "external data"}, unsup: true},
	{name: "external data escaping the directory", opts: Options{ExternalDataDir: os.TempDir()},
		data: modelBytes(17, addW(&onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{4}, DataType: proto.Int32(1),
			DataLocation: onnxpb.TensorProto_EXTERNAL.Enum(), ExternalData: []*onnxpb.StringStringEntryProto{{Key: proto.String("location"), Value: proto.String("../etc/passwd")}}})),
		want: []string{`"w"`, `"../etc/passwd"`, "not a relative path inside"}},
	{name: "too many nodes", opts: Options{MaxNodes: 1}, data: modelBytes(17, mkGraph([]*onnxpb.NodeProto{
		mkNode("Relu", []string{"x"}, []string{"a"}), mkNode("Relu", []string{"a"}, []string{"b"})},
		[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)}, []*onnxpb.ValueInfoProto{vi("b", ir.Float32)})),
		want: []string{"2 nodes", "limit of 1"}},
	{name: "too many elements in total", opts: Options{MaxTotalElements: 6}, data: modelBytes(17, withInit(addW(f32Tensor("w", []int64{4}, 1, 2, 3, 4)), f32Tensor("v", []int64{4}, 1, 2, 3, 4))),
		want: []string{`"v"`, "more than 6 elements"}},
	{name: "opset too new", data: modelBytes(MaxOpset+1, reluGraph()), want: []string{"operator set 22"}, unsup: true},
	{name: "no ai.onnx opset", data: func(t testing.TB) []byte {
		m := mkModel(17, reluGraph())
		m.OpsetImport = []*onnxpb.OperatorSetIdProto{{Domain: proto.String("com.example"), Version: proto.Int64(1)}}
		return marshal(t, m)
	}, want: []string{`node "relu" (Relu)`, "imports no ai.onnx operator set"}},
	{name: "sparse index out of range", data: func(t testing.TB) []byte {
		g := addW(f32Tensor("unused", []int64{1}, 0))
		g.Initializer = nil
		g.SparseInitializer = []*onnxpb.SparseTensorProto{{Values: f32Tensor("w", []int64{1}, 5), Indices: i64Tensor("", []int64{1}, 9), Dims: []int64{4}}}
		return marshal(t, mkModel(17, g))
	}, want: []string{`sparse initializer 0 "w"`, "sparse index 9 out of range"}},
	{name: "attribute of undefined type", data: modelBytes(17, one(mkNode("Relu", []string{"x"}, []string{"y"}, &onnxpb.AttributeProto{Name: proto.String("alpha")}),
		[]*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)})), want: []string{`attribute "alpha"`, "no type and no value"}},
	{name: "constant without value", data: modelBytes(17, one(named(mkNode("Constant", nil, []string{"y"}), "c"), nil)),
		want: []string{`node "c" (Constant)`, "exactly one value attribute"}},
	{name: "unknown attribute", data: modelBytes(17, one(named(mkNode("Relu", []string{"x"}, []string{"y"}, aInt("bogus", 1)), "r"), []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 4)})),
		want: []string{"does not verify", `"r"`, `"bogus"`}},
}

func TestHostile(t *testing.T) {
	for _, tc := range hostileCases {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data(t)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			g, err := Decode(data, tc.opts)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatalf("imported a hostile model:\n%s", g)
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if got := errors.Is(err, ErrUnsupported); got != tc.unsup {
				t.Errorf("errors.Is(err, ErrUnsupported) = %v, want %v (error %q)", got, tc.unsup, err)
			}
			// Nothing may be allocated in proportion to declared sizes.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("decoding a %d-byte file allocated %d bytes", len(data), alloc)
			}
		})
	}
}

func TestExternalData(t *testing.T) {
	dir := t.TempDir()
	// Four float32s 1, 2, 3, 4 after an 8-byte header in w.bin.
	raw := f32Tensor("", []int64{4}, 1, 2, 3, 4).RawData
	if err := os.WriteFile(filepath.Join(dir, "w.bin"), append(make([]byte, 8), raw...), 0o644); err != nil {
		t.Fatal(err)
	}
	ext := func(kv ...string) *onnxpb.TensorProto {
		tp := &onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{4}, DataType: proto.Int32(1), DataLocation: onnxpb.TensorProto_EXTERNAL.Enum()}
		for i := 0; i < len(kv); i += 2 {
			tp.ExternalData = append(tp.ExternalData, &onnxpb.StringStringEntryProto{Key: proto.String(kv[i]), Value: proto.String(kv[i+1])})
		}
		return tp
	}
	path := filepath.Join(dir, "model.onnx")
	write := func(tp *onnxpb.TensorProto) {
		if err := os.WriteFile(path, marshal(t, mkModel(17, addW(tp))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(ext("location", "w.bin", "offset", "8", "length", "16"))
	g, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if w := g.Nodes[0].Inputs[1].Const; w == nil || w.F32[3] != 4 {
		t.Fatalf("external tensor not read: %v", w)
	}
	for _, tc := range []struct {
		tp   *onnxpb.TensorProto
		want string
	}{
		{ext("location", "w.bin", "offset", "12"), "needs 16 at offset 12"},
		{ext("location", "w.bin", "length", "12"), "length 12"},
		{ext("location", "missing.bin"), "missing.bin"},
		{ext("location", "/etc/passwd"), "not a relative path"},
		{ext("offset", "0"), "no location"},
		{ext("location", "w.bin", "offset", "-1"), "not a non-negative integer"},
	} {
		write(tc.tp)
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error mentioning %q", err, tc.want)
		}
	}
}

func TestHostileTensors(t *testing.T) {
	for _, tc := range []struct {
		name string
		tp   *onnxpb.TensorProto
		want string
	}{
		{"huge", &onnxpb.TensorProto{Name: proto.String("t"), Dims: []int64{1 << 40, 1 << 40}, DataType: proto.Int32(1)}, "limit"},
		{"short raw", &onnxpb.TensorProto{Name: proto.String("t"), Dims: []int64{3}, DataType: proto.Int32(7), RawData: make([]byte, 23)}, "needs 24"},
		{"bool count", &onnxpb.TensorProto{Name: proto.String("t"), Dims: []int64{3}, DataType: proto.Int32(9), Int32Data: []int32{1}}, "int32_data holds 1 values"},
		{"segment", &onnxpb.TensorProto{Name: proto.String("t"), DataType: proto.Int32(1), Segment: &onnxpb.TensorProto_Segment{Begin: proto.Int64(0)}}, "segmented"},
		{"undefined type", &onnxpb.TensorProto{Name: proto.String("t")}, "undefined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeTensor(marshal(t, tc.tp))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `tensor "t"`) {
				t.Errorf("got %v, want an error naming tensor \"t\" and mentioning %q", err, tc.want)
			}
		})
	}
}

// TestLongChain imports a chain of 50,000 nodes listed in reverse order:
// sorting must not recurse once per node.
func TestLongChain(t *testing.T) {
	const n = 50000
	nodes := make([]*onnxpb.NodeProto, n)
	prev := "x"
	for i := 0; i < n; i++ {
		out := "v" + strconv.Itoa(i)
		nodes[n-1-i] = mkNode("Relu", []string{prev}, []string{out})
		prev = out
	}
	g, err := Decode(marshal(t, mkModel(17, mkGraph(nodes, []*onnxpb.ValueInfoProto{vi("x", ir.Float32, 2)}, []*onnxpb.ValueInfoProto{vi(prev, ir.Float32)}))))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != n || g.Nodes[0].Inputs[0].Name != "x" {
		t.Errorf("chain not sorted: %d nodes, first reads %q", len(g.Nodes), g.Nodes[0].Inputs[0].Name)
	}
}
