package ir

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// Parse reads a graph in the text form that Print writes. Values not
// declared as inputs or constants must be defined by a node before use,
// except that nodes may appear in any order (Parse sorts them). The result
// is not verified against operator schemas; call Verify for that.
func Parse(src string) (*Graph, error) {
	p := &parser{lex: lexer{src: src, line: 1}}
	p.next()
	g, err := p.graph()
	if err != nil {
		return nil, err
	}
	return g, nil
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tPunct
)

type token struct {
	kind tokKind
	text string // identifier, unquoted string, number text, or punctuation
	line int
}

type lexer struct {
	src  string
	pos  int
	line int
}

func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == '\n' {
			l.line++
			l.pos++
		} else if c == ' ' || c == '\t' || c == '\r' {
			l.pos++
		} else if c == '#' {
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		} else {
			break
		}
	}
	if l.pos >= len(l.src) {
		return token{kind: tEOF, line: l.line}, nil
	}
	start := l.pos
	c := l.src[l.pos]
	switch {
	case c == '"':
		// find the closing quote, honouring escapes
		i := l.pos + 1
		for i < len(l.src) && l.src[i] != '"' {
			if l.src[i] == '\\' {
				i++
			}
			if i < len(l.src) && l.src[i] == '\n' {
				return token{}, fmt.Errorf("line %d: newline in string", l.line)
			}
			i++
		}
		if i >= len(l.src) {
			return token{}, fmt.Errorf("line %d: unterminated string", l.line)
		}
		s, err := strconv.Unquote(l.src[l.pos : i+1])
		if err != nil {
			return token{}, fmt.Errorf("line %d: bad string %s: %v", l.line, l.src[l.pos:i+1], err)
		}
		l.pos = i + 1
		return token{kind: tString, text: s, line: l.line}, nil
	case c == '_' || unicode.IsLetter(rune(c)):
		for l.pos < len(l.src) {
			r := rune(l.src[l.pos])
			if r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r) {
				l.pos++
				continue
			}
			break
		}
		return token{kind: tIdent, text: l.src[start:l.pos], line: l.line}, nil
	case c >= '0' && c <= '9' || c == '-' || c == '+':
		l.pos++
		for l.pos < len(l.src) {
			r := l.src[l.pos]
			if (r >= '0' && r <= '9') || r == '.' || r == 'e' || r == 'E' || r == 'x' ||
				((r == '-' || r == '+') && (l.src[l.pos-1] == 'e' || l.src[l.pos-1] == 'E')) {
				l.pos++
				continue
			}
			if (r == 'I' || r == 'N') && l.pos == start+1 { // +Inf, -Inf, -NaN
				for l.pos < len(l.src) && unicode.IsLetter(rune(l.src[l.pos])) {
					l.pos++
				}
			}
			break
		}
		return token{kind: tNumber, text: l.src[start:l.pos], line: l.line}, nil
	}
	if c == '.' {
		return token{}, fmt.Errorf("line %d: unexpected \".\" (elided constant data cannot be parsed)", l.line)
	}
	l.pos++
	switch c {
	case '{', '}', '(', ')', '[', ']', ',', '=', ':', '?', '*':
		return token{kind: tPunct, text: string(c), line: l.line}, nil
	}
	return token{}, fmt.Errorf("line %d: unexpected character %q", l.line, c)
}

type parser struct {
	lex    lexer
	tok    token
	err    error
	values map[string]*Value
}

func (p *parser) next() {
	if p.err != nil {
		return
	}
	t, err := p.lex.next()
	if err != nil {
		p.err = err
		p.tok = token{kind: tEOF}
		return
	}
	p.tok = t
}

func (p *parser) errorf(format string, args ...any) error {
	if p.err != nil {
		return p.err
	}
	p.err = fmt.Errorf("line %d: %s", p.tok.line, fmt.Sprintf(format, args...))
	return p.err
}

func (p *parser) is(text string) bool {
	return (p.tok.kind == tPunct || p.tok.kind == tIdent) && p.tok.text == text
}

func (p *parser) expect(text string) error {
	if !p.is(text) {
		return p.errorf("expected %q, found %q", text, p.tok.text)
	}
	p.next()
	return p.err
}

