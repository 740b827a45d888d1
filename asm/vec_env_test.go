package asm

import (
	"os"
	"strconv"
)

// envBool reports whether the environment variable name is set to a true
// value (1, true, ...). Only tests read it.
func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}
