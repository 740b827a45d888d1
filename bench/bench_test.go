package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latent-go/latent/importer"
	"github.com/latent-go/latent/ir"
)

const denseAE = "../testdata/models/dense_ae/model.onnx"

func TestSummarize(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		d := make([]time.Duration, len(v))
		for i, x := range v {
			d[i] = time.Duration(x) * time.Millisecond
		}
		return d
	}
	tests := []struct {
		name string
		in   []time.Duration
		want Stats
	}{
		{"empty", nil, Stats{}},
		{"one", ms(7), Stats{N: 1, Median: 7 * time.Millisecond, P90: 7 * time.Millisecond, Min: 7 * time.Millisecond, Mean: 7 * time.Millisecond}},
		{"odd unsorted", ms(5, 1, 3), Stats{N: 3, Median: 3 * time.Millisecond, P90: 5 * time.Millisecond, Min: time.Millisecond, Mean: 3 * time.Millisecond}},
		{"even: mean of the middle two", ms(4, 1, 2, 3), Stats{N: 4, Median: 2500 * time.Microsecond, P90: 4 * time.Millisecond, Min: time.Millisecond, Mean: 2500 * time.Microsecond}},
		// Ten values 1..10: the nearest-rank 90th percentile is the 9th.
		{"p90 nearest rank", ms(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), Stats{N: 10, Median: 5500 * time.Microsecond, P90: 9 * time.Millisecond, Min: time.Millisecond, Mean: 5500 * time.Microsecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]time.Duration(nil), tt.in...)
			if got := Summarize(tt.in); got != tt.want {
				t.Errorf("Summarize(%v) = %+v, want %+v", tt.in, got, tt.want)
			}
			for i := range in {
				if in[i] != tt.in[i] {
					t.Fatalf("Summarize modified its input")
				}
			}
		})
	}
}