// name reads an identifier or quoted name.
func (p *parser) name() (string, error) {
	if p.tok.kind != tIdent && p.tok.kind != tString {
		return "", p.errorf("expected a name, found %q", p.tok.text)
	}
	s := p.tok.text
	p.next()
	return s, p.err
}

func (p *parser) integer() (int64, error) {
	if p.tok.kind != tNumber {
		return 0, p.errorf("expected an integer, found %q", p.tok.text)
	}
	v, err := strconv.ParseInt(p.tok.text, 10, 64)
	if err != nil {
		return 0, p.errorf("bad integer %q", p.tok.text)
	}
	p.next()
	return v, p.err
}

func (p *parser) graph() (*Graph, error) {
	if err := p.expect("graph"); err != nil {
		return nil, err
	}
	g := &Graph{}
	if p.tok.kind == tString || p.tok.kind == tIdent && p.tok.text != "opset" {
		g.Name = p.tok.text
		p.next()
	}
	if p.is("opset") {
		p.next()
		v, err := p.integer()
		if err != nil {
			return nil, err
		}
		if v != Opset {
			return nil, p.errorf("text form is opset %d, this build reads opset %d", v, Opset)
		}
	}
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	p.values = map[string]*Value{}
	for !p.is("}") {
		if p.tok.kind == tEOF {
			return nil, p.errorf("unexpected end of input: missing \"}\"")
		}
		if err := p.statement(g); err != nil {
			return nil, err
		}
	}
	p.next()
	if p.tok.kind != tEOF {
		return nil, p.errorf("unexpected %q after the graph", p.tok.text)
	}
	if err := g.SortTopological(); err != nil {
		return nil, err
	}
	return g, nil
}

func (p *parser) value(name string) *Value {
	if v, ok := p.values[name]; ok {
		return v
	}
	v := &Value{Name: name}
	p.values[name] = v
	return v
}

func (p *parser) statement(g *Graph) error {
	switch {
	case p.is("doc"):
		p.next()
		if p.tok.kind != tString {
			return p.errorf("doc needs a quoted string")
		}
		g.Doc = p.tok.text
		p.next()
		return p.err
	case p.is("source_opset"):
		p.next()
		v, err := p.integer()
		g.SourceOpset = v
		return err
	case p.is("input"):
		p.next()
		n, err := p.name()
		if err != nil {
			return err
		}
		if _, dup := p.values[n]; dup {
			return p.errorf("value %q declared twice", n)
		}
		v := p.value(n)
		if err := p.expect(":"); err != nil {
			return err
		}
		if v.DType, v.Shape, err = p.typ(); err != nil {
			return err
		}
		g.Inputs = append(g.Inputs, v)
		return nil
	case p.is("const"):
		p.next()
		n, err := p.name()
		if err != nil {
			return err
		}
		if _, dup := p.values[n]; dup {
			return p.errorf("value %q declared twice", n)
		}
		v := p.value(n)
		if err := p.expect(":"); err != nil {
			return err
		}
		if v.DType, v.Shape, err = p.typ(); err != nil {
			return err
		}
		dims, ok := v.Shape.Ints()
		if !ok {
			return p.errorf("constant %q needs a static shape", n)
		}
		if err := p.expect("="); err != nil {
			return err
		}
		if v.Const, err = p.tensorData(v.DType, dims); err != nil {
			return err
		}
		return nil
	case p.is("output"):
		p.next()
		n, err := p.name()
		if err != nil {
			return err
		}
		g.Outputs = append(g.Outputs, p.value(n))
		return nil
	}
	return p.node(g)
}

