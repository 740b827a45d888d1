package importer

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/latent-go/latent/importer/onnxpb"
	"github.com/latent-go/latent/ir"
)

// MaxOpset is the newest ai.onnx operator set the importer reads. Models
// of operator sets 18 to MaxOpset are read when each node's operator is
// unchanged since opset 17 or has a known conversion to its opset-17
// form.
const MaxOpset = 21

// Load reads an ONNX model file and returns its graph in latent's IR,
// upgraded to operator set 17 and verified. External data is read from
// the model's directory unless Options.ExternalDataDir says otherwise.
func Load(path string, opts ...Options) (*ir.Graph, error) {
	o := pickOptions(opts)
	data, err := readFileLimited(path, o.MaxFileBytes)
	if err != nil {
		return nil, err
	}
	if o.ExternalDataDir == "" {
		o.ExternalDataDir = filepath.Dir(path)
	}
	g, err := Decode(data, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// Decode parses a serialized ONNX ModelProto and returns its graph in
// latent's IR. Pass at most one Options; its zero fields take defaults.
//
// Initializers become constant Values, and so do Constant nodes. A graph
// input that is also an initializer is treated as a constant (ONNX allows
// callers to override such inputs; latent does not). Each node is resolved
// to the newest version of its operator at or below the model's operator
// set and rewritten into its opset-17 form. Nodes without a name get a
// generated one; nodes are put in topological order. A model that uses
// anything unsupported gets one *UnsupportedError listing every such node.
func Decode(data []byte, opts ...Options) (*ir.Graph, error) {
	o := pickOptions(opts)
	if int64(len(data)) > o.MaxFileBytes {
		return nil, fmt.Errorf("model: %d bytes exceed the limit of %d", len(data), o.MaxFileBytes)
	}
	m := new(onnxpb.ModelProto)
	if err := unmarshalOpts.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("not a valid ONNX model (ModelProto): %w", err)
	}
	return FromModelProto(m, o)
}

// FromModelProto is Decode for an already parsed ModelProto.
func FromModelProto(m *onnxpb.ModelProto, opts ...Options) (*ir.Graph, error) {
	if m == nil {
		return nil, errors.New("nil ModelProto")
	}
	o := pickOptions(opts)
	b := &builder{
		opts:     o,
		dec:      &tensorDecoder{opts: o},
		values:   map[string]*ir.Value{},
		declared: map[string]typeInfo{},
		inferred: map[*ir.Value]typeInfo{},
		used:     map[string]bool{},
		nodeUsed: map[string]bool{},
	}
	return b.build(m)
}

type typeInfo struct {
	dt    ir.DType
	shape ir.Shape
}

// rawNode is a node as read from the file, with attributes converted, or
// a node produced by an upgrade.
type rawNode struct {
	name    string // unique, never empty
	srcName string // as in the file
	op      string
	domain  string
	version int64 // resolved operator version
	attrs   ir.Attrs
	inputs  []string // "" is an omitted optional input
	outputs []string // "" is an omitted optional output
	reason  string   // non-empty: unsupported, and why
}

type builder struct {
	opts     Options
	dec      *tensorDecoder
	opset    int64
	opsets   map[string]int64
	g        *ir.Graph
	values   map[string]*ir.Value
	declared map[string]typeInfo
	inferred map[*ir.Value]typeInfo
	used     map[string]bool // value and node names in use
	nodeUsed map[string]bool // node names in use
	uses     map[string]int  // how many node inputs and graph outputs read a name
	unsup    []UnsupportedNode
	nodes    int
}

func (b *builder) build(m *onnxpb.ModelProto) (*ir.Graph, error) {
	gp := m.GetGraph()
	if gp == nil {
		return nil, errors.New("model has no graph")
	}
	if err := b.readOpsets(m); err != nil {
		return nil, err
	}
	if len(gp.GetNode()) > b.opts.MaxNodes {
		return nil, fmt.Errorf("graph has %d nodes, more than the limit of %d", len(gp.GetNode()), b.opts.MaxNodes)
	}
	b.g = &ir.Graph{Name: gp.GetName(), SourceOpset: b.opset, Doc: gp.GetDocString()}
	if b.g.Doc == "" {
		b.g.Doc = m.GetDocString()
	}
	if err := b.readInitializers(gp); err != nil {
		return nil, err
	}
	if err := b.readInputs(gp); err != nil {
		return nil, err
	}
	if err := b.readDeclared(gp); err != nil {
		return nil, err
	}
	raw, err := b.readNodes(gp)
	if err != nil {
		return nil, err
	}
	if raw, err = b.sortRaw(raw); err != nil {
		return nil, err
	}
	b.countUses(raw, gp)
	for _, n := range raw {
		if err := b.addNode(n); err != nil {
			return nil, err
		}
	}
	for i, vi := range gp.GetOutput() {
		v, ok := b.values[vi.GetName()]
		if !ok {
			return nil, fmt.Errorf("graph output %d %q is not a graph input, an initializer or any node's output", i, vi.GetName())
		}
		if b.g.IsOutput(v) {
			return nil, fmt.Errorf("graph output %q is listed twice", v.Name)
		}
		b.g.Outputs = append(b.g.Outputs, v)
	}
	if len(b.unsup) > 0 {
		return nil, &UnsupportedError{Nodes: b.unsup}
	}
	if err := b.g.SortTopological(); err != nil {
		return nil, err
	}
	if err := ir.Verify(b.g); err != nil {
		return nil, fmt.Errorf("imported graph does not verify: %w", err)
	}
	return b.g, nil
}

func (b *builder) readOpsets(m *onnxpb.ModelProto) error {
	b.opsets = map[string]int64{}
	for _, os := range m.GetOpsetImport() {
		d := normDomain(os.GetDomain())
		if os.GetVersion() < 1 {
			return fmt.Errorf("opset_import for domain %q has version %d", os.GetDomain(), os.GetVersion())
		}
		b.opsets[d] = max(b.opsets[d], os.GetVersion())
	}
	v, ok := b.opsets[""]
	if !ok && m.GetIrVersion() < 3 {
		v = 1 // before IR version 3 there was no opset_import: operator set 1
	}
	// v == 0: the model imports no ai.onnx operator set, so none of its
	// nodes may be ai.onnx operators (checked per node).
	if v > MaxOpset {
		return unsupportedf("model uses ai.onnx operator set %d; latent reads operator sets 1 to %d", v, MaxOpset)
	}
	b.opset = v
	b.opsets[""] = v
	return nil
}

func normDomain(d string) string {
	if d == "ai.onnx" {
		return ""
	}
	return d
}

func (b *builder) claim(name string) { b.used[name] = true }

// fresh returns a value or node name based on base that is not used yet.
func (b *builder) fresh(base string) string {
	if base == "" {
		base = "v"
	}
	if !b.used[base] {
		b.used[base] = true
		return base
	}
	for i := 1; ; i++ {
		if s := base + "_" + strconv.Itoa(i); !b.used[s] {
			b.used[s] = true
			return s
		}
	}
}

func (b *builder) readInitializers(gp *onnxpb.GraphProto) error {
	for i, tp := range gp.GetInitializer() {
		name := tp.GetName()
		what := fmt.Sprintf("initializer %d %q", i, name)
		if name == "" {
			return fmt.Errorf("initializer %d has no name", i)
		}
		if _, dup := b.values[name]; dup {
			return fmt.Errorf("initializer %q is defined twice", name)
		}
		t, err := b.dec.decode(tp, what)
		if err != nil {
			return err
		}
		b.addConst(name, t)
	}
	for i, sp := range gp.GetSparseInitializer() {
		name := sp.GetValues().GetName()
		what := fmt.Sprintf("sparse initializer %d %q", i, name)
		if name == "" {
			return fmt.Errorf("sparse initializer %d has no name", i)
		}
		if _, dup := b.values[name]; dup {
			return fmt.Errorf("initializer %q is defined twice", name)
		}
		t, err := b.dec.sparse(sp, what)
		if err != nil {
			return err
		}
		b.addConst(name, t)
	}
	return nil
}

func (b *builder) addConst(name string, t *ir.Tensor) *ir.Value {
	v := &ir.Value{Name: name, DType: t.DType, Shape: ir.StaticShape(t.Shape...), Const: t}
	b.values[name] = v
	b.claim(name)
	return v
}

func (b *builder) readInputs(gp *onnxpb.GraphProto) error {
	seen := map[string]bool{}
	for i, vi := range gp.GetInput() {
		name := vi.GetName()
		if name == "" {
			return fmt.Errorf("graph input %d has no name", i)
		}
		if seen[name] {
			return fmt.Errorf("graph input %q is listed twice", name)
		}
		seen[name] = true
		if v, ok := b.values[name]; ok && v.IsConst() {
			continue // an initializer: a constant in latent
		}
		ti, err := b.valueType(vi, fmt.Sprintf("graph input %q", name))
		if err != nil {
			return err
		}
		if !ti.dt.Supported() {
			if ti.dt == ir.Undefined {
				return fmt.Errorf("graph input %q has no element type", name)
			}
			return unsupportedf("graph input %q: element type %s", name, dtypeName(int32(ti.dt)))
		}
		v := &ir.Value{Name: name, DType: ti.dt, Shape: ti.shape}
		b.values[name] = v
		b.claim(name)
		b.g.Inputs = append(b.g.Inputs, v)
	}
	return nil
}

// readDeclared records the types that value_info and graph outputs declare.
func (b *builder) readDeclared(gp *onnxpb.GraphProto) error {
	for i, vi := range gp.GetOutput() {
		if vi.GetName() == "" {
			return fmt.Errorf("graph output %d has no name", i)
		}
	}
	for _, list := range [][]*onnxpb.ValueInfoProto{gp.GetValueInfo(), gp.GetOutput()} {
		for _, vi := range list {
			name := vi.GetName()
			if name == "" {
				continue
			}
			ti, err := b.valueType(vi, fmt.Sprintf("value %q", name))
			if err != nil {
				return err
			}
			if ti.dt != ir.Undefined && !ti.dt.Supported() {
				return unsupportedf("value %q: element type %s", name, dtypeName(int32(ti.dt)))
			}
			b.declared[name] = ti
			b.claim(name)
		}
	}
	return nil
}

// valueType converts a ValueInfoProto's type. Only tensor types are
// supported.
func (b *builder) valueType(vi *onnxpb.ValueInfoProto, what string) (typeInfo, error) {
	tp := vi.GetType()
	if tp == nil || tp.GetValue() == nil {
		return typeInfo{}, nil
	}
	tt := tp.GetTensorType()
	if tt == nil {
		kind := "non-tensor"
		switch {
		case tp.GetSequenceType() != nil:
			kind = "sequence"
		case tp.GetMapType() != nil:
			kind = "map"
		case tp.GetOptionalType() != nil:
			kind = "optional"
		case tp.GetSparseTensorType() != nil:
			kind = "sparse tensor"
		}
		return typeInfo{}, unsupportedf("%s: %s type", what, kind)
	}
	ti := typeInfo{dt: ir.DType(tt.GetElemType())}
	if sp := tt.GetShape(); sp != nil {
		ti.shape = make(ir.Shape, len(sp.GetDim()))
		for i, d := range sp.GetDim() {
			switch v := d.GetValue().(type) {
			case *onnxpb.TensorShapeProto_Dimension_DimValue:
				if v.DimValue < 0 {
					return typeInfo{}, fmt.Errorf("%s: dimension %d is negative (%d)", what, i, v.DimValue)
				}
				ti.shape[i] = ir.D(int(v.DimValue))
			case *onnxpb.TensorShapeProto_Dimension_DimParam:
				if v.DimParam == "" {
					ti.shape[i] = ir.Unknown
				} else {
					ti.shape[i] = ir.Sym(v.DimParam)
				}
			default:
				ti.shape[i] = ir.Unknown
			}
		}
	}
	return ti, nil
}

// readNodes converts the NodeProtos: names, domains, versions, attributes.
func (b *builder) readNodes(gp *onnxpb.GraphProto) ([]*rawNode, error) {
	// Node names given in the file keep their name when unique.
	for _, np := range gp.GetNode() {
		for _, o := range np.GetOutput() {
			if o != "" {
				b.claim(o)
			}
		}
		for _, in := range np.GetInput() {
			if in != "" {
				b.claim(in)
			}
		}
	}
	raw := make([]*rawNode, 0, len(gp.GetNode()))
	for i, np := range gp.GetNode() {
		n := &rawNode{
			srcName: np.GetName(),
			op:      np.GetOpType(),
			domain:  normDomain(np.GetDomain()),
			inputs:  trimEmpty(np.GetInput()),
			outputs: trimEmpty(np.GetOutput()),
		}
		if n.srcName != "" && !b.nodeUsed[n.srcName] {
			n.name = n.srcName
			b.used[n.name] = true
		} else {
			base := n.srcName
			if base == "" {
				op := n.op
				if op == "" {
					op = "node"
				}
				base = op + "_" + strconv.Itoa(i)
			}
			n.name = b.fresh(base)
		}
		b.nodeUsed[n.name] = true
		where := fmt.Sprintf("node %d %q (%s)", i, n.name, n.op)
		if n.op == "" {
			return nil, fmt.Errorf("%s has no operator type", where)
		}
		if len(n.outputs) == 0 {
			return nil, fmt.Errorf("%s has no outputs", where)
		}
		if err := b.resolveVersion(n); err != nil {
			return nil, err
		}
		attrs, err := b.readAttrs(np, n, where)
		if err != nil {
			return nil, err
		}
		n.attrs = attrs
		raw = append(raw, n)
	}
	return raw, nil
}

// trimEmpty copies names, dropping trailing empty names (omitted optional
// inputs or outputs at the end).
func trimEmpty(names []string) []string {
	end := len(names)
	for end > 0 && names[end-1] == "" {
		end--
	}
	return slices.Clone(names[:end])
}

// resolveVersion finds the operator version a node resolves to, or marks
// it unsupported.
func (b *builder) resolveVersion(n *rawNode) error {
	if n.domain != "" {
		n.reason = fmt.Sprintf("domain %q is not supported (only ai.onnx)", n.domain)
		return nil
	}
	if b.opset == 0 {
		return fmt.Errorf("node %q (%s): the model imports no ai.onnx operator set", n.name, n.op)
	}
	v, ok := resolveOpVersion(n.op, b.opset)
	if !ok {
		if _, known := onnxVersions[n.op]; known {
			n.reason = fmt.Sprintf("operator does not exist before opset %d", firstVersion(n.op))
		} else if _, newer := post17[n.op]; newer {
			n.reason = fmt.Sprintf("operator does not exist before opset %d", firstVersion(n.op))
		} else {
			n.reason = "not an ai.onnx operator"
		}
		return nil
	}
	n.version = v
	return nil
}

func (b *builder) readAttrs(np *onnxpb.NodeProto, n *rawNode, where string) (ir.Attrs, error) {
	attrs := ir.Attrs{}
	for _, a := range np.GetAttribute() {
		name := a.GetName()
		if name == "" {
			return nil, fmt.Errorf("%s: an attribute has no name", where)
		}
		if _, dup := attrs[name]; dup {
			return nil, fmt.Errorf("%s: attribute %q is given twice", where, name)
		}
		if a.GetRefAttrName() != "" {
			return nil, fmt.Errorf("%s: attribute %q refers to a function attribute %q outside a function", where, name, a.GetRefAttrName())
		}
		at, reason, err := b.attr(a, n, fmt.Sprintf("%s: attribute %q", where, name))
		if err != nil {
			return nil, err
		}
		if reason != "" {
			if n.reason == "" {
				n.reason = reason
			}
			continue
		}
		attrs[name] = at
	}
	return attrs, nil
}

// attr converts one attribute. A non-empty reason means the attribute's
// kind is not supported (the node is then reported as unsupported).
func (b *builder) attr(a *onnxpb.AttributeProto, n *rawNode, what string) (ir.Attr, string, error) {
	typ := a.GetType()
	if typ == onnxpb.AttributeProto_UNDEFINED {
		// IR version 1 files may omit the type; infer it from the field set.
		switch {
		case a.F != nil:
			typ = onnxpb.AttributeProto_FLOAT
		case a.I != nil:
			typ = onnxpb.AttributeProto_INT
		case a.S != nil:
			typ = onnxpb.AttributeProto_STRING
		case a.T != nil:
			typ = onnxpb.AttributeProto_TENSOR
		case a.G != nil:
			typ = onnxpb.AttributeProto_GRAPH
		case len(a.Floats) > 0:
			typ = onnxpb.AttributeProto_FLOATS
		case len(a.Ints) > 0:
			typ = onnxpb.AttributeProto_INTS
		case len(a.Strings) > 0:
			typ = onnxpb.AttributeProto_STRINGS
		default:
			return ir.Attr{}, "", fmt.Errorf("%s: has no type and no value", what)
		}
	}
	switch typ {
	case onnxpb.AttributeProto_FLOAT:
		return ir.FloatAttr(a.GetF()), "", nil
	case onnxpb.AttributeProto_INT:
		return ir.IntAttr(a.GetI()), "", nil
	case onnxpb.AttributeProto_STRING:
		return ir.StringAttr(string(a.GetS())), "", nil
	case onnxpb.AttributeProto_FLOATS:
		return ir.FloatsAttr(slices.Clone(a.GetFloats())...), "", nil
	case onnxpb.AttributeProto_INTS:
		return ir.IntsAttr(slices.Clone(a.GetInts())...), "", nil
	case onnxpb.AttributeProto_STRINGS:
		ss := make([]string, len(a.GetStrings()))
		for i, s := range a.GetStrings() {
			ss[i] = string(s)
		}
		return ir.StringsAttr(ss...), "", nil
	case onnxpb.AttributeProto_TENSOR:
		if a.GetT() == nil {
			return ir.Attr{}, "", fmt.Errorf("%s: tensor attribute without a tensor", what)
		}
		t, err := b.dec.decode(a.GetT(), what)
		if err != nil {
			if errors.Is(err, ErrUnsupported) {
				return ir.Attr{}, err.Error(), nil
			}
			return ir.Attr{}, "", err
		}
		return ir.TensorAttr(t), "", nil
	case onnxpb.AttributeProto_SPARSE_TENSOR:
		if n.op == "Constant" && a.GetName() == "sparse_value" {
			t, err := b.dec.sparse(a.GetSparseTensor(), what)
			if err != nil {
				if errors.Is(err, ErrUnsupported) {
					return ir.Attr{}, err.Error(), nil
				}
				return ir.Attr{}, "", err
			}
			return ir.TensorAttr(t), "", nil
		}
		return ir.Attr{}, fmt.Sprintf("attribute %q: sparse tensor attributes are not supported", a.GetName()), nil
	case onnxpb.AttributeProto_GRAPH, onnxpb.AttributeProto_GRAPHS:
		return ir.Attr{}, fmt.Sprintf("attribute %q: subgraphs are not supported", a.GetName()), nil
	}
	return ir.Attr{}, fmt.Sprintf("attribute %q: attributes of type %s are not supported", a.GetName(), typ), nil
}

// sortRaw orders the nodes so that every node follows the producers of its
// inputs, keeping file order where possible, and reports undefined inputs,
// values produced twice and cycles.
func (b *builder) sortRaw(raw []*rawNode) ([]*rawNode, error) {
	prod := map[string]int{}
	for i, n := range raw {
		for _, o := range n.outputs {
			if o == "" {
				continue
			}
			if j, dup := prod[o]; dup {
				return nil, fmt.Errorf("value %q is produced by node %q (%s) and by node %q (%s)", o, raw[j].name, raw[j].op, n.name, n.op)
			}
			if v, ok := b.values[o]; ok {
				what := "graph input"
				if v.IsConst() {
					what = "initializer"
				}
				return nil, fmt.Errorf("node %q (%s): output %q redefines a %s", n.name, n.op, o, what)
			}
			prod[o] = i
		}
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]int, len(raw))
	order := make([]*rawNode, 0, len(raw))
	type frame struct{ node, next int }
	// Iterative depth-first search: a deep chain of nodes must not overflow
	// the goroutine stack.
	for root := range raw {
		if state[root] != unvisited {
			continue
		}
		stack := []frame{{root, 0}}
		state[root] = visiting
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			n := raw[f.node]
			if f.next == len(n.inputs) {
				state[f.node] = done
				order = append(order, n)
				stack = stack[:len(stack)-1]
				continue
			}
			in := n.inputs[f.next]
			f.next++
			if in == "" {
				continue
			}
			if _, ok := b.values[in]; ok {
				continue
			}
			p, ok := prod[in]
			if !ok {
				return nil, fmt.Errorf("node %q (%s): input %q is not a graph input, an initializer or any node's output", n.name, n.op, in)
			}
			switch state[p] {
			case visiting:
				var cyc []string
				for k := len(stack) - 1; k >= 0; k-- {
					cyc = append(cyc, strconv.Quote(raw[stack[k].node].name))
					if stack[k].node == p {
						break
					}
				}
				return nil, fmt.Errorf("graph has a cycle through nodes %s", strings.Join(cyc, ", "))
			case unvisited:
				state[p] = visiting
				stack = append(stack, frame{p, 0})
			}
		}
	}
	return order, nil
}

