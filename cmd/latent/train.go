package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/latent-go/latent/exporter"
	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/train"
	"github.com/latent-go/latent/train/dataset"
)

// trainKinds lists latent train's model kinds, in help order.
var trainKinds = []struct{ name, summary string }{
	{"ae", "autoencoder (undercomplete or overcomplete, shallow or deep, --tied)"},
	{"dae", "denoising autoencoder (--noise mask:ν|gauss:σ|saltpepper:p, default mask:0.25)"},
	{"sparse", "sparse autoencoder (--sparsity kl:ρ:β|l1:λ, default kl:0.05:3)"},
	{"linear", "linear autoencoder (linear units, squared error): the PCA baseline trained by gradient descent"},
	{"pca", "principal component analysis with as many components as the last --layers size (no training loop)"},
	{"rbm", "restricted Boltzmann machine --layers V,H trained with CD-k (--k, --pcd); exports its feature map"},
	{"classifier", "feed-forward softmax classifier, randomly initialised (no pre-training)"},
	{"stacked", "greedy layer-wise pre-training (--module ae|dae|rbm) then --finetune classifier|deep-ae|none"},
}

// trainFlags holds latent train's flags.
type trainFlags struct {
	data                    dataOptions
	layers                  string
	act, outAct, loss       string
	tied, codeLinear        bool
	noise, sparsity         string
	optimizer               string
	weightDecay, lrDecay    float64
	batch, epochs, patience int
	seed                    uint64
	threads                 int
	checkpoint, resume      string
	outDir, out, save       string
	quiet                   bool
	k                       int
	pcd                     bool
	visible                 string
	module, finetune        string
	preEpochs               int
	preOptimizer            string
	monitor                 string
	initScale               float64
}

func (f *trainFlags) register(fs *flag.FlagSet) {
	registerDataFlags(fs, &f.data)
	fs.StringVar(&f.layers, "layers", "", "layer sizes, input first: 784,500,250 (default: input,500; pca and linear: input,30)")
	fs.StringVar(&f.act, "act", "sigmoid", "hidden activation: sigmoid, tanh, relu, leakyrelu or linear")
	fs.StringVar(&f.outAct, "out-act", "", "autoencoder output activation (default: sigmoid for --loss ce, linear for mse)")
	fs.StringVar(&f.loss, "loss", "", "reconstruction loss: ce (Bernoulli cross-entropy) or mse (half squared error); default ce for data in [0,1]")
	fs.BoolVar(&f.tied, "tied", false, "tie each decoder weight to its encoder's transpose")
	fs.BoolVar(&f.codeLinear, "code-linear", false, "linear code layer (Hinton and Salakhutdinov's deep autoencoder)")
	fs.StringVar(&f.noise, "noise", "", "input corruption: none, mask:ν, gauss:σ or saltpepper:p (dae default mask:0.25)")
	fs.StringVar(&f.sparsity, "sparsity", "", "code sparsity penalty: none, kl:ρ:β or l1:λ (sparse default kl:0.05:3)")
	fs.StringVar(&f.optimizer, "optimizer", "", "sgd:lr[:momentum] or adam:lr[:β1[:β2]] (default adam:0.001; rbm sgd:0.05:0.5)")
	fs.Float64Var(&f.weightDecay, "weight-decay", 0, "L2 weight decay")
	fs.Float64Var(&f.lrDecay, "lr-decay", 0, "multiply the learning rate by this every epoch (0: constant)")
	fs.IntVar(&f.batch, "batch", 64, "mini-batch size")
	fs.IntVar(&f.epochs, "epochs", 10, "training epochs (fine-tuning epochs for stacked)")
	fs.IntVar(&f.patience, "patience", 0, "stop after this many epochs without validation improvement (0: never)")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed (weights, shuffling, noise)")
	fs.IntVar(&f.threads, "threads", 0, "threads (0: all cores); results do not depend on it")
	fs.StringVar(&f.checkpoint, "checkpoint", "", "write a resumable checkpoint here after every epoch")
	fs.StringVar(&f.resume, "resume", "", "resume training from this checkpoint (as written by --checkpoint)")
	fs.StringVar(&f.outDir, "out-dir", "", "directory for loss.png, recon.png, filters.png and history.json")
	fs.StringVar(&f.out, "o", "", "write the trained model as ONNX to this file")
	fs.StringVar(&f.save, "save", "", "also write the trained model as a native latent checkpoint")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress output")
	fs.IntVar(&f.k, "k", 1, "rbm: Gibbs steps of CD-k")
	fs.BoolVar(&f.pcd, "pcd", false, "rbm: persistent contrastive divergence")
	fs.StringVar(&f.visible, "visible", "", "rbm: visible units, bernoulli or gaussian (default bernoulli for data in [0,1])")
	fs.StringVar(&f.module, "module", "rbm", "stacked: greedy module, ae, dae or rbm")
	fs.StringVar(&f.finetune, "finetune", "classifier", "stacked: classifier (softmax on top, supervised), deep-ae (unrolled, reconstruction) or none")
	fs.IntVar(&f.preEpochs, "pre-epochs", 0, "stacked: pre-training epochs per level (0: same as --epochs)")
	fs.StringVar(&f.preOptimizer, "pre-optimizer", "", "stacked: pre-training optimizer (default: sgd:0.05:0.5 for rbm, else --optimizer)")
	fs.Float64Var(&f.initScale, "init-scale", 1, "multiply the initial weights of autoencoders, classifiers and stacked autoencoder modules by this (1: the library's Glorot initialisation)")
	fs.StringVar(&f.monitor, "monitor", "", "validation quantity for early stopping and model choice: loss or error (classifiers' default: error)")
}