func (p *parser) typ() (DType, Shape, error) {
	if p.tok.kind != tIdent {
		return Undefined, nil, p.errorf("expected an element type, found %q", p.tok.text)
	}
	dt, err := ParseDType(p.tok.text)
	if err != nil {
		return Undefined, nil, p.errorf("%v", err)
	}
	p.next()
	if !p.is("[") {
		return dt, nil, p.err
	}
	p.next()
	s := Shape{}
	if p.is("*") {
		p.next()
		return dt, nil, p.expect("]")
	}
	for !p.is("]") {
		if len(s) > 0 {
			if err := p.expect(","); err != nil {
				return dt, nil, err
			}
		}
		switch {
		case p.is("?"):
			s = append(s, Unknown)
			p.next()
		case p.tok.kind == tNumber:
			v, err := p.integer()
			if err != nil {
				return dt, nil, err
			}
			if v < 0 {
				return dt, nil, p.errorf("negative dimension %d", v)
			}
			s = append(s, D(int(v)))
		case p.tok.kind == tIdent || p.tok.kind == tString:
			s = append(s, Sym(p.tok.text))
			p.next()
		default:
			return dt, nil, p.errorf("expected a dimension, found %q", p.tok.text)
		}
	}
	p.next()
	return dt, s, p.err
}

func (p *parser) tensorData(dt DType, dims []int) (*Tensor, error) {
	t, err := NewTensor(dt, dims...)
	if err != nil {
		return nil, p.errorf("%v", err)
	}
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	n := t.Len()
	count := 0
	for ; !p.is("}"); count++ {
		if count > 0 {
			if err := p.expect(","); err != nil {
				return nil, err
			}
		}
		if p.tok.kind == tEOF {
			return nil, p.errorf("unterminated tensor data")
		}
		if count >= n {
			return nil, p.errorf("more than %d elements for shape %v", n, dims)
		}
		switch dt {
		case Bool:
			if p.tok.text != "true" && p.tok.text != "false" {
				return nil, p.errorf("expected true or false, found %q", p.tok.text)
			}
			t.Bool[count] = p.tok.text == "true"
		case Float32, Float64:
			f, err := parseFloatTok(p.tok)
			if err != nil {
				return nil, p.errorf("%v", err)
			}
			t.SetFloat64(count, f)
		default:
			if p.tok.kind != tNumber {
				return nil, p.errorf("expected an integer, found %q", p.tok.text)
			}
			v, err := strconv.ParseInt(p.tok.text, 10, 64)
			if err != nil {
				return nil, p.errorf("bad integer %q", p.tok.text)
			}
			if dt == Int32 {
				t.I32[count] = int32(v)
			} else {
				t.I64[count] = v
			}
		}
		p.next()
		if p.err != nil {
			return nil, p.err
		}
	}
	if count != n {
		return nil, p.errorf("%d elements given, shape %v needs %d", count, dims, n)
	}
	p.next()
	return t, p.err
}

func parseFloatTok(t token) (float64, error) {
	switch t.text {
	case "NaN", "+NaN", "-NaN":
		return math.NaN(), nil
	case "Inf", "+Inf":
		return math.Inf(1), nil
	case "-Inf":
		return math.Inf(-1), nil
	}
	if t.kind != tNumber {
		return 0, fmt.Errorf("expected a number, found %q", t.text)
	}
	f, err := strconv.ParseFloat(t.text, 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", t.text)
	}
	return f, nil
}

func (p *parser) node(g *Graph) error {
	n := &Node{}
	if p.is("node") {
		p.next()
		name, err := p.name()
		if err != nil {
			return err
		}
		n.Name = name
		if err := p.expect(":"); err != nil {
			return err
		}
	}
	for {
		if p.is("_") {
			n.Outputs = append(n.Outputs, nil)
			p.next()
		} else {
			name, err := p.name()
			if err != nil {
				return err
			}
			v := p.value(name)
			if p.is(":") {
				p.next()
				if v.DType, v.Shape, err = p.typ(); err != nil {
					return err
				}
			}
			n.Outputs = append(n.Outputs, v)
		}
		if !p.is(",") {
			break
		}
		p.next()
	}
	if err := p.expect("="); err != nil {
		return err
	}
	if p.tok.kind != tIdent {
		return p.errorf("expected an operator, found %q", p.tok.text)
	}
	op := p.tok.text
	if i := strings.LastIndexByte(op, '.'); i >= 0 {
		n.Domain, op = op[:i], op[i+1:]
	}
	n.Op = op
	p.next()
	if err := p.expect("("); err != nil {
		return err
	}
	for !p.is(")") {
		if len(n.Inputs) > 0 {
			if err := p.expect(","); err != nil {
				return err
			}
		}
		if p.is("_") {
			n.Inputs = append(n.Inputs, nil)
			p.next()
			continue
		}
		name, err := p.name()
		if err != nil {
			return err
		}
		n.Inputs = append(n.Inputs, p.value(name))
	}
	p.next()
	if p.is("{") {
		p.next()
		n.Attrs = Attrs{}
		for !p.is("}") {
			if len(n.Attrs) > 0 {
				if err := p.expect(","); err != nil {
					return err
				}
			}
			name, err := p.name()
			if err != nil {
				return err
			}
			if err := p.expect("="); err != nil {
				return err
			}
			a, err := p.attr()
			if err != nil {
				return err
			}
			if n.Attrs.Has(name) {
				return p.errorf("attribute %q given twice", name)
			}
			n.Attrs[name] = a
		}
		p.next()
	}
	g.Nodes = append(g.Nodes, n)
	return p.err
}

