package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/latent-go/latent/train"
)

// larochelleRun is one fine-tuning run of the Larochelle experiment: a
// pre-training configuration (or none), a depth and a fine-tuning
// learning rate. Its JSON form is cached in the results directory.
type larochelleRun struct {
	Data     string `json:"data"`
	Pretrain string `json:"pretrain"`
	Depth    int    `json:"depth"`
	Width    int    `json:"width"`
	// Pre describes the pre-training configuration ("" for none).
	Pre string `json:"pre"`
	// FT describes the fine-tuning configuration.
	FT string `json:"ft"`

	ValError      float64 `json:"val_error"`
	TestError     float64 `json:"test_error"`
	TestCompiled  float64 `json:"test_error_compiled"`
	BestEpoch     int     `json:"best_epoch"`
	Epochs        int     `json:"epochs"`
	PretrainSec   float64 `json:"pretrain_seconds"`
	FinetuneSec   float64 `json:"finetune_seconds"`
	Command       string  `json:"command"`
	TrainExamples int     `json:"train_examples"`
}

// larochelleOpts holds the experiment's flags.
type larochelleOpts struct {
	data       dataOptions
	pretrain   string
	depths     []int
	width      int
	preEpochs  int
	preOpt     string
	preLRs     []float64
	preMom     float64
	noises     []string
	k          int
	ftOpt      string
	ftLRs      []float64
	ftMom      float64
	ftDecay    float64
	wd         float64
	epochs     int
	patience   int
	batch      int
	preBatch   int
	seed       uint64
	threads    int
	results    string
	cache      string
	quiet      bool
	tied       bool
	initScale  float64
	report     bool
	commandFmt string
}

