package bench

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ParseInts parses a comma-separated list of positive integers ("1,64"),
// as --batch and --threads take.
func ParseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: want a positive integer", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%q: want a comma-separated list of positive integers", s)
	}
	return out, nil
}

// Dims is a flag.Value collecting NAME=SIZE settings of symbolic input
// dimensions (--dim height=28 --dim width=28).
type Dims map[string]int

// String returns the settings in flag syntax, sorted by name.
func (d Dims) String() string {
	names := make([]string, 0, len(d))
	for k := range d {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s=%d", k, d[k])
	}
	return strings.Join(parts, ",")
}

// Set adds one NAME=SIZE setting, or several separated by commas.
func (d Dims) Set(s string) error {
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return fmt.Errorf("%q: want NAME=SIZE", kv)
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return fmt.Errorf("%q: size must be a positive integer", kv)
		}
		d[k] = n
	}
	return nil
}
