package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/latent-go/latent/train"
	"github.com/latent-go/latent/train/dataset"
	"github.com/latent-go/latent/train/viz"
)

// pictureSeed is the second PCG word of the corruption drawn for pictures.
const pictureSeed = 0x706963 // "pic"

// pickExamples returns up to n example indices of s: the first example of
// each class in class order (so a digit grid shows 0..9), then the next
// examples in order; unlabelled sets give the first n.
func pickExamples(s *dataset.Set, n int) []int {
	n = min(n, s.N)
	var idx []int
	used := map[int]bool{}
	if s.Labelled() {
		first := map[int]int{}
		for i := 0; i < s.N && len(first) < s.Classes; i++ {
			if _, ok := first[s.Y[i]]; !ok {
				first[s.Y[i]] = i
			}
		}
		for c := 0; c < s.Classes && len(idx) < n; c++ {
			if i, ok := first[c]; ok {
				idx = append(idx, i)
				used[i] = true
			}
		}
	}
	for i := 0; len(idx) < n && i < s.N; i++ {
		if !used[i] {
			idx = append(idx, i)
		}
	}
	return idx
}

// rowsOf copies the rows idx of s into a matrix.
func rowsOf(s *dataset.Set, idx []int) *train.Matrix {
	m := train.NewMatrix(len(idx), s.Dim)
	for r, i := range idx {
		copy(m.Row(r), s.Row(i))
	}
	return m
}

// cells splits a matrix into its rows (one image each).
func cells(m *train.Matrix) [][]float32 {
	c := make([][]float32, m.Rows)
	for i := range c {
		c[i] = m.Row(i)
	}
	return c
}

// writeReconGrid draws a grid of inputs, corrupted inputs (when noise is
// set) and reconstructions of the examples picked from s, into
// dir/recon.png, and returns the file name. Nothing is drawn for data
// that are not images.
func writeReconGrid(dir string, s *dataset.Set, noise train.Noise, reconstruct func(*train.Matrix) (*train.Matrix, error), seed uint64) (string, error) {
	if s == nil || s.Rows == 0 || s.Cols == 0 {
		return "", nil
	}
	x := rowsOf(s, pickExamples(s, 10))
	in := x
	rows := [][][]float32{cells(x)}
	labels := []string{"input"}
	if noise.Kind != train.NoNoise {
		in = train.NewMatrix(x.Rows, x.Cols)
		src := rand.NewPCG(seed, pictureSeed)
		for i := 0; i < x.Rows; i++ {
			noise.Apply(in.Row(i), x.Row(i), src)
		}
		rows = append(rows, cells(in))
		labels = append(labels, noise.Kind.String())
	}
	out, err := reconstruct(in)
	if err != nil {
		return "", err
	}
	rows = append(rows, cells(out))
	labels = append(labels, "output")
	img, err := viz.ImageGrid(rows, s.Rows, s.Cols, &viz.GridOptions{Scale: 3, RowLabels: labels})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "recon.png")
	return path, viz.WritePNG(path, img)
}

// writeFilters draws the first layer's weights (units × inputs, row per
// unit) as images into dir/filters.png.
func writeFilters(dir string, w *train.Matrix, s *dataset.Set) (string, error) {
	if s == nil || s.Rows == 0 || s.Cols == 0 || w.Cols != s.Rows*s.Cols {
		return "", nil
	}
	img, err := viz.FilterGrid(w.Data, w.Rows, s.Rows, s.Cols, viz.RowPerUnit, &viz.FilterOptions{Max: 100, GridOptions: viz.GridOptions{Scale: 2}})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "filters.png")
	return path, viz.WritePNG(path, img)
}

// curve is one named series for a loss plot.
type curve = viz.Curve

// writeCurves plots curves into dir/name; runs of fewer than two epochs
// are not plotted.
func writeCurves(dir, name, title, ylabel string, curves []curve) (string, error) {
	long := false
	var keep []curve
	for _, c := range curves {
		ok := false
		for _, v := range c.Values {
			if !math.IsNaN(v) {
				ok = true
			}
		}
		if ok {
			keep = append(keep, c)
			long = long || len(c.Values) >= 2
		}
	}
	if !long {
		return "", nil
	}
	img, err := viz.LossCurves(keep, &viz.LossOptions{Title: title, YLabel: ylabel})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	return path, viz.WritePNG(path, img)
}

// historyCurves returns the training and validation loss of h.
func historyCurves(h *train.History, prefix, trainName string) []curve {
	tr := curve{Name: prefix + trainName}
	va := curve{Name: prefix + "validation"}
	for _, e := range h.Epochs {
		tr.Values = append(tr.Values, e.TrainLoss)
		va.Values = append(va.Values, e.ValLoss)
	}
	return []curve{tr, va}
}

// errorCurve returns the validation error (in %) of h.
func errorCurve(h *train.History) curve {
	c := curve{Name: "validation error"}
	for _, e := range h.Epochs {
		c.Values = append(c.Values, 100*e.ValError)
	}
	return c
}

// writeJSON writes v as indented JSON to path, atomically.
func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicWriteFile(path, append(b, '\n'))
}

// atomicWriteFile writes b to path through a synced temporary file in the
// same directory renamed over path.
func atomicWriteFile(path string, b []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(b); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return os.Rename(f.Name(), path)
}

// jsonNum is a float64 that encodes NaN and ±Inf as null.
type jsonNum float64

// MarshalJSON implements json.Marshaler.
func (x jsonNum) MarshalJSON() ([]byte, error) {
	f := float64(x)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

type jsonEpoch struct {
	Epoch         int     `json:"epoch"`
	TrainLoss     jsonNum `json:"train_loss"`
	ValLoss       jsonNum `json:"val_loss"`
	ValError      jsonNum `json:"val_error"`
	Seconds       float64 `json:"seconds"`
	SamplesPerSec float64 `json:"samples_per_sec"`
}

type jsonHistory struct {
	Epochs       []jsonEpoch `json:"epochs"`
	BestEpoch    int         `json:"best_epoch"`
	EarlyStopped bool        `json:"early_stopped"`
}

func historyJSON(h *train.History) *jsonHistory {
	if h == nil {
		return nil
	}
	j := &jsonHistory{BestEpoch: h.BestEpoch, EarlyStopped: h.EarlyStopped, Epochs: []jsonEpoch{}}
	for _, e := range h.Epochs {
		j.Epochs = append(j.Epochs, jsonEpoch{e.Epoch, jsonNum(e.TrainLoss), jsonNum(e.ValLoss), jsonNum(e.ValError), e.Seconds, e.SamplesPerSec})
	}
	return j
}

// jsonSafe replaces the values encoding/json cannot encode (NaN in
// float64s and histories) by encodable ones, recursively through maps.
func jsonSafe(v any) any {
	switch v := v.(type) {
	case float64:
		return jsonNum(v)
	case *train.History:
		return historyJSON(v)
	case []*train.History:
		out := make([]*jsonHistory, len(v))
		for i, h := range v {
			out[i] = historyJSON(h)
		}
		return out
	case map[string]float64:
		out := map[string]jsonNum{}
		for k, x := range v {
			out[k] = jsonNum(x)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			out[k] = jsonSafe(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = jsonSafe(x)
		}
		return out
	}
	return v
}