// registerDataFlags adds the data selection flags shared by train, eval
// and experiment.
func registerDataFlags(fs *flag.FlagSet, o *dataOptions) {
	fs.StringVar(&o.spec, "data", "mnist", "data: mnist, mnist-basic, mnist-rotation or csv:PATH")
	fs.StringVar(&o.mnistDir, "mnist-dir", "", "directory holding the MNIST .gz files (default: the GoMNIST module, $LATENT_MNIST)")
	fs.IntVar(&o.subset, "subset", 0, "use only the first N training examples (0: all)")
	fs.IntVar(&o.valSize, "val-size", 0, "validation examples (mnist: last N of the 60,000, default 10,000; csv: last N rows, default a tenth)")
	fs.StringVar(&o.label, "label", "", "csv: name of the label column")
	fs.StringVar(&o.binarize, "binarize", "none", "binarize pixels: none, threshold (> 0.5) or sample")
	fs.Uint64Var(&o.splitSeed, "split-seed", 1, "seed of the MNIST-basic/rotation split and of --binarize sample")
}

func init() {
	var kinds strings.Builder
	for _, k := range trainKinds {
		fmt.Fprintf(&kinds, "\n  %-10s %s", k.name, k.summary)
	}
	register(&command{
		name:    "train",
		summary: "train an autoencoder, RBM or classifier natively in Go and export it as ONNX",
		usage:   "KIND",
		setup: func(fs *flag.FlagSet) func([]string, io.Writer, io.Writer) error {
			f := &trainFlags{}
			f.register(fs)
			extendUsage(fs, "latent train [flags] KIND", "Train a model natively in Go and export it as ONNX (-o).\n\nkinds:"+kinds.String())
			return func(args []string, stdout, stderr io.Writer) error {
				if len(args) == 0 {
					return usagef("missing KIND (ae, dae, sparse, linear, pca, rbm, classifier or stacked)")
				}
				kind := args[0]
				rest, err := reparse(fs, args[1:])
				if err != nil {
					return usagef("%v", err)
				}
				if len(rest) > 0 {
					return usagef("unexpected arguments %q", rest)
				}
				ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
				defer stop()
				return runTrain(ctx, kind, f, stdout, stderr)
			}
		},
	})
}

// extendUsage makes fs's usage message print a longer description than
// the one-line summary "latent help" lists.
func extendUsage(fs *flag.FlagSet, usage, text string) {
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: %s\n\n%s\n\nflags:\n", usage, text)
		fs.PrintDefaults()
	}
}

// threadCount maps the --threads flag to a thread count.
func threadCount(n int) int {
	if n <= 0 {
		return goruntime.NumCPU()
	}
	return n
}

// trainRun is one latent train invocation in progress.
type trainRun struct {
	f       *trainFlags
	kind    string
	d       *data
	sizes   []int
	threads int
	rep     *reporter
	stdout  io.Writer
	cfg     train.Config
	unit    bool // data in [0, 1]

	// results
	model    train.Model
	graph    *ir.Graph
	hist     *train.History
	pictures []string
	metrics  map[string]float64
	extra    map[string]any
}

func runTrain(ctx context.Context, kind string, f *trainFlags, stdout, stderr io.Writer) error {
	known := false
	for _, k := range trainKinds {
		known = known || k.name == kind
	}
	if !known {
		return usagef("unknown kind %q (ae, dae, sparse, linear, pca, rbm, classifier or stacked)", kind)
	}
	if f.batch <= 0 || f.epochs <= 0 || f.patience < 0 || f.preEpochs < 0 || !(f.initScale > 0) {
		return usagef("--batch, --epochs and --init-scale must be positive, --patience and --pre-epochs not negative")
	}
	r := &trainRun{f: f, kind: kind, threads: threadCount(f.threads), rep: newReporter(stderr, f.quiet), stdout: stdout,
		metrics: map[string]float64{}, extra: map[string]any{}}
	start := time.Now()
	d, err := loadData(ctx, f.data, stderr)
	if err != nil {
		return err
	}
	r.d = d
	r.unit = inUnitInterval(d.train)
	r.rep.printf("%s\n", d.describe())
	if r.sizes, err = r.layerSizes(); err != nil {
		return err
	}
	if f.outDir != "" {
		if err := os.MkdirAll(f.outDir, 0o755); err != nil {
			return err
		}
	}
	for _, p := range []string{f.out, f.save, f.checkpoint} {
		if p != "" {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
		}
	}
	r.cfg = train.Config{Epochs: f.epochs, BatchSize: f.batch, Seed: f.seed, LRDecay: f.lrDecay, Threads: r.threads,
		Patience: f.patience, Checkpoint: f.checkpoint, ResumeFrom: f.resume, Progress: r.rep.progress}
	if f.monitor != "" && f.monitor != "loss" && f.monitor != "error" {
		return usagef("unknown --monitor %q (loss or error)", f.monitor)
	}
	if f.patience > 0 && d.valid == nil {
		return usagef("--patience needs validation data")
	}
	switch kind {
	case "ae", "dae", "sparse", "linear":
		err = r.autoencoder(ctx)
	case "pca":
		err = r.pca()
	case "rbm":
		err = r.rbm(ctx)
	case "classifier":
		err = r.classifier(ctx)
	case "stacked":
		err = r.stacked(ctx)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) && f.checkpoint != "" {
			return fmt.Errorf("interrupted; resume with --resume %s: %w", f.checkpoint, err)
		}
		return err
	}
	return r.finish(time.Since(start))
}

