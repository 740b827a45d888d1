package train

// Checkpoint file format, version 1. All integers and floats are
// little-endian.
//
//	offset        size  field
//	0             8     magic "LATENTCK"
//	8             4     version (uint32, 1)
//	12            4     header length H (uint32)
//	16            H     header: UTF-8 JSON object (ckptHeader below)
//	16+H          4*N   tensor data: float32 values of every tensor the
//	                    header lists, in that order, each rows*cols values
//	16+H+4N       4     CRC-32C (Castagnoli) of every preceding byte
//
// The header holds the model kind ("autoencoder", "classifier", "rbm")
// and architecture, the number of completed epochs, the optimizer's name,
// hyper-parameters and step count, the training random stream's state
// (math/rand/v2 PCG MarshalBinary, base64), the history, the
// early-stopping state, and the tensor list. Tensor names are prefixed by
// their role: "param/" model parameters, "opt/<slot>/" optimizer state
// (velocity for SGD; first then second moments for Adam), "best/" the
// parameters of the best validation epoch, "extra/" model state such as
// persistent Gibbs chains.
//
// Files are written atomically: to a temporary file in the same
// directory, flushed with fsync, then renamed over the target (and the
// directory synced), so a crash during a save leaves the previous
// checkpoint intact.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/latent-go/latent/ir"
	"github.com/latent-go/latent/train/dataset"
)