func (p *parser) attr() (Attr, error) {
	switch {
	case p.tok.kind == tString:
		s := p.tok.text
		p.next()
		return StringAttr(s), p.err
	case p.tok.kind == tNumber || p.is("NaN") || p.is("Inf"):
		if isIntText(p.tok.text) {
			v, err := p.integer()
			return IntAttr(v), err
		}
		f, err := parseFloatTok(p.tok)
		if err != nil {
			return Attr{}, p.errorf("%v", err)
		}
		p.next()
		return FloatAttr(float32(f)), p.err
	case p.is("ints") || p.is("floats") || p.is("strings"):
		kind := p.tok.text
		p.next()
		if err := p.expect("["); err != nil {
			return Attr{}, err
		}
		if err := p.expect("]"); err != nil {
			return Attr{}, err
		}
		switch kind {
		case "ints":
			return Attr{Kind: AttrInts, Ints: []int64{}}, nil
		case "floats":
			return Attr{Kind: AttrFloats, Floats: []float32{}}, nil
		}
		return Attr{Kind: AttrStrings, Strings: []string{}}, nil
	case p.is("["):
		p.next()
		var toks []token
		for !p.is("]") {
			if len(toks) > 0 {
				if err := p.expect(","); err != nil {
					return Attr{}, err
				}
			}
			if p.tok.kind == tEOF {
				return Attr{}, p.errorf("unterminated list")
			}
			toks = append(toks, p.tok)
			p.next()
		}
		p.next()
		if len(toks) == 0 {
			return Attr{}, p.errorf("empty list needs a kind: ints[], floats[] or strings[]")
		}
		switch {
		case toks[0].kind == tString:
			a := Attr{Kind: AttrStrings}
			for _, t := range toks {
				if t.kind != tString {
					return Attr{}, p.errorf("mixed list: %q is not a string", t.text)
				}
				a.Strings = append(a.Strings, t.text)
			}
			return a, nil
		case allInts(toks):
			a := Attr{Kind: AttrInts}
			for _, t := range toks {
				v, err := strconv.ParseInt(t.text, 10, 64)
				if err != nil {
					return Attr{}, p.errorf("bad integer %q", t.text)
				}
				a.Ints = append(a.Ints, v)
			}
			return a, nil
		default:
			a := Attr{Kind: AttrFloats}
			for _, t := range toks {
				f, err := parseFloatTok(t)
				if err != nil {
					return Attr{}, p.errorf("%v", err)
				}
				a.Floats = append(a.Floats, float32(f))
			}
			return a, nil
		}
	case p.tok.kind == tIdent:
		dt, s, err := p.typ()
		if err != nil {
			return Attr{}, err
		}
		dims, ok := s.Ints()
		if !ok {
			return Attr{}, p.errorf("tensor attribute needs a static shape")
		}
		t, err := p.tensorData(dt, dims)
		if err != nil {
			return Attr{}, err
		}
		return TensorAttr(t), nil
	}
	return Attr{}, p.errorf("expected an attribute value, found %q", p.tok.text)
}

func isIntText(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func allInts(toks []token) bool {
	for _, t := range toks {
		if t.kind != tNumber || !isIntText(t.text) {
			return false
		}
	}
	return true
}
