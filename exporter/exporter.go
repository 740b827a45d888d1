// Package exporter writes latent's IR as ONNX: whole graphs as ModelProtos
// (IR version 8, ai.onnx operator set 17, producer "latent") and single
// tensors as TensorProtos, the format of ONNX's test data and of `latent
// run` outputs.
//
// IR nodes already follow opset 17, so a graph is written node for node.
// Constants become initializers stored as raw_data (a constant that is
// itself a graph output becomes a Constant node); symbolic dimensions
// become dim_param; trailing omitted optional inputs and outputs are left
// out. Operators of latent's internal "latent" domain (fused
// operators the compiler creates) have no ONNX form and are rejected.
package exporter

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/latent-go/latent/importer/onnxpb"
	"github.com/latent-go/latent/ir"
)

// Written model metadata.
const (
	IRVersion = 8
	Producer  = "latent"
)

// Encode serializes g as an ONNX model.
func Encode(g *ir.Graph) ([]byte, error) {
	m, err := ToModelProto(g)
	if err != nil {
		return nil, err
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("exporter: %w", err)
	}
	return b, nil
}

// Save writes g as an ONNX model file. The file is written under a
// temporary name and renamed into place, so path never holds a partial
// model.
func Save(g *ir.Graph, path string) error {
	b, err := Encode(g)
	if err != nil {
		return err
	}
	return writeAtomic(path, b)
}

// ToModelProto converts g to an ONNX ModelProto. g must verify, and all its
// nodes must be ai.onnx operators.
func ToModelProto(g *ir.Graph) (*onnxpb.ModelProto, error) {
	if g == nil {
		return nil, errors.New("exporter: nil graph")
	}
	var foreign []string
	for _, n := range g.Nodes {
		if d := n.Domain; d != "" && d != "ai.onnx" {
			foreign = append(foreign, n.String())
		}
	}
	if len(foreign) > 0 {
		return nil, fmt.Errorf("exporter: %d node(s) are not ai.onnx operators and have no ONNX form (lower them first): %s",
			len(foreign), strings.Join(foreign, ", "))
	}
	if err := ir.Verify(g); err != nil {
		return nil, fmt.Errorf("exporter: graph does not verify: %w", err)
	}
	outTypes := outputTypes(g)
	name := g.Name
	if name == "" {
		name = "latent"
	}
	gp := &onnxpb.GraphProto{Name: proto.String(name)}
	if g.Doc != "" {
		gp.DocString = proto.String(g.Doc)
	}
	for _, v := range g.Inputs {
		gp.Input = append(gp.Input, valueInfo(v.Name, v.DType, v.Shape))
	}
	isOut := map[*ir.Value]bool{}
	for _, v := range g.Outputs {
		isOut[v] = true
	}
	for _, v := range g.Constants() {
		tp, err := TensorProto(v.Const, v.Name)
		if err != nil {
			return nil, fmt.Errorf("exporter: constant %q: %w", v.Name, err)
		}
		if isOut[v] {
			// A graph output must be computed by a node.
			gp.Node = append(gp.Node, &onnxpb.NodeProto{
				Name: proto.String(v.Name), OpType: proto.String("Constant"), Output: []string{v.Name},
				Attribute: []*onnxpb.AttributeProto{{Name: proto.String("value"), Type: onnxpb.AttributeProto_TENSOR.Enum(), T: tp}},
			})
			continue
		}
		gp.Initializer = append(gp.Initializer, tp)
	}
	for _, n := range g.Nodes {
		np, err := nodeProto(n)
		if err != nil {
			return nil, err
		}
		gp.Node = append(gp.Node, np)
		for _, v := range n.Outputs {
			if v != nil && !isOut[v] && v.DType != ir.Undefined {
				gp.ValueInfo = append(gp.ValueInfo, valueInfo(v.Name, v.DType, v.Shape))
			}
		}
	}
	for _, v := range g.Outputs {
		ti := outTypes[v]
		if ti.dt == ir.Undefined {
			return nil, fmt.Errorf("exporter: the element type of graph output %q is unknown", v.Name)
		}
		gp.Output = append(gp.Output, valueInfo(v.Name, ti.dt, ti.shape))
	}
	return &onnxpb.ModelProto{
		IrVersion:    proto.Int64(IRVersion),
		ProducerName: proto.String(Producer),
		OpsetImport:  []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(ir.Opset)}},
		Graph:        gp,
	}, nil
}

type typeInfo struct {
	dt    ir.DType
	shape ir.Shape
}

// outputTypes returns the types of the graph outputs: as declared, or, for
// outputs whose element type is unknown, as inferred on a copy of the graph
// (ONNX requires graph outputs to be typed).
func outputTypes(g *ir.Graph) map[*ir.Value]typeInfo {
	out := map[*ir.Value]typeInfo{}
	missing := false
	for _, v := range g.Outputs {
		out[v] = typeInfo{v.DType, v.Shape}
		missing = missing || v.DType == ir.Undefined
	}
	if !missing {
		return out
	}
	c := g.Clone()
	_ = ir.InferShapes(c) // best effort; whatever it filled in is used
	for i, v := range g.Outputs {
		if v.DType == ir.Undefined {
			out[v] = typeInfo{c.Outputs[i].DType, c.Outputs[i].Shape}
		}
	}
	return out
}