func TestParseInts(t *testing.T) {
	tests := []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{"1", []int{1}, false},
		{"1,64", []int{1, 64}, false},
		{" 2 , 8,", []int{2, 8}, false},
		{"", nil, true},
		{"0", nil, true},
		{"-1", nil, true},
		{"a", nil, true},
		{"1,,x", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseInts(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseInts(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !equalInts(got, tt.want) {
			t.Errorf("ParseInts(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDims(t *testing.T) {
	d := Dims{}
	for _, s := range []string{"h=28", "w=28,c=3"} {
		if err := d.Set(s); err != nil {
			t.Fatalf("Set(%q): %v", s, err)
		}
	}
	if got, want := d.String(), "c=3,h=28,w=28"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for _, bad := range []string{"h", "=3", "h=0", "h=x", "h=-2"} {
		if err := (Dims{}).Set(bad); err == nil {
			t.Errorf("Set(%q) succeeded, want an error", bad)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestInputShapes(t *testing.T) {
	in := func(dims ...ir.Dim) *ir.Graph {
		return &ir.Graph{Inputs: []*ir.Value{{Name: "x", DType: ir.Float32, Shape: ir.Shape(dims)}}}
	}
	tests := []struct {
		name    string
		g       *ir.Graph
		batch   int
		dims    map[string]int
		want    []int
		wantErr string // substring
	}{
		{"symbolic batch", in(ir.Sym("batch"), ir.D(784)), 64, nil, []int{64, 784}, ""},
		{"unnamed batch", in(ir.Dim{Size: -1}, ir.D(3)), 2, nil, []int{2, 3}, ""},
		{"fixed batch equal", in(ir.D(1), ir.D(784)), 1, nil, []int{1, 784}, ""},
		{"fixed batch differs", in(ir.D(1), ir.D(784)), 64, nil, nil, "--batch 1"},
		{"other symbolic dim", in(ir.Sym("N"), ir.D(1), ir.Sym("H"), ir.Sym("W")), 1, nil, nil, "--dim H=SIZE"},
		{"other symbolic dim set", in(ir.Sym("N"), ir.D(1), ir.Sym("H"), ir.Sym("W")), 4, map[string]int{"H": 28, "W": 30}, []int{4, 1, 28, 30}, ""},
		{"batch set by --dim", in(ir.Sym("N"), ir.D(5)), 1, map[string]int{"N": 3}, []int{3, 5}, ""},
		{"unnamed inner dim", in(ir.Sym("N"), ir.Dim{Size: -1}), 1, nil, nil, "unknown"},
		{"zero batch", in(ir.Sym("N")), 0, nil, nil, "at least 1"},
		{"unknown rank", &ir.Graph{Inputs: []*ir.Value{{Name: "x", DType: ir.Float32}}}, 1, nil, nil, "unknown rank"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := InputShapes(tt.g, tt.batch, tt.dims)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("InputShapes = %v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !equalInts(got[0], tt.want) {
				t.Errorf("InputShapes = %v, want [%v]", got, tt.want)
			}
		})
	}
}

func TestRandomInputs(t *testing.T) {
	g := &ir.Graph{Inputs: []*ir.Value{{Name: "x", DType: ir.Float32, Shape: ir.Shape{ir.Sym("b"), ir.D(50)}}}}
	a, err := RandomInputs(g, [][]int{{4, 50}}, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := RandomInputs(g, [][]int{{4, 50}}, 7)
	c, _ := RandomInputs(g, [][]int{{4, 50}}, 8)
	if len(a[0].F32) != 200 || !equalInts(a[0].Shape, []int{4, 50}) {
		t.Fatalf("tensor shape %v with %d elements, want [4 50] and 200", a[0].Shape, len(a[0].F32))
	}
	same := true
	for i, v := range a[0].F32 {
		if v < 0 || v >= 1 {
			t.Fatalf("element %d = %v, outside [0, 1)", i, v)
		}
		if v != b[0].F32[i] {
			t.Fatalf("same seed, element %d differs: %v vs %v", i, v, b[0].F32[i])
		}
		same = same && v == c[0].F32[i]
	}
	if same {
		t.Error("seeds 7 and 8 gave the same data")
	}
	gi := &ir.Graph{Inputs: []*ir.Value{{Name: "ids", DType: ir.Int64, Shape: ir.Shape{ir.D(2)}}}}
	if _, err := RandomInputs(gi, [][]int{{2}}, 1); err == nil {
		t.Error("int64 input: want an error")
	}
}

// fakeRunner records the order of runs in a shared log.
type fakeRunner struct {
	id    int
	log   *[]int
	sleep time.Duration
	fail  int // fail on this call (1-based), 0: never
	calls int
}

func (f *fakeRunner) Run(ctx context.Context) error {
	f.calls++
	if f.fail > 0 && f.calls == f.fail {
		return errors.New("boom")
	}
	*f.log = append(*f.log, f.id)
	if f.sleep > 0 {
		time.Sleep(f.sleep)
	}
	return nil
}

func TestMeasureInterleaves(t *testing.T) {
	var log []int
	a := &fakeRunner{id: 0, log: &log}
	b := &fakeRunner{id: 1, log: &log}
	s, err := Measure(context.Background(), []Runner{a, b}, Options{Warmup: 2, Iters: 7, Chunk: 3, ThreadCPU: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 2 || len(s[0].Wall) != 7 || len(s[1].Wall) != 7 {
		t.Fatalf("got %d and %d samples, want 7 each", len(s[0].Wall), len(s[1].Wall))
	}
	if _, ok := threadCPU(); ok && (len(s[0].CPU) != 7 || len(s[1].CPU) != 7) {
		t.Errorf("got %d and %d CPU samples, want 7 each", len(s[0].CPU), len(s[1].CPU))
	}
	// Warm-up: 2 of a, 2 of b. Then rounds of (settle + chunk): a b, b a, ...
	want := []int{0, 0, 1, 1, // warm-up
		0, 0, 0, 0, 1, 1, 1, 1, // round 0: a settle+3, b settle+3
		1, 1, 1, 1, 0, 0, 0, 0, // round 1: reversed
		0, 0, 1, 1, // round 2: settle + the last 1 each
	}
	if !equalInts(log, want) {
		t.Errorf("run order\n got %v\nwant %v", log, want)
	}
}

func TestMeasureBudget(t *testing.T) {
	var log []int
	r := &fakeRunner{log: &log, sleep: 2 * time.Millisecond}
	s, err := Measure(context.Background(), []Runner{r}, Options{Iters: 1000, Budget: 10 * time.Millisecond, MinIters: 3})
	if err != nil {
		t.Fatal(err)
	}
	// 10 ms at about 2 ms per run is at most 5 runs, and at least MinIters.
	if n := len(s[0].Wall); n < 3 || n > 5 {
		t.Errorf("budget gave %d runs, want 3 to 5", n)
	}
	for _, d := range s[0].Wall {
		if d < 2*time.Millisecond {
			t.Errorf("run took %v, less than the runner's 2 ms sleep", d)
		}
	}
}

func TestMeasureErrors(t *testing.T) {
	if _, err := Measure(context.Background(), nil, Options{}); err == nil {
		t.Error("no runners: want an error")
	}
	var log []int
	r := &fakeRunner{log: &log, fail: 4}
	if _, err := Measure(context.Background(), []Runner{r}, Options{Warmup: 1, Iters: 10}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("failing runner: error %v, want one wrapping boom", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r2 := &fakeRunner{log: &log}
	if _, err := Measure(ctx, []Runner{r2}, Options{Iters: 100, Chunk: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: error %v, want context.Canceled", err)
	}
}

// TestLatentRunner checks the runner's wiring against ONNX Runtime's output
// stored with the model (test_data_set_0, written by tools/pytorch).
func TestLatentRunner(t *testing.T) {
	m, err := Load(denseAE)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "dense_ae" {
		t.Errorf("Name = %q, want dense_ae", m.Name)
	}
	var want int
	for _, v := range m.Graph.Constants() {
		want += v.Const.Len() * 4
	}
	if m.WeightBytes != want || want == 0 {
		t.Errorf("WeightBytes = %d, want %d", m.WeightBytes, want)
	}
	dir := filepath.Join(filepath.Dir(denseAE), "test_data_set_0")
	x, err := importer.ReadTensor(filepath.Join(dir, "input_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	y, err := importer.ReadTensor(filepath.Join(dir, "output_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	for _, threads := range []int{1, 2} {
		r, err := m.NewLatentRunner([]*ir.Tensor{x}, threads)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		d, ok := MaxAbsDiff(r.Outputs(), []*ir.Tensor{y})
		// float32 sums in a different order than ONNX Runtime's: a few ulps
		// of values in [0, 1].
		if !ok || d > 1e-5 {
			t.Errorf("threads %d: max |latent - ORT| = %g (comparable %v), want <= 1e-5", threads, d, ok)
		}
		if r.Plan.ArenaBytes <= 0 || r.Plan.NaiveBytes <= 0 || r.PlanTime <= 0 {
			t.Errorf("plan: arena %d, naive %d, plan time %v; want all positive", r.Plan.ArenaBytes, r.Plan.NaiveBytes, r.PlanTime)
		}
		r.Close()
	}
}

func TestMaxAbsDiff(t *testing.T) {
	f := func(v ...float32) []*ir.Tensor { return []*ir.Tensor{ir.Float32Tensor([]int{len(v)}, v)} }
	nan := float32(math.NaN())
	tests := []struct {
		name   string
		a, b   []*ir.Tensor
		want   float64
		wantOK bool
	}{
		{"equal", f(1, 2), f(1, 2), 0, true},
		{"diff", f(1, 2), f(1.5, 1), 1, true},
		{"both NaN", f(nan), f(nan), 0, true},
		{"one NaN", f(nan), f(1), math.Inf(1), true},
		{"length", f(1), f(1, 2), 0, false},
		{"count", f(1), nil, 0, false},
	}
	for _, tt := range tests {
		got, ok := MaxAbsDiff(tt.a, tt.b)
		if ok != tt.wantOK || (ok && got != tt.want) {
			t.Errorf("%s: MaxAbsDiff = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestReplaceSection(t *testing.T) {
	const b, e = "<!-- x:begin -->", "<!-- x:end -->"
	tests := []struct {
		name, doc, body, want string
		wantErr               bool
	}{
		{"append to empty", "", "new", b + "\nnew\n" + e + "\n", false},
		{"append", "# T\ntext", "new\n", "# T\ntext\n\n" + b + "\nnew\n" + e + "\n", false},
		{"replace", "head\n" + b + "\nold\nold2\n" + e + "\ntail\n", "new", "head\n" + b + "\nnew\n" + e + "\ntail\n", false},
		{"replace empty section", "<!-- s:begin -->\nS\n<!-- s:end -->\n" + b + "\n" + e + "\n", "new", "<!-- s:begin -->\nS\n<!-- s:end -->\n" + b + "\nnew\n" + e + "\n", false},
		{"only begin", b + "\n", "x", "", true},
		{"reversed", e + "\n" + b + "\n", "x", "", true},
		{"twice", b + e + b + e, "x", "", true},
	}
	for _, tt := range tests {
		got, err := ReplaceSection([]byte(tt.doc), b, e, []byte(tt.body))
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: error %v, want error %v", tt.name, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && string(got) != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestUpdateSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := UpdateSection(path, ModelsBegin, ModelsEnd, []byte("first")); err != nil {
		t.Fatal(err)
	}
	doc, _ := os.ReadFile(path)
	for _, m := range []string{SgemmBegin, SgemmEnd, ModelsBegin + "\nfirst\n" + ModelsEnd} {
		if !bytes.Contains(doc, []byte(m)) {
			t.Errorf("new file lacks %q:\n%s", m, doc)
		}
	}
	// Another generator fills its section; ours must leave it alone.
	doc, err := ReplaceSection(doc, SgemmBegin, SgemmEnd, []byte("sgemm table"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := UpdateSection(path, ModelsBegin, ModelsEnd, []byte("second")); err != nil {
		t.Fatal(err)
	}
	doc, _ = os.ReadFile(path)
	if !bytes.Contains(doc, []byte(SgemmBegin+"\nsgemm table\n"+SgemmEnd)) || !bytes.Contains(doc, []byte(ModelsBegin+"\nsecond\n"+ModelsEnd)) || bytes.Contains(doc, []byte("first")) {
		t.Errorf("after the second update:\n%s", doc)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".BENCHMARKS.md.tmp*"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestCPUModel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel\t\t: 2\nmodel name\t: AMD EPYC\n\nprocessor\t: 1\nmodel name\t: other\n", "AMD EPYC (family 26, model 2)"},
		{"processor : 0\nmodel name : Some CPU\n", "Some CPU"},
		{"", "unknown"},
	}
	for _, tt := range tests {
		if got := CPUModel(strings.NewReader(tt.in)); got != tt.want {
			t.Errorf("CPUModel = %q, want %q", got, tt.want)
		}
	}
}

func TestReadBandwidth(t *testing.T) {
	bw := ReadBandwidth(1<<20, 3)
	if bw.Bytes != 1<<20 || bw.Passes != 3 {
		t.Errorf("Bytes %d, Passes %d; want %d and 3", bw.Bytes, bw.Passes, 1<<20)
	}
	// Any machine reads faster than 0.1 GB/s and slower than 10 TB/s.
	for name, v := range map[string]float64{"go": bw.GoLoop, "vector": bw.Vector} {
		if v < 0.1 || v > 1e4 {
			t.Errorf("%s bandwidth %.2f GB/s is implausible", name, v)
		}
	}
	fixed := Bandwidth{GoLoop: 50, Vector: 100}
	if got, want := fixed.Bound(100e6), time.Millisecond; got != want {
		t.Errorf("Bound(100 MB at 100 GB/s) = %v, want %v", got, want)
	}
	if (Bandwidth{}).Bound(1) != 0 {
		t.Error("zero bandwidth: want a zero bound")
	}
	if got := sumWords([]uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}); got != 66 {
		t.Errorf("sumWords = %d, want 66", got)
	}
}

func TestReportMarkdown(t *testing.T) {
	diff := 1e-7
	res := func(model string, batch, threads int, lat, ort float64) Result {
		r := Result{Model: model, Batch: batch, Threads: threads, Iters: 10, MedianUS: lat, P90US: lat * 1.1, ORTMedianUS: ort, ORTP90US: ort * 1.2,
			Ratio: lat / ort, ArenaBytes: 1000 * batch, NaiveBytes: 3000 * batch, Steps: 4, WeightBytes: 11_349_256, CompileMS: 5, MaxAbsDiff: &diff}
		if threads == 1 {
			r.CPUMedianUS, r.ORTCPUMedianUS, r.CPURatio = lat, ort, lat/ort
		}
		return r
	}
	rep := &Report{
		Date: time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC), Machine: Machine{CPU: "Test CPU", CPUs: 2, Go: "go1.26", OSArch: "linux/amd64", Kernels: "avx512", LoadAvg: "1 2 3"},
		ORTVersion: "1.30.0", Command: "scripts/bench-models.sh", Warmup: 20, Iters: 300,
		Results: []Result{
			res("deep_ae", 1, 1, 150, 200), res("deep_ae", 1, 2, 120, 100),
			res("deep_ae", 64, 1, 3000, 2500), res("deep_ae", 64, 2, 1600, 1700),
			res("dense_ae", 1, 1, 20, 25),
		},
		Models:     []ModelInfo{{Model: "deep_ae", CompileMS: 12.5, FirstCompileMS: 30}},
		Bandwidth:  &Bandwidth{Bytes: 11_349_256, GoLoop: 60, Vector: 100, Passes: 10},
		BoundModel: "deep_ae",
	}
	md := string(rep.Markdown())
	for _, want := range []string{
		"| model | b=1 T=1 latent | ORT | ratio | b=1 T=2 latent | ORT | ratio | b=64 T=1 latent | ORT | ratio | b=64 T=2 latent | ORT | ratio |",
		"| deep_ae | 150 | 200 | 0.75 | 120 | 100 | **1.20** | 3000 | 2500 | **1.20** | 1600 | 1700 | 0.94 |",
		"| dense_ae | 20.0 | 25.0 | 0.80 | – | – | – | – | – | – | – | – | – |",
		"Test CPU", "ONNX Runtime 1.30.0", "go1.26", "`scripts/bench-models.sh`",
		"**113 µs**", // 11.35 MB at 100 GB/s
		"| latent | 1 | wall median | 150 | 1.32 |", // 150 / 113.49
		"| ONNX Runtime | 1 | thread CPU median | 200 | 1.76 |",
		"| 12.5 (30.0) |",
		"0.33 |", // arena/naive
		"### One thread, in thread CPU time",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	// Every row of a table has as many cells as its header.
	var cols int
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := strings.Count(line, "|")
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("row with %d bars under a header with %d: %s", n, cols, line)
		}
	}
}

func TestResultJSON(t *testing.T) {
	r := Result{Model: "m", Batch: 2, Threads: 1}
	r.SetLatent(Samples{Wall: []time.Duration{2 * time.Millisecond, 4 * time.Millisecond, 3 * time.Millisecond}, CPU: []time.Duration{time.Millisecond}})
	r.SetORT("1.30.0", Samples{Wall: []time.Duration{time.Millisecond}, CPU: []time.Duration{2 * time.Millisecond}})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"batch": 2, "threads": 1, "median_us": 3000, "p90_us": 4000, "samples_per_s": 2 / 0.003,
		"ort_median_us": 1000, "ratio": 3, "cpu_median_us": 1000, "ort_cpu_median_us": 2000, "cpu_ratio": 0.5}
	for k, v := range want {
		g, ok := got[k].(float64)
		if !ok || math.Abs(g-v) > 1e-9*math.Abs(v) {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if got["model"] != "m" {
		t.Errorf("model = %v, want m", got["model"])
	}
}