func (b *builder) countUses(raw []*rawNode, gp *onnxpb.GraphProto) {
	b.uses = map[string]int{}
	for _, n := range raw {
		for _, in := range n.inputs {
			b.uses[in]++
		}
	}
	for _, o := range gp.GetOutput() {
		b.uses[o.GetName()]++
	}
}

// addNode upgrades a source node to its opset-17 form and adds the result
// to the graph.
func (b *builder) addNode(n *rawNode) error {
	if n.reason == "" && n.op == "Constant" {
		return b.addConstantNode(n)
	}
	var out []*rawNode
	if n.reason == "" {
		c := &upctx{b: b, src: n}
		err := upgradeNode(c, n)
		var ns notSupported
		switch {
		case errors.As(err, &ns):
			n.reason = string(ns)
		case err != nil:
			return fmt.Errorf("node %q (%s-%d): %w", n.name, n.op, n.version, err)
		}
		out = c.out
	}
	if n.reason == "" {
		for _, u := range out {
			if u.domain != "" || !hasSchema(u.op) {
				n.reason = "operator not supported by latent"
				if u.op != n.op {
					n.reason = fmt.Sprintf("operator %s, to which it converts, is not supported by latent", u.op)
				}
				break
			}
		}
	}
	if n.reason != "" {
		b.unsup = append(b.unsup, UnsupportedNode{
			Name: n.srcName, Op: n.op, Domain: n.domain, Version: n.version,
			Opset: b.opsets[n.domain], Reason: n.reason,
		})
		// Define the outputs anyway so that later nodes can be checked.
		for _, o := range n.outputs {
			if o != "" {
				b.values[o] = &ir.Value{Name: o}
			}
		}
		return nil
	}
	for _, u := range out {
		b.nodes++
		if b.nodes > b.opts.MaxNodes {
			return fmt.Errorf("graph has more than %d nodes after conversion to opset 17, the limit", b.opts.MaxNodes)
		}
		if err := b.emit(u); err != nil {
			return err
		}
	}
	return nil
}