func defineLarochelle(fs *flag.FlagSet) func(ctx context.Context, stdout, stderr io.Writer) error {
	var o larochelleOpts
	registerDataFlags(fs, &o.data)
	fs.Lookup("data").DefValue = "mnist-basic"
	o.data.spec = "mnist-basic"
	pretrain := fs.String("pretrain", "rbm", "pre-training: none, ae, dae or rbm (all: with --report, the combined table)")
	depths := fs.String("depths", "1,2,3", "numbers of hidden layers to fine-tune (each uses the first levels of one pre-trained stack)")
	fs.IntVar(&o.width, "width", 1000, "hidden units per layer")
	fs.IntVar(&o.preEpochs, "pre-epochs", 20, "pre-training epochs per level")
	fs.StringVar(&o.preOpt, "pre-opt", "", "pre-training optimizer: sgd or adam (default sgd for rbm, adam for ae/dae)")
	preLRs := fs.String("pre-lr", "", "pre-training learning rates to try (default 0.05 for sgd, 0.001 for adam)")
	fs.Float64Var(&o.preMom, "pre-momentum", 0.5, "pre-training momentum (sgd)")
	noises := fs.String("noise", "mask:0.25", "dae: corruptions to try, separated by commas")
	fs.IntVar(&o.k, "k", 1, "rbm: CD-k steps")
	fs.StringVar(&o.ftOpt, "ft-opt", "sgd", "fine-tuning optimizer: sgd or adam")
	ftLRs := fs.String("ft-lr", "0.05,0.1", "fine-tuning learning rates to try")
	fs.Float64Var(&o.ftMom, "ft-momentum", 0.9, "fine-tuning momentum (sgd)")
	fs.Float64Var(&o.wd, "weight-decay", 0, "fine-tuning L2 weight decay")
	fs.Float64Var(&o.ftDecay, "ft-decay", 0, "fine-tuning learning-rate decay per epoch: lr·decay^(epoch-1) (0: none)")
	fs.IntVar(&o.epochs, "epochs", 60, "maximum fine-tuning epochs")
	fs.IntVar(&o.patience, "patience", 10, "stop fine-tuning after this many epochs without a better validation error")
	fs.IntVar(&o.batch, "batch", 64, "fine-tuning mini-batch size")
	fs.IntVar(&o.preBatch, "pre-batch", 64, "pre-training mini-batch size")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of weights, shuffling and noise")
	fs.IntVar(&o.threads, "threads", 1, "threads per run")
	fs.StringVar(&o.results, "results", "", "directory of per-run result files; finished runs found there are not run again")
	fs.StringVar(&o.cache, "cache", "", "directory for pre-trained stacks (default: a latent directory in the user cache)")
	fs.BoolVar(&o.quiet, "quiet", false, "no per-epoch progress")
	fs.BoolVar(&o.tied, "tied", false, "ae/dae: tie each greedy module's decoder to its encoder")
	fs.Float64Var(&o.initScale, "pre-init-scale", 1, "ae/dae: multiply each greedy module's initial weights by this (1: the library's 4x Glorot)")
	fs.BoolVar(&o.report, "report", false, "run nothing: print the table from every result in --results for this --data and --pretrain")
	return func(ctx context.Context, stdout, stderr io.Writer) error {
		var err error
		o.pretrain = *pretrain
		switch o.pretrain {
		case "none", "ae", "dae", "rbm":
		case "all":
			if !o.report {
				return usagef("--pretrain all is for --report")
			}
		default:
			return usagef("unknown --pretrain %q (none, ae, dae or rbm)", o.pretrain)
		}
		if o.depths, err = parseSizes(*depths); err != nil {
			return err
		}
		if o.preOpt == "" {
			o.preOpt = "adam"
			if o.pretrain == "rbm" {
				o.preOpt = "sgd"
			}
		}
		if *preLRs == "" {
			*preLRs = map[string]string{"sgd": "0.05", "adam": "0.001"}[o.preOpt]
		}
		if o.preLRs, err = parseFloats(*preLRs); err != nil {
			return err
		}
		if o.ftLRs, err = parseFloats(*ftLRs); err != nil {
			return err
		}
		o.noises = strings.Split(*noises, ",")
		if o.pretrain != "dae" {
			o.noises = []string{""}
		}
		if o.pretrain == "none" {
			o.preLRs = []float64{0}
		}
		if len(o.preLRs) == 0 || len(o.ftLRs) == 0 || o.width <= 0 || o.epochs <= 0 || o.preEpochs <= 0 {
			return usagef("give learning rates, and positive --width, --epochs and --pre-epochs")
		}
		if o.ftDecay < 0 || o.ftDecay > 1 {
			return usagef("--ft-decay %g: want a factor in (0, 1], or 0 for none", o.ftDecay)
		}
		if o.cache == "" {
			dir, err := os.UserCacheDir()
			if err != nil {
				dir = os.TempDir()
			}
			o.cache = filepath.Join(dir, "latent", "experiments")
		}
		for _, dir := range []string{o.results, o.cache} {
			if dir != "" {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return err
				}
			}
		}
		o.commandFmt = larochelleCommand(&o)
		if o.report {
			if o.results == "" {
				return usagef("--report needs --results DIR")
			}
			if o.pretrain == "all" {
				return printLarochelleSummary(stdout, o.results, o.depths)
			}
			runs, err := readLarochelleResults(o.results, o.data.spec, o.pretrain, o.depths)
			if err != nil {
				return err
			}
			printLarochelle(stdout, &o, runs)
			return nil
		}
		d, err := loadData(ctx, o.data, stderr)
		if err != nil {
			return err
		}
		if !d.train.Labelled() || d.test == nil {
			return usagef("%s: the experiment needs labelled data with a test set", d.name)
		}
		fmt.Fprintf(stderr, "%s\n", d.describe())
		var runs []*larochelleRun
		maxDepth := 0
		for _, dp := range o.depths {
			maxDepth = max(maxDepth, dp)
		}
		for _, lr := range o.preLRs {
			for _, nz := range o.noises {
				rs, err := larochelleGrid(ctx, &o, d, lr, nz, maxDepth, stderr)
				if err != nil {
					return err
				}
				runs = append(runs, rs...)
			}
		}
		printLarochelle(stdout, &o, runs)
		return nil
	}
}

