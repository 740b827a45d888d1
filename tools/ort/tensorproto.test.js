'use strict';
// Tests for tensorproto.js: node --test tools/ort/
// The oracle is the ONNX backend test data (written by onnx's own Python
// serializer) when /usr/share/libonnx-testdata is installed, plus hand-built
// protobuf bytes for the typed-field and packed/unpacked encodings.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const tp = require('./tensorproto');

const SUITE = '/usr/share/libonnx-testdata/data';

function pbFiles(limit) {
  const out = [];
  if (!fs.existsSync(SUITE)) return out;
  for (const group of fs.readdirSync(SUITE)) {
    for (const t of fs.readdirSync(path.join(SUITE, group))) {
      const dir = path.join(SUITE, group, t);
      for (const s of fs.readdirSync(dir)) {
        if (!s.startsWith('test_data_set_')) continue;
        for (const f of fs.readdirSync(path.join(dir, s))) {
          if (f.endsWith('.pb')) out.push(path.join(dir, s, f));
        }
      }
    }
  }
  return out.sort().slice(0, limit);
}

function varint(v) {
  const out = [];
  let x = BigInt.asUintN(64, BigInt(v));
  while (x >= 0x80n) { out.push(Number(x & 0x7fn) | 0x80); x >>= 7n; }
  out.push(Number(x));
  return out;
}

test('decode typed fields, packed and unpacked', () => {
  const cases = [
    {
      name: 'float_data packed, dims unpacked',
      bytes: [0x08, 2, 0x08, 1, 0x10, 1, 0x22, 8, ...new Uint8Array(new Float32Array([1.5, -2]).buffer)],
      want: { dataType: tp.DT.FLOAT, dims: [2, 1], data: [1.5, -2] },
    },
    {
      name: 'float_data unpacked (wire 5), dims packed',
      bytes: [0x0a, 1, 2, 0x10, 1, 0x25, ...new Uint8Array(new Float32Array([3]).buffer), 0x25, ...new Uint8Array(new Float32Array([4]).buffer)],
      want: { dataType: tp.DT.FLOAT, dims: [2], data: [3, 4] },
    },
    {
      name: 'int64_data negative, packed',
      bytes: [0x08, 3, 0x10, 7, 0x3a, ...varint(varint(-1).length + 1 + varint(1n << 40n).length), ...varint(-1), 5, ...varint(1n << 40n)],
      want: { dataType: tp.DT.INT64, dims: [3], data: [-1n, 5n, 1n << 40n] },
    },
    {
      name: 'bool in int32_data',
      bytes: [0x08, 3, 0x10, 9, 0x28, 1, 0x28, 0, 0x28, 1],
      want: { dataType: tp.DT.BOOL, dims: [3], data: [1, 0, 1] },
    },
    {
      name: 'int32 negative in int32_data (10-byte varint)',
      bytes: [0x08, 1, 0x10, 6, 0x28, ...varint(-7)],
      want: { dataType: tp.DT.INT32, dims: [1], data: [-7] },
    },
    {
      name: 'scalar (no dims) with name',
      bytes: [0x10, 1, 0x42, 1, 0x78, 0x22, 4, ...new Uint8Array(new Float32Array([0.25]).buffer)],
      want: { dataType: tp.DT.FLOAT, dims: [], data: [0.25], name: 'x' },
    },
  ];
  for (const c of cases) {
    const got = tp.decode(Uint8Array.from(c.bytes));
    assert.strictEqual(got.dataType, c.want.dataType, c.name);
    assert.deepStrictEqual(got.dims, c.want.dims, c.name);
    assert.deepStrictEqual(Array.from(got.data), c.want.data, c.name);
    if (c.want.name) assert.strictEqual(got.name, c.want.name, c.name);
  }
});

test('decode rejects malformed input', () => {
  const cases = [
    { name: 'truncated varint', bytes: [0x08, 0x80], re: /truncated varint/ },
    { name: 'length past end', bytes: [0x10, 1, 0x4a, 50, 0, 0], re: /runs past the end/ },
    { name: 'raw_data size mismatch', bytes: [0x08, 4, 0x10, 1, 0x4a, 4, 0, 0, 0, 0], re: /raw_data has 4 bytes/ },
    { name: 'element count mismatch', bytes: [0x08, 2, 0x10, 1, 0x25, 0, 0, 0, 0], re: /has 1 elements/ },
    { name: 'unknown dtype', bytes: [0x08, 1, 0x10, 99], re: /unsupported tensor data_type/ },
    { name: 'external data', bytes: [0x08, 1, 0x10, 1, 0x70, 1], re: /externally/ },
    { name: 'negative dim', bytes: [0x08, ...varint(-3), 0x10, 1], re: /invalid dimension/ },
  ];
  for (const c of cases) {
    assert.throws(() => tp.decode(Uint8Array.from(c.bytes)), c.re, c.name);
  }
});

test('encode round-trips every dtype', () => {
  const cases = [
    { dataType: tp.DT.FLOAT, dims: [2, 2], data: Float32Array.from([1, -0, NaN, 3.5]) },
    { dataType: tp.DT.DOUBLE, dims: [1], data: Float64Array.from([Math.PI]) },
    { dataType: tp.DT.INT64, dims: [2], data: BigInt64Array.from([-5n, 1n << 62n]) },
    { dataType: tp.DT.UINT64, dims: [1], data: BigUint64Array.from([(1n << 64n) - 1n]) },
    { dataType: tp.DT.INT32, dims: [3], data: Int32Array.from([-1, 0, 2147483647]) },
    { dataType: tp.DT.BOOL, dims: [2, 1, 1], data: Uint8Array.from([1, 0]) },
    { dataType: tp.DT.INT8, dims: [2], data: Int8Array.from([-128, 127]) },
    { dataType: tp.DT.UINT8, dims: [0], data: new Uint8Array(0) },
    { dataType: tp.DT.STRING, dims: [2], data: ['a', 'héllo'] },
  ];
  for (const c of cases) {
    const back = tp.decode(tp.encode({ name: 'n', ...c }));
    assert.strictEqual(back.name, 'n');
    assert.strictEqual(back.dataType, c.dataType);
    assert.deepStrictEqual(back.dims, c.dims);
    assert.deepStrictEqual(Array.from(back.data), Array.from(c.data));
  }
});

test('backend test data: decode then encode gives the same bytes', (t) => {
  const files = pbFiles(Infinity);
  if (files.length === 0) {
    t.skip(`${SUITE} not installed (apt-get install libonnx-testdata)`);
    return;
  }
  let same = 0;
  let typed = 0;
  for (const f of files) {
    const buf = fs.readFileSync(f);
    // Sequence and optional test data are SequenceProto/OptionalProto,
    // not TensorProto.
    if (/_(seq|sequence|opt|optional)[^/]*\//.test(f) || /test_(sequence|optional)_/.test(f)) continue;
    let dec;
    try {
      dec = tp.decode(buf);
    } catch (e) {
      throw new Error(`${f}: ${e.message}`);
    }
    const enc = tp.encode(dec);
    if (Buffer.compare(enc, buf) === 0) {
      same++;
    } else {
      // Files written with typed fields (not raw_data) differ in bytes;
      // their values must still round-trip.
      typed++;
      const again = tp.decode(enc);
      assert.deepStrictEqual(again.dims, dec.dims, f);
      assert.deepStrictEqual(Array.from(again.data), Array.from(dec.data), f);
    }
  }
  assert.ok(same > 1000, `only ${same} files re-encoded byte for byte`);
  t.diagnostic(`${same} byte-identical, ${typed} typed-field files value-identical`);
});
