package importer

//go:generate sh -c "/usr/bin/python3 internal/gen/versions.py | gofmt > versions_gen.go"

// post17 lists the operator versions of ai.onnx operator sets 18 to
// MaxOpset (ONNX 1.13 to 1.16) that change an operator's inputs,
// attributes or semantics for the element types latent supports, and the
// operators those sets introduce. A node resolving to one of these
// versions needs a conversion in the upgrade table, or it is reported as
// unsupported.
//
// Versions that only add element types (float8, int4, bfloat16, string)
// are deliberately absent, so that such nodes resolve to their opset-17
// version, whose semantics are the same for float32, float64, int32, int64
// and bool. They are, for the operators of latent's set: Cast-21,
// Constant-19 and -21, ConstantOfShape-20 and -21, Equal-19, Flatten-21,
// Identity-19 and -21, Pad-21, ReduceMax-20 and ReduceMin-20 (bool),
// Reshape-19 and -21, Shape-19 and -21, Size-19 and -21, Squeeze-21,
// Transpose-21, Unsqueeze-21.
var post17 = map[string][]int64{
	// Semantic changes.
	"ReduceL1":           {18},
	"ReduceL2":           {18},
	"ReduceLogSum":       {18},
	"ReduceLogSumExp":    {18},
	"ReduceMax":          {18},
	"ReduceMean":         {18},
	"ReduceMin":          {18},
	"ReduceProd":         {18},
	"ReduceSumSquare":    {18},
	"Split":              {18},
	"Pad":                {18, 19},
	"Resize":             {18, 19},
	"AveragePool":        {19},
	"Cast":               {19},
	"CastLike":           {19},
	"ScatterElements":    {18},
	"ScatterND":          {18},
	"LpPool":             {18},
	"GroupNormalization": {18, 21},
	"DequantizeLinear":   {19, 21},
	"QuantizeLinear":     {19, 21},
	"QLinearMatMul":      {21},
	"If":                 {19, 21},
	"Loop":               {19, 21},
	"Scan":               {19, 21},
	"GridSample":         {20},
	"IsInf":              {20},
	"IsNaN":              {20},
	// Operators introduced after opset 17.
	"BitwiseAnd":         {18},
	"BitwiseNot":         {18},
	"BitwiseOr":          {18},
	"BitwiseXor":         {18},
	"CenterCropPad":      {18},
	"Col2Im":             {18},
	"Mish":               {18},
	"OptionalGetElement": {18},
	"OptionalHasElement": {18},
	"DeformConv":         {19},
	"AffineGrid":         {20},
	"DFT":                {20},
	"Gelu":               {20},
	"ImageDecoder":       {20},
	"RegexFullMatch":     {20},
	"StringConcat":       {20},
	"StringSplit":        {20},
}

// resolveOpVersion returns the newest version of op at or below opset.
func resolveOpVersion(op string, opset int64) (int64, bool) {
	var best int64
	for _, v := range onnxVersions[op] {
		if v <= opset && v > best {
			best = v
		}
	}
	for _, v := range post17[op] {
		if v <= opset && v > best {
			best = v
		}
	}
	return best, best > 0
}

// firstVersion returns the operator set that introduced op (0 if unknown).
func firstVersion(op string) int64 {
	first := int64(0)
	for _, list := range [][]int64{onnxVersions[op], post17[op]} {
		for _, v := range list {
			if first == 0 || v < first {
				first = v
			}
		}
	}
	return first
}