// layerSizes returns --layers checked against the data (or the kind's
// default).
func (r *trainRun) layerSizes() ([]int, error) {
	dim := r.d.train.Dim
	if r.f.layers == "" {
		switch r.kind {
		case "pca", "linear":
			return []int{dim, 30}, nil
		case "stacked":
			return []int{dim, 500, 500, 500}, nil
		}
		return []int{dim, 500}, nil
	}
	sizes, err := parseSizes(r.f.layers)
	if err != nil {
		return nil, err
	}
	if sizes[0] != dim {
		return nil, usagef("--layers %s: the first size must be the input size %d of %s", r.f.layers, dim, r.d.name)
	}
	if len(sizes) < 2 {
		return nil, usagef("--layers %s: give the input size and at least one layer size", r.f.layers)
	}
	if r.kind == "rbm" && len(sizes) != 2 {
		return nil, usagef("rbm: --layers takes two sizes, visible and hidden (use stacked for a deep belief network)")
	}
	if r.kind == "pca" && len(sizes) != 2 {
		return nil, usagef("pca: --layers takes two sizes, input and components")
	}
	return sizes, nil
}

// optimizerFor parses an optimizer flag value with a default.
func (r *trainRun) optimizerFor(s, def string) (train.Optimizer, error) {
	if s == "" {
		s = def
	}
	return parseOptimizer(s, r.f.weightDecay)
}

// autoencoderConfig builds the AutoencoderConfig the flags describe.
func (r *trainRun) autoencoderConfig() (train.AutoencoderConfig, error) {
	f := r.f
	ac := train.AutoencoderConfig{Sizes: r.sizes, Tied: f.tied, CodeLinear: f.codeLinear, Seed: f.seed}
	var err error
	if ac.Hidden, err = parseActivation("--act", f.act); err != nil {
		return ac, err
	}
	loss := f.loss
	if loss == "" {
		loss = "mse"
		if r.unit {
			loss = "ce"
		}
	}
	if ac.Loss, err = parseLoss(loss); err != nil {
		return ac, err
	}
	if ac.Loss == train.CrossEntropy && !r.unit {
		return ac, usagef("--loss ce needs data in [0, 1]; use --loss mse for %s", r.d.name)
	}
	switch {
	case f.outAct != "":
		if ac.Output, err = parseActivation("--out-act", f.outAct); err != nil {
			return ac, err
		}
	case ac.Loss == train.CrossEntropy:
		ac.Output = train.Sigmoid
	default:
		ac.Output = train.Linear
	}
	noise := f.noise
	if noise == "" && r.kind == "dae" {
		noise = "mask:0.25"
	}
	if ac.Noise, err = parseNoise(noise); err != nil {
		return ac, err
	}
	if r.kind == "dae" && ac.Noise.Kind == train.NoNoise {
		return ac, usagef("dae: --noise none leaves nothing to denoise (use ae)")
	}
	sp := f.sparsity
	if sp == "" && r.kind == "sparse" {
		sp = "kl:0.05:3"
	}
	if ac.Sparsity, err = parseSparsity(sp); err != nil {
		return ac, err
	}
	if r.kind == "sparse" && ac.Sparsity.Kind == train.NoSparsity {
		return ac, usagef("sparse: --sparsity none leaves nothing sparse (use ae)")
	}
	if r.kind == "linear" {
		ac.Hidden, ac.Output, ac.Loss, ac.CodeLinear = train.Linear, train.Linear, train.SquaredError, false
	}
	return ac, nil
}

func (r *trainRun) autoencoder(ctx context.Context) error {
	ac, err := r.autoencoderConfig()
	if err != nil {
		return err
	}
	if r.cfg.Optimizer, err = r.optimizerFor(r.f.optimizer, "adam:0.001"); err != nil {
		return err
	}
	a, err := train.NewAutoencoder(ac)
	if err != nil {
		return err
	}
	scaleWeights(a.Net.Layers, r.f.initScale)
	r.rep.printf("%s autoencoder %s, %s/%s, loss %v, noise %s, %s, batch %d, %d threads\n", r.kind, sizesString(r.sizes, true),
		ac.Hidden, ac.Output, ac.Loss, noiseString(ac.Noise), optimizerString(r.cfg.Optimizer), r.f.batch, r.threads)
	r.rep.stage(r.kind)
	if r.hist, err = a.Fit(ctx, r.d.train, r.d.valid, r.cfg); err != nil {
		return err
	}
	r.model = a
	if r.graph, err = a.Lower(); err != nil {
		return err
	}
	if err := r.reconMetrics(a.SquaredError, a.Loss); err != nil {
		return err
	}
	return r.aePictures(a, ac.Noise, "loss ("+ac.Loss.String()+" per example)")
}

