package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// CSVOptions configures ReadCSV. The zero value reads comma-separated
// values with no label column and treats empty fields, "NA" and "NaN" (any
// letter case) as missing.
type CSVOptions struct {
	// Comma is the field separator; 0 means ','.
	Comma rune
	// Label names the column holding class labels; "" means none. Labels
	// that are all non-negative integers are used as they are; otherwise
	// each distinct string becomes a class, numbered in order of first
	// appearance (Table.LabelNames). A missing label is an error.
	Label string
	// Missing lists the field values (after trimming spaces, compared
	// without regard to case) that mean "missing". Nil means "", "NA",
	// "NaN".
	Missing []string
}

// Table is a numeric CSV file read by ReadCSV: the feature columns as a Set
// (labelled when CSVOptions.Label was given) plus which values were missing.
type Table struct {
	Set *Set
	// Columns names the Set's Dim feature columns, in order.
	Columns []string
	// Missing has one entry per value of Set.X: true where the field was
	// missing. Missing values are stored in Set.X as 0.
	Missing []bool
	// NumMissing counts the true entries of Missing.
	NumMissing int
	// LabelNames, when the label column held strings, maps each class
	// index to its string; nil for integer labels.
	LabelNames []string
}

// LoadCSV reads the CSV file at path with ReadCSV.
func LoadCSV(path string, opts CSVOptions) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	return ReadCSV(f, path, opts)
}

// ReadCSV reads a numeric CSV table from r: a header row of column names,
// then one row per example with the same number of fields. name is used in
// error messages, which give the line and column (1-based) of the bad
// field. Every field except the label column must be a finite number
// (strconv.ParseFloat syntax, surrounding spaces ignored) or a missing
// value; numbers are stored as float32 and must fit its range.
func ReadCSV(r io.Reader, name string, opts CSVOptions) (*Table, error) {
	cr := csv.NewReader(r)
	if opts.Comma != 0 {
		cr.Comma = opts.Comma
	}
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	missing := opts.Missing
	if missing == nil {
		missing = []string{"", "NA", "NaN"}
	}
	isMissing := func(s string) bool {
		for _, m := range missing {
			if strings.EqualFold(s, m) {
				return true
			}
		}
		return false
	}

	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("dataset: %s: empty file, want a header row", name)
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	header = append([]string(nil), header...)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // UTF-8 byte-order mark
	}
	labelCol := -1
	seen := map[string]int{}
	t := &Table{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		if j, dup := seen[h]; dup {
			return nil, fmt.Errorf("dataset: %s:1: columns %d and %d are both named %q", name, j+1, i+1, h)
		}
		seen[h] = i
		if opts.Label != "" && h == opts.Label {
			labelCol = i
			continue
		}
		t.Columns = append(t.Columns, h)
	}
	if opts.Label != "" && labelCol < 0 {
		return nil, fmt.Errorf("dataset: %s:1: no label column %q among %q", name, opts.Label, header)
	}
	dim := len(t.Columns)
	var (
		x      []float32
		labels []string
		n      int
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(err, csv.ErrFieldCount) {
			return nil, fmt.Errorf("dataset: %s:%d: %d fields, the header has %d", name, pe.StartLine, len(rec), len(header))
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		for i, f := range rec {
			f = strings.TrimSpace(f)
			line, col := cr.FieldPos(i)
			if i == labelCol {
				if isMissing(f) {
					return nil, fmt.Errorf("dataset: %s:%d:%d: missing label in column %q", name, line, col, header[i])
				}
				labels = append(labels, f)
				continue
			}
			if isMissing(f) {
				x = append(x, 0)
				t.Missing = append(t.Missing, true)
				t.NumMissing++
				continue
			}
			v, err := strconv.ParseFloat(f, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > math.MaxFloat32 {
				return nil, fmt.Errorf("dataset: %s:%d:%d: column %q: %q is not a finite float32 number", name, line, col, header[i], f)
			}
			x = append(x, float32(v))
			t.Missing = append(t.Missing, false)
		}
		n++
	}
	s := &Set{X: x, N: n, Dim: dim}
	if x == nil {
		s.X = []float32{}
		t.Missing = []bool{}
	}
	if labelCol >= 0 {
		s.Y, s.Classes, t.LabelNames = parseLabels(labels)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("dataset: %s: %w", name, err)
	}
	t.Set = s
	return t, nil
}

// parseLabels turns label strings into class indices: the integers
// themselves when all are non-negative integers, else indices of distinct
// strings in order of first appearance.
func parseLabels(labels []string) (y []int, classes int, names []string) {
	y = make([]int, len(labels))
	numeric := true
	for i, l := range labels {
		v, err := strconv.Atoi(l)
		if err != nil || v < 0 || v > math.MaxInt32 {
			numeric = false
			break
		}
		y[i] = v
		classes = max(classes, v+1)
	}
	if numeric {
		return y, classes, nil
	}
	index := map[string]int{}
	for i, l := range labels {
		k, ok := index[l]
		if !ok {
			k = len(names)
			index[l] = k
			names = append(names, l)
		}
		y[i] = k
	}
	return y, len(names), names
}

// csvError rewrites an encoding/csv error as "name:line:column: problem".
func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("dataset: %s:%d:%d: %w", name, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("dataset: %s: %w", name, err)
}

// ImputeMean replaces every missing value with the mean of the observed
// values in its column (0 when a column has none) and returns the means.
// Missing is left as it was, so the imputed entries stay identifiable.
func (t *Table) ImputeMean() []float32 {
	s := t.Set
	sum := make([]float64, s.Dim)
	cnt := make([]int, s.Dim)
	for i, v := range s.X {
		if !t.Missing[i] {
			sum[i%s.Dim] += float64(v)
			cnt[i%s.Dim]++
		}
	}
	mean := make([]float32, s.Dim)
	for j := range mean {
		if cnt[j] > 0 {
			mean[j] = float32(sum[j] / float64(cnt[j]))
		}
	}
	for i, m := range t.Missing {
		if m {
			s.X[i] = mean[i%s.Dim]
		}
	}
	return mean
}