func hasSchema(op string) bool {
	_, ok := ir.LookupSchema("", op)
	return ok
}

// emit adds an opset-17 node to the graph.
func (b *builder) emit(u *rawNode) error {
	n := &ir.Node{Name: u.name, Op: u.op, Attrs: u.attrs}
	if len(n.Attrs) == 0 {
		n.Attrs = nil
	}
	for _, in := range u.inputs {
		if in == "" {
			n.Inputs = append(n.Inputs, nil)
			continue
		}
		v, ok := b.values[in]
		if !ok {
			return fmt.Errorf("node %q (%s): input %q is not defined", u.name, u.op, in)
		}
		n.Inputs = append(n.Inputs, v)
	}
	for _, o := range u.outputs {
		if o == "" {
			n.Outputs = append(n.Outputs, nil)
			continue
		}
		if _, dup := b.values[o]; dup {
			return fmt.Errorf("node %q (%s): output %q is already defined", u.name, u.op, o)
		}
		v := &ir.Value{Name: o}
		if d, ok := b.declared[o]; ok {
			v.DType, v.Shape = d.dt, d.shape.Clone()
		}
		b.values[o] = v
		b.claim(o)
		n.Outputs = append(n.Outputs, v)
	}
	b.g.Nodes = append(b.g.Nodes, n)
	b.infer(n)
	return nil
}

