// index.js: the profiletometrics npm package. Loads ptm.wasm (the zero-import
// reactor module of include/ptm_wasm.h), or its full variant ptm-full.wasm
// (zstd input and YAML configurations too), and compiles it once with init(),
// then converts OTLP profiles to OTLP metrics (protobuf, OTLP/JSON or
// Prometheus text) with converters made by createConverter(), each in a wasm
// instance of its own, so that its memory goes with it (issue 28). Runs in
// Node (>= 18), browsers, workers and bundlers; never touches the network
// except to fetch ptm.wasm from where it is asked to.

// The core's names, filled by init() from the module's own table
// (ptm_wasm_constants_json: ptm_constants_json() of ptm.h), never retyped
// here (issue 29); empty before init() has finished, frozen after.
/** Output formats, by their ptm_format number (filled by init()). */
export const FORMATS = [];
/** Input formats, by their ptm_input_format number (filled by init()). */
export const INPUT_FORMATS = [];
/** ptm_result codes, by number (0 is success; filled by init()). */
export const RESULTS = [];
/** The ptm_stats fields, in the order of ptm.h, each a little-endian u64 (filled by init()). */
export const STATS = [];

/**
 * The module's table of names (ptm_wasm_constants_json), checked enough that
 * a module of another kind is refused at init() rather than misread later.
 */
function readConstants(w) {
  const notOurs = (why) => new PtmError('argument', `not the profiletometrics module (${why})`);
  if (typeof w.ptm_wasm_constants_json !== 'function') throw notOurs('no ptm_wasm_constants_json export');
  let table;
  try {
    table = JSON.parse(readCString(w, u32(w.ptm_wasm_constants_json())));
  } catch (error) {
    throw notOurs(`its constants are not JSON: ${error.message}`);
  }
  const names = (list) => Array.isArray(list) && list.length > 0 && list.every((name) => typeof name === 'string');
  const results = table?.results;
  if (!Array.isArray(results) || !results.every((r, i) => r?.number === i && typeof r.code === 'string')
      || !names(table.formats) || !names(table.input_formats) || !names(table.stats)) {
    throw notOurs('its constants table lacks results, formats, input_formats or stats');
  }
  return { results: results.map((r) => r.code), formats: table.formats, inputFormats: table.input_formats, stats: table.stats };
}

/** Fills the exported name lists from the table (once: later init() calls find them frozen). */
function fillConstants({ results, formats, inputFormats, stats }) {
  for (const [list, names] of [[RESULTS, results], [FORMATS, formats], [INPUT_FORMATS, inputFormats], [STATS, stats]]) {
    if (Object.isFrozen(list)) continue;
    list.splice(0, list.length, ...names);
    Object.freeze(list);
  }
}

const ERROR_SIZE = 512;
const HASH_KEY_SIZE = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An error of the core: .code is a RESULTS name, .message the core's one line. */
export class PtmError extends Error {
  constructor(code, message, stats) {
    super(message);
    this.name = 'PtmError';
    this.code = code;
    if (stats) this.stats = stats;
  }
}

/** The one place a ptm_result becomes an exception: by its code, never its text. */
function coreError(result, message, stats) {
  return new PtmError(RESULTS[result] ?? 'unknown', message, stats);
}

/**
 * reset() replaces a converter's wasm instance with a fresh one when its
 * memory grew past this many bytes (256 MiB): wasm memory never shrinks, so
 * an instance kept after one memory-heavy call would keep that memory for as
 * long as the converter lives (issue 28). Below it, reset() keeps the
 * instance (and the memory it has, for the next calls to reuse).
 */
const RESET_MEMORY_THRESHOLD = 256 * 1024 * 1024;

let module; // the compiled module once init() has finished: each converter instantiates it
let loadedVariant; // 'default' or 'full': the module's, once init() has finished
let wasm; // the exports of init()'s own instance: version(), and every converter when shared
let shared = false; // true where synchronous instantiation is refused (see instantiate())
let randomSource; // Web Crypto: globalThis.crypto (Node 18: node:crypto's webcrypto)
let loading; // the promise of the first init()

/**
 * The reactor's named variants (ptm_reactor_variant in CMakeLists.txt), by
 * the file init() loads when given no source: 'default' reads gzip input
 * but not zstd (its size budget); 'full' reads zstd too and YAML
 * configurations. A module is the full one when it exports
 * ptm_wasm_config_yaml.
 */