// larochelleCommand is the command line that reproduces the experiment.
func larochelleCommand(o *larochelleOpts) string {
	return fmt.Sprintf("latent experiment larochelle --data %s --pretrain %s", o.data.spec, o.pretrain)
}

// command returns the command line that reruns one fine-tuning run.
func (o *larochelleOpts) command(depth int, preLR float64, noise string, ftLR float64) string {
	c := fmt.Sprintf("%s --depths %d --width %d", o.commandFmt, depth, o.width)
	if o.pretrain != "none" {
		c += fmt.Sprintf(" --pre-epochs %d --pre-batch %d --pre-opt %s --pre-lr %g", o.preEpochs, o.preBatch, o.preOpt, preLR)
		if o.preOpt == "sgd" {
			c += fmt.Sprintf(" --pre-momentum %g", o.preMom)
		}
		if o.pretrain == "rbm" {
			c += fmt.Sprintf(" --k %d", o.k)
		}
		if noise != "" {
			c += " --noise " + noise
		}
		if o.tied && o.pretrain != "rbm" {
			c += " --tied"
		}
		if o.initScale != 1 && o.pretrain != "rbm" {
			c += fmt.Sprintf(" --pre-init-scale %g", o.initScale)
		}
	}
	c += fmt.Sprintf(" --ft-opt %s --ft-lr %g", o.ftOpt, ftLR)
	if o.ftOpt == "sgd" {
		c += fmt.Sprintf(" --ft-momentum %g", o.ftMom)
	}
	if o.wd > 0 {
		c += fmt.Sprintf(" --weight-decay %g", o.wd)
	}
	if o.ftDecay > 0 {
		c += fmt.Sprintf(" --ft-decay %g", o.ftDecay)
	}
	return c + fmt.Sprintf(" --batch %d --epochs %d --patience %d --seed %d", o.batch, o.epochs, o.patience, o.seed)
}

// readLarochelleResults reads every result file in dir for the data set
// and pre-training, at the given depths.
func readLarochelleResults(dir, data, pretrain string, depths []int) ([]*larochelleRun, error) {
	files, err := filepath.Glob(filepath.Join(dir, fmt.Sprintf("%s-%s-d*.json", data, pretrain)))
	if err != nil {
		return nil, err
	}
	want := map[int]bool{}
	for _, dp := range depths {
		want[dp] = true
	}
	var runs []*larochelleRun
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		r := &larochelleRun{}
		if err := json.Unmarshal(b, r); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if r.Data == data && r.Pretrain == pretrain && want[r.Depth] {
			runs = append(runs, r)
		}
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("no %s results for %s in %s", pretrain, data, dir)
	}
	sort.SliceStable(runs, func(i, j int) bool {
		if runs[i].Depth != runs[j].Depth {
			return runs[i].Depth < runs[j].Depth
		}
		return runs[i].Pre+runs[i].FT < runs[j].Pre+runs[j].FT
	})
	return runs, nil
}

// preDesc describes a pre-training configuration.
func (o *larochelleOpts) preDesc(lr float64, noise string) string {
	if o.pretrain == "none" {
		return ""
	}
	s := fmt.Sprintf("%s %d epochs, %s lr %g", o.pretrain, o.preEpochs, o.preOpt, lr)
	if o.preOpt == "sgd" {
		s += fmt.Sprintf(" momentum %g", o.preMom)
	}
	if o.preBatch != 64 {
		s += fmt.Sprintf(" batch %d", o.preBatch)
	}
	if o.pretrain == "rbm" && o.k != 1 {
		s += fmt.Sprintf(" CD-%d", o.k)
	}
	if noise != "" {
		s += " noise " + noise
	}
	if o.tied && o.pretrain != "rbm" {
		s += " tied"
	}
	if o.initScale != 1 && o.pretrain != "rbm" {
		s += fmt.Sprintf(" init x%g", o.initScale)
	}
	return s
}

