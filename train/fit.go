package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/latent-go/latent/train/dataset"
)

// Monitor selects the validation quantity that early stopping and
// best-model selection watch.
type Monitor uint8

const (
	// MonitorLoss watches the mean validation loss.
	MonitorLoss Monitor = iota
	// MonitorError watches the validation classification error rate
	// (classifiers only).
	MonitorError
)

// Config controls a training run. The zero value of each optional field
// is a sensible default.
type Config struct {
	// Epochs is the number of passes over the training set (> 0).
	Epochs int
	// BatchSize is the mini-batch size (> 0). The last mini-batch of an
	// epoch may be smaller.
	BatchSize int
	// Optimizer defaults to &SGD{LR: 0.1}. Its state is updated in place,
	// so do not share one value between concurrent runs.
	Optimizer Optimizer
	// Seed seeds the random stream used for shuffling, corruption noise
	// and RBM sampling. The same seed, model, data and instruction set
	// give bit-identical weights.
	Seed uint64
	// LRDecay, when in (0, 1), decays the learning rate exponentially:
	// epoch e (1-based) trains with the optimizer's LR times
	// LRDecay^(e-1). The optimizer's LR field is restored on return.
	LRDecay float64
	// NoShuffle visits the examples in order instead of reshuffling every
	// epoch.
	NoShuffle bool
	// Threads is the number of goroutines for matrix products and
	// elementwise passes (0: 1). Results do not depend on it.
	Threads int
	// Patience stops training after this many consecutive epochs without
	// a validation improvement of more than MinDelta (0: never stop
	// early). Needs a validation set.
	Patience int
	// MinDelta is the smallest decrease of the monitored quantity that
	// counts as an improvement.
	MinDelta float64
	// Monitor is the validation quantity to watch.
	Monitor Monitor
	// KeepLast keeps the final parameters instead of restoring those of
	// the best validation epoch at the end.
	KeepLast bool
	// Progress, when set, is called after every mini-batch and at the end
	// of every epoch. The library itself never prints.
	Progress func(Progress)
	// Checkpoint, when set, is the file a checkpoint is written to
	// (atomically) after every CheckpointEvery epochs (0: 1) and at the
	// end.
	Checkpoint      string
	CheckpointEvery int
	// ResumeFrom, when set, names a checkpoint to resume from: the model
	// parameters, optimizer state, random stream, epoch count, history
	// and early-stopping state are restored and training continues up to
	// Epochs. The model must have the checkpoint's architecture.
	ResumeFrom string
}

// Progress reports training progress to Config.Progress.
type Progress struct {
	// Epoch is the 1-based current epoch, of Epochs.
	Epoch, Epochs int
	// Batch is the 1-based mini-batch just finished, of Batches.
	Batch, Batches int
	// Samples is the number of examples seen so far this epoch.
	Samples int
	// Loss is the mean training loss so far this epoch.
	Loss float64
	// SamplesPerSec is this epoch's training throughput so far.
	SamplesPerSec float64
	// EpochDone is set on the end-of-epoch call, which also carries the
	// validation results (NaN without a validation set).
	EpochDone bool
	ValLoss   float64
	ValError  float64
	// Elapsed is the time since this epoch started.
	Elapsed time.Duration
}

// EpochStats records one finished epoch.
type EpochStats struct {
	Epoch         int     `json:"epoch"`
	TrainLoss     float64 `json:"train_loss"`
	ValLoss       float64 `json:"val_loss"`  // NaN without validation data
	ValError      float64 `json:"val_error"` // NaN unless a classifier has validation data
	Seconds       float64 `json:"seconds"`
	SamplesPerSec float64 `json:"samples_per_sec"`
}

// History is the record of a training run.
type History struct {
	Epochs []EpochStats `json:"epochs"`
	// BestEpoch is the 1-based epoch with the best monitored validation
	// value (0 without validation data).
	BestEpoch int `json:"best_epoch"`
	// EarlyStopped reports whether training stopped on Patience.
	EarlyStopped bool `json:"early_stopped"`
}

