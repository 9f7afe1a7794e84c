// worker.js: the conversions, off the page's thread. A module worker that
// imports the npm package (./pkg/index.js, which fetches ./pkg/ptm.wasm) and
// answers the page's messages:
//   {type: 'run', id, blob, config, folded, symbols, input}: converts blob (a
//     Blob or File) to OTLP/JSON in 1 MiB pieces (progress messages on the
//     way), builds the model (model.js) and, when the core has the folded
//     format, the folded stacks; answers {type: 'result', id, model, warning,
//     refused, timing}, then {type: 'folded', id, measure, text, ms}, or
//     {type: 'error', id, code, message, stage}. input: the input format
//     ('auto', or 'json' for pasted text: never sniffed as protobuf).
//     symbols: ELF files (Blobs) whose function symbols name native frames
//     (converter.addSymbols); one that is no ELF file or has no build ID is
//     reported as an error naming it.
//   An error's code is the core's result code (PtmError.code: 'input',
//   'config', ...), 'empty' for an empty file, 'page' for anything else; its
//   stage is where it happened: 'config', 'symbols', 'convert' (the input)
//   or 'folded' (the flame graph's stacks, after the result).
//   {type: 'export', id, blob, config, format, input}: the whole output in
//     that format, as bytes: {type: 'exported', id, format, bytes}.
import { init, createConverter, FORMATS, PtmError } from './pkg/index.js';
import { buildModel } from './model.js';

const PIECE = 1 << 20;
const ready = init();

function post(message, transfer) { self.postMessage(message, transfer ?? []); }

/** An empty input (or one holding no request): the core converts it to nothing, successfully; the page says so. */
class EmptyInput extends Error {
  constructor() { super('empty file'); this.code = 'empty'; }
}

// Where the message being answered is: an error's stage (one message at a time).
let stage = 'config';

/** Hands each symbol file to the converter; an error names the file. */
async function addSymbols(converter, symbols) {
  for (const file of symbols ?? []) {
    try {
      converter.addSymbols(new Uint8Array(await file.arrayBuffer()));
    } catch (error) {
      error.message = `${file.name}: ${error.message}`;
      throw error;
    }
  }
}

/** One conversion of the blob through begin/feed/finish; progress(done, total) between pieces. */
async function convert(blob, config, format, progress, symbols, input = 'auto', what = 'convert') {
  // The flame graph's folding comes after the result: whatever fails in it is the folding's.
  stage = what === 'folded' ? what : 'config';
  const converter = createConverter(config);
  try {
    stage = what === 'folded' ? what : 'symbols';
    await addSymbols(converter, symbols);
    stage = what;
    if (blob.size === 0) throw new EmptyInput();
    converter.begin({ size: blob.size, input, stacks: format === 'folded' });
    for (let offset = 0; offset < blob.size; offset += PIECE) {
      const piece = new Uint8Array(await blob.slice(offset, offset + PIECE).arrayBuffer());
      converter.feed(piece);
      progress?.(Math.min(offset + PIECE, blob.size), blob.size);
    }
    return converter.finish({ format, bytes: format === 'otlp' });
  } finally {
    converter.close();
  }
}

function configWith(text, extra) {
  if (!extra) return text;
  const object = text.trim() === '' ? {} : JSON.parse(text);
  return JSON.stringify({ ...object, ...extra });
}

async function run({ id, blob, config, folded, symbols, input }) {
  const started = performance.now();
  let last = 0;
  const progress = (done, total) => {
    const now = performance.now();
    if (now - last > 50 || done === total) { last = now; post({ type: 'progress', id, done, total, stage: 'json' }); }
  };
  // The configuration alone first: a bad one is reported before any input is read.
  stage = 'config';
  createConverter(config).close();
  const converted = await convert(blob, config, 'json', progress, symbols, input);
  // No request at all (white space, an empty gzip member): as empty as an empty file.
  if (converted.stats.requests === 0 && converted.output === '') throw new EmptyInput();
  const convertedAt = performance.now();
  const doc = converted.output === '' ? { resourceMetrics: [] } : JSON.parse(converted.output);
  const model = buildModel(doc, converted.stats, config.trim() === '' ? {} : JSON.parse(config));
  const modelAt = performance.now();
  post({ type: 'result', id, model, warning: converted.warning, refused: converted.refused,
    timing: { convertMs: convertedAt - started, modelMs: modelAt - convertedAt, bytes: blob.size } });
  if (FORMATS.includes('folded')) {
    post({ type: 'progress', id, done: 0, total: blob.size, stage: 'folded' });
    const stacks = await convert(blob, configWith(config, { folded: { measure: folded ?? 'cpu' } }), 'folded', undefined, symbols, input, 'folded');
    post({ type: 'folded', id, measure: folded ?? 'cpu', text: stacks.output, ms: performance.now() - modelAt });
  }
}

async function exportAs({ id, blob, config, format, folded, symbols, input }) {
  const cfg = format === 'folded' ? configWith(config, { folded: { measure: folded ?? 'cpu' } }) : config;
  const converted = await convert(blob, cfg, format, undefined, symbols, input);
  const bytes = typeof converted.output === 'string' ? new TextEncoder().encode(converted.output) : converted.output;
  post({ type: 'exported', id, format, bytes }, [bytes.buffer]);
}

// One message at a time, in order: the page sends the next when this one is answered.
let queue = Promise.resolve();
self.onmessage = ({ data }) => {
  queue = queue.then(async () => {
    try {
      await ready;
      if (data.type === 'run') await run(data);
      else if (data.type === 'export') await exportAs(data);
    } catch (error) {
      post({ type: 'error', id: data.id, request: data.type, stage,
        code: error instanceof PtmError || error instanceof EmptyInput ? error.code : 'page',
        message: error?.message ?? String(error) });
    }
  });
};
ready.then(() => post({ type: 'ready', formats: [...FORMATS] }),
  (error) => post({ type: 'error', id: 0, request: 'init', code: 'init', message: error.message }));