const (
	ckptMagic   = "LATENTCK"
	ckptVersion = 1
	// maxHeader bounds the JSON header a reader accepts.
	maxHeader = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type ckptTensor struct {
	Name string `json:"name"`
	Rows int    `json:"rows"`
	Cols int    `json:"cols"`
}

type ckptOptimizer struct {
	Name        string  `json:"name"`
	LR          float32 `json:"lr"`
	Momentum    float32 `json:"momentum,omitempty"`
	WeightDecay float32 `json:"weight_decay,omitempty"`
	Beta1       float32 `json:"beta1,omitempty"`
	Beta2       float32 `json:"beta2,omitempty"`
	Eps         float32 `json:"eps,omitempty"`
	Step        int64   `json:"step,omitempty"`
	Slots       int     `json:"slots"`
}

// jsonEpoch is EpochStats with NaN encoded as null.
type jsonEpoch struct {
	Epoch         int      `json:"epoch"`
	TrainLoss     *float64 `json:"train_loss"`
	ValLoss       *float64 `json:"val_loss"`
	ValError      *float64 `json:"val_error"`
	Seconds       float64  `json:"seconds"`
	SamplesPerSec float64  `json:"samples_per_sec"`
}

type ckptHeader struct {
	Kind         string          `json:"kind"`
	Model        json.RawMessage `json:"model"`
	Epoch        int             `json:"epoch"`
	Optimizer    *ckptOptimizer  `json:"optimizer,omitempty"`
	RNG          []byte          `json:"rng,omitempty"`
	History      []jsonEpoch     `json:"history"`
	BestEpoch    int             `json:"best_epoch"`
	EarlyStopped bool            `json:"early_stopped"`
	Best         *float64        `json:"best"`
	Bad          int             `json:"bad"`
	Tensors      []ckptTensor    `json:"tensors"`
}

func f64p(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func f64v(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}

// ckptWriterHook, when set (by tests), wraps the writer a checkpoint is
// written through, to simulate a crash half way.
var ckptWriterHook func(io.Writer) io.Writer

// writeFileAtomic writes a file through write: to a temporary file in the
// same directory, synced, then renamed over path.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("train: write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	var w io.Writer = f
	if ckptWriterHook != nil {
		w = ckptWriterHook(w)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := write(bw); err != nil {
		return fmt.Errorf("train: write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("train: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("train: sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("train: close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("train: rename %s: %w", tmp, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: make the rename durable
		d.Close()
	}
	return nil
}

// namedTensor pairs a checkpoint tensor entry with its data.
type namedTensor struct {
	ckptTensor
	data []float32
}

func saveCheckpoint(path string, l learner, opt Optimizer, st *trainState) error {
	kind, spec := l.spec()
	raw, err := json.Marshal(spec)
	if err != nil {
		return fmt.Errorf("train: checkpoint model spec: %w", err)
	}
	h := ckptHeader{Kind: kind, Model: raw, Epoch: st.epoch, BestEpoch: st.history.BestEpoch,
		EarlyStopped: st.history.EarlyStopped, Best: f64p(st.best), Bad: st.bad}
	for _, e := range st.history.Epochs {
		h.History = append(h.History, jsonEpoch{Epoch: e.Epoch, TrainLoss: f64p(e.TrainLoss), ValLoss: f64p(e.ValLoss),
			ValError: f64p(e.ValError), Seconds: e.Seconds, SamplesPerSec: e.SamplesPerSec})
	}
	if st.src != nil {
		if h.RNG, err = st.src.MarshalBinary(); err != nil {
			return fmt.Errorf("train: checkpoint rng: %w", err)
		}
	}
	params := l.params()
	var ts []namedTensor
	add := func(prefix string, p *Param, data []float32) {
		ts = append(ts, namedTensor{ckptTensor{prefix + p.Name, p.Rows, p.Cols}, data})
	}
	for _, p := range params {
		add("param/", p, p.Data)
	}
	if opt != nil {
		co := &ckptOptimizer{Name: opt.Name()}
		switch o := opt.(type) {
		case *SGD:
			co.LR, co.Momentum, co.WeightDecay = o.LR, o.Momentum, o.WeightDecay
		case *Adam:
			co.LR, co.Beta1, co.Beta2, co.Eps, co.WeightDecay = o.LR, o.Beta1, o.Beta2, o.Eps, o.WeightDecay
		}
		if c := opt.counter(); c != nil {
			co.Step = *c
		}
		slots := opt.slots(params)
		co.Slots = len(slots) / max(len(params), 1)
		for i, s := range slots {
			add(fmt.Sprintf("opt/%d/", i/len(params)), params[i%len(params)], s)
		}
		h.Optimizer = co
	}
	for i, b := range st.bestP {
		add("best/", params[i], b)
	}
	for _, p := range l.extraState() {
		add("extra/", p, p.Data)
	}
	for _, t := range ts {
		h.Tensors = append(h.Tensors, t.ckptTensor)
	}
	hdr, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("train: checkpoint header: %w", err)
	}
	return writeFileAtomic(path, func(w io.Writer) error {
		crc := crc32.New(castagnoli)
		mw := io.MultiWriter(w, crc)
		var pre [16]byte
		copy(pre[:8], ckptMagic)
		binary.LittleEndian.PutUint32(pre[8:], ckptVersion)
		binary.LittleEndian.PutUint32(pre[12:], uint32(len(hdr)))
		if _, err := mw.Write(pre[:]); err != nil {
			return err
		}
		if _, err := mw.Write(hdr); err != nil {
			return err
		}
		buf := make([]byte, 0, 1<<16)
		for _, t := range ts {
			for _, v := range t.data {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
				if len(buf) == cap(buf) {
					if _, err := mw.Write(buf); err != nil {
						return err
					}
					buf = buf[:0]
				}
			}
		}
		if _, err := mw.Write(buf); err != nil {
			return err
		}
		var sum [4]byte
		binary.LittleEndian.PutUint32(sum[:], crc.Sum32())
		_, err := w.Write(sum[:])
		return err
	})
}

// readCheckpoint parses and verifies a checkpoint file.
func readCheckpoint(path string) (*ckptHeader, map[string][]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("train: read checkpoint: %w", err)
	}
	h, ts, err := parseCheckpoint(b)
	if err != nil {
		return nil, nil, fmt.Errorf("train: checkpoint %s: %w", path, err)
	}
	return h, ts, nil
}

var errCorrupt = errors.New("corrupt checkpoint")

func parseCheckpoint(b []byte) (*ckptHeader, map[string][]float32, error) {
	if len(b) < 20 || string(b[:8]) != ckptMagic {
		return nil, nil, fmt.Errorf("%w: not a latent checkpoint (bad magic or too short)", errCorrupt)
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != ckptVersion {
		return nil, nil, fmt.Errorf("unsupported checkpoint version %d (want %d)", v, ckptVersion)
	}
	body := b[:len(b)-4]
	if got, want := crc32.Checksum(body, castagnoli), binary.LittleEndian.Uint32(b[len(b)-4:]); got != want {
		return nil, nil, fmt.Errorf("%w: checksum mismatch (file truncated or damaged)", errCorrupt)
	}
	hl := binary.LittleEndian.Uint32(b[12:])
	if hl > maxHeader || int64(hl) > int64(len(body)-16) {
		return nil, nil, fmt.Errorf("%w: header length %d", errCorrupt, hl)
	}
	var h ckptHeader
	dec := json.NewDecoder(bytes.NewReader(body[16 : 16+hl]))
	if err := dec.Decode(&h); err != nil {
		return nil, nil, fmt.Errorf("%w: header: %v", errCorrupt, err)
	}
	data := body[16+hl:]
	ts := make(map[string][]float32, len(h.Tensors))
	off := int64(0)
	for _, t := range h.Tensors {
		if t.Rows < 0 || t.Cols < 0 || int64(t.Rows)*int64(t.Cols) > int64(len(data))/4 {
			return nil, nil, fmt.Errorf("%w: tensor %q has bad shape %dx%d", errCorrupt, t.Name, t.Rows, t.Cols)
		}
		n := int64(t.Rows) * int64(t.Cols)
		if off+4*n > int64(len(data)) {
			return nil, nil, fmt.Errorf("%w: tensor %q runs past the end of the data", errCorrupt, t.Name)
		}
		if _, dup := ts[t.Name]; dup {
			return nil, nil, fmt.Errorf("%w: tensor %q listed twice", errCorrupt, t.Name)
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[off+4*int64(i):]))
		}
		ts[t.Name] = v
		off += 4 * n
	}
	if off != int64(len(data)) {
		return nil, nil, fmt.Errorf("%w: %d bytes of data after the last tensor", errCorrupt, int64(len(data))-off)
	}
	return &h, ts, nil
}

// fill copies the named tensor into p, checking its size.
func fill(ts map[string][]float32, name string, dst []float32) error {
	v, ok := ts[name]
	if !ok {
		return fmt.Errorf("train: checkpoint lacks tensor %q", name)
	}
	if len(v) != len(dst) {
		return fmt.Errorf("train: checkpoint tensor %q has %d values, want %d", name, len(v), len(dst))
	}
	copy(dst, v)
	return nil
}

// resume restores l, opt and st from the checkpoint at path.
func resume(path string, l learner, opt Optimizer, st *trainState) error {
	h, ts, err := readCheckpoint(path)
	if err != nil {
		return err
	}
	kind, spec := l.spec()
	raw, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	if h.Kind != kind || !bytes.Equal(bytes.TrimSpace(h.Model), raw) {
		return fmt.Errorf("train: checkpoint %s holds a different model (%s) than the one being trained (%s)", path, h.Kind, kind)
	}
	params := l.params()
	for _, p := range params {
		if err := fill(ts, "param/"+p.Name, p.Data); err != nil {
			return err
		}
	}
	if h.Optimizer != nil {
		if h.Optimizer.Name != opt.Name() {
			return fmt.Errorf("train: checkpoint optimizer is %s, resuming with %s", h.Optimizer.Name, opt.Name())
		}
		slots := opt.slots(params)
		if len(slots) != h.Optimizer.Slots*len(params) {
			return fmt.Errorf("train: checkpoint optimizer has %d state slots per parameter, resuming optimizer has %d",
				h.Optimizer.Slots, len(slots)/max(len(params), 1))
		}
		for i, s := range slots {
			if err := fill(ts, fmt.Sprintf("opt/%d/%s", i/len(params), params[i%len(params)].Name), s); err != nil {
				return err
			}
		}
		if c := opt.counter(); c != nil {
			*c = h.Optimizer.Step
		}
	}
	for _, p := range l.extraState() {
		if err := fill(ts, "extra/"+p.Name, p.Data); err != nil {
			return err
		}
	}
	st.bestP = nil
	if _, ok := ts["best/"+params[0].Name]; ok {
		st.bestP = make([][]float32, len(params))
		for i, p := range params {
			st.bestP[i] = make([]float32, len(p.Data))
			if err := fill(ts, "best/"+p.Name, st.bestP[i]); err != nil {
				return err
			}
		}
	}
	if h.RNG != nil {
		src := &rand.PCG{}
		if err := src.UnmarshalBinary(h.RNG); err != nil {
			return fmt.Errorf("train: checkpoint rng: %w", err)
		}
		st.src = src
	}
	st.epoch = h.Epoch
	st.best = f64v(h.Best, math.Inf(1))
	st.bad = h.Bad
	st.history = History{BestEpoch: h.BestEpoch, EarlyStopped: h.EarlyStopped}
	for _, e := range h.History {
		st.history.Epochs = append(st.history.Epochs, EpochStats{Epoch: e.Epoch, TrainLoss: f64v(e.TrainLoss, math.NaN()),
			ValLoss: f64v(e.ValLoss, math.NaN()), ValError: f64v(e.ValError, math.NaN()), Seconds: e.Seconds, SamplesPerSec: e.SamplesPerSec})
	}
	return nil
}

// Checkpoint is a model loaded from a checkpoint file.
type Checkpoint struct {
	// Kind is "autoencoder", "classifier" or "rbm".
	Kind string
	// Model is the *Autoencoder, *Classifier or *RBM with the saved
	// parameters.
	Model Model
	// Epoch is the number of completed training epochs.
	Epoch int
	// History is the training history up to the save.
	History History
}

// LoadCheckpoint reads a checkpoint file (see the format above) and
// rebuilds its model. Damaged or truncated files are reported as errors.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	h, ts, err := readCheckpoint(path)
	if err != nil {
		return nil, err
	}
	var avail int64
	for _, v := range ts {
		avail += int64(len(v))
	}
	l, err := buildLearner(h.Kind, h.Model, avail)
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", path, err)
	}
	for _, p := range l.params() {
		if err := fill(ts, "param/"+p.Name, p.Data); err != nil {
			return nil, err
		}
	}
	for _, p := range l.extraState() {
		if err := fill(ts, "extra/"+p.Name, p.Data); err != nil {
			return nil, err
		}
	}
	m, ok := l.(Model)
	if !ok {
		return nil, fmt.Errorf("train: checkpoint %s: model kind %s cannot be used as a Model", path, h.Kind)
	}
	c := &Checkpoint{Kind: h.Kind, Model: m, Epoch: h.Epoch, History: History{BestEpoch: h.BestEpoch, EarlyStopped: h.EarlyStopped}}
	for _, e := range h.History {
		c.History.Epochs = append(c.History.Epochs, EpochStats{Epoch: e.Epoch, TrainLoss: f64v(e.TrainLoss, math.NaN()),
			ValLoss: f64v(e.ValLoss, math.NaN()), ValError: f64v(e.ValError, math.NaN()), Seconds: e.Seconds, SamplesPerSec: e.SamplesPerSec})
	}
	return c, nil
}

// SaveModel writes model to path as a checkpoint without training state,
// atomically.
func SaveModel(path string, model Model) error {
	l, ok := model.(learner)
	if !ok {
		return fmt.Errorf("train: SaveModel: unsupported model type %T", model)
	}
	return saveCheckpoint(path, l, nil, &trainState{best: math.Inf(1)})
}

// Model is a trainable, lowerable model: *Autoencoder, *Classifier or
// *RBM.
type Model interface {
	// Fit trains the model; see Autoencoder.Fit, Classifier.Fit, RBM.Fit.
	Fit(ctx context.Context, trainSet, valSet *dataset.Set, cfg Config) (*History, error)
	// Lower returns the model's inference graph.
	Lower() (*ir.Graph, error)
}

var (
	_ Model = (*Autoencoder)(nil)
	_ Model = (*Classifier)(nil)
	_ Model = (*RBM)(nil)
)
