#!/usr/bin/env node
'use strict';
// run.js: run an ONNX model in ONNX Runtime (onnxruntime-node, CPU EP) on
// TensorProto inputs and write TensorProto outputs, in the layout of the ONNX
// backend test data. See tools/README.md.

const fs = require('fs');
const path = require('path');
const tp = require('./tensorproto');

const USAGE = `usage: node tools/ort/run.js MODEL.onnx IN0.pb [IN1.pb ...] [-o OUTDIR] [options]
       node tools/ort/run.js MODEL.onnx TEST_DATA_SET_DIR [-o OUTDIR] [options]

Runs MODEL in ONNX Runtime (CPU execution provider). Inputs are serialized
onnx.TensorProto files. They bind to the model's inputs by name when every
file carries the name of a distinct model input, otherwise by position. A
directory argument stands for its input_0.pb, input_1.pb, ... files.
Outputs are written as OUTDIR/output_K.pb (K in the model's output order).

options:
  -o, --out DIR      write output_K.pb files into DIR (created if missing)
  --check DIR        compare the outputs with DIR/output_K.pb; exit 1 on mismatch
  --rtol X           relative tolerance for --check (default 1e-3)
  --atol X           absolute tolerance for --check (default 1e-5)
  --threads N        intra-op threads (default 1, for reproducible goldens)
  --opt LEVEL        graph optimization: disabled|basic|extended|all (default all)
  -q, --quiet        print nothing on success
  -h, --help         this text

environment:
  LATENT_ORT_DIR     where tools/ort/install.sh put onnxruntime-node
                     (default /work/.cache/ort)

exit status: 0 ok, 1 run failed or --check mismatch, 2 bad usage or input.`;

class UsageError extends Error {}

function parseArgs(argv) {
  const o = { positional: [], out: null, check: null, rtol: 1e-3, atol: 1e-5, threads: 1, opt: 'all', quiet: false };
  const value = (i, flag) => {
    if (i + 1 >= argv.length) throw new UsageError(`${flag} needs a value`);
    return argv[i + 1];
  };
  const num = (s, flag) => {
    const v = Number(s);
    if (!Number.isFinite(v) || v < 0) throw new UsageError(`${flag}: not a non-negative number: ${s}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '-o': case '--out': o.out = value(i, a); i++; break;
      case '--check': o.check = value(i, a); i++; break;
      case '--rtol': o.rtol = num(value(i, a), a); i++; break;
      case '--atol': o.atol = num(value(i, a), a); i++; break;
      case '--threads': o.threads = num(value(i, a), a); i++;
        if (!Number.isInteger(o.threads) || o.threads < 1) throw new UsageError('--threads must be an integer >= 1');
        break;
      case '--opt': o.opt = value(i, a); i++;
        if (!['disabled', 'basic', 'extended', 'all'].includes(o.opt)) throw new UsageError(`--opt: unknown level ${o.opt}`);
        break;
      case '-q': case '--quiet': o.quiet = true; break;
      case '-h': case '--help': o.help = true; break;
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown flag ${a}`);
        o.positional.push(a);
    }
  }
  return o;
}

// loadOrt finds onnxruntime-node in $LATENT_ORT_DIR (or the default cache),
// falling back to Node's normal module resolution.
function loadOrt() {
  const dir = process.env.LATENT_ORT_DIR || '/work/.cache/ort';
  const tries = [path.join(dir, 'node_modules'), dir];
  let resolved;
  try {
    resolved = require.resolve('onnxruntime-node', { paths: tries });
  } catch (e) {
    try {
      resolved = require.resolve('onnxruntime-node');
    } catch (e2) {
      throw new UsageError(`onnxruntime-node not found in ${dir}; run tools/ort/install.sh (or set LATENT_ORT_DIR)`);
    }
  }
  return require(resolved);
}

