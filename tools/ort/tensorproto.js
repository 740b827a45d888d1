'use strict';
// Minimal reader/writer for onnx.TensorProto (the format of the ONNX backend
// test data: test_data_set_N/input_K.pb and output_K.pb).
//
// It has no dependencies. It understands the fields a test tensor uses:
//   1 dims (int64, packed or not)   2 data_type        8 name
//   4 float_data  5 int32_data  6 string_data  7 int64_data
//   9 raw_data   10 double_data 11 uint64_data  14 data_location
// segment (3), doc_string (12) and external_data (13) are skipped; a tensor
// whose data_location is EXTERNAL is rejected.
//
// A decoded tensor is {name, dataType, dims: number[], data}, where data is a
// typed array (BigInt64Array / BigUint64Array for 64-bit integers,
// Uint8Array for bool, Uint16Array holding the bits for float16) or an array
// of strings. The field numbers come from onnx.proto (ONNX 1.12).

const DT = Object.freeze({
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6,
  INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12,
  UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
});

// ONNX data type -> [name used by onnxruntime-common, typed array, typed field].
const TYPES = new Map([
  [DT.FLOAT, ['float32', Float32Array, 'float']],
  [DT.UINT8, ['uint8', Uint8Array, 'int32']],
  [DT.INT8, ['int8', Int8Array, 'int32']],
  [DT.UINT16, ['uint16', Uint16Array, 'int32']],
  [DT.INT16, ['int16', Int16Array, 'int32']],
  [DT.INT32, ['int32', Int32Array, 'int32']],
  [DT.INT64, ['int64', BigInt64Array, 'int64']],
  [DT.STRING, ['string', null, 'string']],
  [DT.BOOL, ['bool', Uint8Array, 'int32']],
  [DT.FLOAT16, ['float16', Uint16Array, 'int32']],
  [DT.DOUBLE, ['float64', Float64Array, 'double']],
  [DT.UINT32, ['uint32', Uint32Array, 'uint64']],
  [DT.UINT64, ['uint64', BigUint64Array, 'uint64']],
]);

const ORT_TO_DT = new Map([...TYPES].map(([dt, [name]]) => [name, dt]));

function dtypeName(dt) {
  for (const [k, v] of Object.entries(DT)) if (v === dt) return k;
  return `type ${dt}`;
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('tensorproto.js: raw_data handling assumes a little-endian host');
}

// --- wire-level reading -------------------------------------------------

