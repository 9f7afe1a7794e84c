// npm-memory.test.js: the npm package gives memory back (issue 28). wasm
// memory never shrinks, so each converter has its own wasm instance:
// close() (or dropping the converter) lets the GC free it, and reset() makes
// a fresh instance when the memory grew past 256 MiB during the converter's
// calls. Measured on real values: the converter's instance memory (recorded
// through tests/lib/npm.js's packageWithMemory(), weakly) and the process's
// external memory and RSS after a full GC (node:v8's --expose-gc, set at
// run time), on one request that needs more memory than max_memory_bytes
// lets it have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fixtures } from '../../lib/run.js';
import { canonical, profilesRequest } from '../../lib/pb.js';
import { packageWithMemory, requireDist } from '../../lib/npm.js';
import { distinctFunctionsDoc } from '../../lib/hostile.js';

requireDist();
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const MiB = 1024 * 1024;
/** index.js's RESET_MEMORY_THRESHOLD: reset() makes a fresh instance past it. */
const THRESHOLD = 256 * MiB;
const cpuPb = readFileSync(join(fixtures, 'cpu-ebpf.pb'));
const memoryJson = readFileSync(join(fixtures, 'memory.json'));

/** The process's memory after a full GC, once the event loop has turned (V8
 * frees a dropped wasm memory then, not within the job that dropped it). */
async function settled() {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
  }
  const { rss, external } = process.memoryUsage();
  return { rss, external };
}

const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;

/**
 * The same request as protobuf, written straight into one buffer: pb.js's
 * profilesRequest() takes seconds for hundreds of thousands of samples, this
 * well under one. The test first checks that both give the same message.
 */
function distinctFunctionsRequest(n, pad = '') {
  const text = new TextEncoder();
  let buffer = new Uint8Array(1 << 20);
  let length = 0;
  const ensure = (more) => {
    if (length + more <= buffer.length) return;
    const grown = new Uint8Array(Math.max(buffer.length * 2, length + more));
    grown.set(buffer);
    buffer = grown;
  };
  const varint = (value) => {
    ensure(10);
    for (; value >= 0x80; value = Math.floor(value / 128)) buffer[length++] = (value & 0x7f) | 0x80;
    buffer[length++] = value;
  };
  const key = (field, wire) => varint(field * 8 + wire);
  const fixed64 = (value) => {
    ensure(8);
    new DataView(buffer.buffer).setBigUint64(length, value, true);
    length += 8;
  };
  // A length-delimited field: the body is written after 5 bytes of room,
  // then moved back behind its (shortest) length.
  const message = (field, body) => {
    key(field, 2);
    ensure(5);
    const at = length;
    length += 5;
    body();
    const size = length - at - 5;
    length = at;
    varint(size);
    buffer.copyWithin(length, at + 5, at + 5 + size);
    length += size;
  };
  const string = (field, value) => {
    const bytes = text.encode(value);
    key(field, 2);
    varint(bytes.length);
    ensure(bytes.length);
    buffer.set(bytes, length);
    length += bytes.length;
  };
  const valueType = (type, unit) => () => { key(1, 0); varint(type); key(2, 0); varint(unit); };
  const empty = () => {};
  message(1, () => { // resource_profiles
    message(1, empty); // resource
    message(2, () => message(2, () => { // scope_profiles, profile
      message(1, valueType(1, 2));
      for (let i = 0; i < n; i++) {
        message(2, () => { key(1, 0); varint(1 + i); message(5, () => fixed64(1767225600500000000n)); });
      }
      key(3, 1);
      fixed64(1767225600000000000n);
      key(4, 0);
      varint(1000000000);
      message(5, valueType(3, 4));
      key(6, 0);
      varint(1000000);
    }));
  });
  message(2, () => { // dictionary
    message(1, empty);
    message(2, empty);
    for (let i = 0; i < n; i++) message(2, () => message(3, () => { key(1, 0); varint(1 + i); }));
    message(3, empty);
    for (let i = 0; i < n; i++) message(3, () => { key(1, 0); varint(5 + i); });
    message(4, empty);
    for (const s of ['', 'samples', 'count', 'cpu', 'nanoseconds']) string(5, s);
    for (let i = 0; i < n; i++) string(5, `function_${i}${pad}`);
    message(6, () => message(2, empty));
    message(7, empty);
    for (let i = 0; i < n; i++) message(7, () => message(1, () => varint(1 + i)));
  });
  return buffer.slice(0, length);
}

