package runtime

import (
	"errors"
	"fmt"

	"github.com/latent-go/latent/asm"
	"github.com/latent-go/latent/ir"
)

// ConvSource says how a direct convolution makes its input planes from
// its input buffer X.
type ConvSource int

const (
	// SourcePlain: X holds the input planes.
	SourcePlain ConvSource = iota
	// SourceUpsample: the input planes are X upsampled by nearest
	// neighbour with integer factors (ONNX Resize/Upsample "nearest" with
	// integer scales), so the Resize needs no tensor of its own.
	SourceUpsample
	// SourceUnpool: the input planes are ONNX MaxUnpool of X with the
	// int64 indices of ConvChainLink.Indices (X's shape), which address
	// the input planes' own spatial positions (as MaxPool made them from
	// a tensor of the input planes' shape).
	SourceUnpool
)

// DirectConvParams describe an N-D (N <= 2) convolution or transposed
// convolution over NCHW data computed by direct-convolution kernels
// (asm.ConvGemm): the input planes of one image and group are copied once
// into a zero-padded layout (split into stride phases for strided
// convolutions) in per-worker workspace, every output channel block is
// then computed from that copy in place, without an im2col matrix, and
// the result is stored (or max-pooled) into the output. A transposed
// convolution with stride s is computed as s×s ordinary convolutions, one
// per output phase (sub-pixel decomposition), without col2im.
type DirectConvParams struct {
	// Transpose selects ConvTranspose.
	Transpose    bool
	Batch, Group int
	CIn, COut    int
	// Window is the geometry as ConvParams and ConvTransposeParams have
	// it: for Conv, input plane -> output plane; for ConvTranspose, the
	// forward convolution from the output plane to the input plane.
	Window *asm.Window
	// W holds the weights in ONNX layout: [COut, CIn/Group, k...] for
	// Conv, [CIn, COut/Group, k...] for ConvTranspose.
	W    []float32
	Bias []float32 // COut values, or nil
	Act  Activation
	// Source, with Factors (SourceUpsample: per spatial dim) or XDims
	// (SourceUnpool: the spatial dims of the pooled input), says how the
	// input buffer becomes the input planes.
	Source  ConvSource
	Factors []int
	XDims   []int
	// XRowStride and XPlaneStride, when not zero, are the distances in
	// elements between the input's rows and planes (channels), for a
	// SourcePlain or SourceUpsample input in another direct convolution's
	// raw output layout (see DirectConv.RawOut); zero means dense NCHW.
	XRowStride, XPlaneStride int
	// Pool fuses a 2×2, stride-2 max pool (floor mode, no padding) of
	// the output; see ConvChainLink.
	Pool bool
}

// A DirectConv is a planned direct convolution: geometry, offsets and
// packed weights. Build it with NewDirectConv and run it as a link of a
// ConvChain (op_conv_chain.go), alone or with the convolutions it feeds.
type DirectConv struct {
	p            DirectConvParams
	cinG, coutG  int
	h, w         int // logical input plane
	ho, wo       int // output plane
	xh, xw       int // plane of the X buffer
	inPlane      int // h*w
	outPlane     int // ho*wo
	xPlane       int // xh*xw
	xrs, xps     int // row and plane strides of the X buffer
	psy, psx     int // phase strides of the padded copy
	ppt, ppl     int // padding before the logical input in the copy
	hq, wq       int // phase plane of the copy
	planeQ       int
	dataLen      int // cinG·phases·planeQ
	xpLen        int // padded-copy length (>= every gemm's XLen)
	cLen         int // largest C
	passes       [][]convPass
	post         bool // HardSigmoid after the kernels
	poolH, poolW int
	oneD         bool
	pairC        int // > 0: C holds two blocks of pairC (stride-2 transposes)
	scratch      int // floats of scratch per worker: padded copy and C
	flops        int64
}

// convPass is one ConvGemm of a group and where its columns go: C row
// co, column t·wq+u is output channel co at (oy0+sy·t, ox0+sx·u), for
// t < rows and u < cols.
type convPass struct {
	g          *asm.ConvGemm // nil: no tap reaches these outputs (bias only)
	rows, cols int
	oy0, ox0   int
	sy, sx     int
}