const VARIANTS = { default: './ptm.wasm', full: './ptm-full.wasm' };
const variantOf = (w) => (typeof w.ptm_wasm_config_yaml === 'function' ? 'full' : 'default');

/**
 * init(source) or init({ variant, source }): a plain object is the options,
 * anything else (bytes, a URL, a Response, a Module, a promise of one) the
 * source. Throws PtmError 'argument' for an unknown variant or option.
 */
function initOptions(options) {
  const plain = options !== null && typeof options === 'object'
    && [Object.prototype, null].includes(Object.getPrototypeOf(options));
  if (!plain) return { source: options };
  const unknown = Object.keys(options).filter((key) => key !== 'variant' && key !== 'source');
  if (unknown.length > 0) throw new PtmError('argument', `init(): unknown option "${unknown[0]}" (variant or source)`);
  const { variant, source } = options;
  if (variant !== undefined && !Object.hasOwn(VARIANTS, variant)) {
    throw new PtmError('argument', `init(): unknown variant "${variant}" ('default' or 'full')`);
  }
  return { variant, source };
}

/**
 * Loads and compiles the module once: init(), init(source) or
 * init({ variant: 'default'|'full', source? }). Later calls return the same
 * promise; one that names another variant than the loaded one rejects.
 */
export function init(options) {
  let variant;
  let source;
  try {
    ({ variant, source } = initOptions(options));
  } catch (error) {
    return Promise.reject(error);
  }
  loading ??= instantiate(source ?? new URL(VARIANTS[variant ?? 'default'], import.meta.url), variant).then(
    (loaded) => {
      fillConstants(loaded.constants);
      ({ module, exports: wasm, shared } = loaded);
      loadedVariant = variantOf(wasm);
    },
    (error) => { loading = undefined; throw error; },
  );
  if (variant === undefined) return loading;
  return loading.then(() => {
    if (variant !== loadedVariant) {
      throw new PtmError('argument', `init(): the ${loadedVariant} variant is loaded, not "${variant}": one per loaded package`);
    }
  });
}

/** The loaded module's variant, 'default' or 'full'; after init(). */
export function variant() {
  exports();
  return loadedVariant;
}

/**
 * Compiles the module and makes init()'s own instance, the way
 * createConverter() makes each converter's: synchronously, with
 * new WebAssembly.Instance (cheap: the module is compiled once, and its
 * initial memory is 128 KiB). A browser that refuses synchronous
 * instantiation on its main thread (Chromium does for modules over 8 MB, and
 * did over 4 KB in older versions; ptm.wasm is 0.35 MB) throws a RangeError:
 * there the instance is made asynchronously and every converter shares it,
 * as before issue 28 (their memory is then given back only when all of them
 * are dropped).
 */