test('the fast writer of the distinct-functions request writes what pb.js writes', () => {
  for (const n of [1, 3, 200]) {
    assert.deepEqual(canonical(distinctFunctionsRequest(n, 'xyz')), canonical(profilesRequest(distinctFunctionsDoc(n, 'xyz'))), `n = ${n}`);
  }
});

test('a request over max_memory_bytes after the memory grew past 256 MiB: \'memory_limit\' with the core\'s message; reset() gives the memory back and the converter converts as a fresh one does (issue 28)', async (t) => {
  const { pkg, latest, stop } = await packageWithMemory();
  t.after(stop);
  // 700,000 samples, each its own stack and function (names padded to 70
  // bytes): 80 MB of protobuf, which the core needs about 340 MiB for; at
  // 288 MiB it refuses, with the instance's memory past 256 MiB by then.
  const maxMemory = 288 * MiB;
  const config = { max_memory_bytes: maxMemory, max_input_bytes: 128 * MiB, temporality: 'cumulative' };
  const big = distinctFunctionsRequest(700000, 'x'.repeat(60));
  const fresh = pkg.createConverter(config);
  const expected = {
    otlp: fresh.convert(cpuPb).output,
    top: fresh.convert(memoryJson, { format: 'top', top: 3 }).output,
  };
  fresh.close();

  const converter = pkg.createConverter(config);
  const first = new WeakRef(latest()); // weak: held, it would keep its memory
  const before = await settled();
  assert.deepEqual(converter.convert(cpuPb).output, expected.otlp);
  converter.convert(memoryJson, { format: 'top', top: 3 }); // the rows are kept for later calls
  assert.throws(() => converter.convert(big), (error) => error instanceof pkg.PtmError && error.code === 'memory_limit' &&
    error.message === `memory limit: the conversion needs more than max_memory_bytes (${maxMemory} bytes)`);
  const grown = first.deref().memory.buffer.byteLength;
  assert.ok(grown > THRESHOLD, `the instance's memory grew past the threshold: ${mib(grown)}`);
  const peak = await settled();

  // When no instance can be made (the host is out of memory), reset() forgets in place.
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = class { constructor() { throw new RangeError('WebAssembly.Instance(): Out of memory (simulated)'); } };
  try {
    converter.reset();
  } finally {
    WebAssembly.Instance = Instance;
  }
  assert.equal(latest(), first.deref(), 'no new instance');
  assert.equal(first.deref().memory.buffer.byteLength, grown);

  converter.reset();
  const second = latest();
  assert.notEqual(second, first.deref(), 'reset() made a fresh instance');
  const small = second.memory.buffer.byteLength;
  assert.ok(small <= 256 * 1024, `the fresh instance is small: ${small} bytes`);
  const after = await settled();
  t.diagnostic(`external memory ${mib(before.external)} before, ${mib(peak.external)} at the peak, ${mib(after.external)} after reset(); ` +
    `RSS ${mib(before.rss)}, ${mib(peak.rss)}, ${mib(after.rss)}; the instance ${mib(grown)}, then ${small} bytes`);
  assert.ok(peak.external - before.external > THRESHOLD, 'the grown instance shows in external memory');
  assert.ok(after.external < before.external + 16 * MiB, `external memory back: ${mib(after.external)} (before ${mib(before.external)})`);
  assert.ok(after.rss < peak.rss - 200 * MiB, `RSS back: ${mib(after.rss)} (peak ${mib(peak.rss)})`);

  // The same configuration, a cumulative one: what a fresh converter writes
  // (the series before were forgotten), and the 'top' rows set before kept.
  assert.deepEqual(converter.convert(cpuPb).output, expected.otlp, 'converts as a fresh converter does');
  assert.equal(converter.convert(memoryJson, { format: 'top' }).output, expected.top, 'the top rows set before reset() are kept');
  assert.equal(converter.convert(memoryJson, { format: 'top' }).output, expected.top);
  // Below the threshold reset() keeps the instance.
  converter.reset();
  assert.equal(latest(), second, 'below 256 MiB: the same instance');
  assert.deepEqual(converter.convert(cpuPb).output, expected.otlp, 'reset() in place forgets the cumulative series too');
  converter.close();
});