// ftDesc describes a fine-tuning configuration.
func (o *larochelleOpts) ftDesc(lr float64) string {
	s := fmt.Sprintf("%s lr %g", o.ftOpt, lr)
	if o.ftOpt == "sgd" {
		s += fmt.Sprintf(" momentum %g", o.ftMom)
	}
	if o.wd > 0 {
		s += fmt.Sprintf(" weight decay %g", o.wd)
	}
	if o.ftDecay > 0 {
		s += fmt.Sprintf(" decay %g per epoch", o.ftDecay)
	}
	s += fmt.Sprintf(", batch %d, ≤%d epochs, patience %d", o.batch, o.epochs, o.patience)
	return s
}

func optimizer(kind string, lr, momentum, wd float64) (train.Optimizer, error) {
	switch kind {
	case "sgd":
		return &train.SGD{LR: float32(lr), Momentum: float32(momentum), WeightDecay: float32(wd)}, nil
	case "adam":
		return &train.Adam{LR: float32(lr), WeightDecay: float32(wd)}, nil
	}
	return nil, usagef("unknown optimizer %q (sgd or adam)", kind)
}

// cacheKey returns a file-name-safe key for a configuration.
func cacheKey(parts ...any) string {
	h := sha256.Sum256([]byte(fmt.Sprint(parts...)))
	return hex.EncodeToString(h[:8])
}