// learner is a model the generic training loop can drive.
type learner interface {
	params() []*Param
	// begin prepares for mini-batches of up to batch rows from set.
	begin(set *dataset.Set, batch, threads int) error
	// trainStep trains on the examples idx of the set passed to begin
	// and returns their summed loss.
	trainStep(idx []int, src rand.Source, opt Optimizer, threads int) (float64, error)
	// evaluate returns the mean loss and the error rate (NaN if not a
	// classifier) on set.
	evaluate(set *dataset.Set, threads int) (loss, errRate float64, err error)
	// extraState returns learner state beyond the parameters that a
	// checkpoint must keep (e.g. persistent chains).
	extraState() []*Param
	// spec describes the architecture for checkpoints.
	spec() (kind string, spec any)
}

// trainState is everything a checkpoint must hold to resume exactly.
type trainState struct {
	epoch   int // epochs completed
	src     *rand.PCG
	history History
	best    float64 // best monitored value so far (+Inf if none)
	bad     int     // epochs since the best
	bestP   [][]float32
}

func (c *Config) validate() error {
	if c.Epochs <= 0 {
		return fmt.Errorf("train: Epochs must be positive, have %d", c.Epochs)
	}
	if c.BatchSize <= 0 {
		return fmt.Errorf("train: BatchSize must be positive, have %d", c.BatchSize)
	}
	if !(c.LRDecay == 0 || c.LRDecay > 0 && c.LRDecay <= 1) {
		return fmt.Errorf("train: LRDecay %v outside (0, 1]", c.LRDecay)
	}
	if c.Patience < 0 || c.CheckpointEvery < 0 || c.Threads < 0 || !(c.MinDelta >= 0) {
		return fmt.Errorf("train: Patience, CheckpointEvery, Threads and MinDelta must not be negative")
	}
	switch o := c.Optimizer.(type) {
	case nil:
	case *SGD:
		if err := o.check(); err != nil {
			return err
		}
	case *Adam:
	default:
		return fmt.Errorf("train: unsupported optimizer %T", c.Optimizer)
	}
	return nil
}

// trainSeedStream is the second PCG word for the training stream.
const trainSeedStream = 0x747261696e // "train"

