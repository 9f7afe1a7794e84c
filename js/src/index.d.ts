// index.d.ts: TypeScript declarations of the profiletometrics npm package
// (index.js): init() and its variants, createConverter(), the converter,
// PtmError and the format, result and stats names.

/** Output formats: OTLP protobuf, OTLP/JSON (one line for the whole input), Prometheus text 0.0.4,
 * folded stacks ("process;thread;root;...;leaf VALUE" lines of the kept samples of the measure
 * "folded": {"measure"} names, cpu by default; VALUE in ns, or bytes for memory), or top (a
 * summary to read: totals, and the top processes, threads and functions of that measure; see
 * docs/cli.md, "--top"; not a format for programs). */
export type Format = 'otlp' | 'json' | 'prom' | 'folded' | 'top';

/** ptm_result names; 'ok' is never thrown. */
export type ResultName = 'ok' | 'input' | 'config' | 'nomem' | 'limit' | 'argument' | 'memory_limit';

/** The counts of one conversion (ptm_stats). samples_total = kept + filtered + invalid + skipped. */
export interface Stats {
  requests: number;
  resources: number;
  profiles: number;
  samples_total: number;
  samples_kept: number;
  samples_filtered: number;
  samples_invalid: number;
  samples_skipped: number;
  series: number;
  overflowed: number;
  /** Configured attribute rules left off a ResourceProfiles' points: the resource has that key. */
  attributes_shadowed: number;
  /** Regex searches that hit a PCRE2 limit; those strings counted as not matching. */
  pattern_limit_hits: number;
  /** Requests refused while the others converted (JSON Lines: bad lines); see Converted.refused. */
  requests_invalid: number;
  /** Resource attributes copy_resource_attributes would copy, left off points by max_point_attributes (summed over the points written). */
  attributes_dropped: number;
}

/**
 * What convert() returns. warning: a one-line "warning: ..." of this
 * conversion, when any. refused: when some requests of OTLP/JSON input were
 * refused and the others converted, the one-line message of each (the first
 * 64), naming its input line, e.g. "input line 96: not valid JSON (line 97,
 * column 3)"; stats.requests_invalid counts them all.
 */
export interface Converted<T> {
  output: T;
  stats: Stats;
  warning?: string;
  refused?: string[];
}

/**
 * The core's names, read from the module (ptm_constants_json of ptm.h) by
 * init(): empty until init() has finished, then frozen. FORMATS: by
 * ptm_format number; RESULTS: PtmError codes by ptm_result number (0, 'ok',
 * is success); STATS: the Stats fields in the order of ptm_stats.
 */
export const FORMATS: readonly ['otlp', 'json', 'prom', 'folded', 'top'];
export const RESULTS: readonly ['ok', 'input', 'config', 'nomem', 'limit', 'argument', 'memory_limit'];
export const STATS: readonly (keyof Stats)[];

/**
 * An error of the core, or of a call made wrong. code: 'input' (not a valid
 * request), 'limit' (over max_input_bytes), 'config' (the message names the
 * key path), 'nomem', 'memory_limit' (over max_memory_bytes), 'argument'
 * (e.g. a closed converter, an unknown format,
 * init() not awaited). message: the core's one line, e.g.
 * "input: malformed protobuf in Sample: wrong wire type".
 */
export class PtmError extends Error {
  readonly name: 'PtmError';
  readonly code: Exclude<ResultName, 'ok'> | 'unknown';
  /** The counts so far, when a conversion failed. */
  readonly stats?: Stats;
}

/**
 * Where ptm.wasm comes from; awaited first, so a Promise of any of these
 * works too. A string is a URL: absolute (file:, http:, https:), or relative
 * to the page in browsers. file: URLs are read with node:fs, others fetched.
 */
export type WasmSource =
  | ArrayBuffer
  | ArrayBufferView
  | URL
  | string
  | Response
  | WebAssembly.Module;

/**
 * The module's named variants: 'default' (ptm.wasm: gzip input, not zstd; the
 * smaller) and 'full' (ptm-full.wasm: zstd input too, and YAML configurations).
 */
export type Variant = 'default' | 'full';

export interface InitOptions {
  /** Which module to load when no source is given (default 'default'); with a
   * source, the variant that module must be. */
  variant?: Variant;
  source?: WasmSource | Promise<WasmSource>;
}

