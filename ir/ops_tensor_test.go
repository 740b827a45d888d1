package ir

import "testing"

func TestInferTensorOps(t *testing.T) {
	runInferCases(t, []inferCase{
		// Flatten
		{"flatten default", "input x: float32[N,3,4,5]\ny = Flatten(x)\noutput y", "float32[N,60]", ""},
		{"flatten axis0", "input x: float32[2,3]\ny = Flatten(x) {axis=0}\noutput y", "float32[1,6]", ""},
		{"flatten axis rank", "input x: float32[2,3]\ny = Flatten(x) {axis=2}\noutput y", "float32[6,1]", ""},
		{"flatten neg", "input x: float32[2,N,4]\ny = Flatten(x) {axis=-1}\noutput y", "float32[?,4]", ""},
		{"flatten bad axis", "input x: float32[2,3]\ny = Flatten(x) {axis=3}\noutput y", "", "axis 3 is out of range"},
		// Reshape
		{"reshape -1 sym", "input x: float32[N,1,28,28]\nconst s: int64[2] = {-1, 784}\ny = Reshape(x, s)\noutput y", "float32[N,784]", ""},
		{"reshape 0 -1", "input x: float32[N,3,4]\nconst s: int64[2] = {0, -1}\ny = Reshape(x, s)\noutput y", "float32[N,12]", ""},
		{"reshape static", "input x: float32[2,3,4]\nconst s: int64[3] = {4, -1, 2}\ny = Reshape(x, s)\noutput y", "float32[4,3,2]", ""},
		{"reshape allowzero", "input x: float32[0,3,4]\nconst s: int64[3] = {3, 4, 0}\ny = Reshape(x, s) {allowzero=1}\noutput y", "float32[3,4,0]", ""},
		{"reshape allowzero -1", "input x: float32[0,3]\nconst s: int64[2] = {0, -1}\ny = Reshape(x, s) {allowzero=1}\noutput y", "", "both 0 and -1"},
		{"reshape two -1", "input x: float32[6]\nconst s: int64[2] = {-1, -1}\ny = Reshape(x, s)\noutput y", "", "more than one -1"},
		{"reshape count", "input x: float32[2,3]\nconst s: int64[2] = {4, 2}\ny = Reshape(x, s)\noutput y", "", "cannot reshape"},
		{"reshape indivisible", "input x: float32[2,3]\nconst s: int64[2] = {4, -1}\ny = Reshape(x, s)\noutput y", "", "cannot be divided"},
		{"reshape dynamic", "input x: float32[2,3]\ninput s: int64[3]\ny = Reshape(x, s)\noutput y", "float32[?,?,?]", ""},
		{"reshape shape type", "input x: float32[2,3]\nconst s: int32[1] = {6}\ny = Reshape(x, s)\noutput y", "", "shape has element type int32"},
		// Transpose
		{"transpose default", "input x: float32[N,3,4]\ny = Transpose(x)\noutput y", "float32[4,3,N]", ""},
		{"transpose perm", "input x: float32[N,3,4]\ny = Transpose(x) {perm=[0, 2, 1]}\noutput y", "float32[N,4,3]", ""},
		{"transpose bad perm", "input x: float32[N,3,4]\ny = Transpose(x) {perm=[0, 0, 1]}\noutput y", "", "not a permutation"},
		{"transpose short perm", "input x: float32[N,3,4]\ny = Transpose(x) {perm=[1, 0]}\noutput y", "", "has 2 entries"},
		// Squeeze / Unsqueeze
		{"squeeze axes", "input x: float32[1,3,1,5]\nconst a: int64[2] = {0, -2}\ny = Squeeze(x, a)\noutput y", "float32[3,5]", ""},
		{"squeeze all", "input x: float32[1,3,1,5]\ny = Squeeze(x)\noutput y", "float32[3,5]", ""},
		{"squeeze all symbolic", "input x: float32[N,1]\ny = Squeeze(x)\noutput y", "float32", ""},
		{"squeeze not one", "input x: float32[1,3]\nconst a: int64[1] = {1}\ny = Squeeze(x, a)\noutput y", "", "cannot squeeze axis 1"},
		{"unsqueeze", "input x: float32[3,4,5]\nconst a: int64[2] = {0, 4}\ny = Unsqueeze(x, a)\noutput y", "float32[1,3,4,5,1]", ""},
		{"unsqueeze neg unsorted", "input x: float32[N,4]\nconst a: int64[2] = {-1, 1}\ny = Unsqueeze(x, a)\noutput y", "float32[N,1,4,1]", ""},
		{"unsqueeze dup", "input x: float32[3]\nconst a: int64[2] = {0, 0}\ny = Unsqueeze(x, a)\noutput y", "", "appears twice"},
		{"unsqueeze dynamic", "input x: float32[3]\ninput a: int64[2]\ny = Unsqueeze(x, a)\noutput y", "float32[?,?,?]", ""},
		// Concat
		{"concat", "input a: float32[N,2]\ninput b: float32[N,3]\ny = Concat(a, b) {axis=1}\noutput y", "float32[N,5]", ""},
		{"concat neg", "input a: float32[2,2]\ninput b: float32[3,2]\ny = Concat(a, b) {axis=-2}\noutput y", "float32[5,2]", ""},
		{"concat sym axis", "input a: float32[N,2]\ninput b: float32[3,2]\ny = Concat(a, b) {axis=0}\noutput y", "float32[?,2]", ""},
		{"concat mismatch", "input a: float32[2,2]\ninput b: float32[2,3]\ny = Concat(a, b) {axis=0}\noutput y", "", "does not match"},
		{"concat rank", "input a: float32[2,2]\ninput b: float32[2]\ny = Concat(a, b) {axis=0}\noutput y", "", "rank"},
		// Split
		{"split equal", "input x: float32[N,6]\ny, z = Split(x) {axis=1}\noutput y\noutput z", "float32[N,3]; float32[N,3]", ""},
		{"split sizes", "input x: float32[6,N]\nconst s: int64[3] = {1, 2, 3}\na, b, c = Split(x, s)\noutput a\noutput b\noutput c", "float32[1,N]; float32[2,N]; float32[3,N]", ""},
		{"split bad sum", "input x: float32[6]\nconst s: int64[2] = {1, 2}\na, b = Split(x, s)\noutput a\noutput b", "", "sums to 3"},
		{"split uneven", "input x: float32[5]\na, b = Split(x)\noutput a\noutput b", "", "2 equal parts"},
		// Slice
		{"slice", "input x: float32[N,10]\nconst s: int64[1] = {2}\nconst e: int64[1] = {-1}\nconst a: int64[1] = {1}\ny = Slice(x, s, e, a)\noutput y", "float32[N,7]", ""},
		{"slice neg step", "input x: float32[10]\nconst s: int64[1] = {-1}\nconst e: int64[1] = {-9223372036854775807}\nconst st: int64[1] = {-3}\ny = Slice(x, s, e, _, st)\noutput y", "float32[4]", ""},
		{"slice clamp", "input x: float32[4,5]\nconst s: int64[2] = {-10, 1}\nconst e: int64[2] = {100, 1000}\ny = Slice(x, s, e)\noutput y", "float32[4,4]", ""},
		{"slice whole sym", "input x: float32[N,5]\nconst s: int64[1] = {0}\nconst e: int64[1] = {9223372036854775807}\nconst a: int64[1] = {0}\ny = Slice(x, s, e, a)\noutput y", "float32[N,5]", ""},
		{"slice dynamic", "input x: float32[N,5]\ninput s: int64[1]\nconst e: int64[1] = {3}\nconst a: int64[1] = {1}\ny = Slice(x, s, e, a)\noutput y", "float32[N,?]", ""},
		{"slice zero step", "input x: float32[5]\nconst s: int64[1] = {0}\nconst e: int64[1] = {3}\nconst st: int64[1] = {0}\ny = Slice(x, s, e, _, st)\noutput y", "", "has a 0"},
		// Gather
		{"gather", "input x: float32[5,4,3]\ninput i: int64[N,2]\ny = Gather(x, i) {axis=1}\noutput y", "float32[5,N,2,3]", ""},
		{"gather scalar index", "input x: float32[5,4]\nconst i: int64[] = {1}\ny = Gather(x, i)\noutput y", "float32[4]", ""},
		{"gather index type", "input x: float32[5,4]\ninput i: float32[2]\ny = Gather(x, i)\noutput y", "", "indices"},
		// Expand
		{"expand", "input x: float32[3,1]\nconst s: int64[3] = {2, 1, 6}\ny = Expand(x, s)\noutput y", "float32[2,3,6]", ""},
		{"expand smaller shape", "input x: float32[N,4]\nconst s: int64[1] = {4}\ny = Expand(x, s)\noutput y", "float32[N,4]", ""},
		{"expand bad", "input x: float32[3]\nconst s: int64[1] = {4}\ny = Expand(x, s)\noutput y", "", "cannot be broadcast"},
		// Shape / Size
		{"shape", "input x: float32[N,3,4]\ny = Shape(x)\noutput y", "int64[3]", ""},
		{"shape start end", "input x: float32[N,3,4]\ny = Shape(x) {end=-1, start=1}\noutput y", "int64[1]", ""},
		{"shape clip", "input x: float32[N,3,4]\ny = Shape(x) {end=10, start=-10}\noutput y", "int64[3]", ""},
		{"size", "input x: float32[N,3]\ny = Size(x)\noutput y", "int64[]", ""},
		// Constant
		{"constant tensor", "y = Constant() {value=float32[2,2]{1,2,3,4}}\noutput y", "float32[2,2]", ""},
		{"constant ints", "y = Constant() {value_ints=[1, 2, 3]}\noutput y", "int64[3]", ""},
		{"constant float", "y = Constant() {value_float=2.5}\noutput y", "float32[]", ""},
		{"constant two", "y = Constant() {value_float=2.5, value_int=1}\noutput y", "", "exactly one"},
		{"constant string", `y = Constant() {value_string="a"}` + "\noutput y", "", "not supported"},
		// ConstantOfShape
		{"cos", "const s: int64[2] = {2, 3}\ny = ConstantOfShape(s) {value=int64[1]{7}}\noutput y", "int64[2,3]", ""},
		{"cos default", "input s: int64[3]\ny = ConstantOfShape(s)\noutput y", "float32[?,?,?]", ""},
		{"cos scalar", "const s: int64[0] = {}\ny = ConstantOfShape(s)\noutput y", "float32[]", ""},
		{"cos neg", "const s: int64[1] = {-1}\ny = ConstantOfShape(s)\noutput y", "", "negative"},
		// Range
		{"range int", "const a: int64[] = {10}\nconst b: int64[] = {4}\nconst c: int64[] = {-2}\ny = Range(a, b, c)\noutput y", "int64[3]", ""},
		{"range float", "const a: float32[] = {1}\nconst b: float32[] = {5}\nconst c: float32[] = {1.5}\ny = Range(a, b, c)\noutput y", "float32[3]", ""},
		{"range empty", "const a: int64[] = {3}\nconst b: int64[] = {1}\nconst c: int64[] = {1}\ny = Range(a, b, c)\noutput y", "int64[0]", ""},
		{"range dynamic", "input a: int64[]\nconst b: int64[] = {1}\nconst c: int64[] = {1}\ny = Range(a, b, c)\noutput y", "int64[?]", ""},
		{"range zero delta", "const a: int64[] = {3}\nconst b: int64[] = {1}\nconst c: int64[] = {0}\ny = Range(a, b, c)\noutput y", "", "delta is 0"},
		// Reductions
		{"reducemean", "input x: float32[N,3,4]\ny = ReduceMean(x) {axes=[-1]}\noutput y", "float32[N,3,1]", ""},
		{"reducemax all", "input x: float32[N,3,4]\ny = ReduceMax(x) {keepdims=0}\noutput y", "float32[]", ""},
		{"reducemin nokeep", "input x: float32[2,3,4]\ny = ReduceMin(x) {axes=[0, 2], keepdims=0}\noutput y", "float32[3]", ""},
		{"reducesum input", "input x: float32[2,3,4]\nconst a: int64[1] = {1}\ny = ReduceSum(x, a) {keepdims=0}\noutput y", "float32[2,4]", ""},
		{"reducesum noop", "input x: float32[2,3,4]\nconst a: int64[0] = {}\ny = ReduceSum(x, a) {noop_with_empty_axes=1}\noutput y", "float32[2,3,4]", ""},
		{"reducesum all", "input x: float32[2,3,4]\ny = ReduceSum(x)\noutput y", "float32[1,1,1]", ""},
		{"reducesum dynamic", "input x: float32[2,3,4]\ninput a: int64[1]\ny = ReduceSum(x, a)\noutput y", "float32[?,?,?]", ""},
		{"reduce bad axis", "input x: float32[2,3]\ny = ReduceMean(x) {axes=[2]}\noutput y", "", "axis 2 is out of range"},
		{"reducesum axes attr", "input x: float32[2,3]\ny = ReduceSum(x) {axes=[1]}\noutput y", "", `unknown attribute "axes"`},
	})
}

func TestSliceRange(t *testing.T) {
	const big = int64(1) << 62
	for _, tc := range []struct {
		start, end, step int64
		dim              int
		first, count     int
	}{
		{0, 3, 1, 10, 0, 3},
		{1, 1000, 1, 10, 1, 9},
		{-3, -1, 1, 10, 7, 2},
		{-1, -big, -1, 10, 9, 10},
		{20, -big, -2, 10, 9, 5},
		{0, 10, 3, 10, 0, 4},
		{5, 2, 1, 10, 5, 0},
		{-100, 2, 1, 10, 0, 2},
		{1000, 1001, 1, 10, 10, 0},
		{0, 0, -1, 0, -1, 0},
	} {
		f, c := SliceRange(tc.start, tc.end, tc.step, tc.dim)
		if f != tc.first || c != tc.count {
			t.Errorf("SliceRange(%d,%d,%d,%d) = %d,%d, want %d,%d", tc.start, tc.end, tc.step, tc.dim, f, c, tc.first, tc.count)
		}
	}
}
