package ir

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// PrintOptions controls the text form.
type PrintOptions struct {
	// MaxElements limits how many elements of each constant are written;
	// longer constants are elided as "{...N values}", which Parse rejects.
	// Zero means no limit.
	MaxElements int
}

// Print writes g in the text form, with every constant in full, so that
// Parse reads back an equal graph.
func Print(w io.Writer, g *Graph) error { return Fprint(w, g, PrintOptions{}) }

// Format returns the text form of g with constants longer than maxElems
// elided (0: no limit).
func Format(g *Graph, maxElems int) string {
	var b strings.Builder
	_ = Fprint(&b, g, PrintOptions{MaxElements: maxElems})
	return b.String()
}

// Fprint writes g in the text form under opts.
func Fprint(w io.Writer, g *Graph, opts PrintOptions) error {
	bw := bufio.NewWriter(w)
	p := &printer{w: bw, opts: opts}
	p.graph(g)
	return bw.Flush()
}

type printer struct {
	w    *bufio.Writer
	opts PrintOptions
}

func (p *printer) graph(g *Graph) {
	fmt.Fprintf(p.w, "graph %s opset %d {\n", strconv.Quote(g.Name), Opset)
	if g.Doc != "" {
		fmt.Fprintf(p.w, "  doc %s\n", strconv.Quote(g.Doc))
	}
	if g.SourceOpset != 0 {
		fmt.Fprintf(p.w, "  source_opset %d\n", g.SourceOpset)
	}
	for _, v := range g.Inputs {
		fmt.Fprintf(p.w, "  input %s: %s\n", quoteName(v.Name), typeText(v.DType, v.Shape))
	}
	for _, v := range g.Constants() {
		fmt.Fprintf(p.w, "  const %s: %s = %s\n", quoteName(v.Name), typeText(v.DType, v.Shape), p.tensorData(v.Const))
	}
	for _, n := range g.Nodes {
		p.w.WriteString("  ")
		if n.Name != "" {
			fmt.Fprintf(p.w, "node %s: ", strconv.Quote(n.Name))
		}
		for i, v := range n.Outputs {
			if i > 0 {
				p.w.WriteString(", ")
			}
			if v == nil {
				p.w.WriteString("_")
				continue
			}
			p.w.WriteString(quoteName(v.Name))
			if v.DType != Undefined {
				p.w.WriteString(": " + typeText(v.DType, v.Shape))
			}
		}
		p.w.WriteString(" = ")
		if n.Domain != "" && n.Domain != "ai.onnx" {
			p.w.WriteString(n.Domain + ".")
		}
		p.w.WriteString(n.Op + "(")
		for i, v := range n.Inputs {
			if i > 0 {
				p.w.WriteString(", ")
			}
			if v == nil {
				p.w.WriteString("_")
			} else {
				p.w.WriteString(quoteName(v.Name))
			}
		}
		p.w.WriteString(")")
		if len(n.Attrs) > 0 {
			p.w.WriteString(" {")
			for i, name := range n.Attrs.Names() {
				if i > 0 {
					p.w.WriteString(", ")
				}
				p.w.WriteString(quoteName(name) + "=" + p.attr(n.Attrs[name]))
			}
			p.w.WriteString("}")
		}
		p.w.WriteString("\n")
	}
	for _, v := range g.Outputs {
		fmt.Fprintf(p.w, "  output %s\n", quoteName(v.Name))
	}
	p.w.WriteString("}\n")
}

func (p *printer) attr(a Attr) string {
	switch a.Kind {
	case AttrFloat:
		return formatFloatLit(float64(a.Float), 32)
	case AttrInt:
		return strconv.FormatInt(a.Int, 10)
	case AttrString:
		return strconv.Quote(a.String)
	case AttrTensor:
		return typeText(a.Tensor.DType, StaticShape(a.Tensor.Shape...)) + p.tensorData(a.Tensor)
	case AttrFloats:
		if len(a.Floats) == 0 {
			return "floats[]"
		}
		parts := make([]string, len(a.Floats))
		for i, f := range a.Floats {
			parts[i] = formatFloatLit(float64(f), 32)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case AttrInts:
		if len(a.Ints) == 0 {
			return "ints[]"
		}
		parts := make([]string, len(a.Ints))
		for i, v := range a.Ints {
			parts[i] = strconv.FormatInt(v, 10)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case AttrStrings:
		if len(a.Strings) == 0 {
			return "strings[]"
		}
		parts := make([]string, len(a.Strings))
		for i, s := range a.Strings {
			parts[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return "<undefined>"
}

func (p *printer) tensorData(t *Tensor) string {
	n := t.Len()
	if p.opts.MaxElements > 0 && n > p.opts.MaxElements {
		return fmt.Sprintf("{...%d values}", n)
	}
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		switch t.DType {
		case Float32:
			b.WriteString(formatFloat(float64(t.F32[i]), 32))
		case Float64:
			b.WriteString(formatFloat(t.F64[i], 64))
		case Int32:
			b.WriteString(strconv.FormatInt(int64(t.I32[i]), 10))
		case Int64:
			b.WriteString(strconv.FormatInt(t.I64[i], 10))
		case Bool:
			b.WriteString(strconv.FormatBool(t.Bool[i]))
		}
	}
	b.WriteByte('}')
	return b.String()
}

// formatFloat writes the shortest representation that parses back to the
// same value at the given precision.
func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}

// formatFloatLit is formatFloat with a guaranteed decimal point or
// exponent, so that a float attribute never reads back as an int.
func formatFloatLit(f float64, bits int) string {
	s := formatFloat(f, bits)
	if strings.ContainsAny(s, ".eEIN") {
		return s
	}
	return s + ".0"
}

// isIdent reports whether s can be written without quotes.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
		case i > 0 && ((r >= '0' && r <= '9') || r == '.'):
		default:
			return false
		}
	}
	return !keywords[s]
}

var keywords = map[string]bool{
	"graph": true, "opset": true, "input": true, "output": true, "const": true, "node": true,
	"doc": true, "source_opset": true, "_": true, "ints": true, "floats": true, "strings": true,
	"true": true, "false": true, "NaN": true, "Inf": true,
}

func quoteName(s string) string {
	if isIdent(s) {
		return s
	}
	return strconv.Quote(s)
}

// String returns the text form of g with constants over 16 elements
// elided.
func (g *Graph) String() string { return Format(g, 16) }

// typeText is TypeString with symbolic dimension names quoted where they
// are not identifiers.
func typeText(dt DType, s Shape) string {
	if s == nil {
		return dt.String()
	}
	parts := make([]string, len(s))
	for i, d := range s {
		if !d.Known() && d.Param != "" {
			parts[i] = quoteName(d.Param)
		} else {
			parts[i] = d.String()
		}
	}
	return dt.String() + "[" + strings.Join(parts, ",") + "]"
}