test('a converter made and dropped after a memory-heavy call gives its memory back without close()', async (t) => {
  const { pkg, stop } = await packageWithMemory();
  t.after(stop);
  const big = distinctFunctionsRequest(400000, 'x'.repeat(20));
  const before = await settled();
  let peak = 0;
  (() => {
    const converter = pkg.createConverter({ max_input_bytes: 128 * MiB });
    assert.equal(converter.convert(big, { format: 'prom' }).stats.samples_kept, 400000);
    peak = process.memoryUsage().external;
  })(); // dropped, not closed
  const after = await settled();
  t.diagnostic(`external memory ${mib(before.external)} before, ${mib(peak)} with the converter, ${mib(after.external)} once it was dropped`);
  assert.ok(peak - before.external > 100 * MiB, `the conversion grew memory: ${mib(peak)}`);
  assert.ok(after.external < before.external + 16 * MiB, `given back: ${mib(after.external)}`);
});

test('2,000 converters made and closed, and 2,000 dropped unclosed, leave the process\'s memory flat', async (t) => {
  const { pkg, stop } = await packageWithMemory();
  t.after(stop);
  const config = { process_filter: { patterns: ['^nginx$'] }, attributes: [{ key: 'v', value: 'python(\\d+)', type: 'regex' }] };
  const round = () => {
    for (let i = 0; i < 1000; i++) {
      const converter = pkg.createConverter(config);
      converter.convert(cpuPb);
      converter.close();
      pkg.createConverter(config).convert(cpuPb);
    }
  };
  round(); // warm-up
  const warm = await settled();
  round();
  round();
  const after = await settled();
  t.diagnostic(`RSS ${mib(warm.rss)} after the warm-up, ${mib(after.rss)} after 4,000 more; external ${mib(warm.external)}, ${mib(after.external)}`);
  assert.ok(after.rss < warm.rss * 1.25, `RSS flat: ${mib(after.rss)} against ${mib(warm.rss)}`);
  assert.ok(after.external < warm.external * 1.25 + 4 * MiB, `external flat: ${mib(after.external)} against ${mib(warm.external)}`);
});

test('createConverter() when the host has no memory for a new instance: PtmError \'nomem\'', async (t) => {
  const { pkg, stop } = await packageWithMemory();
  t.after(stop);
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = class { constructor() { throw new RangeError('WebAssembly.Instance(): Out of memory: Cannot allocate Wasm memory for new instance'); } };
  try {
    assert.throws(() => pkg.createConverter(), (error) => error instanceof pkg.PtmError && error.code === 'nomem' &&
      error.message === 'out of memory (a new wasm instance: WebAssembly.Instance(): Out of memory: Cannot allocate Wasm memory for new instance)');
  } finally {
    WebAssembly.Instance = Instance;
  }
  pkg.createConverter().close(); // and once there is memory again, it works
});

test('where synchronous instantiation is refused, converters share init()\'s instance and convert the same bytes', async (t) => {
  const own = await packageWithMemory();
  const expected = own.pkg.createConverter().convert(cpuPb, { format: 'prom' }).output;
  const version = own.pkg.version();
  own.stop();
  const { pkg, memory, stop } = await packageWithMemory({ shared: true });
  t.after(stop);
  const a = pkg.createConverter();
  const b = pkg.createConverter({ temporality: 'cumulative' });
  assert.equal(a.convert(cpuPb, { format: 'prom' }).output, expected);
  b.convert(cpuPb);
  const size = memory.buffer.byteLength;
  b.reset();
  b.close();
  assert.equal(a.convert(cpuPb, { format: 'prom' }).output, expected, 'closing one leaves the other working');
  assert.ok(memory.buffer.byteLength >= size, 'one memory, shared');
  assert.equal(pkg.version(), version);
  a.close();
});
