//go:build (!amd64 && !arm64) || purego

package asm

// haveAsm reports whether this build contains assembly kernels.
const haveAsm = false