// larochelleGrid pre-trains one stack (unless --pretrain none) and
// fine-tunes each depth with each fine-tuning learning rate.
func larochelleGrid(ctx context.Context, o *larochelleOpts, d *data, preLR float64, noise string, maxDepth int, log io.Writer) ([]*larochelleRun, error) {
	pre := o.preDesc(preLR, noise)
	var st *train.Stack
	var preSec float64
	// Each run is looked up first, so a finished grid needs no stack.
	var todo []func() (*larochelleRun, error)
	var runs []*larochelleRun
	for _, depth := range o.depths {
		for _, ftLR := range o.ftLRs {
			r := &larochelleRun{Data: d.name, Pretrain: o.pretrain, Depth: depth, Width: o.width, Pre: pre, FT: o.ftDesc(ftLR),
				TrainExamples: d.train.N}
			key := cacheKey(r.Data, r.Pretrain, r.Depth, r.Width, r.Pre, r.FT, o.seed, o.data.subset, o.data.splitSeed)
			path := ""
			if o.results != "" {
				path = filepath.Join(o.results, fmt.Sprintf("%s-%s-d%d-%s.json", r.Data, r.Pretrain, r.Depth, key))
				if b, err := os.ReadFile(path); err == nil {
					if err := json.Unmarshal(b, r); err == nil {
						runs = append(runs, r)
						fmt.Fprintf(log, "cached: %s\n", r.summary())
						continue
					}
				}
			}
			ftLR := ftLR
			todo = append(todo, func() (*larochelleRun, error) {
				if o.pretrain != "none" && st == nil {
					var err error
					if st, preSec, err = larochelleStack(ctx, o, d, preLR, noise, maxDepth, log); err != nil {
						return nil, err
					}
				}
				r.PretrainSec = preSec
				if err := larochelleFinetune(ctx, o, d, st, ftLR, r, log); err != nil {
					return nil, err
				}
				r.Command = o.command(depth, preLR, noise, ftLR)
				if path != "" {
					if err := writeJSONFile(path, r); err != nil {
						return nil, err
					}
				}
				fmt.Fprintf(log, "done: %s\n", r.summary())
				return r, nil
			})
		}
	}
	for _, f := range todo {
		r, err := f()
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, nil
}

func (r *larochelleRun) summary() string {
	pre := r.Pre
	if pre == "" {
		pre = "no pre-training"
	}
	return fmt.Sprintf("%s depth %d width %d [%s] [%s]: validation %.2f%%, test %.2f%% (compiled %.2f%%), best epoch %d of %d",
		r.Data, r.Depth, r.Width, pre, r.FT, 100*r.ValError, 100*r.TestError, 100*r.TestCompiled, r.BestEpoch, r.Epochs)
}

// larochelleStack pre-trains (or loads from the cache) a stack of maxDepth
// levels.
func larochelleStack(ctx context.Context, o *larochelleOpts, d *data, lr float64, noise string, depth int, log io.Writer) (*train.Stack, float64, error) {
	pre := o.preDesc(lr, noise)
	key := cacheKey(d.name, o.width, depth, pre, o.seed, o.data.subset, o.data.splitSeed)
	path := filepath.Join(o.cache, fmt.Sprintf("stack-%s-%s-%s.ckpt", d.name, o.pretrain, key))
	secPath := path + ".seconds"
	if ck, err := train.LoadCheckpoint(path); err == nil {
		if a, ok := ck.Model.(*train.Autoencoder); ok && len(a.Encoder()) == depth {
			st := &train.Stack{Layers: a.Encoder()}
			dec := a.Decoder()
			for l := len(dec) - 1; l >= 0; l-- {
				st.Decoders = append(st.Decoders, dec[l])
			}
			var sec float64
			if b, err := os.ReadFile(secPath); err == nil {
				fmt.Sscan(string(b), &sec)
			}
			fmt.Fprintf(log, "pre-trained stack from %s\n", path)
			return st, sec, nil
		}
	}
	pc := train.PretrainConfig{Sizes: []int{d.train.Dim}, Hidden: train.Sigmoid, K: o.k, Seed: o.seed, Tied: o.tied}
	for l := 0; l < depth; l++ {
		pc.Sizes = append(pc.Sizes, o.width)
	}
	switch o.pretrain {
	case "ae":
		pc.Module = train.ModuleAutoencoder
	case "dae":
		pc.Module = train.ModuleDenoising
		var err error
		if pc.Noise, err = parseNoise(noise); err != nil {
			return nil, 0, err
		}
	case "rbm":
		pc.Module = train.ModuleRBM
	}
	opt, err := optimizer(o.preOpt, lr, o.preMom, 0)
	if err != nil {
		return nil, 0, err
	}
	pc.Train = train.Config{Epochs: o.preEpochs, BatchSize: o.preBatch, Optimizer: opt, Seed: o.seed, Threads: o.threads}
	fmt.Fprintf(log, "pre-training %s: %d levels of %d units\n", pre, depth, o.width)
	rep := newReporter(log, o.quiet)
	rep.tty = false
	start := time.Now()
	st, err := pretrainStack(ctx, d.train, d.valid, pc, "", "", nil, o.initScale, o.threads, rep)
	if err != nil {
		return nil, 0, err
	}
	sec := time.Since(start).Seconds()
	a, err := st.DeepAutoencoder()
	if err == nil {
		err = train.SaveModel(path, a)
	}
	if err != nil {
		fmt.Fprintf(log, "warning: could not cache the stack: %v\n", err)
	} else {
		atomicWriteFile(secPath, []byte(fmt.Sprintf("%.1f\n", sec)))
	}
	return st, sec, nil
}

// larochelleFinetune builds the depth-r.Depth classifier (from the
// stack's first levels, or randomly initialised), fine-tunes it with early
// stopping on the validation error and records its test error, both
// natively and through the compiled runtime.
func larochelleFinetune(ctx context.Context, o *larochelleOpts, d *data, st *train.Stack, lr float64, r *larochelleRun, log io.Writer) error {
	classes := d.train.Classes
	var c *train.Classifier
	var err error
	if st == nil {
		sizes := []int{d.train.Dim}
		for l := 0; l < r.Depth; l++ {
			sizes = append(sizes, o.width)
		}
		sizes = append(sizes, classes)
		c, err = train.NewClassifier(train.ClassifierConfig{Sizes: sizes, Hidden: train.Sigmoid, Seed: o.seed})
	} else {
		sub := &train.Stack{Layers: st.Layers[:r.Depth], Decoders: st.Decoders[:r.Depth]}
		c, err = sub.Classifier(classes, o.seed)
	}
	if err != nil {
		return err
	}
	opt, err := optimizer(o.ftOpt, lr, o.ftMom, o.wd)
	if err != nil {
		return err
	}
	rep := newReporter(log, o.quiet)
	rep.tty = false
	rep.stage(fmt.Sprintf("%s d%d ft lr %g", o.pretrain, r.Depth, lr))
	cfg := train.Config{Epochs: o.epochs, BatchSize: o.batch, Optimizer: opt, Seed: o.seed, Threads: o.threads,
		Patience: o.patience, Monitor: train.MonitorError, Progress: rep.progress, LRDecay: o.ftDecay}
	start := time.Now()
	h, err := c.Fit(ctx, d.train, d.valid, cfg)
	if err != nil {
		return err
	}
	r.FinetuneSec = time.Since(start).Seconds()
	r.Epochs = len(h.Epochs)
	r.BestEpoch = h.BestEpoch
	if h.BestEpoch == 0 {
		return errors.New("no validation result")
	}
	r.ValError = h.Epochs[h.BestEpoch-1].ValError
	if r.TestError, err = c.ErrorRate(d.test); err != nil {
		return err
	}
	g, err := c.Lower()
	if err != nil {
		return err
	}
	res, err := evalGraph(ctx, g, d.test, evalOptions{kind: "classifier", threads: o.threads, batch: 500})
	if err != nil {
		return fmt.Errorf("compiled evaluation: %w", err)
	}
	r.TestCompiled = res.ErrorRate
	return nil
}

// printLarochelle prints every run and, per depth, the run with the lowest
// validation error as a markdown table.
func printLarochelle(w io.Writer, o *larochelleOpts, runs []*larochelleRun) {
	fmt.Fprintf(w, "all runs (validation error picks one per depth):\n")
	for _, r := range runs {
		fmt.Fprintf(w, "  %s\n", r.summary())
	}
	best := map[int]*larochelleRun{}
	for _, r := range runs {
		if b := best[r.Depth]; b == nil || r.ValError < b.ValError {
			best[r.Depth] = r
		}
	}
	var depths []int
	for dp := range best {
		depths = append(depths, dp)
	}
	sort.Ints(depths)
	fmt.Fprintf(w, "\n| data | pre-training | depth | test error | (compiled) | validation error | chosen hyper-parameters | time |\n|---|---|---|---|---|---|---|---|\n")
	for _, dp := range depths {
		r := best[dp]
		pre := r.Pre
		if pre == "" {
			pre = "none"
		}
		fmt.Fprintf(w, "| %s | %s | %d | %.2f%% | %.2f%% | %.2f%% | %s; fine-tune %s | %s |\n", r.Data, r.Pretrain, r.Depth,
			100*r.TestError, 100*r.TestCompiled, 100*r.ValError, pre, r.FT, shortDuration(time.Duration((r.PretrainSec+r.FinetuneSec)*float64(time.Second))))
	}
	for _, dp := range depths {
		r := best[dp]
		if !(math.Abs(r.TestError-r.TestCompiled) < 1e-9) {
			fmt.Fprintf(w, "note: depth %d: native and compiled test errors differ (%.4f%% vs %.4f%%)\n", dp, 100*r.TestError, 100*r.TestCompiled)
		}
	}
}

// larochellePaper holds the published test errors (%) the table is
// compared with: the lecture's table (Deep net, + autoencoder, + RBM at
// depths 1 to 3), and for denoising autoencoders Vincent et al. (2008),
// who report a depth-3 stack only.
var larochellePaper = map[string][3]string{
	"mnist-basic/none":    {"4.14", "4.03", "4.24"},
	"mnist-basic/ae":      {"3.87", "3.38", "3.37"},
	"mnist-basic/rbm":     {"3.17", "2.74", "2.71"},
	"mnist-basic/dae":     {"", "", "2.80"},
	"mnist-rotation/none": {"15.22", "10.63", "11.98"},
	"mnist-rotation/ae":   {"11.43", "9.88", "9.22"},
	"mnist-rotation/rbm":  {"10.47", "9.54", "8.80"},
	"mnist-rotation/dae":  {"", "", "10.29"},
}

// printLarochelleSummary prints, from every result in dir, the combined
// table (test error of the run with the lowest validation error for each
// data set, pre-training and depth, next to the published numbers) and a
// second table with each chosen run's hyper-parameters and command.
func printLarochelleSummary(w io.Writer, dir string, depths []int) error {
	datas := []string{"mnist-basic", "mnist-rotation"}
	pres := []struct{ key, name string }{{"none", "none"}, {"ae", "autoencoder"}, {"rbm", "RBM"}, {"dae", "denoising autoencoder"}}
	best := map[string]*larochelleRun{}
	count := map[string]int{}
	for _, d := range datas {
		for _, p := range pres {
			runs, err := readLarochelleResults(dir, d, p.key, depths)
			if err != nil {
				continue
			}
			for _, r := range runs {
				k := fmt.Sprintf("%s/%s/%d", d, p.key, r.Depth)
				count[k]++
				if b := best[k]; b == nil || r.ValError < b.ValError {
					best[k] = r
				}
			}
		}
	}
	cell := func(d, p string, depth int) string {
		r := best[fmt.Sprintf("%s/%s/%d", d, p, depth)]
		if r == nil {
			return "–"
		}
		s := fmt.Sprintf("%.2f%%", 100*r.TestError)
		if math.Abs(r.TestError-r.TestCompiled) > 1e-9 {
			s += fmt.Sprintf(" (compiled %.2f%%)", 100*r.TestCompiled)
		}
		return s
	}
	paper := func(d, p string, depth int) string {
		if depth < 1 || depth > 3 || larochellePaper[d+"/"+p][depth-1] == "" {
			return "–"
		}
		return larochellePaper[d+"/"+p][depth-1] + "%"
	}
	fmt.Fprintf(w, "| pre-training | depth | MNIST-basic: latent | published | MNIST-rotation: latent | published |\n|---|---:|---:|---:|---:|---:|\n")
	for _, p := range pres {
		for _, dp := range depths {
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s |\n", p.name, dp, cell(datas[0], p.key, dp), paper(datas[0], p.key, dp),
				cell(datas[1], p.key, dp), paper(datas[1], p.key, dp))
		}
	}
	fmt.Fprintf(w, "\n| data | pre-training | depth | validation error | test error | runs compared | chosen: pre-training; fine-tuning | best epoch | time | command |\n|---|---|---:|---:|---:|---:|---|---:|---:|---|\n")
	for _, d := range datas {
		for _, p := range pres {
			for _, dp := range depths {
				k := fmt.Sprintf("%s/%s/%d", d, p.key, dp)
				r := best[k]
				if r == nil {
					continue
				}
				pre := r.Pre
				if pre == "" {
					pre = "none"
				}
				fmt.Fprintf(w, "| %s | %s | %d | %.2f%% | %.2f%% | %d | %s; %s | %d of %d | %s | `%s` |\n", d, p.key, dp, 100*r.ValError, 100*r.TestError, count[k],
					pre, r.FT, r.BestEpoch, r.Epochs, shortDuration(time.Duration((r.PretrainSec+r.FinetuneSec)*float64(time.Second))), r.Command)
			}
		}
	}
	return nil
}
