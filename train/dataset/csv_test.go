package dataset

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		opts      CSVOptions
		cols      []string
		x         []float32
		missing   []int // indices into X
		y         []int
		classes   int
		labelName []string
	}{
		{
			name: "plain",
			in:   "a,b\n1,2\n3.5,-4e2\n",
			cols: []string{"a", "b"}, x: []float32{1, 2, 3.5, -400},
		},
		{
			name: "missing values",
			in:   "a,b,c\n1,,NA\nnan, NaN ,2\n",
			cols: []string{"a", "b", "c"}, x: []float32{1, 0, 0, 0, 0, 2}, missing: []int{1, 2, 3, 4},
		},
		{
			name: "integer labels in the middle",
			in:   "x,class,z\n0.5,2,1\n1.5,0,2\n",
			opts: CSVOptions{Label: "class"},
			cols: []string{"x", "z"}, x: []float32{0.5, 1, 1.5, 2}, y: []int{2, 0}, classes: 3,
		},
		{
			name: "string labels",
			in:   "f,species\n1,setosa\n2,virginica\n3,setosa\n",
			opts: CSVOptions{Label: "species"},
			cols: []string{"f"}, x: []float32{1, 2, 3}, y: []int{0, 1, 0}, classes: 2, labelName: []string{"setosa", "virginica"},
		},
		{
			name: "semicolons, spaces, BOM, CRLF, quotes, no trailing newline",
			in:   "\ufeff a ; \"b\"\r\n 1 ;\"2\"\r\n3;  4",
			opts: CSVOptions{Comma: ';'},
			cols: []string{"a", "b"}, x: []float32{1, 2, 3, 4},
		},
		{
			name: "custom missing token",
			in:   "a,b\n?,1\n",
			opts: CSVOptions{Missing: []string{"?"}},
			cols: []string{"a", "b"}, x: []float32{0, 1}, missing: []int{0},
		},
		{
			name: "header only",
			in:   "a,b\n",
			cols: []string{"a", "b"}, x: []float32{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := ReadCSV(strings.NewReader(tc.in), "t.csv", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			s := tab.Set
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tab.Columns, tc.cols) || !slices.Equal(s.X, tc.x) || s.Dim != len(tc.cols) {
				t.Errorf("columns %q X %v Dim %d, want %q %v", tab.Columns, s.X, s.Dim, tc.cols, tc.x)
			}
			var miss []int
			for i, m := range tab.Missing {
				if m {
					miss = append(miss, i)
				}
			}
			if !slices.Equal(miss, tc.missing) || tab.NumMissing != len(tc.missing) || len(tab.Missing) != len(s.X) {
				t.Errorf("missing %v (%d, len %d), want %v", miss, tab.NumMissing, len(tab.Missing), tc.missing)
			}
			if !slices.Equal(s.Y, tc.y) || s.Classes != tc.classes || !slices.Equal(tab.LabelNames, tc.labelName) {
				t.Errorf("labels %v classes %d names %q, want %v %d %q", s.Y, s.Classes, tab.LabelNames, tc.y, tc.classes, tc.labelName)
			}
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name, in string
		opts     CSVOptions
		want     string // substring, after "t.csv:"
	}{
		{"empty", "", CSVOptions{}, "t.csv: empty file"},
		{"bad number", "a,b\n1,2\n3,x1\n", CSVOptions{}, `t.csv:3:3: column "b": "x1" is not`},
		{"infinite", "a\nInf\n", CSVOptions{}, `t.csv:2:1: column "a": "Inf"`},
		{"float32 overflow", "a\n1e39\n", CSVOptions{}, `t.csv:2:1`},
		{"too few fields", "a,b\n1,2\n3\n", CSVOptions{}, "t.csv:3: 1 fields, the header has 2"},
		{"too many fields", "a,b\n1,2,3\n", CSVOptions{}, "t.csv:2: 3 fields, the header has 2"},
		{"bad quote", "a,b\n1,\"2\n", CSVOptions{}, "t.csv:2:"},
		{"no label column", "a,b\n1,2\n", CSVOptions{Label: "y"}, `t.csv:1: no label column "y"`},
		{"missing label", "a,y\n1,2\n3,NA\n", CSVOptions{Label: "y"}, `t.csv:3:3: missing label in column "y"`},
		{"duplicate column", "a,b,a\n1,2,3\n", CSVOptions{}, `t.csv:1: columns 1 and 3 are both named "a"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tc.in), "t.csv", tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestLoadCSVAndImputeMean(t *testing.T) {
	p := filepath.Join(t.TempDir(), "d.csv")
	if err := os.WriteFile(p, []byte("a,b,c\n1,,NA\n3,5,\n,7,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := LoadCSV(p, CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	means := tab.ImputeMean()
	if !slices.Equal(means, []float32{2, 6, 0}) {
		t.Errorf("means %v", means)
	}
	if !slices.Equal(tab.Set.X, []float32{1, 6, 0, 3, 5, 0, 2, 7, 0}) {
		t.Errorf("imputed X %v", tab.Set.X)
	}
	if _, err := LoadCSV(filepath.Join(t.TempDir(), "none.csv"), CSVOptions{}); err == nil || !strings.Contains(err.Error(), "none.csv") {
		t.Errorf("missing file: %v", err)
	}
}
