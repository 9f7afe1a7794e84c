// worker.js: the conversions, off the page's thread. A module worker that
// imports the npm package (./pkg/index.js, which fetches ./pkg/ptm.wasm) and
// answers the page's messages:
//   {type: 'run', id, blob, config, folded, symbols}: converts blob (a Blob or File)
//     to OTLP/JSON in 1 MiB pieces (progress messages on the way), builds the
//     model (model.js) and, when the core has the folded format, the folded
//     stacks; answers {type: 'result', id, model, folded, warning, refused,
//     timing} or {type: 'error', id, code, message, stage}. symbols: ELF
//     files (Blobs) whose function symbols name native frames
//     (converter.addSymbols); one that is no ELF file or has no build ID is
//     reported as an error naming it.
//   {type: 'export', id, blob, config, format}: the whole output in that
//     format, as bytes: {type: 'exported', id, format, bytes}.
import { init, createConverter, FORMATS, PtmError } from './pkg/index.js';
import { buildModel } from './model.js';

const PIECE = 1 << 20;
const ready = init();

function post(message, transfer) { self.postMessage(message, transfer ?? []); }

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
async function convert(blob, config, format, progress, symbols) {
  const converter = createConverter(config);
  try {
    await addSymbols(converter, symbols);
    converter.begin({ size: blob.size, stacks: format === 'folded' });
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

async function run({ id, blob, config, folded, symbols }) {
  const started = performance.now();
  let last = 0;
  const progress = (done, total) => {
    const now = performance.now();
    if (now - last > 50 || done === total) { last = now; post({ type: 'progress', id, done, total, stage: 'json' }); }
  };
  // The configuration alone first: a bad one is reported before any input is read.
  createConverter(config).close();
  const converted = await convert(blob, config, 'json', progress, symbols);
  const convertedAt = performance.now();
  const doc = converted.output === '' ? { resourceMetrics: [] } : JSON.parse(converted.output);
  const model = buildModel(doc, converted.stats, config.trim() === '' ? {} : JSON.parse(config));
  const modelAt = performance.now();
  post({ type: 'result', id, model, warning: converted.warning, refused: converted.refused,
    timing: { convertMs: convertedAt - started, modelMs: modelAt - convertedAt, bytes: blob.size } });
  if (FORMATS.includes('folded')) {
    post({ type: 'progress', id, done: 0, total: blob.size, stage: 'folded' });
    const stacks = await convert(blob, configWith(config, { folded: { measure: folded ?? 'cpu' } }), 'folded', undefined, symbols);
    post({ type: 'folded', id, measure: folded ?? 'cpu', text: stacks.output, ms: performance.now() - modelAt });
  }
}

async function exportAs({ id, blob, config, format, folded, symbols }) {
  const cfg = format === 'folded' ? configWith(config, { folded: { measure: folded ?? 'cpu' } }) : config;
  const converted = await convert(blob, cfg, format, undefined, symbols);
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
      post({ type: 'error', id: data.id, request: data.type, code: error instanceof PtmError ? error.code : 'page',
        message: error?.message ?? String(error) });
    }
  });
};
ready.then(() => post({ type: 'ready', formats: [...FORMATS] }),
  (error) => post({ type: 'error', id: 0, request: 'init', code: 'init', message: error.message }));
