package runtime

import "math"

func logf64(x float64) float64 { return math.Log(x) }