/**
 * Loads and compiles the module once. Without a source: Node reads the module of the
 * variant (ptm.wasm or ptm-full.wasm) next to the package's index.js, browsers fetch
 * new URL('./ptm.wasm', import.meta.url) (or './ptm-full.wasm'). A plain object is the
 * options, anything else the source. Later calls return the first call's promise (and
 * ignore their source); one naming another variant than the loaded one rejects with
 * PtmError 'argument'.
 */
export function init(source?: WasmSource | Promise<WasmSource> | InitOptions): Promise<void>;

/** The loaded module's variant. Throws PtmError "argument" before init(). */
export function variant(): Variant;

/** The core's version, "MAJOR.MINOR.PATCH": the package's version too. Throws PtmError "argument" before init(). */
export function version(): string;

/** Configuration: an object, a JSON string, or its bytes (see docs/configuration.md); with
 * the 'full' variant, also a YAML text or its bytes (as `ptm -c x.yaml` reads it; the
 * default variant throws PtmError 'config' for YAML). */
export type Config = Record<string, unknown> | string | ArrayBuffer | ArrayBufferView;

/** An input: an OTLP request (protobuf), OTLP/JSON or JSON Lines, a pprof profile, or
 * length-prefixed requests (the collector file exporter's format: proto), each also
 * gzip-compressed, or zstd-compressed with the 'full' variant (the default one has no zstd decompressor); a string is sent as UTF-8. */
export type Input = ArrayBuffer | ArrayBufferView | string;

/** How the input is read: 'auto' (told by its first bytes, the default), or one format. */
export type InputFormat = 'auto' | 'otlp' | 'json' | 'pprof';
/** By ptm_input_format number; read from the module by init(), empty until then. */
export const INPUT_FORMATS: readonly ['auto', 'otlp', 'json', 'pprof'];

export interface ConvertOptions {
  /** Default 'otlp'. */
  format?: Format;
  /** Default 'auto'. */
  input?: InputFormat;
  /** true: output is a Uint8Array for every format (the exact bytes). */
  bytes?: boolean;
  /** Rows per table of the 'top' format, 1..1000 (10 until set; kept for later calls). */
  top?: number;
}