// NewDirectConv plans p. It returns an error when the geometry is not one
// the direct kernels handle (3 or more spatial dims) or p is
// inconsistent.
func NewDirectConv(p DirectConvParams) (*DirectConv, error) {
	w := p.Window
	if w == nil || len(w.In) > 2 {
		return nil, errors.New("direct conv: needs 1 or 2 spatial dims")
	}
	if p.Group < 1 || p.CIn%p.Group != 0 || p.COut%p.Group != 0 || p.Batch < 0 {
		return nil, fmt.Errorf("direct conv: %d groups for %d input and %d output channels", p.Group, p.CIn, p.COut)
	}
	if p.Bias != nil && len(p.Bias) != p.COut {
		return nil, fmt.Errorf("direct conv: %d bias values for %d channels", len(p.Bias), p.COut)
	}
	d := &DirectConv{p: p, cinG: p.CIn / p.Group, coutG: p.COut / p.Group}
	dim := func(s []int) (int, int) {
		if len(s) == 1 {
			return 1, s[0]
		}
		return s[0], s[1]
	}
	kh, kw := dim(w.Kernel)
	sy, sx := dim(w.Strides)
	dy, dx := dim(w.Dilations)
	pt, pl := 0, 0
	if len(w.In) == 1 {
		pl = w.PadBegin[0]
	} else {
		pt, pl = w.PadBegin[0], w.PadBegin[1]
	}
	if p.Transpose {
		d.h, d.w = dim(w.Out)
		d.ho, d.wo = dim(w.In)
	} else {
		d.h, d.w = dim(w.In)
		d.ho, d.wo = dim(w.Out)
	}
	d.inPlane, d.outPlane = d.h*d.w, d.ho*d.wo
	d.xh, d.xw = d.h, d.w
	switch p.Source {
	case SourcePlain:
	case SourceUnpool:
		if len(p.XDims) != len(w.In) || ir.NumElements(p.XDims) < 1 {
			return nil, fmt.Errorf("direct conv: unpooled input dims %v for %d spatial dims", p.XDims, len(w.In))
		}
		d.xh, d.xw = dim(p.XDims)
	case SourceUpsample:
		fh, fw := 1, 1
		switch {
		case len(p.Factors) == 1 && len(w.In) == 1:
			fw = p.Factors[0]
		case len(p.Factors) == 2 && len(w.In) == 2:
			fh, fw = p.Factors[0], p.Factors[1]
		default:
			return nil, fmt.Errorf("direct conv: %d upsampling factors for %d dims", len(p.Factors), len(w.In))
		}
		if fh < 1 || fw < 1 || d.h%fh != 0 || d.w%fw != 0 {
			return nil, fmt.Errorf("direct conv: upsampling factors %v do not divide the input plane %dx%d", p.Factors, d.h, d.w)
		}
		d.xh, d.xw = d.h/fh, d.w/fw
	default:
		return nil, fmt.Errorf("direct conv: unknown source %d", p.Source)
	}
	d.xPlane = d.xh * d.xw
	d.xrs, d.xps = d.xw, d.xPlane
	if p.XRowStride != 0 || p.XPlaneStride != 0 {
		if p.Source == SourceUnpool || p.XRowStride < d.xw || p.XPlaneStride < (d.xh-1)*p.XRowStride+d.xw {
			return nil, fmt.Errorf("direct conv: input strides %d, %d for %dx%d planes", p.XRowStride, p.XPlaneStride, d.xh, d.xw)
		}
		d.xrs, d.xps = p.XRowStride, p.XPlaneStride
	}
	wantW := p.COut * d.cinG * kh * kw
	if p.Transpose {
		wantW = p.CIn * d.coutG * kh * kw
	}
	if len(p.W) != wantW {
		return nil, fmt.Errorf("direct conv: %d weights, want %d", len(p.W), wantW)
	}
	ep, post := p.Act.epilogue()
	d.post = post
	if p.Pool {
		if p.Transpose {
			return nil, errors.New("direct conv: fused pooling after a transposed convolution")
		}
		d.poolH, d.poolW = d.ho/2, d.wo/2
		if len(w.In) == 1 {
			d.poolH, d.oneD = 1, true
		}
	}
	var err error
	if p.Transpose {
		err = d.planTranspose(kh, kw, sy, sx, dy, dx, pt, pl, ep)
	} else {
		err = d.planConv(kh, kw, sy, sx, dy, dx, pt, pl, ep)
	}
	if err != nil {
		return nil, err
	}
	d.scratch = roundUp16(d.xpLen) + roundUp16(d.cLen)
	return d, nil
}