class Reader {
  constructor(buf, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  eof() { return this.pos >= this.end; }

  fail(msg) { throw new Error(`${msg} at byte ${this.pos}`); }

  // varint returns the value as a BigInt (unsigned 64-bit).
  varint() {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    this.fail('varint longer than 10 bytes');
  }

  // smallVarint is a varint that must fit a non-negative JS number.
  smallVarint(what) {
    const v = this.varint();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} ${v} too large`);
    return Number(v);
  }

  bytes() {
    const n = this.smallVarint('length');
    if (n > this.end - this.pos) this.fail(`length ${n} runs past the end (${this.end - this.pos} bytes left)`);
    const start = this.pos;
    this.pos += n;
    return [start, this.pos];
  }

  skip(wire) {
    switch (wire) {
      case 0: this.varint(); break;
      case 1: this.need(8); this.pos += 8; break;
      case 2: this.bytes(); break;
      case 5: this.need(4); this.pos += 4; break;
      default: this.fail(`unsupported wire type ${wire}`);
    }
  }

  need(n) {
    if (this.end - this.pos < n) this.fail(`truncated: need ${n} bytes`);
  }
}

// Repeated scalar field: packed (wire 2) or one element (wire 0/1/5).
function readRepeated(r, wire, kind, out) {
  const one = (rr) => {
    switch (kind) {
      case 'varint': return rr.varint();
      case 'float': { rr.need(4); const v = Buffer.from(rr.buf.buffer, rr.buf.byteOffset + rr.pos, 4).readFloatLE(0); rr.pos += 4; return v; }
      case 'double': { rr.need(8); const v = Buffer.from(rr.buf.buffer, rr.buf.byteOffset + rr.pos, 8).readDoubleLE(0); rr.pos += 8; return v; }
      default: throw new Error(`internal: kind ${kind}`);
    }
  };
  const scalarWire = kind === 'varint' ? 0 : kind === 'float' ? 5 : 1;
  if (wire === 2) {
    const [s, e] = r.bytes();
    const sub = new Reader(r.buf, s, e);
    while (!sub.eof()) out.push(one(sub));
  } else if (wire === scalarWire) {
    out.push(one(r));
  } else {
    r.fail(`wire type ${wire} for a repeated ${kind} field`);
  }
}

// decode parses a serialized TensorProto held in a Buffer/Uint8Array.
function decode(buf) {
  if (!(buf instanceof Uint8Array)) throw new TypeError('decode: want a Buffer or Uint8Array');
  const r = new Reader(buf);
  const t = {
    name: '', dataType: DT.UNDEFINED, dims: [], dataLocation: 0,
    float: [], int32: [], int64: [], uint64: [], double: [], string: [], raw: null,
  };
  while (!r.eof()) {
    const key = r.smallVarint('field key');
    const field = Math.floor(key / 8);
    const wire = key & 7;
    switch (field) {
      case 1: {
        const d = [];
        readRepeated(r, wire, 'varint', d);
        for (const v of d) {
          const s = BigInt.asIntN(64, v);
          if (s < 0n || s > BigInt(Number.MAX_SAFE_INTEGER)) r.fail(`invalid dimension ${s}`);
          t.dims.push(Number(s));
        }
        break;
      }
      case 2: if (wire !== 0) r.fail('data_type: wrong wire type'); t.dataType = Number(BigInt.asIntN(32, r.varint())); break;
      case 4: readRepeated(r, wire, 'float', t.float); break;
      case 5: readRepeated(r, wire, 'varint', t.int32); break;
      case 6: { if (wire !== 2) r.fail('string_data: wrong wire type'); const [s, e] = r.bytes(); t.string.push(Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('utf8')); break; }
      case 7: readRepeated(r, wire, 'varint', t.int64); break;
      case 8: { if (wire !== 2) r.fail('name: wrong wire type'); const [s, e] = r.bytes(); t.name = Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('utf8'); break; }
      case 9: { if (wire !== 2) r.fail('raw_data: wrong wire type'); const [s, e] = r.bytes(); t.raw = buf.subarray(s, e); break; }
      case 10: readRepeated(r, wire, 'double', t.double); break;
      case 11: readRepeated(r, wire, 'varint', t.uint64); break;
      case 14: if (wire !== 0) r.fail('data_location: wrong wire type'); t.dataLocation = Number(r.varint()); break;
      default: r.skip(wire);
    }
  }
  if (t.dataLocation === 1) throw new Error('tensor data is stored externally (data_location=EXTERNAL); not supported');
  const info = TYPES.get(t.dataType);
  if (!info) throw new Error(`unsupported tensor data_type ${dtypeName(t.dataType)}`);
  const [, Typed, field] = info;
  let count = 1;
  for (const d of t.dims) count *= d;
  if (!Number.isSafeInteger(count)) throw new Error(`element count of dims [${t.dims}] overflows`);

  let data;
  if (t.dataType === DT.STRING) {
    if (t.raw !== null) throw new Error('string tensor with raw_data');
    data = t.string;
  } else if (t.raw !== null) {
    const want = count * Typed.BYTES_PER_ELEMENT;
    if (t.raw.length !== want) {
      throw new Error(`raw_data has ${t.raw.length} bytes; dims [${t.dims}] of ${dtypeName(t.dataType)} need ${want}`);
    }
    // Copy into a fresh, aligned buffer.
    const copy = new Uint8Array(want);
    copy.set(t.raw);
    data = new Typed(copy.buffer, 0, count);
  } else {
    const src = t[field];
    data = new Typed(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (field === 'int64') data[i] = BigInt.asIntN(64, v);
      else if (field === 'uint64') data[i] = Typed === BigUint64Array ? v : Number(BigInt.asUintN(32, v));
      else if (field === 'int32') data[i] = Number(BigInt.asIntN(32, v));
      else data[i] = v;
    }
  }
  if (data.length !== count) {
    throw new Error(`tensor has ${data.length} elements; dims [${t.dims}] need ${count}`);
  }
  return { name: t.name, dataType: t.dataType, dims: t.dims, data };
}

// --- writing -------------------------------------------------------------

function pushVarint(out, v) {
  let x = BigInt.asUintN(64, BigInt(v));
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
}

// encode serializes {name, dataType, dims, data} as a TensorProto, the way
// onnx.numpy_helper.from_array does: dims (unpacked), data_type, name, and
// raw_data little-endian (string_data for strings).
function encode(t) {
  const head = [];
  for (const d of t.dims) { head.push(1 << 3 | 0); pushVarint(head, d); }
  head.push(2 << 3 | 0); pushVarint(head, t.dataType);
  const parts = [];
  if (t.name) {
    const nb = Buffer.from(t.name, 'utf8');
    head.push(8 << 3 | 2); pushVarint(head, nb.length);
    parts.push(Buffer.from(head), nb);
  } else {
    parts.push(Buffer.from(head));
  }
  if (t.dataType === DT.STRING) {
    for (const s of t.data) {
      const sb = Buffer.from(s, 'utf8');
      const h = [6 << 3 | 2]; pushVarint(h, sb.length);
      parts.push(Buffer.from(h), sb);
    }
  } else {
    const info = TYPES.get(t.dataType);
    if (!info) throw new Error(`encode: unsupported data_type ${dtypeName(t.dataType)}`);
    const Typed = info[1];
    const arr = t.data instanceof Typed ? t.data : Typed.from(t.data);
    const raw = Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
    const h = [9 << 3 | 2]; pushVarint(h, raw.length);
    parts.push(Buffer.from(h), raw);
  }
  return Buffer.concat(parts);
}

module.exports = { DT, TYPES, ORT_TO_DT, dtypeName, decode, encode };