// fit is the training loop shared by every model kind.
func fit(ctx context.Context, l learner, trainSet, valSet *dataset.Set, cfg Config) (*History, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := trainSet.Validate(); err != nil {
		return nil, fmt.Errorf("train: training set: %w", err)
	}
	if trainSet.N == 0 {
		return nil, errors.New("train: empty training set")
	}
	if valSet != nil {
		if err := valSet.Validate(); err != nil {
			return nil, fmt.Errorf("train: validation set: %w", err)
		}
		if valSet.N == 0 {
			valSet = nil
		}
	}
	if cfg.Patience > 0 && valSet == nil {
		return nil, errors.New("train: early stopping (Patience > 0) needs a validation set")
	}
	if cfg.Optimizer == nil {
		cfg.Optimizer = &SGD{LR: 0.1}
	}
	threads := max(cfg.Threads, 1)
	params := l.params()
	st := &trainState{src: rand.NewPCG(cfg.Seed, trainSeedStream), best: math.Inf(1)}
	if cfg.ResumeFrom != "" {
		if err := resume(cfg.ResumeFrom, l, cfg.Optimizer, st); err != nil {
			return nil, err
		}
	}
	if err := l.begin(trainSet, cfg.BatchSize, threads); err != nil {
		return nil, err
	}
	batches, err := dataset.NewBatches(trainSet, cfg.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	nb := batches.Len()
	lr := lrField(cfg.Optimizer)
	baseLR := *lr
	defer func() { *lr = baseLR }()
	every := max(cfg.CheckpointEvery, 1)
	monitorErr := cfg.Monitor == MonitorError
	for st.epoch < cfg.Epochs {
		if err := ctx.Err(); err != nil {
			return &st.history, err
		}
		epoch := st.epoch + 1
		if cfg.LRDecay > 0 {
			*lr = float32(float64(baseLR) * math.Pow(cfg.LRDecay, float64(epoch-1)))
		}
		if cfg.NoShuffle {
			batches.Reset()
		} else {
			batches.Shuffle(st.src)
		}
		start := time.Now()
		var sum float64
		seen, b := 0, 0
		for idx := batches.NextIndices(); idx != nil; idx = batches.NextIndices() {
			loss, err := l.trainStep(idx, st.src, cfg.Optimizer, threads)
			if err != nil {
				return &st.history, fmt.Errorf("train: epoch %d batch %d: %w", epoch, b+1, err)
			}
			sum += loss
			seen += len(idx)
			b++
			if cfg.Progress != nil {
				el := time.Since(start)
				cfg.Progress(Progress{Epoch: epoch, Epochs: cfg.Epochs, Batch: b, Batches: nb, Samples: seen,
					Loss: sum / float64(seen), SamplesPerSec: float64(seen) / el.Seconds(), Elapsed: el,
					ValLoss: math.NaN(), ValError: math.NaN()})
			}
		}
		el := time.Since(start)
		trainLoss := sum / float64(seen)
		if math.IsNaN(trainLoss) || math.IsInf(trainLoss, 0) {
			return &st.history, fmt.Errorf("train: epoch %d: training loss is %v (learning rate too high?)", epoch, trainLoss)
		}
		es := EpochStats{Epoch: epoch, TrainLoss: trainLoss, ValLoss: math.NaN(), ValError: math.NaN(),
			Seconds: el.Seconds(), SamplesPerSec: float64(seen) / el.Seconds()}
		if valSet != nil {
			vl, ve, err := l.evaluate(valSet, threads)
			if err != nil {
				return &st.history, fmt.Errorf("train: epoch %d validation: %w", epoch, err)
			}
			es.ValLoss, es.ValError = vl, ve
			mon := vl
			if monitorErr {
				mon = ve
			}
			if mon < st.best-cfg.MinDelta || st.history.BestEpoch == 0 {
				st.best = mon
				st.bad = 0
				st.history.BestEpoch = epoch
				if !cfg.KeepLast {
					st.bestP = snapshot(params, st.bestP)
				}
			} else {
				st.bad++
			}
		}
		st.history.Epochs = append(st.history.Epochs, es)
		st.epoch = epoch
		stop := cfg.Patience > 0 && st.bad >= cfg.Patience
		if stop {
			st.history.EarlyStopped = true
		}
		if cfg.Progress != nil {
			cfg.Progress(Progress{Epoch: epoch, Epochs: cfg.Epochs, Batch: nb, Batches: nb, Samples: seen,
				Loss: trainLoss, SamplesPerSec: es.SamplesPerSec, Elapsed: el, EpochDone: true,
				ValLoss: es.ValLoss, ValError: es.ValError})
		}
		if cfg.Checkpoint != "" && (epoch%every == 0 || epoch == cfg.Epochs || stop) {
			if err := saveCheckpoint(cfg.Checkpoint, l, cfg.Optimizer, st); err != nil {
				return &st.history, err
			}
		}
		if stop {
			break
		}
	}
	if st.bestP != nil && !cfg.KeepLast {
		for i, p := range params {
			copy(p.Data, st.bestP[i])
		}
	}
	return &st.history, nil
}

// snapshot copies every parameter's values into dst (reusing it).
func snapshot(params []*Param, dst [][]float32) [][]float32 {
	if len(dst) != len(params) {
		dst = make([][]float32, len(params))
	}
	for i, p := range params {
		dst[i] = append(dst[i][:0], p.Data...)
	}
	return dst
}

// lrField returns a pointer to the optimizer's learning rate.
func lrField(o Optimizer) *float32 {
	switch o := o.(type) {
	case *SGD:
		return &o.LR
	case *Adam:
		return &o.LR
	}
	return new(float32)
}