export interface Converter {
  /** OTLP protobuf bytes, copied out of wasm memory. */
  convert(input: Input, options?: { format?: 'otlp'; bytes?: boolean; input?: InputFormat }): Converted<Uint8Array>;
  convert(input: Input, options: { format: 'json' | 'prom' | 'folded' | 'top'; bytes: true; input?: InputFormat; top?: number }): Converted<Uint8Array>;
  /** OTLP/JSON, Prometheus text, folded stacks or the top summary. */
  convert(input: Input, options: { format: 'json' | 'prom' | 'folded' | 'top'; bytes?: false; input?: InputFormat; top?: number }): Converted<string>;
  convert(input: Input, options?: ConvertOptions): Converted<Uint8Array | string>;
  /**
   * An input handed over in pieces (a file or stream too large to hold
   * whole): begin(), feed() each piece (of any size), then finish(), which
   * returns what convert() returns for the concatenation of the pieces.
   * OTLP/JSON is converted request by request as it arrives, and
   * max_input_bytes bounds each request; protobuf is held whole. size: the
   * input's total size when known (an input held whole that is larger is
   * refused from its first bytes). feed() throws PtmError 'limit' when what
   * is held passes max_input_bytes ('nomem', 'argument' likewise); a failed
   * stream is over: finish() throws the same error. stacks: collect what
   * finish({ format: 'folded' }) and 'top' write (off by default: it costs
   * time per sample; finish() with either after a stream begun without it
   * throws PtmError 'argument').
   */
  begin(options?: { size?: number; input?: InputFormat; stacks?: boolean }): void;
  /**
   * Several inputs, one conversion: after begin(), nextInput(name) before
   * each input's pieces (the first one's too); each is read as a whole input
   * of its own (format, compression told by its first bytes), all make one
   * output and one stats. An invalid input is refused, named in `refused`
   * ("name: ..."), and the others convert. size: the input's size when known.
   */
  nextInput(name: string, options?: { size?: number }): void;
  feed(piece: Input): void;
  finish(options?: { format?: 'otlp'; bytes?: boolean }): Converted<Uint8Array>;
  finish(options: { format: 'json' | 'prom' | 'folded' | 'top'; bytes: true; top?: number }): Converted<Uint8Array>;
  finish(options: { format: 'json' | 'prom' | 'folded' | 'top'; bytes?: false; top?: number }): Converted<string>;
  finish(options?: ConvertOptions): Converted<Uint8Array | string>;
  /**
   * Held series, the shape of a long-lived host (the collector connector):
   * add() converts an input into what the converter holds and writes
   * nothing; flush() writes what is held as of now. Delta: the series added
   * since the last flush, each point's window [last flush, now); cumulative:
   * every held series, its total since it was first added, idle ones dropped
   * after "metrics_expiration" ("5m"). now: nanoseconds since 1970 (number or
   * bigint), Date.now() when omitted. add() throws as convert() does and
   * then adds nothing; flush() writes 'otlp', 'json' or 'prom'.
   */
  add(input: Input, options?: { input?: InputFormat; now?: number | bigint }): { stats: Stats; warning?: string; refused?: string[] };
  flush(options?: { format?: 'otlp'; bytes?: boolean; now?: number | bigint }): Converted<Uint8Array>;
  flush(options: { format: 'json' | 'prom'; bytes: true; now?: number | bigint }): Converted<Uint8Array>;
  flush(options: { format: 'json' | 'prom'; bytes?: false; now?: number | bigint }): Converted<string>;
  /**
   * Symbolization (configuration "symbolize"; docs/symbolization.md):
   * a native frame (a location without lines whose mapping has a GNU build
   * ID) is named from the function symbols of an ELF file with that build
   * ID, which the converter keeps by build ID across calls (within
   * symbolize.cache_bytes; reset() forgets them).
   * addSymbols(bytes): keeps the symbols of one ELF file handed in (a
   * browser's file picker, a fetch), under its own build ID; it needs no
   * "symbolize" key. Throws PtmError 'input' ("ELF: ...") when the bytes
   * are not an ELF file or it has no build ID, 'limit' over 1 GiB.
   */
  addSymbols(bytes: ArrayBuffer | ArrayBufferView): void;
  /**
   * Reads the files an input's native frames need, before convert() or
   * add() of the same input: the converter plans the paths to try from the
   * configuration's "symbolize" (each of paths: D/.build-id/xx/rest.debug,
   * D/debug/.build-id/xx/rest.debug, D/<file name>; root + the executable's
   * path; each debuginfod server's /buildid/<id>/debuginfo and /executable),
   * and readFile(path) is called for each in turn until a file with the
   * build ID is found; it returns the file's bytes, or null when there is no
   * such file (read regular files only: paths come partly from the input).
   * Build IDs found (or found nowhere) are not asked for again. Returns the
   * paths asked for. Without "symbolize" nothing is asked. Throws as
   * convert() does for invalid input, and whatever readFile throws.
   */
  symbolize(input: Input, readFile: (path: string) => ArrayBuffer | ArrayBufferView | null | undefined,
    options?: { input?: InputFormat }): string[];
  /** The configuration's max_input_bytes. */
  readonly maxInputBytes: number;
  /**
   * With "temporality": "cumulative", the converter keeps every series across
   * convert() calls; reset() forgets them (the next output starts again from
   * zero with new start times), the series add() holds, and the symbols of
   * addSymbols() and symbolize(). A delta converter keeps nothing across
   * convert() calls. The configuration and the 'top' rows stay.
   * Memory: wasm memory never shrinks. When the converter's wasm memory grew
   * past 256 MiB (one call may take up to max_memory_bytes), reset() also
   * gives it back: the converter is made again in a fresh wasm instance
   * (same configuration and 'top' rows, a fresh hash key) and the old one is
   * dropped; below 256 MiB, or while a stream (begin() ... finish()) is
   * open, it keeps its instance. Call it after a call that threw
   * 'memory_limit' to give that memory back.
   */
  reset(): void;
  /** Releases its wasm instance and memory. Idempotent; convert() afterwards throws PtmError 'argument'. */
  close(): void;
}

/**
 * A converter for one configuration (undefined: the defaults), in a wasm
 * instance of its own (so close(), or dropping it, frees its memory). Needs
 * init() to have finished. Throws PtmError 'config' naming the key path,
 * 'nomem' when there is no memory for a new instance. Where the host refuses
 * synchronous WebAssembly instantiation (an old browser's main thread), all
 * converters share init()'s instance instead.
 */
export function createConverter(config?: Config): Converter;