// typeOf returns the best-known type of a value: declared in the file, or
// inferred while importing.
func (b *builder) typeOf(name string) typeInfo {
	v, ok := b.values[name]
	if !ok {
		return typeInfo{}
	}
	ti := typeInfo{dt: v.DType, shape: v.Shape}
	if inf, ok := b.inferred[v]; ok {
		if ti.dt == ir.Undefined {
			ti.dt = inf.dt
		}
		if ti.shape == nil {
			ti.shape = inf.shape
		}
	}
	return ti
}

// infer runs n's shape inference on scratch copies of its values, to learn
// types that later upgrades may need (the element type of a Clip bound,
// the rank of a Softmax input). It never fails the import: the graph's
// values keep the types the file declares.
func (b *builder) infer(n *ir.Node) {
	s, ok := ir.LookupSchema(n.Domain, n.Op)
	if !ok || s.Infer == nil || ir.CheckNode(n) != nil {
		return
	}
	scratch := *n
	scratch.Inputs = make([]*ir.Value, len(n.Inputs))
	for i, v := range n.Inputs {
		if v != nil {
			ti := b.typeOf(v.Name)
			scratch.Inputs[i] = &ir.Value{Name: v.Name, DType: ti.dt, Shape: ti.shape.Clone(), Const: v.Const}
		}
	}
	scratch.Outputs = make([]*ir.Value, len(n.Outputs))
	for i, v := range n.Outputs {
		if v != nil {
			scratch.Outputs[i] = &ir.Value{Name: v.Name}
		}
	}
	scratch.Attrs = n.Attrs.Clone()
	defer func() {
		// Shape inference is best effort here; a failure in it must not
		// abort (or crash) the import.
		_ = recover()
	}()
	if err := s.Infer(&scratch); err != nil {
		return
	}
	for i, v := range n.Outputs {
		if v != nil && scratch.Outputs[i] != nil {
			b.inferred[v] = typeInfo{dt: scratch.Outputs[i].DType, shape: scratch.Outputs[i].Shape}
		}
	}
}