func valueInfo(name string, dt ir.DType, s ir.Shape) *onnxpb.ValueInfoProto {
	tt := &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(int32(dt))}
	if s != nil {
		tt.Shape = &onnxpb.TensorShapeProto{Dim: make([]*onnxpb.TensorShapeProto_Dimension, len(s))}
		for i, d := range s {
			dim := &onnxpb.TensorShapeProto_Dimension{}
			switch {
			case d.Known():
				dim.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d.Size)}
			case d.Param != "":
				dim.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: d.Param}
			}
			tt.Shape.Dim[i] = dim
		}
	}
	return &onnxpb.ValueInfoProto{
		Name: proto.String(name),
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: tt}},
	}
}

func nodeProto(n *ir.Node) (*onnxpb.NodeProto, error) {
	np := &onnxpb.NodeProto{OpType: proto.String(n.Op)}
	if n.Name != "" {
		np.Name = proto.String(n.Name)
	}
	// Trailing omitted inputs and outputs are left out, as ONNX allows.
	for _, v := range trimNil(n.Inputs) {
		np.Input = append(np.Input, valueName(v))
	}
	for _, v := range trimNil(n.Outputs) {
		np.Output = append(np.Output, valueName(v))
	}
	for _, name := range n.Attrs.Names() {
		ap, err := attrProto(name, n.Attrs[name])
		if err != nil {
			return nil, fmt.Errorf("exporter: node %s: %w", n, err)
		}
		np.Attribute = append(np.Attribute, ap)
	}
	return np, nil
}

func trimNil(vs []*ir.Value) []*ir.Value {
	for len(vs) > 0 && vs[len(vs)-1] == nil {
		vs = vs[:len(vs)-1]
	}
	return vs
}

func valueName(v *ir.Value) string {
	if v == nil {
		return ""
	}
	return v.Name
}

func attrProto(name string, a ir.Attr) (*onnxpb.AttributeProto, error) {
	ap := &onnxpb.AttributeProto{Name: proto.String(name)}
	switch a.Kind {
	case ir.AttrFloat:
		ap.Type, ap.F = onnxpb.AttributeProto_FLOAT.Enum(), proto.Float32(a.Float)
	case ir.AttrInt:
		ap.Type, ap.I = onnxpb.AttributeProto_INT.Enum(), proto.Int64(a.Int)
	case ir.AttrString:
		ap.Type, ap.S = onnxpb.AttributeProto_STRING.Enum(), []byte(a.String)
	case ir.AttrFloats:
		ap.Type, ap.Floats = onnxpb.AttributeProto_FLOATS.Enum(), append([]float32{}, a.Floats...)
	case ir.AttrInts:
		ap.Type, ap.Ints = onnxpb.AttributeProto_INTS.Enum(), append([]int64{}, a.Ints...)
	case ir.AttrStrings:
		ap.Type = onnxpb.AttributeProto_STRINGS.Enum()
		for _, s := range a.Strings {
			ap.Strings = append(ap.Strings, []byte(s))
		}
	case ir.AttrTensor:
		tp, err := TensorProto(a.Tensor, "")
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		ap.Type, ap.T = onnxpb.AttributeProto_TENSOR.Enum(), tp
	default:
		return nil, fmt.Errorf("attribute %q has kind %s", name, a.Kind)
	}
	return ap, nil
}

// TensorProto converts t to an ONNX TensorProto named name, with its data
// in raw_data (little-endian; bool as one byte per element).
func TensorProto(t *ir.Tensor, name string) (*onnxpb.TensorProto, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	tp := &onnxpb.TensorProto{DataType: proto.Int32(int32(t.DType)), Dims: make([]int64, len(t.Shape))}
	if name != "" {
		tp.Name = proto.String(name)
	}
	for i, d := range t.Shape {
		tp.Dims[i] = int64(d)
	}
	le := binary.LittleEndian
	raw := make([]byte, t.Bytes())
	switch t.DType {
	case ir.Float32:
		for i, v := range t.F32 {
			le.PutUint32(raw[4*i:], math.Float32bits(v))
		}
	case ir.Float64:
		for i, v := range t.F64 {
			le.PutUint64(raw[8*i:], math.Float64bits(v))
		}
	case ir.Int32:
		for i, v := range t.I32 {
			le.PutUint32(raw[4*i:], uint32(v))
		}
	case ir.Int64:
		for i, v := range t.I64 {
			le.PutUint64(raw[8*i:], uint64(v))
		}
	case ir.Bool:
		for i, v := range t.Bool {
			if v {
				raw[i] = 1
			}
		}
	}
	tp.RawData = raw
	return tp, nil
}

// EncodeTensor serializes t as an ONNX TensorProto named name (which may
// be empty).
func EncodeTensor(t *ir.Tensor, name string) ([]byte, error) {
	if t == nil {
		return nil, errors.New("exporter: nil tensor")
	}
	tp, err := TensorProto(t, name)
	if err != nil {
		return nil, fmt.Errorf("exporter: tensor %q: %w", name, err)
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(tp)
}

// WriteTensor writes t as a TensorProto file (input_K.pb/output_K.pb
// format), atomically.
func WriteTensor(t *ir.Tensor, name, path string) error {
	b, err := EncodeTensor(t, name)
	if err != nil {
		return err
	}
	return writeAtomic(path, b)
}

// writeAtomic writes data to a temporary file in path's directory and
// renames it to path.
func writeAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