// reconMetrics records the squared reconstruction error per example and
// the training loss on the test (else validation) set.
func (r *trainRun) reconMetrics(se, loss func(*train.Matrix) (float64, error)) error {
	s, name := r.d.test, "test"
	if s == nil {
		s, name = r.d.valid, "validation"
	}
	if s == nil {
		return nil
	}
	x := train.MatrixOf(s)
	v, err := se(x)
	if err != nil {
		return err
	}
	r.metrics[name+"_squared_error"] = v
	if loss != nil {
		if v, err = loss(x); err != nil {
			return err
		}
		r.metrics[name+"_loss"] = v
	}
	return nil
}

// pictureSet is the set pictures are drawn from.
func (r *trainRun) pictureSet() *dataset.Set {
	switch {
	case r.d.test != nil:
		return r.d.test
	case r.d.valid != nil:
		return r.d.valid
	}
	return r.d.train
}

func (r *trainRun) addPicture(path string, err error) error {
	if err != nil {
		return err
	}
	if path != "" {
		r.pictures = append(r.pictures, path)
	}
	return nil
}

func (r *trainRun) aePictures(a *train.Autoencoder, noise train.Noise, ylabel string) error {
	if r.f.outDir == "" {
		return nil
	}
	if err := r.addPicture(writeReconGrid(r.f.outDir, r.pictureSet(), noise, a.Reconstruct, r.f.seed)); err != nil {
		return err
	}
	if err := r.addPicture(writeFilters(r.f.outDir, a.Net.Layers[0].Weight(), r.d.train)); err != nil {
		return err
	}
	if r.hist != nil {
		trainName := "training"
		if noise.Kind != train.NoNoise {
			trainName = "training (corrupted input)"
		}
		return r.addPicture(writeCurves(r.f.outDir, "loss.png", r.kind+" "+sizesString(r.sizes, true)+" on "+r.d.name, ylabel, historyCurves(r.hist, "", trainName)))
	}
	return nil
}

func (r *trainRun) pca() error {
	x := train.MatrixOf(r.d.train)
	k := r.sizes[1]
	r.rep.printf("pca: %d components of %d features from %d examples\n", k, x.Cols, x.Rows)
	p, err := train.FitPCA(x, k)
	if err != nil {
		return err
	}
	a, err := pcaAutoencoder(p)
	if err != nil {
		return err
	}
	r.model = a
	if r.graph, err = a.Lower(); err != nil {
		return err
	}
	var total, kept float64
	for _, v := range p.Variances {
		kept += v
	}
	total = totalVariance(x)
	r.metrics["explained_variance"] = kept / total
	if err := r.reconMetrics(p.SquaredError, nil); err != nil {
		return err
	}
	return r.aePictures(a, train.Noise{}, "")
}