func roundUp16(n int) int { return (n + 15) &^ 15 }

// planConv lays out the padded copy in stride phases: phase (a, b) holds
// the padded input at rows a, a+sy, ... and columns b, b+sx, ..., so that
// every kernel tap reads a phase at a fixed offset from the output
// position.
func (d *DirectConv) planConv(kh, kw, sy, sx, dy, dx, pt, pl int, ep asm.Epilogue) error {
	d.psy, d.psx, d.ppt, d.ppl = sy, sx, pt, pl
	d.hq = d.ho + (kh-1)*dy/sy
	d.wq = d.wo + (kw-1)*dx/sx
	d.planeQ = d.hq * d.wq
	phases := sy * sx
	d.dataLen = d.cinG * phases * d.planeQ
	k := d.cinG * kh * kw
	off := make([]int, k)
	for c := 0; c < d.cinG; c++ {
		for ki := 0; ki < kh; ki++ {
			for kj := 0; kj < kw; kj++ {
				py, px := ki*dy, kj*dx
				ph := (py%sy)*sx + px%sx
				off[(c*kh+ki)*kw+kj] = (c*phases+ph)*d.planeQ + py/sy*d.wq + px/sx
			}
		}
	}
	n := (d.ho-1)*d.wq + d.wo
	d.passes = make([][]convPass, d.p.Group)
	for g := range d.passes {
		e := ep
		if d.p.Bias != nil {
			e.RowBias = d.p.Bias[g*d.coutG : (g+1)*d.coutG]
		}
		gm, err := asm.NewConvGemm(asm.Active(), d.coutG, k, n, d.p.W[g*d.coutG*k:], k, off, e)
		if err != nil {
			return fmt.Errorf("direct conv: %w", err)
		}
		d.passes[g] = []convPass{{g: gm, rows: d.ho, cols: d.wo, sy: 1, sx: 1}}
		d.xpLen = max(d.xpLen, d.dataLen, gm.XLen())
		d.cLen = max(d.cLen, gm.CLen())
	}
	d.flops = 2 * int64(d.p.Batch) * int64(d.p.COut) * int64(d.outPlane) * int64(k)
	return nil
}

