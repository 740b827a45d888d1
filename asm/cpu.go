package asm

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/klauspost/cpuid/v2"
)

// Tier is an instruction-set level that has its own set of kernels.
type Tier uint8

const (
	// Generic is the portable pure-Go tier; it runs everywhere.
	Generic Tier = iota
	// AVX2 is the amd64 tier using AVX2 and FMA3 on 256-bit registers.
	AVX2
	// AVX512 is the amd64 tier using AVX-512F (with BW, DQ and VL) on
	// 512-bit registers.
	AVX512
	// NEON is the arm64 tier using Advanced SIMD on 128-bit registers.
	NEON
	numTiers
)

var tierNames = [numTiers]string{"generic", "avx2", "avx512", "neon"}

// String returns the tier's name as LATENT_ISA spells it.
func (t Tier) String() string {
	if t < numTiers {
		return tierNames[t]
	}
	return fmt.Sprintf("Tier(%d)", uint8(t))
}

// ParseTier returns the tier named s (generic, avx2, avx512, neon).
func ParseTier(s string) (Tier, error) {
	for i, n := range tierNames {
		if strings.EqualFold(s, n) {
			return Tier(i), nil
		}
	}
	return Generic, fmt.Errorf("asm: unknown ISA tier %q (want one of %s)", s, strings.Join(tierNames[:], ", "))
}

// Supported reports whether the running CPU and this build can execute
// kernels of tier t.
func (t Tier) Supported() bool {
	if t == Generic {
		return true
	}
	if !haveAsm {
		return false
	}
	switch t {
	case AVX2:
		// AVX2 kernels use FMA3 too. cpuid reports AVX2 and FMA3 only when
		// the OS saves the YMM state (XCR0), so both flags together prove
		// the kernels can run.
		return runtime.GOARCH == "amd64" && cpuid.CPU.Supports(cpuid.AVX, cpuid.AVX2, cpuid.FMA3)
	case AVX512:
		return runtime.GOARCH == "amd64" && cpuid.CPU.Supports(cpuid.AVX, cpuid.AVX2, cpuid.FMA3,
			cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512DQ, cpuid.AVX512VL)
	case NEON:
		return runtime.GOARCH == "arm64" && cpuid.CPU.Supports(cpuid.ASIMD)
	}
	return false
}

// Tiers returns every tier the running CPU supports, slowest first
// (Generic is always first).
func Tiers() []Tier {
	var ts []Tier
	for t := Generic; t < numTiers; t++ {
		if t.Supported() {
			ts = append(ts, t)
		}
	}
	return ts
}

// Best returns the fastest tier the running CPU supports.
func Best() Tier {
	ts := Tiers()
	return ts[len(ts)-1]
}

// activeTier is chosen once at package initialisation.
var activeTier, activeErr = chooseTier(os.Getenv("LATENT_ISA"))

func chooseTier(env string) (Tier, error) {
	if env == "" {
		return Best(), nil
	}
	t, err := ParseTier(env)
	if err != nil {
		return Best(), fmt.Errorf("LATENT_ISA: %w", err)
	}
	if !t.Supported() {
		return Best(), fmt.Errorf("LATENT_ISA=%s: tier not supported by this CPU or build; using %s", env, Best())
	}
	return t, nil
}

// Active returns the tier the package-level kernels dispatch to: the value
// of LATENT_ISA when it names a supported tier, otherwise Best().
func Active() Tier { return activeTier }

// ActiveErr reports why LATENT_ISA was ignored, or nil. Commands may print
// it; the package itself never does.
func ActiveErr() error { return activeErr }

// CacheSizes holds the data-cache sizes in bytes used to choose GEMM
// blocking. Unknown levels are filled with conservative defaults.
type CacheSizes struct {
	L1D, L2, L3 int
}

// Caches returns the CPU's data-cache sizes, with defaults (32 KiB, 1 MiB,
// 8 MiB) where cpuid cannot tell.
func Caches() CacheSizes {
	c := CacheSizes{L1D: cpuid.CPU.Cache.L1D, L2: cpuid.CPU.Cache.L2, L3: cpuid.CPU.Cache.L3}
	if c.L1D <= 0 {
		c.L1D = 32 << 10
	}
	if c.L2 <= 0 {
		c.L2 = 1 << 20
	}
	if c.L3 <= 0 {
		c.L3 = 8 << 20
	}
	return c
}