// totalVariance returns the summed per-feature variance of the rows of x.
func totalVariance(x *train.Matrix) float64 {
	mean := make([]float64, x.Cols)
	for i := 0; i < x.Rows; i++ {
		for j, v := range x.Row(i) {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(x.Rows)
	}
	var s float64
	for i := 0; i < x.Rows; i++ {
		for j, v := range x.Row(i) {
			d := float64(v) - mean[j]
			s += d * d
		}
	}
	return s / float64(x.Rows-1)
}

// pcaAutoencoder expresses a PCA as a linear autoencoder: the code is
// U(x - mean) = Ux - U mean, the reconstruction Uᵀcode + mean, so it
// lowers, exports and compiles like any other model.
func pcaAutoencoder(p *train.PCA) (*train.Autoencoder, error) {
	k, dim := p.Components.Dims()
	a, err := train.NewAutoencoder(train.AutoencoderConfig{Sizes: []int{dim, k}, Hidden: train.Linear, Output: train.Linear, Loss: train.SquaredError})
	if err != nil {
		return nil, err
	}
	enc, dec := a.Net.Layers[0], a.Net.Layers[1]
	for i := 0; i < k; i++ {
		var b float64
		for j := 0; j < dim; j++ {
			u := p.Components.At(i, j)
			enc.W.Data[i*dim+j] = float32(u)
			dec.W.Data[j*k+i] = float32(u)
			b -= u * p.Mean[j]
		}
		enc.B.Data[i] = float32(b)
	}
	for j := 0; j < dim; j++ {
		dec.B.Data[j] = float32(p.Mean[j])
	}
	return a, nil
}

func (r *trainRun) rbm(ctx context.Context) error {
	f := r.f
	gauss := !r.unit
	switch f.visible {
	case "":
	case "bernoulli":
		gauss = false
	case "gaussian":
		gauss = true
	default:
		return usagef("unknown --visible %q (bernoulli or gaussian)", f.visible)
	}
	if !gauss && !r.unit {
		return usagef("rbm: Bernoulli visible units need data in [0, 1]; use --visible gaussian on standardised data")
	}
	var err error
	if r.cfg.Optimizer, err = r.optimizerFor(f.optimizer, "sgd:0.05:0.5"); err != nil {
		return err
	}
	m, err := train.NewRBM(train.RBMConfig{Visible: r.sizes[0], Hidden: r.sizes[1], GaussianVisible: gauss, K: f.k, Persistent: f.pcd, Seed: f.seed})
	if err != nil {
		return err
	}
	cd := fmt.Sprintf("CD-%d", max(f.k, 1))
	if f.pcd {
		cd = fmt.Sprintf("PCD-%d", max(f.k, 1))
	}
	r.rep.printf("rbm %d-%d, %s visible units, %s, %s, batch %d, %d threads\n", r.sizes[0], r.sizes[1], map[bool]string{false: "Bernoulli", true: "Gaussian"}[gauss],
		cd, optimizerString(r.cfg.Optimizer), f.batch, r.threads)
	r.rep.stage("rbm")
	if r.hist, err = m.Fit(ctx, r.d.train, r.d.valid, r.cfg); err != nil {
		return err
	}
	r.model = m
	if r.graph, err = m.Lower(); err != nil {
		return err
	}
	se := func(x *train.Matrix) (float64, error) {
		y, err := m.Reconstruct(x)
		if err != nil {
			return 0, err
		}
		return meanSquaredError(x, y), nil
	}
	if err := r.reconMetrics(se, nil); err != nil {
		return err
	}
	if f.outDir == "" {
		return nil
	}
	if err := r.addPicture(writeReconGrid(f.outDir, r.pictureSet(), train.Noise{}, m.Reconstruct, f.seed)); err != nil {
		return err
	}
	w := &train.Matrix{Rows: m.Hidden, Cols: m.Visible, Data: m.W.Data}
	if err := r.addPicture(writeFilters(f.outDir, w, r.d.train)); err != nil {
		return err
	}
	return r.addPicture(writeCurves(f.outDir, "loss.png", "rbm "+sizesString(r.sizes, false)+" on "+r.d.name, "mean-field reconstruction error (½ squared, per example)", historyCurves(r.hist, "", "training")))
}

// meanSquaredError returns the mean over rows of the summed squared
// difference between x and y.
func meanSquaredError(x, y *train.Matrix) float64 {
	var s float64
	for i, v := range x.Data {
		d := float64(y.Data[i]) - float64(v)
		s += d * d
	}
	return s / float64(x.Rows)
}

// classes returns the training set's class count, or an error when it has
// no labels.
func (r *trainRun) classes() (int, error) {
	if !r.d.train.Labelled() {
		return 0, usagef("%s needs labelled data (csv: --label COLUMN)", r.kind)
	}
	return r.d.train.Classes, nil
}

// monitor returns the validation quantity classifiers watch.
func (r *trainRun) monitor() train.Monitor {
	if r.f.monitor == "loss" {
		return train.MonitorLoss
	}
	return train.MonitorError
}

func (r *trainRun) classifier(ctx context.Context) error {
	classes, err := r.classes()
	if err != nil {
		return err
	}
	act, err := parseActivation("--act", r.f.act)
	if err != nil {
		return err
	}
	if r.cfg.Optimizer, err = r.optimizerFor(r.f.optimizer, "adam:0.001"); err != nil {
		return err
	}
	sizes := append(append([]int(nil), r.sizes...), classes)
	c, err := train.NewClassifier(train.ClassifierConfig{Sizes: sizes, Hidden: act, Seed: r.f.seed})
	if err != nil {
		return err
	}
	scaleWeights(c.Net.Layers, r.f.initScale)
	r.rep.printf("classifier %s, %s hidden units, %s, batch %d, %d threads\n", sizesString(sizes, false), act, optimizerString(r.cfg.Optimizer), r.f.batch, r.threads)
	return r.fitClassifier(ctx, c, "train")
}

// fitClassifier trains c with the run's configuration and records its
// results.
func (r *trainRun) fitClassifier(ctx context.Context, c *train.Classifier, stage string) error {
	cfg := r.cfg
	if r.d.valid != nil {
		cfg.Monitor = r.monitor()
	}
	r.rep.stage(stage)
	var err error
	if r.hist, err = c.Fit(ctx, r.d.train, r.d.valid, cfg); err != nil {
		return err
	}
	r.model = c
	if r.graph, err = c.Lower(); err != nil {
		return err
	}
	for name, s := range map[string]*dataset.Set{"validation": r.d.valid, "test": r.d.test} {
		if s != nil && s.Labelled() {
			e, err := c.ErrorRate(s)
			if err != nil {
				return err
			}
			r.metrics[name+"_error"] = e
		}
	}
	if r.f.outDir == "" {
		return nil
	}
	if err := r.addPicture(writeFilters(r.f.outDir, c.Net.Layers[0].Weight(), r.d.train)); err != nil {
		return err
	}
	title := "classifier " + sizesString(append(append([]int(nil), r.sizes...), c.Classes()), false) + " on " + r.d.name
	if err := r.addPicture(writeCurves(r.f.outDir, "loss.png", title, "softmax cross-entropy per example", historyCurves(r.hist, "", "training"))); err != nil {
		return err
	}
	return r.addPicture(writeCurves(r.f.outDir, "error.png", title, "validation error (%)", []curve{errorCurve(r.hist)}))
}

// pretrainConfig builds the greedy layer-wise pre-training configuration
// the flags describe.
func (r *trainRun) pretrainConfig() (train.PretrainConfig, error) {
	f := r.f
	pc := train.PretrainConfig{Sizes: r.sizes, RealInput: !r.unit, LinearCode: f.codeLinear, Tied: f.tied, K: f.k, Persistent: f.pcd, Seed: f.seed}
	var err error
	if pc.Hidden, err = parseActivation("--act", f.act); err != nil {
		return pc, err
	}
	def := f.optimizer
	if def == "" {
		def = "adam:0.001"
	}
	switch f.module {
	case "ae", "autoencoder":
		pc.Module = train.ModuleAutoencoder
	case "dae", "denoising":
		pc.Module = train.ModuleDenoising
		noise := f.noise
		if noise == "" {
			noise = "mask:0.25"
		}
		if pc.Noise, err = parseNoise(noise); err != nil {
			return pc, err
		}
	case "rbm":
		pc.Module = train.ModuleRBM
		def = "sgd:0.05:0.5"
	default:
		return pc, usagef("unknown --module %q (ae, dae or rbm)", f.module)
	}
	if pc.Sparsity, err = parseSparsity(f.sparsity); err != nil {
		return pc, err
	}
	epochs := f.preEpochs
	if epochs == 0 {
		epochs = f.epochs
	}
	pc.Train = train.Config{Epochs: epochs, BatchSize: f.batch, Seed: f.seed, LRDecay: f.lrDecay, Threads: r.threads, Patience: f.patience}
	if pc.Train.Optimizer, err = r.optimizerFor(f.preOptimizer, def); err != nil {
		return pc, err
	}
	return pc, nil
}

// levelCheckpoint names the checkpoint base of pre-training level l;
// Pretrain adds ".l1" to it.
func levelCheckpoint(base string, l int) string { return fmt.Sprintf("%s.level%d", base, l) }

// pretrainStack runs greedy layer-wise pre-training one level at a time
// (train.Pretrain on each level's data, exactly as one Pretrain call over
// all levels would) so that each level can be checkpointed and a killed
// run resumed from the levels already done. ckpt and resume name
// checkpoint bases as --checkpoint and --resume give them; either may be
// empty. topOpt, when not nil, trains the top level instead of
// pc.Train.Optimizer (a linear code wants a smaller learning rate).
// initScale, when neither 0 nor 1, scales autoencoder modules' initial
// weights (see pretrainLevelScaled). rep, when not nil, shows each level's
// progress.
func pretrainStack(ctx context.Context, trainSet, validSet *dataset.Set, pc train.PretrainConfig, ckpt, resume string, topOpt train.Optimizer, initScale float64, threads int, rep *reporter) (*train.Stack, error) {
	L := len(pc.Sizes) - 1
	st := &train.Stack{}
	d, dv := trainSet, validSet
	for l := 1; l <= L; l++ {
		c := pc
		c.Sizes = pc.Sizes[l-1 : l+1]
		c.Seed = pc.Seed + uint64(l-1) // Pretrain seeds level l with Seed+l
		c.RealInput = l == 1 && pc.RealInput || l > 1 && pc.Module != train.ModuleRBM && st.Layers[l-2].Act != train.Sigmoid
		c.LinearCode = pc.LinearCode && l == L
		c.Train.Checkpoint, c.Train.ResumeFrom = "", ""
		if l == L && topOpt != nil {
			c.Train.Optimizer = topOpt
		}
		if ckpt != "" {
			c.Train.Checkpoint = levelCheckpoint(ckpt, l)
		}
		if resume != "" {
			if _, err := os.Stat(levelCheckpoint(resume, l) + ".l1"); err == nil {
				c.Train.ResumeFrom = levelCheckpoint(resume, l)
			}
		}
		if rep != nil {
			rep.stage(fmt.Sprintf("level %d/%d %v", l, L, pc.Module))
			c.Progress = func(_ int, p train.Progress) { rep.progress(p) }
		}
		var s *train.Stack
		var err error
		if initScale != 0 && initScale != 1 && pc.Module != train.ModuleRBM {
			s, err = pretrainLevelScaled(ctx, d, dv, c, float32(initScale))
		} else {
			s, err = train.Pretrain(ctx, d, dv, c)
		}
		if err != nil {
			return nil, fmt.Errorf("level %d: %w", l, err)
		}
		enc, dec := s.Layers[0], s.Decoders[0]
		enc.W.Name, enc.B.Name = fmt.Sprintf("layer%d.W", l-1), fmt.Sprintf("layer%d.B", l-1)
		dec.W.Name, dec.B.Name = fmt.Sprintf("dec%d.W", l-1), fmt.Sprintf("dec%d.B", l-1)
		st.Layers = append(st.Layers, enc)
		st.Decoders = append(st.Decoders, dec)
		st.Histories = append(st.Histories, s.Histories[0])
		if l < L {
			if d, err = mapThrough(enc, d, threads); err != nil {
				return nil, err
			}
			if dv != nil {
				if dv, err = mapThrough(enc, dv, threads); err != nil {
					return nil, err
				}
			}
		}
	}
	return st, nil
}

// pretrainLevelScaled trains the one-level autoencoder module that
// train.Pretrain would build for c (same architecture, loss and seed),
// with its initial weights multiplied by scale first, and returns it as
// Pretrain returns a level. The library initialises sigmoid layers with
// 4x Glorot-uniform weights; in an overcomplete autoencoder that random
// start already reconstructs well, so a few epochs barely move the filters
// away from noise, and a smaller start learns visible strokes instead.
func pretrainLevelScaled(ctx context.Context, d, dv *dataset.Set, c train.PretrainConfig, scale float32) (*train.Stack, error) {
	ac := train.AutoencoderConfig{Sizes: c.Sizes, Hidden: c.Hidden, CodeLinear: c.LinearCode, Tied: c.Tied, Sparsity: c.Sparsity, Seed: c.Seed + 1}
	if c.RealInput {
		ac.Output, ac.Loss = train.Linear, train.SquaredError
	} else {
		ac.Output, ac.Loss = train.Sigmoid, train.CrossEntropy
	}
	if c.Module == train.ModuleDenoising {
		if c.Noise.Kind == train.NoNoise {
			return nil, fmt.Errorf("denoising pre-training needs a noise kind")
		}
		ac.Noise = c.Noise
	}
	a, err := train.NewAutoencoder(ac)
	if err != nil {
		return nil, err
	}
	scaleWeights(a.Net.Layers, float64(scale))
	tc := c.Train
	switch o := tc.Optimizer.(type) {
	case *train.SGD:
		tc.Optimizer = &train.SGD{LR: o.LR, Momentum: o.Momentum, WeightDecay: o.WeightDecay}
	case *train.Adam:
		tc.Optimizer = &train.Adam{LR: o.LR, Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, WeightDecay: o.WeightDecay}
	}
	if tc.Checkpoint != "" {
		tc.Checkpoint += ".l1"
	}
	if tc.ResumeFrom != "" {
		tc.ResumeFrom += ".l1"
	}
	if c.Progress != nil {
		tc.Progress = func(p train.Progress) { c.Progress(1, p) }
	}
	h, err := a.Fit(ctx, d, dv, tc)
	if err != nil {
		return nil, err
	}
	// Unrolling copies the layers and materialises a tied decoder.
	u, err := (&train.Stack{Layers: a.Net.Layers[:1], Decoders: a.Net.Layers[1:]}).DeepAutoencoder()
	if err != nil {
		return nil, err
	}
	return &train.Stack{Layers: u.Net.Layers[:1], Decoders: u.Net.Layers[1:], Histories: []*train.History{h}}, nil
}

// scaleWeights multiplies the initial weights of the untied layers by s.
func scaleWeights(layers []*train.Dense, s float64) {
	if s == 1 {
		return
	}
	for _, l := range layers {
		if l.W != nil {
			for i := range l.W.Data {
				l.W.Data[i] *= float32(s)
			}
		}
	}
}

// mapThrough returns the set h(x) of the layer's outputs for the examples
// of s (labels kept).
func mapThrough(layer *train.Dense, s *dataset.Set, threads int) (*dataset.Set, error) {
	n := &train.Network{Layers: []*train.Dense{layer}, Loss: train.SquaredError, Threads: threads}
	out, err := n.Forward(train.MatrixOf(s))
	if err != nil {
		return nil, err
	}
	return &dataset.Set{X: out.Data, Y: s.Y, N: s.N, Dim: out.Cols, Classes: s.Classes}, nil
}

func (r *trainRun) stacked(ctx context.Context) error {
	f := r.f
	pc, err := r.pretrainConfig()
	if err != nil {
		return err
	}
	switch f.finetune {
	case "classifier", "deep-ae", "none":
	default:
		return usagef("unknown --finetune %q (classifier, deep-ae or none)", f.finetune)
	}
	if f.finetune == "classifier" {
		if _, err := r.classes(); err != nil {
			return err
		}
	}
	r.rep.printf("stacked %s: greedy pre-training with %v modules (%s, %d epochs per level), then fine-tuning as %s\n",
		sizesString(r.sizes, false), pc.Module, optimizerString(pc.Train.Optimizer), pc.Train.Epochs, f.finetune)
	st, err := pretrainStack(ctx, r.d.train, r.d.valid, pc, f.checkpoint, f.resume, nil, f.initScale, r.threads, r.rep)
	if err != nil {
		return err
	}
	var pre []curve
	for l, h := range st.Histories {
		pre = append(pre, historyCurves(h, fmt.Sprintf("level %d ", l+1), "training")...)
	}
	if f.outDir != "" {
		if err := r.addPicture(writeCurves(f.outDir, "pretrain.png", fmt.Sprintf("greedy pre-training (%v) on %s", pc.Module, r.d.name), "loss per example", pre)); err != nil {
			return err
		}
	}
	r.extra["pretrain_histories"] = st.Histories
	ftCkpt, ftResume := "", ""
	if f.checkpoint != "" {
		ftCkpt = f.checkpoint + ".finetune"
	}
	if f.resume != "" {
		if _, err := os.Stat(f.resume + ".finetune"); err == nil {
			ftResume = f.resume + ".finetune"
		}
	}
	r.cfg.Checkpoint, r.cfg.ResumeFrom = ftCkpt, ftResume
	if r.cfg.Optimizer, err = r.optimizerFor(f.optimizer, "sgd:0.1:0.9"); err != nil {
		return err
	}
	switch f.finetune {
	case "none":
		if r.graph, err = st.Lower(); err != nil {
			return err
		}
		a, err := st.DeepAutoencoder()
		if err != nil {
			return err
		}
		r.model = a // the native checkpoint keeps the decoders too
		if f.outDir != "" {
			return r.addPicture(writeFilters(f.outDir, st.Layers[0].Weight(), r.d.train))
		}
		return nil
	case "classifier":
		classes, _ := r.classes()
		c, err := st.Classifier(classes, f.seed)
		if err != nil {
			return err
		}
		r.rep.printf("fine-tuning classifier %s with %s\n", sizesString(append(append([]int(nil), r.sizes...), classes), false), optimizerString(r.cfg.Optimizer))
		return r.fitClassifier(ctx, c, "fine-tune")
	}
	a, err := st.DeepAutoencoder()
	if err != nil {
		return err
	}
	r.rep.printf("fine-tuning the unrolled deep autoencoder %s (loss %v) with %s\n", sizesString(r.sizes, true), a.Net.Loss, optimizerString(r.cfg.Optimizer))
	r.rep.stage("fine-tune")
	if r.hist, err = a.Fit(ctx, r.d.train, r.d.valid, r.cfg); err != nil {
		return err
	}
	r.model = a
	if r.graph, err = a.Lower(); err != nil {
		return err
	}
	if err := r.reconMetrics(a.SquaredError, a.Loss); err != nil {
		return err
	}
	return r.aePictures(a, train.Noise{}, "loss ("+a.Net.Loss.String()+" per example)")
}

// finish exports the model and prints the summary.
func (r *trainRun) finish(elapsed time.Duration) error {
	f := r.f
	w := r.stdout
	r.rep.finishBar()
	if r.hist != nil && len(r.hist.Epochs) > 0 {
		last := r.hist.Epochs[len(r.hist.Epochs)-1]
		fmt.Fprintf(w, "trained %d epochs in %s", len(r.hist.Epochs), shortDuration(elapsed))
		if r.hist.EarlyStopped {
			fmt.Fprintf(w, " (early stop)")
		}
		if r.hist.BestEpoch > 0 {
			be := r.hist.Epochs[r.hist.BestEpoch-1]
			fmt.Fprintf(w, "; kept epoch %d: validation loss %.5g", be.Epoch, be.ValLoss)
			if !math.IsNaN(be.ValError) {
				fmt.Fprintf(w, ", validation error %.2f%%", 100*be.ValError)
			}
		} else {
			fmt.Fprintf(w, "; last training loss %.5g", last.TrainLoss)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintf(w, "done in %s\n", shortDuration(elapsed))
	}
	for _, k := range []string{"validation_error", "test_error"} {
		if v, ok := r.metrics[k]; ok {
			fmt.Fprintf(w, "%s classification error: %.2f%%\n", strings.TrimSuffix(k, "_error"), 100*v)
		}
	}
	for _, set := range []string{"validation", "test"} {
		if v, ok := r.metrics[set+"_squared_error"]; ok {
			fmt.Fprintf(w, "%s squared reconstruction error per example: %.4g", set, v)
			if l, ok := r.metrics[set+"_loss"]; ok {
				fmt.Fprintf(w, " (training loss %.5g)", l)
			}
			fmt.Fprintln(w)
		}
	}
	if v, ok := r.metrics["explained_variance"]; ok {
		fmt.Fprintf(w, "explained variance (training set): %.2f%%\n", 100*v)
	}
	if f.out != "" {
		if err := exporter.Save(r.graph, f.out); err != nil {
			return err
		}
		in, out := r.graph.Inputs[0], r.graph.Outputs[0]
		fmt.Fprintf(w, "wrote %s (ONNX graph %q: %s -> %s)\n", f.out, r.graph.Name, in, out)
	}
	if f.save != "" {
		if err := train.SaveModel(f.save, r.model); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote %s (latent checkpoint)\n", f.save)
	}
	if f.outDir != "" {
		h := map[string]any{"kind": r.kind, "data": r.d.name, "layers": r.sizes, "metrics": r.metrics}
		if r.hist != nil {
			h["history"] = r.hist
		}
		for k, v := range r.extra {
			h[k] = v
		}
		path := filepath.Join(f.outDir, "history.json")
		if err := writeJSONFile(path, jsonSafe(h)); err != nil {
			return err
		}
		r.pictures = append(r.pictures, path)
		fmt.Fprintf(w, "wrote %s\n", strings.Join(r.pictures, ", "))
	}
	if f.out == "" && f.save == "" {
		fmt.Fprintf(w, "(no -o or --save: the model was not written)\n")
	}
	return nil
}

// sizesString prints layer sizes as 784-500-250, mirrored for an
// autoencoder (784-500-250-500-784).
func sizesString(sizes []int, mirror bool) string {
	var s []string
	for _, n := range sizes {
		s = append(s, fmt.Sprint(n))
	}
	if mirror {
		for i := len(sizes) - 2; i >= 0; i-- {
			s = append(s, fmt.Sprint(sizes[i]))
		}
	}
	return strings.Join(s, "-")
}

func noiseString(n train.Noise) string {
	if n.Kind == train.NoNoise {
		return "none"
	}
	return fmt.Sprintf("%v:%g", n.Kind, n.Level)
}