// phaseTaps returns, for output phase a of a transposed convolution along
// one dim (stride s, dilation dl, begin pad pb, kernel kn), the taps that
// reach it and their input shifts: output s·t+a reads input t+shift.
func phaseTaps(a, s, dl, pb, kn int) (taps, shifts []int) {
	for k := 0; k < kn; k++ {
		v := a + pb - k*dl
		if ((v%s)+s)%s == 0 {
			taps = append(taps, k)
			shifts = append(shifts, floorDiv(v, s))
		}
	}
	return taps, shifts
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// planTranspose plans a transposed convolution as one ordinary
// convolution per output phase over a zero-padded copy of the input.
func (d *DirectConv) planTranspose(kh, kw, sy, sx, dy, dx, pt, pl int, ep asm.Epilogue) error {
	type phase struct {
		a, n          int // phase and number of outputs along the dim
		taps, shifts  []int
		minSh, maxSh  int
		hasTaps       bool
		lo, hi, count int
	}
	dims := func(s, dl, pb, kn, out int) []phase {
		ps := make([]phase, s)
		for a := range ps {
			ph := phase{a: a}
			if a < out {
				ph.n = (out - a + s - 1) / s
			}
			ph.taps, ph.shifts = phaseTaps(a, s, dl, pb, kn)
			ps[a] = ph
		}
		return ps
	}
	rowsP := dims(sy, dy, pt, kh, d.ho)
	colsP := dims(sx, dx, pl, kw, d.wo)
	extent := func(ps []phase, in int) (pad, size int) {
		lo, hi := 0, 0
		for _, p := range ps {
			for _, sh := range p.shifts {
				lo, hi = min(lo, sh), max(hi, sh)
			}
		}
		pad = -lo
		size = pad + in
		for _, p := range ps {
			if p.n > 0 {
				size = max(size, p.n+hi+pad)
			}
		}
		return pad, size
	}
	d.psy, d.psx = 1, 1
	d.ppt, d.hq = extent(rowsP, d.h)
	d.ppl, d.wq = extent(colsP, d.w)
	d.planeQ = d.hq * d.wq
	d.dataLen = d.cinG * d.planeQ
	d.passes = make([][]convPass, d.p.Group)
	for g := range d.passes {
		e := ep
		if d.p.Bias != nil {
			e.RowBias = d.p.Bias[g*d.coutG : (g+1)*d.coutG]
		}
		for _, rp := range rowsP {
			for _, cp := range colsP {
				if rp.n == 0 || cp.n == 0 {
					continue
				}
				pass := convPass{rows: rp.n, cols: cp.n, oy0: rp.a, ox0: cp.a, sy: sy, sx: sx}
				ntaps := len(rp.taps) * len(cp.taps)
				if ntaps == 0 {
					d.passes[g] = append(d.passes[g], pass)
					continue
				}
				k := d.cinG * ntaps
				off := make([]int, k)
				a := make([]float32, d.coutG*k)
				for c := 0; c < d.cinG; c++ {
					t := 0
					for i, ki := range rp.taps {
						for j, kj := range cp.taps {
							p := c*ntaps + t
							t++
							off[p] = c*d.planeQ + (rp.shifts[i]+d.ppt)*d.wq + cp.shifts[j] + d.ppl
							for co := 0; co < d.coutG; co++ {
								a[co*k+p] = d.p.W[(((g*d.cinG+c)*d.coutG+co)*kh+ki)*kw+kj]
							}
						}
					}
				}
				n := (rp.n-1)*d.wq + cp.n
				gm, err := asm.NewConvGemm(asm.Active(), d.coutG, k, n, a, k, off, e)
				if err != nil {
					return fmt.Errorf("direct conv: %w", err)
				}
				pass.g = gm
				d.xpLen = max(d.xpLen, gm.XLen())
				d.cLen = max(d.cLen, gm.CLen())
				d.passes[g] = append(d.passes[g], pass)
			}
		}
	}
	d.xpLen = max(d.xpLen, d.dataLen)
	d.cLen = max(d.cLen, d.coutG) // bias-only passes use one value per channel
	if sx == 2 {
		// Two column phases side by side, to interleave.
		d.pairC = roundUp16(d.cLen)
		d.cLen = 2 * d.pairC
	}
	d.flops = 2 * int64(d.p.Batch) * int64(d.p.CIn) * int64(d.coutG) * int64(kh*kw) * int64(d.inPlane)
	return nil
}

// RawOut reports whether the convolution can write its output in its
// kernels' own layout (ok), and that layout: row r of channel c of an
// image at c·planeStride + r·rowStride, a row holding the output width's
// values followed by values to ignore. A direct convolution whose input
// has that layout (DirectConvParams.XRowStride and XPlaneStride) reads it
// without a copy into NCHW. Only ordinary convolutions without fused
// pooling whose output channels per group fill whole register tiles have
// it.
func (d *DirectConv) RawOut() (planeStride, rowStride int, ok bool) {
	if d.p.Transpose || d.p.Pool {
		return 0, 0, false
	}
	for _, ps := range d.passes {
		if len(ps) != 1 || ps[0].g == nil || ps[0].g.Rows() != d.coutG || ps[0].g.Ldc() != d.passes[0][0].g.Ldc() {
			return 0, 0, false
		}
	}
	return d.passes[0][0].g.Ldc(), d.wq, true
}

// InElems returns the number of input elements per image: CIn planes
// at the input plane stride.
func (d *DirectConv) InElems() int { return d.p.CIn * d.xps }

// IndexElems returns the number of SourceUnpool indices per image.
func (d *DirectConv) IndexElems() int { return d.p.CIn * d.xPlane }

// OutElems returns the number of output elements per image, NCHW or in
// the raw layout.
func (d *DirectConv) OutElems(raw bool) int {
	if raw {
		plane, _, _ := d.RawOut()
		return d.p.COut * plane
	}
	return d.p.COut * d.outPlane
}

// PoolElems returns the number of pooled outputs per image.
func (d *DirectConv) PoolElems() int { return d.p.COut * d.poolH * d.poolW }

// Batch returns the number of images.
func (d *DirectConv) Batch() int { return d.p.Batch }

// Kernel names the computation for step listings.
func (d *DirectConv) Kernel(raw bool) string {
	p := &d.p
	kernel := "conv-direct"
	if p.Transpose {
		kernel = "convtranspose-direct"
	}
	switch p.Source {
	case SourceUpsample:
		kernel = "upsample+" + kernel
	case SourceUnpool:
		kernel = "maxunpool+" + kernel
	}
	if p.Act.Op != "" {
		kernel += "+" + p.Act.Op
	}
	if p.Pool {
		kernel += "+maxpool"
	}
	if raw {
		kernel += "(raw)"
	}
	return kernel
}

// convIO is where one image of a DirectConv reads and writes: slices of
// frame buffers or of a chain's workspace.
type convIO struct {
	x       []float32 // input planes (strides xrs, xps)
	idx     []int64   // SourceUnpool indices, dense
	out     []float32 // output, NCHW or raw; nil when only pooled
	raw     bool
	pool    []float32 // pooled output, or nil
	poolIdx []int64   // pool indices, or nil
	n       int       // the image's index in the batch (index bases)
}

// image computes one image: for each group, the padded copy, the passes
// and their stores. scratch holds the padded copy and C. It reports an
// unpooling index outside its plane.
func (d *DirectConv) image(io *convIO, scratch []float32) (bad bool, j int64) {
	xp := scratch[:d.xpLen]
	c := scratch[roundUp16(d.xpLen):]
	for g := 0; g < d.p.Group; g++ {
		if bad, j := d.prologue(io, xp, g); bad {
			return true, j
		}
		if io.raw {
			// The output block of this group is C.
			ldc := d.passes[g][0].g.Ldc()
			at := g * d.coutG * ldc
			d.compute(&d.passes[g][0], xp, io.out[at:at+d.coutG*ldc], g)
			continue
		}
		for k := 0; k < len(d.passes[g]); k++ {
			if io.out != nil && d.pairable(g, k) {
				d.runPair(io, k, xp, c[:d.pairC], c[d.pairC:], g)
				k++
				continue
			}
			d.runPass(io, &d.passes[g][k], xp, c, g)
		}
	}
	return false, 0
}

// prologue fills the padded copy xp with the input planes of group g.
// For SourceUnpool it reports an index outside its plane.
func (d *DirectConv) prologue(io *convIO, xp []float32, g int) (bad bool, idx int64) {
	p := &d.p
	x := io.x[g*d.cinG*d.xps : (g+1)*d.cinG*d.xps]
	clear(xp[d.dataLen:])
	switch p.Source {
	case SourceUnpool:
		return d.unpoolInto(xp, x, io.idx[g*d.cinG*d.xPlane:(g+1)*d.cinG*d.xPlane], io.n, g)
	case SourceUpsample:
		fh, fw := d.h/d.xh, d.w/d.xw
		if d.psy == 1 && d.psx == 1 && fw == 2 {
			d.padUpsample2(xp, x, fh)
			return false, 0
		}
		d.fillGeneric(xp, x, fh, fw)
		return false, 0
	}
	if d.psy == 1 && d.psx == 1 {
		// Zero the copy, then the rows of every channel in one call.
		clear(xp[:d.dataLen])
		at := d.ppt*d.wq + d.ppl
		asm.PadRows(asm.Planes{Data: xp[at:], RowStride: d.wq, PlaneStride: d.planeQ}, 0,
			asm.Planes{Data: x, RowStride: d.xrs, PlaneStride: d.xps}, d.cinG, d.h, d.w) // sizes fit by construction
		return false, 0
	}
	if d.psx == 2 && d.psy <= 2 {
		d.fillStride2(xp, x)
		return false, 0
	}
	d.fillGeneric(xp, x, 1, 1)
	return false, 0
}

// fillStride2 is fillGeneric for a plain source and column stride 2 (row
// stride 1 or 2): the input rows of each row phase are split into their
// even and odd elements, which are the two column phases.
func (d *DirectConv) fillStride2(xp, x []float32) {
	phases := d.psy * 2
	// Column j of phase b holds logical column 2j+b-pl: input columns
	// x0, x0+2, ... (x0 = 0 or 1) from j0 = ceil((pl-b)/2) on.
	var j0, cnt [2]int
	var dst [2]int // the phase that gets the even (0) and odd (1) columns
	for b := 0; b < 2; b++ {
		j0[b] = (d.ppl - b + 1) / 2
		x0 := 2*j0[b] + b - d.ppl
		cnt[b] = (d.w - x0 + 1) / 2
		dst[x0] = b
	}
	ne, no := cnt[dst[0]], cnt[dst[1]]
	fits := j0[0]+cnt[0] <= d.wq && j0[1]+cnt[1] <= d.wq && (ne == no || ne == no+1) && no > 0
	clear(xp[:d.dataLen])
	for a := 0; a < d.psy; a++ {
		// Rows i with a valid input row y = psy·i + a - pt.
		iLo := max(0, ceilDiv(d.ppt-a, d.psy))
		iHi := min(d.hq, ceilDiv(d.h+d.ppt-a, d.psy))
		if iLo >= iHi {
			continue
		}
		if !fits {
			for c := 0; c < d.cinG; c++ {
				var pl [2][]float32
				for b := range pl {
					pl[b] = xp[(c*phases+a*2+b)*d.planeQ:][:d.planeQ]
				}
				d.fillPhases(pl, x[c*d.xps:], a, iLo, iHi)
			}
			continue
		}
		be, bo := dst[0], dst[1]
		y0 := d.psy*iLo + a - d.ppt
		asm.SplitRows(
			asm.Planes{Data: xp[(a*2+be)*d.planeQ+iLo*d.wq+j0[be]:], RowStride: d.wq, PlaneStride: phases * d.planeQ},
			asm.Planes{Data: xp[(a*2+bo)*d.planeQ+iLo*d.wq+j0[bo]:], RowStride: d.wq, PlaneStride: phases * d.planeQ}, 0, 0,
			asm.Planes{Data: x[y0*d.xrs:], RowStride: d.psy * d.xrs, PlaneStride: d.xps}, d.cinG, iHi-iLo, ne, no) // sizes fit
	}
}

func ceilDiv(a, b int) int { return -floorDiv(-a, b) }

// fillPhases fills the two column phases pl of row phase a from the input
// plane xc, element by element.
func (d *DirectConv) fillPhases(pl [2][]float32, xc []float32, a, iLo, iHi int) {
	for b, p := range pl {
		for i := 0; i < d.hq; i++ {
			row := p[i*d.wq : (i+1)*d.wq]
			if i < iLo || i >= iHi {
				clear(row)
				continue
			}
			y := d.psy*i + a - d.ppt
			d.fillRow(row, b, xc[y*d.xrs:y*d.xrs+d.w])
		}
	}
}

// fillRow fills one row of column phase b from the input row src.
func (d *DirectConv) fillRow(row []float32, b int, src []float32) {
	for j := range row {
		xx := 2*j + b - d.ppl
		if xx < 0 || xx >= d.w {
			row[j] = 0
		} else {
			row[j] = src[xx]
		}
	}
}

// fillGeneric fills every phase plane of xp from the logical input: x
// upsampled by fh×fw (1×1: x itself), zero outside it.
func (d *DirectConv) fillGeneric(xp, x []float32, fh, fw int) {
	phases := d.psy * d.psx
	for c := 0; c < d.cinG; c++ {
		for a := 0; a < d.psy; a++ {
			for b := 0; b < d.psx; b++ {
				pq := xp[(c*phases+a*d.psx+b)*d.planeQ:][:d.planeQ]
				for i := 0; i < d.hq; i++ {
					row := pq[i*d.wq : (i+1)*d.wq]
					y := d.psy*i + a - d.ppt
					if y < 0 || y >= d.h {
						clear(row)
						continue
					}
					for j := range row {
						xx := d.psx*j + b - d.ppl
						if xx < 0 || xx >= d.w {
							row[j] = 0
						} else {
							row[j] = x[c*d.xps+(y/fh)*d.xrs+xx/fw]
						}
					}
				}
			}
		}
	}
}

// padUpsample2 writes the nearest-neighbour upsampling by fh×2 of the
// input planes x (xh×xw) into the zeroed padded copy: every input row
// repeated along the row, then copied to the fh-1 rows below.
func (d *DirectConv) padUpsample2(xp, x []float32, fh int) {
	clear(xp[:d.dataLen])
	at := d.ppt*d.wq + d.ppl
	first := asm.Planes{Data: xp[at:], RowStride: fh * d.wq, PlaneStride: d.planeQ}
	src := asm.Planes{Data: x, RowStride: d.xrs, PlaneStride: d.xps}
	asm.Repeat2Rows(first, 0, src, d.cinG, d.xh, d.xw) // sizes fit by construction
	for k := 1; k < fh; k++ {
		asm.PadRows(asm.Planes{Data: xp[at+k*d.wq:], RowStride: fh * d.wq, PlaneStride: d.planeQ}, 0, first, d.cinG, d.xh, 2*d.xw)
	}
}

// unpoolInto scatters the pooled planes x of image n, group g, into the
// zeroed padded copy at the positions their indices name.
func (d *DirectConv) unpoolInto(xp, x []float32, idx []int64, n, g int) (bool, int64) {
	clear(xp[:d.dataLen])
	phases := d.psy * d.psx
	for c := 0; c < d.cinG; c++ {
		plane := int64((n*d.p.CIn + g*d.cinG + c) * d.inPlane) // index of the plane's first element
		xs, is := x[c*d.xPlane:(c+1)*d.xPlane], idx[c*d.xPlane:(c+1)*d.xPlane]
		if phases == 1 {
			// Row and column by a multiplication with 1/w, corrected
			// by one where the rounding of the product is off.
			xc := xp[c*d.planeQ : (c+1)*d.planeQ]
			inv, w, at := 1/float64(d.w), d.w, d.ppt*d.wq+d.ppl
			for e, j := range is {
				r := j - plane
				if r < 0 || r >= int64(d.inPlane) {
					return true, j
				}
				y := int(float64(r) * inv)
				xx := int(r) - y*w
				if xx < 0 {
					y, xx = y-1, xx+w
				} else if xx >= w {
					y, xx = y+1, xx-w
				}
				xc[at+y*d.wq+xx] = xs[e]
			}
			continue
		}
		for e, j := range is {
			r := j - plane
			if r < 0 || r >= int64(d.inPlane) {
				return true, j
			}
			y, xx := int(r)/d.w, int(r)%d.w
			py, px := y+d.ppt, xx+d.ppl
			ph := (py%d.psy)*d.psx + px%d.psx
			xp[(c*phases+ph)*d.planeQ+(py/d.psy)*d.wq+px/d.psx] = xs[e]
		}
	}
	return false, 0
}

// runPass computes one pass into c and stores it (or pools it) into the
// outputs of group g.
func (d *DirectConv) runPass(io *convIO, ps *convPass, xp, c []float32, g int) {
	ldc := d.compute(ps, xp, c, g)
	if io.out != nil {
		for co := 0; co < d.coutG; co++ {
			o := io.out[(g*d.coutG+co)*d.outPlane:]
			if ps.g == nil {
				v := c[co]
				for t := 0; t < ps.rows; t++ {
					dst := o[(ps.oy0+ps.sy*t)*d.wo+ps.ox0:]
					for u := 0; u < ps.cols; u++ {
						dst[ps.sx*u] = v
					}
				}
				continue
			}
			if ps.sx == 1 {
				// Every channel at once (the planned sizes fit).
				asm.PadRows(asm.Planes{Data: o[ps.oy0*d.wo+ps.ox0:], RowStride: ps.sy * d.wo, PlaneStride: d.outPlane}, 0,
					asm.Planes{Data: c, RowStride: d.wq, PlaneStride: ldc}, d.coutG-co, ps.rows, ps.cols)
				break
			}
			cr := c[co*ldc:]
			for t := 0; t < ps.rows; t++ {
				src := cr[t*d.wq : t*d.wq+ps.cols]
				dst := o[(ps.oy0+ps.sy*t)*d.wo+ps.ox0:]
				for u, v := range src {
					dst[ps.sx*u] = v
				}
			}
		}
	}
	if io.pool != nil {
		d.pool(io, c, ldc, g)
	}
}

// compute runs pass ps into c and returns the row pitch of its result:
// the product's, or 0 when no tap reaches the outputs and c holds
// act(bias) per channel.
func (d *DirectConv) compute(ps *convPass, xp, c []float32, g int) int {
	p := &d.p
	if ps.g != nil {
		ps.g.Run(c, xp) // sizes were checked when planned
		if d.post {
			p.Act.Apply(c[:ps.g.CLen()])
		}
		return ps.g.Ldc()
	}
	for co := 0; co < d.coutG; co++ {
		var v float32
		if p.Bias != nil {
			v = p.Bias[g*d.coutG+co]
		}
		c[co] = v
	}
	p.Act.Apply(c[:d.coutG])
	return 0
}

// pairable reports whether passes k and k+1 of group g are the two
// column phases of one row phase of a stride-2 transposed convolution,
// both with taps: their rows are then interleaved into the output.
func (d *DirectConv) pairable(g, k int) bool {
	ps := d.passes[g]
	if k+1 >= len(ps) {
		return false
	}
	a, b := &ps[k], &ps[k+1]
	return a.g != nil && b.g != nil && a.sx == 2 && b.sx == 2 && a.ox0 == 0 && b.ox0 == 1 &&
		a.oy0 == b.oy0 && a.rows == b.rows && (a.cols == b.cols || a.cols == b.cols+1) && d.pairC > 0
}

// runPair computes the column phases k and k+1 of group g into c and c2
// and interleaves them into the output rows.
func (d *DirectConv) runPair(io *convIO, k int, xp, c, c2 []float32, g int) {
	pe, po := &d.passes[g][k], &d.passes[g][k+1]
	lde, ldo := d.compute(pe, xp, c, g), d.compute(po, xp, c2, g)
	out := io.out[g*d.coutG*d.outPlane+pe.oy0*d.wo:]
	// The planned sizes fit, so this cannot fail.
	asm.InterleaveRows(asm.Planes{Data: out, RowStride: pe.sy * d.wo, PlaneStride: d.outPlane},
		asm.Planes{Data: c, RowStride: d.wq, PlaneStride: lde}, asm.Planes{Data: c2, RowStride: d.wq, PlaneStride: ldo},
		d.coutG, pe.rows, pe.cols, po.cols)
}

// pool computes the fused 2×2, stride-2 max pool of the conv output held
// in c (rows ldc apart, columns in the padded pitch wq), as asm.MaxPool
// does: a NaN wins (the first one), ties go to the first position in
// row-major window order.
func (d *DirectConv) pool(io *convIO, c []float32, ldc, g int) {
	ph, pw := d.poolH, d.poolW
	o := io.pool[g*d.coutG*ph*pw : (g+1)*d.coutG*ph*pw]
	var ix []int64
	if io.poolIdx != nil {
		ix = io.poolIdx[g*d.coutG*ph*pw : (g+1)*d.coutG*ph*pw]
	}
	ch0 := io.n*d.p.COut + g*d.coutG // first channel's plane in the batch (index base)
	if d.oneD {
		for co := 0; co < d.coutG; co++ {
			var ic []int64
			if ix != nil {
				ic = ix[co*pw : (co+1)*pw]
			}
			pool1D(o[co*pw:(co+1)*pw], ic, c[co*ldc:], int64((ch0+co)*d.outPlane))
		}
		return
	}
	// Every channel at once; the planned sizes fit, so this cannot fail.
	asm.MaxPool2x2(o, ix, asm.Planes{Data: c, RowStride: d.wq, PlaneStride: ldc}, d.coutG, ph, pw, int64(ch0*d.outPlane), int64(d.outPlane), d.wo)
}

// pool1D is the 1-D fused pooling: out[j] = max(x[2j], x[2j+1]) with
// MaxPool's rules (a NaN wins, ties go to the first).
func pool1D(out []float32, idx []int64, x []float32, base int64) {
	for j := range out {
		m, mi := x[2*j], 2*j
		if v := x[2*j+1]; v > m || (v != v && m == m) {
			m, mi = v, 2*j+1
		}
		out[j] = m
		if idx != nil {
			idx[j] = base + int64(mi)
		}
	}
}
