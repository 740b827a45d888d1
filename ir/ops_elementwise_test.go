package ir

import (
	"strings"
	"testing"
)

// inferCase is one shape-inference check: a graph in the text form whose
// outputs should have the types in want (joined by "; "), or an error
// containing err.
type inferCase struct {
	name string
	src  string
	want string
	err  string
}

func runInferCases(t *testing.T, cases []inferCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, err := Parse("graph g {\n" + tc.src + "\n}")
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if err == nil {
				err = Verify(g)
			}
			if err == nil {
				err = InferShapes(g)
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range g.Outputs {
				got = append(got, TypeString(v.DType, v.Shape))
			}
			if s := strings.Join(got, "; "); s != tc.want {
				t.Errorf("got %s, want %s", s, tc.want)
			}
		})
	}
}

func TestInferElementwise(t *testing.T) {
	runInferCases(t, []inferCase{
		{"add bias", "input x: float32[N,4]\nconst b: float32[4] = {1,2,3,4}\ny = Add(x, b)\noutput y", "float32[N,4]", ""},
		{"sub scalar", "input x: int64[2,3]\nconst b: int64[] = {1}\ny = Sub(x, b)\noutput y", "int64[2,3]", ""},
		{"mul outer", "input x: float32[3,1]\ninput z: float32[1,5]\ny = Mul(x, z)\noutput y", "float32[3,5]", ""},
		{"div unknown rank", "input x: float32\ninput z: float32[2]\ny = Div(x, z)\noutput y", "float32", ""},
		{"add mismatch", "input x: float32[2,3]\ninput z: float32[4]\ny = Add(x, z)\noutput y", "", "cannot be broadcast"},
		{"add types", "input x: float32[2]\ninput z: int64[2]\ny = Add(x, z)\noutput y", "", "different element types"},
		{"add bool", "input x: bool[2]\ninput z: bool[2]\ny = Add(x, z)\noutput y", "", "element type bool"},
		{"equal bool", "input x: bool[2,1]\ninput z: bool[3]\ny = Equal(x, z)\noutput y", "bool[2,3]", ""},
		{"less", "input x: float32[N]\ninput z: float32[N]\ny = Less(x, z)\noutput y", "bool[N]", ""},
		{"greater int", "input x: int64[4]\ninput z: int64[]\ny = Greater(x, z)\noutput y", "bool[4]", ""},
		{"relu", "input x: float32[N,3,8,8]\ny = Relu(x)\noutput y", "float32[N,3,8,8]", ""},
		{"sqrt int", "input x: int64[3]\ny = Sqrt(x)\noutput y", "", "operator takes"},
		{"leakyrelu attr", "input x: float32[3]\ny = LeakyRelu(x) {alpha=0.1}\noutput y", "float32[3]", ""},
		{"selu bad attr", "input x: float32[3]\ny = Selu(x) {alpha=1}\noutput y", "", `"alpha" is int`},
		{"identity bool", "input x: bool[3]\ny = Identity(x)\noutput y", "bool[3]", ""},
		{"pow mixed", "input x: float32[2,3]\ninput e: int64[3]\ny = Pow(x, e)\noutput y", "float32[2,3]", ""},
		{"prelu", "input x: float32[N,3,4,4]\nconst s: float32[3,1,1] = {1,2,3}\ny = PRelu(x, s)\noutput y", "float32[N,3,4,4]", ""},
		{"prelu bad slope", "input x: float32[2,3]\ninput s: float32[2]\ny = PRelu(x, s)\noutput y", "", "slope"},
		{"prelu slope rank", "input x: float32[3]\ninput s: float32[2,3]\ny = PRelu(x, s)\noutput y", "", "higher rank"},
		{"where", "input c: bool[N,1]\ninput a: float32[4]\ninput b: float32[]\ny = Where(c, a, b)\noutput y", "float32[N,4]", ""},
		{"where cond type", "input c: float32[1]\ninput a: float32[4]\ninput b: float32[]\ny = Where(c, a, b)\noutput y", "", "condition"},
		{"where xy types", "input c: bool[1]\ninput a: float32[4]\ninput b: int64[]\ny = Where(c, a, b)\noutput y", "", "different"},
		{"clip", "input x: float32[2,2]\nconst lo: float32[] = {0}\ny = Clip(x, lo)\noutput y", "float32[2,2]", ""},
		{"clip omitted min", "input x: float32[2,2]\nconst hi: float32[] = {6}\ny = Clip(x, _, hi)\noutput y", "float32[2,2]", ""},
		{"clip vector min", "input x: float32[2,2]\nconst lo: float32[2] = {0, 1}\ny = Clip(x, lo)\noutput y", "", "must be a scalar"},
		{"cast", "input x: float32[N,2]\ny = Cast(x) {to=7}\noutput y", "int64[N,2]", ""},
		{"cast float16", "input x: float32[2]\ny = Cast(x) {to=10}\noutput y", "", "float16 is not supported"},
		{"cast no to", "input x: float32[2]\ny = Cast(x)\noutput y", "", `required attribute "to"`},
		{"sum3", "input a: float32[3]\ninput b: float32[2,1]\ninput c: float32[]\ny = Sum(a, b, c)\noutput y", "float32[2,3]", ""},
		{"mean one", "input a: float32[N,3]\ny = Mean(a)\noutput y", "float32[N,3]", ""},
		{"max int", "input a: int64[3]\ninput b: int64[3]\ny = Max(a, b)\noutput y", "int64[3]", ""},
		{"min none", "y = Min()\noutput y", "", "has 0 inputs"},
		{"mean int", "input a: int64[3]\ny = Mean(a)\noutput y", "", "operator takes"},
	})
}

func TestElementwiseFlag(t *testing.T) {
	for _, op := range []string{"Add", "Relu", "Sigmoid", "Where", "Clip", "Cast", "Max", "PRelu"} {
		s, ok := LookupSchema("", op)
		if !ok || !s.Elementwise {
			t.Errorf("%s: registered %v, Elementwise %v", op, ok, ok && s.Elementwise)
		}
	}
	for _, op := range []string{"Reshape", "Transpose", "ReduceSum", "Gather"} {
		if s, ok := LookupSchema("", op); !ok || s.Elementwise {
			t.Errorf("%s: registered %v, marked elementwise", op, ok)
		}
	}
}