function readFileOrDie(file, what) {
  let st;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new UsageError(`${what} ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  if (!st.isFile()) throw new UsageError(`${what} ${file}: not a regular file`);
  return fs.readFileSync(file);
}

// numbered lists DIR/prefix_0.pb, prefix_1.pb, ... until the first gap.
function numbered(dir, prefix) {
  const files = [];
  for (let k = 0; ; k++) {
    const f = path.join(dir, `${prefix}_${k}.pb`);
    if (!fs.existsSync(f)) break;
    files.push(f);
  }
  return files;
}

function expandInputs(args) {
  const files = [];
  for (const a of args) {
    let st;
    try { st = fs.statSync(a); } catch (e) { throw new UsageError(`input ${a}: no such file or directory`); }
    if (st.isDirectory()) {
      // No input_0.pb is fine for a model without inputs; bind() checks
      // the count against the model.
      files.push(...numbered(a, 'input'));
    } else {
      files.push(a);
    }
  }
  return files;
}

function loadTensor(file, what) {
  const buf = readFileOrDie(file, what);
  try {
    return tp.decode(buf);
  } catch (e) {
    throw new UsageError(`${what} ${file}: not a valid TensorProto: ${e.message}`);
  }
}

function bind(session, tensors) {
  const names = session.inputNames;
  if (tensors.length !== names.length) {
    throw new UsageError(`model has ${names.length} input(s) [${names.join(', ')}], got ${tensors.length} file(s)`);
  }
  const byName = tensors.every((t) => t.name && names.includes(t.name)) &&
    new Set(tensors.map((t) => t.name)).size === tensors.length;
  const order = byName ? tensors.map((t) => names.indexOf(t.name)) : tensors.map((_, i) => i);
  return { order, byName };
}

function atomicWrite(file, data) {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function describe(t) {
  const shown = Array.from(t.data.slice(0, 6), (v) => (typeof v === 'number' ? Number(v.toPrecision(6)) : String(v)));
  return `${tp.dtypeName(t.dataType).toLowerCase()}[${t.dims.join(',')}] ${shown.join(' ')}${t.data.length > 6 ? ' ...' : ''}`;
}

// compare returns {ok, maxAbs, firstBad} for got vs want.
function compare(got, want, rtol, atol) {
  if (got.dataType !== want.dataType) {
    return { ok: false, why: `dtype ${tp.dtypeName(got.dataType)} != expected ${tp.dtypeName(want.dataType)}` };
  }
  if (got.dims.join(',') !== want.dims.join(',')) {
    return { ok: false, why: `shape [${got.dims}] != expected [${want.dims}]` };
  }
  let maxAbs = 0;
  let bad = -1;
  for (let i = 0; i < got.data.length; i++) {
    const g = got.data[i];
    const w = want.data[i];
    if (typeof g === 'bigint' || typeof g === 'string') {
      if (g !== w && bad < 0) bad = i;
      continue;
    }
    if (Number.isNaN(g) && Number.isNaN(w)) continue;
    if (g === w) continue; // also equal infinities
    const d = Math.abs(g - w);
    maxAbs = Number.isNaN(d) ? Infinity : Math.max(maxAbs, d);
    if (!(d <= atol + rtol * Math.abs(w)) && bad < 0) bad = i;
  }
  if (bad >= 0) {
    return { ok: false, maxAbs, why: `element ${bad}: got ${got.data[bad]}, want ${want.data[bad]} (max abs diff ${maxAbs})` };
  }
  return { ok: true, maxAbs };
}

async function main(argv) {
  const o = parseArgs(argv);
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  if (o.positional.length < 1) throw new UsageError('missing MODEL.onnx');
  const [model, ...inArgs] = o.positional;
  readFileOrDie(model, 'model'); // clear error before ORT sees it
  const inputFiles = expandInputs(inArgs);
  const inputs = inputFiles.map((f, i) => loadTensor(f, `input ${i}`));

  const ort = loadOrt();
  let session;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: ['cpu'],
      intraOpNumThreads: o.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: o.opt,
    });
  } catch (e) {
    throw new Error(`ONNX Runtime could not load ${model}: ${e.message}`);
  }
  const { order, byName } = bind(session, inputs);
  const feeds = {};
  inputs.forEach((t, i) => {
    const name = session.inputNames[order[i]];
    const type = tp.TYPES.get(t.dataType)[0];
    try {
      feeds[name] = new ort.Tensor(type, t.data, t.dims);
    } catch (e) {
      throw new UsageError(`input ${inputFiles[i]} -> ${name}: ${e.message}`);
    }
  });

  let results;
  try {
    results = await session.run(feeds);
  } catch (e) {
    throw new Error(`ONNX Runtime failed running ${model}: ${e.message}`);
  }

  const outs = session.outputNames.map((name) => {
    const r = results[name];
    const dt = tp.ORT_TO_DT.get(r.type);
    if (dt === undefined) throw new Error(`output ${name}: unsupported type ${r.type}`);
    return { name, dataType: dt, dims: r.dims.map(Number), data: r.data };
  });

  if (!o.quiet) {
    console.log(`model ${model}: inputs bound ${byName ? 'by name' : 'by position'}`);
    inputs.forEach((t, i) => console.log(`  in  ${session.inputNames[order[i]]}: ${describe(t)}`));
    outs.forEach((t) => console.log(`  out ${t.name}: ${describe(t)}`));
  }

  if (o.out) {
    fs.mkdirSync(o.out, { recursive: true });
    outs.forEach((t, k) => atomicWrite(path.join(o.out, `output_${k}.pb`), tp.encode(t)));
    if (!o.quiet) console.log(`wrote ${outs.length} output(s) to ${o.out}`);
  }

  let status = 0;
  if (o.check) {
    const want = numbered(o.check, 'output');
    if (want.length !== outs.length) {
      throw new Error(`--check ${o.check}: ${want.length} expected output file(s), model has ${outs.length}`);
    }
    outs.forEach((t, k) => {
      const w = loadTensor(want[k], `expected output ${k}`);
      const c = compare(t, w, o.rtol, o.atol);
      if (!c.ok) {
        status = 1;
        console.error(`MISMATCH output ${k} (${t.name}): ${c.why}`);
      } else if (!o.quiet) {
        console.log(`ok output ${k} (${t.name}): max abs diff ${c.maxAbs}`);
      }
    });
  }
  return status;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e) => {
      console.error(`run.js: ${e.message}`);
      if (e instanceof UsageError) console.error('(run.js --help for usage)');
      process.exitCode = e instanceof UsageError ? 2 : 1;
    },
  );
}

module.exports = { main, compare, parseArgs };