async function instantiate(source, variant) {
  const compiled = await compile(await source);
  let instance;
  let sharedInstance = false;
  try {
    instance = new WebAssembly.Instance(compiled, {});
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    instance = await WebAssembly.instantiate(compiled, {});
    sharedInstance = true;
  }
  if (typeof instance.exports.ptm_wasm_create !== 'function') {
    throw new PtmError('argument', 'not the profiletometrics module (no ptm_wasm_create export)');
  }
  instance.exports._initialize();
  const constants = readConstants(instance.exports);
  if (variant !== undefined && variantOf(instance.exports) !== variant) {
    throw new PtmError('argument', `init(): the module given is the ${variantOf(instance.exports)} variant, not "${variant}"`);
  }
  randomSource = globalThis.crypto ?? (await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:crypto')).webcrypto;
  return { module: compiled, exports: instance.exports, shared: sharedInstance, constants };
}

/** A WebAssembly.Module from a Module, bytes, a Response, a URL or a string URL. */
async function compile(source) {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(source);
  if (typeof Response !== 'undefined' && source instanceof Response) return compileResponse(source);
  if (source instanceof URL || typeof source === 'string') return compileUrl(source);
  throw new PtmError('argument', 'init(): source must be bytes, a URL, a Response or a WebAssembly.Module');
}

async function compileResponse(response) {
  if (!response.ok) throw new PtmError('argument', `init(): the module: HTTP ${response.status}${response.url ? ` from ${response.url}` : ''}`);
  return WebAssembly.compile(await response.arrayBuffer());
}

async function compileUrl(source) {
  const url = new URL(source, globalThis.location?.href);
  if (url.protocol !== 'file:') return compileResponse(await fetch(url));
  const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
  return WebAssembly.compile(await readFile(url));
}

/** The core's version ("MAJOR.MINOR.PATCH", the package's too); after init(). */
export function version() {
  const w = exports();
  return readCString(w, u32(w.ptm_wasm_version()));
}

/** The exports of the instance; throws before init() has finished. */
function exports() {
  if (!wasm) throw new PtmError('argument', 'call (and await) init() before createConverter() or version()');
  return wasm;
}

/** Bytes of an input or config: Uint8Array/Buffer, other views, ArrayBuffer, or a string (UTF-8). */
function toBytes(value, what) {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (typeof value === 'string') return encoder.encode(value);
  throw new PtmError('argument', `${what} must be bytes or a string`);
}

/** The core's JSON configuration of an object, a JSON or YAML text, or bytes. */
function configBytes(config) {
  if (config === undefined || config === null) return new Uint8Array(0);
  if (typeof config === 'object' && !ArrayBuffer.isView(config) && !(config instanceof ArrayBuffer)) {
    return encoder.encode(JSON.stringify(config));
  }
  const bytes = toBytes(config, 'config');
  return isYaml(bytes) ? yamlToJson(bytes) : bytes;
}

/** cli/config_yaml.c's config_is_yaml: the first byte that is not white
 * space is neither '{' nor '['. White space alone goes to the core, which
 * reads it as the defaults (as the empty YAML document is). */
function isYaml(bytes) {
  const first = bytes.findIndex((byte) => byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d);
  return first >= 0 && bytes[first] !== 0x7b && bytes[first] !== 0x5b;
}

/** A YAML configuration as the core's JSON (ptm_wasm_config_yaml, in init()'s
 * instance): the full variant's; the default one throws PtmError 'config'. */
function yamlToJson(yaml) {
  const w = wasm;
  if (variantOf(w) !== 'full') {
    throw new PtmError('config', 'config: a YAML configuration needs the full variant: init({ variant: \'full\' }), or give JSON');
  }
  const scratch = new Uint8Array(8 + ERROR_SIZE); // the JSON's pointer and size, the error message
  return withBuffer(w, yaml, (yamlPointer) =>
    withBuffer(w, scratch, (scratchPointer) => {
      const result = w.ptm_wasm_config_yaml(yamlPointer, yaml.length, scratchPointer, scratchPointer + 4, scratchPointer + 8, ERROR_SIZE);
      if (result !== 0) throw coreError(result, readCString(w, scratchPointer + 8));
      const view = new DataView(w.memory.buffer);
      const jsonPointer = view.getUint32(scratchPointer, true);
      const json = new Uint8Array(w.memory.buffer, jsonPointer, view.getUint32(scratchPointer + 4, true)).slice();
      w.ptm_wasm_free(jsonPointer);
      return json;
    }));
}

/** A wasm i32 (pointer or size) as the unsigned number it is: past 2 GiB an
 * address reads negative. */
const u32 = (value) => value >>> 0;

/**
 * Copies bytes into a fresh wasm buffer, runs use(pointer) and frees the
 * buffer whatever happens. Every wasm allocation of the host goes through here.
 */
function withBuffer(w, bytes, use) {
  const pointer = u32(w.ptm_wasm_alloc(Math.max(bytes.length, 1)));
  if (pointer === 0) throw new PtmError('nomem', 'out of memory');
  try {
    new Uint8Array(w.memory.buffer, pointer, bytes.length).set(bytes);
    return use(pointer);
  } finally {
    w.ptm_wasm_free(pointer);
  }
}

function readCString(w, pointer) {
  if (pointer === 0) return '';
  const memory = new Uint8Array(w.memory.buffer);
  let end = pointer;
  while (memory[end] !== 0) end++;
  return decoder.decode(memory.subarray(pointer, end));
}

/** The messages of the requests a conversion refused (ptm_wasm_refused_request). */
function readRefused(w, handle) {
  const messages = [];
  for (let pointer; (pointer = u32(w.ptm_wasm_refused_request(handle, messages.length))) !== 0;) {
    messages.push(readCString(w, pointer));
  }
  return messages;
}

function readStats(w, handle) {
  const view = new DataView(w.memory.buffer, u32(w.ptm_wasm_stats(handle)), STATS.length * 8);
  const stats = {};
  STATS.forEach((name, i) => { stats[name] = Number(view.getBigUint64(i * 8, true)); });
  return stats;
}

// Destroys the handles of converters dropped without close() where
// converters share init()'s instance; a converter's own instance needs
// nothing: dropped with the converter, its memory goes with it.
const leaks = new FinalizationRegistry(({ w, handle }) => w.ptm_wasm_destroy(handle));

/**
 * A converter holding one parsed configuration: config is an object (sent as
 * JSON), a JSON string or bytes, or (the full variant) a YAML text or bytes;
 * undefined for the defaults. Throws a
 * PtmError with code 'config' naming the key path when the config is wrong.
 * Each converter has its own wasm instance (and memory), made here.
 */
export function createConverter(config) {
  exports();
  const bytes = configBytes(config).slice(); // kept: reset() may make the converter again
  const w = newInstance();
  return new Converter(w, createHandle(w, bytes), bytes);
}

/** A wasm instance of its own (init()'s when instances are shared); 'nomem' when the host has no memory for it. */
function newInstance() {
  if (shared) return wasm;
  let instance;
  try {
    instance = new WebAssembly.Instance(module, {});
  } catch (error) {
    if (error instanceof RangeError) throw new PtmError('nomem', `out of memory (a new wasm instance: ${error.message})`);
    throw error;
  }
  instance.exports._initialize();
  return instance.exports;
}

/** ptm_wasm_create in instance w, with a fresh hash key; throws the core's error. */
function createHandle(w, bytes) {
  // One scratch buffer: the hash key (16 random bytes: the module has no
  // entropy of its own), the handle the module stores, its error message.
  const scratch = new Uint8Array(HASH_KEY_SIZE + 4 + ERROR_SIZE);
  randomSource.getRandomValues(scratch.subarray(0, HASH_KEY_SIZE));
  return withBuffer(w, bytes, (configPointer) =>
    withBuffer(w, scratch, (scratchPointer) => {
      const handlePointer = scratchPointer + HASH_KEY_SIZE;
      const errorPointer = handlePointer + 4;
      const result = w.ptm_wasm_create(configPointer, bytes.length, scratchPointer, handlePointer, errorPointer, ERROR_SIZE);
      if (result !== 0) throw coreError(result, readCString(w, errorPointer));
      return new DataView(w.memory.buffer).getUint32(handlePointer, true);
    }));
}

/** ptm_format's number of a format name; throws PtmError 'argument' for another. */
function formatIdOf(format) {
  const formatId = FORMATS.indexOf(format);
  if (formatId < 0) throw new PtmError('argument', `unknown format "${format}" (otlp, json, prom, folded or top)`);
  return formatId;
}

/** ptm_input_format's number of an input format name; throws PtmError 'argument' for another. */
function inputFormatIdOf(input) {
  const inputId = INPUT_FORMATS.indexOf(input);
  if (inputId < 0) throw new PtmError('argument', `unknown input format "${input}" (auto, otlp, json or pprof)`);
  return inputId;
}

/** A time for add() and flush(): a bigint or a number of ns since 1970; the clock when undefined. */
function nowNanoseconds(now) {
  if (now === undefined) return BigInt(Date.now()) * 1000000n;
  if ((typeof now !== 'bigint' && !Number.isSafeInteger(now)) || now <= 0) {
    throw new PtmError('argument', `now: ${now}: nanoseconds since 1970, a positive integer or bigint`);
  }
  return BigInt(now);
}

/** PTM_INPUT_SIZE_UNKNOWN: all 64 bits set. */
const INPUT_SIZE_UNKNOWN = (1n << 64n) - 1n;

class Converter {
  #w; // the exports of its instance; null once closed
  #handle; // its ptm_wasm_handle in that instance; 0 once closed
  #config; // the configuration's bytes: reset() may make the converter again
  #top; // the 'top' rows last set (kept across calls, and so across a new instance)
  #streaming = false; // between begin() and the call that ends the stream

  constructor(w, handle, config) {
    this.#w = w;
    this.#handle = handle;
    this.#config = config;
    if (shared) leaks.register(this, { w, handle }, this);
  }

  /** Converts one request (or JSON Lines of requests); see index.d.ts. */
  convert(input, { format = 'otlp', bytes: asBytes = false, input: inputFormat = 'auto', top } = {}) {
    const handle = this.#open();
    const w = this.#w;
    const formatId = formatIdOf(format);
    this.#check(w.ptm_wasm_set_input_format(handle, inputFormatIdOf(inputFormat)));
    this.#setTop(top);
    const inputBytes = toBytes(input, 'input');
    this.#streaming = false;
    return withBuffer(w, inputBytes, (pointer) =>
      this.#converted(w.ptm_wasm_convert(handle, pointer, inputBytes.length, formatId), formatId, asBytes));
  }

  /** Adds one input to the held series, writing nothing (see index.d.ts). */
  add(input, { input: inputFormat = 'auto', now } = {}) {
    const handle = this.#open();
    const w = this.#w;
    const time = nowNanoseconds(now);
    this.#check(w.ptm_wasm_set_input_format(handle, inputFormatIdOf(inputFormat)));
    const inputBytes = toBytes(input, 'input');
    this.#streaming = false;
    return withBuffer(w, inputBytes, (pointer) => {
      const { stats, warning, refused } = this.#converted(w.ptm_wasm_add(handle, time, pointer, inputBytes.length), 0, true);
      return { stats, ...(warning !== undefined && { warning }), ...(refused !== undefined && { refused }) };
    });
  }

  /** Writes the held series as of now (see index.d.ts). */
  flush({ format = 'otlp', bytes: asBytes = false, now } = {}) {
    const handle = this.#open();
    const formatId = formatIdOf(format);
    return this.#converted(this.#w.ptm_wasm_flush(handle, nowNanoseconds(now), formatId), formatId, asBytes);
  }

  /** Starts converting an input handed over in pieces (see index.d.ts). */
  begin({ size, input: inputFormat = 'auto', stacks = false } = {}) {
    const total = size === undefined ? INPUT_SIZE_UNKNOWN : BigInt(size);
    const handle = this.#open();
    const w = this.#w;
    this.#check(w.ptm_wasm_set_input_format(handle, inputFormatIdOf(inputFormat)));
    this.#check(w.ptm_wasm_collect_stacks(handle, stacks ? 1 : 0));
    this.#streaming = true;
    this.#check(w.ptm_wasm_convert_begin(handle, total));
  }

  /** Starts the next of several inputs of the stream (see index.d.ts). */
  nextInput(name, { size } = {}) {
    const handle = this.#open();
    const w = this.#w;
    const total = size === undefined ? INPUT_SIZE_UNKNOWN : BigInt(size);
    const nameBytes = encoder.encode(`${name}\0`);
    withBuffer(w, nameBytes, (pointer) => this.#check(w.ptm_wasm_convert_next_input(handle, pointer, total)));
  }

  /** Hands one piece of the input over (see index.d.ts). */
  feed(piece) {
    const handle = this.#open();
    const w = this.#w;
    const bytes = toBytes(piece, 'piece');
    withBuffer(w, bytes, (pointer) => this.#check(w.ptm_wasm_convert_feed(handle, pointer, bytes.length)));
  }

  /** Converts what the pieces made (see index.d.ts). */
  finish({ format = 'otlp', bytes: asBytes = false, top } = {}) {
    const handle = this.#open();
    const formatId = formatIdOf(format);
    this.#setTop(top);
    this.#streaming = false;
    return this.#converted(this.#w.ptm_wasm_convert_finish(handle, formatId), formatId, asBytes);
  }

  /**
   * Keeps the function symbols of an ELF file (a Uint8Array of its bytes)
   * under its GNU build ID, for the native frames of later conversions
   * (see index.d.ts). Throws PtmError 'input' ("ELF: ...") for a file that
   * is not ELF or has no build ID.
   */
  addSymbols(bytes) {
    const handle = this.#open();
    const w = this.#w;
    const data = toBytes(bytes, 'symbols');
    withBuffer(w, data, (pointer) => this.#check(w.ptm_wasm_add_symbols(handle, pointer, data.length)));
  }

  /**
   * Reads the files an input's native frames need before it is converted:
   * readFile(path) is called for each path the configuration's "symbolize"
   * plans, in order, and returns the file's bytes or null (see index.d.ts).
   * Returns the paths asked for.
   */
  symbolize(input, readFile, { input: inputFormat = 'auto' } = {}) {
    if (typeof readFile !== 'function') throw new PtmError('argument', 'symbolize(): readFile must be a function');
    const handle = this.#open();
    const w = this.#w;
    this.#check(w.ptm_wasm_set_input_format(handle, inputFormatIdOf(inputFormat)));
    const inputBytes = toBytes(input, 'input');
    withBuffer(w, inputBytes, (pointer) => this.#check(w.ptm_wasm_symbols_scan(handle, pointer, inputBytes.length)));
    const asked = [];
    for (let pointer; (pointer = u32(w.ptm_wasm_symbols_next(handle))) !== 0;) {
      const path = readCString(w, pointer);
      asked.push(path);
      const file = readFile(path);
      if (file === null || file === undefined) {
        this.#check(w.ptm_wasm_symbols_offer(handle, 0, 0));
        continue;
      }
      const data = toBytes(file, `readFile("${path}")`);
      withBuffer(w, data, (dataPointer) => this.#check(w.ptm_wasm_symbols_offer(handle, dataPointer, data.length)));
    }
    return asked;
  }

  get maxInputBytes() {
    const handle = this.#open();
    return Number(BigInt.asUintN(64, this.#w.ptm_wasm_max_input_bytes(handle)));
  }

  /** Rows per table of the 'top' format, when given (an integer 1..1000). */
  #setTop(top) {
    if (top === undefined) return;
    if (!Number.isInteger(top) || top < 1 || top > 1000) throw new PtmError('argument', `top: ${top}: the count is an integer from 1 to 1000`);
    this.#check(this.#w.ptm_wasm_set_top_count(this.#handle, top));
    this.#top = top;
  }

  #open() {
    if (this.#handle === 0) throw new PtmError('argument', 'converter is closed');
    return this.#handle;
  }

  /** Throws the converter's error for a failed result (no stats: the call made none). */
  #check(result) {
    if (result !== 0) throw coreError(result, readCString(this.#w, u32(this.#w.ptm_wasm_last_error(this.#handle))));
  }

  /** The result of a conversion call, read out of wasm memory; throws on failure. */
  #converted(result, formatId, asBytes) {
    const w = this.#w;
    const handle = this.#handle;
    const stats = readStats(w, handle);
    if (result !== 0) {
      throw coreError(result, readCString(w, u32(w.ptm_wasm_last_error(handle))), stats);
    }
    // Copied out (slice, or decoded to a string): the handle's output lives
    // in wasm memory only until its next convert.
    const output = new Uint8Array(w.memory.buffer, u32(w.ptm_wasm_output(handle)), u32(w.ptm_wasm_output_size(handle)));
    const converted = { output: formatId === 0 || asBytes ? output.slice() : decoder.decode(output), stats };
    const warning = readCString(w, u32(w.ptm_wasm_last_warning(handle)));
    if (warning !== '') converted.warning = warning;
    if (stats.requests_invalid > 0) converted.refused = readRefused(w, handle);
    return converted;
  }

  /**
   * Forgets the series a cumulative converter keeps, the held ones and the
   * symbols (see index.d.ts). When its instance's memory grew past
   * RESET_MEMORY_THRESHOLD (and no stream is open), the converter is made
   * again in a fresh instance (same configuration, a fresh hash key, the
   * 'top' rows kept) and the old instance, with its memory, is dropped.
   */
  reset() {
    const handle = this.#open();
    const w = this.#w;
    if (shared || this.#streaming || w.memory.buffer.byteLength <= RESET_MEMORY_THRESHOLD) {
      w.ptm_wasm_reset(handle);
      return;
    }
    let fresh;
    let freshHandle;
    try {
      fresh = newInstance();
      freshHandle = createHandle(fresh, this.#config);
    } catch {
      w.ptm_wasm_reset(handle); // no memory for a fresh one: forget in place, as below the threshold
      return;
    }
    if (this.#top !== undefined) fresh.ptm_wasm_set_top_count(freshHandle, this.#top);
    this.#w = fresh;
    this.#handle = freshHandle;
  }

  /** Releases the converter's wasm memory (its instance); later close() calls do nothing. */
  close() {
    if (this.#handle === 0) return;
    if (shared) {
      leaks.unregister(this);
      this.#w.ptm_wasm_destroy(this.#handle);
    }
    this.#w = null;
    this.#handle = 0;
  }
}