// addConstantNode turns a Constant node into a constant value.
func (b *builder) addConstantNode(n *rawNode) error {
	if len(n.outputs) != 1 || n.outputs[0] == "" || len(n.inputs) != 0 {
		return fmt.Errorf("node %q (Constant): must have no inputs and one output", n.name)
	}
	var t *ir.Tensor
	set := 0
	for _, name := range n.attrs.Names() {
		a := n.attrs[name]
		switch name {
		case "value", "sparse_value":
			t = a.Tensor
		case "value_float":
			t = ir.Float32Tensor(nil, []float32{a.Float})
		case "value_floats":
			t = ir.Float32Tensor([]int{len(a.Floats)}, slices.Clone(a.Floats))
		case "value_int":
			t = ir.Int64Tensor(nil, []int64{a.Int})
		case "value_ints":
			t = ir.Int64Tensor([]int{len(a.Ints)}, slices.Clone(a.Ints))
		case "value_string", "value_strings":
			b.unsup = append(b.unsup, UnsupportedNode{Name: n.srcName, Op: n.op, Version: n.version, Opset: b.opset,
				Reason: "string constants are not supported"})
			b.values[n.outputs[0]] = &ir.Value{Name: n.outputs[0]}
			return nil
		default:
			return fmt.Errorf("node %q (Constant): unknown attribute %q", n.name, name)
		}
		if t == nil {
			return fmt.Errorf("node %q (Constant): attribute %q has the wrong kind (%s)", n.name, name, a.Kind)
		}
		set++
	}
	if set != 1 {
		return fmt.Errorf("node %q (Constant): needs exactly one value attribute, has %d", n.name, set)
	}
	if d, ok := b.declared[n.outputs[0]]; ok && d.dt != ir.Undefined && d.dt != t.DType {
		return fmt.Errorf("node %q (Constant): output %q is declared %s but holds %s", n.name, n.outputs[0], d.dt, t.DType)
	}
	b.addConst(n.outputs[0], t)
	return nil
}
