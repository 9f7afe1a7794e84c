// browser.test.js: the npm package in a real browser. Debian's chromium,
// driven by playwright-core (tests/package.json, installed by
// tools/setup-browser.sh), loads a page from a node http server on
// 127.0.0.1 that imports js/dist/index.js as a module script; the page
// fetches each fixture from the server, converts it in all three formats,
// and the bytes must equal the native ptm's. The page reaches nothing but
// that server. Skipped, saying so, only when /usr/bin/chromium is absent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { chromiumArgs, chromiumPath, chromiumSkip, loadPlaywright } from '../../lib/chromium.js';
import { ptm, statsOf } from '../../lib/run.js';
import { conversionInputs, distDir, requireDist } from '../../lib/npm.js';

const skip = chromiumSkip;
if (skip) console.log(`# browser tests skipped: ${skip}`);

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.ts': 'text/plain' };
const inputs = conversionInputs();

// The page: imports the package the way an application does, and exposes
// one function that converts a fetched fixture in every format.
const page = `<!doctype html>
<meta charset="utf-8">
<title>profiletometrics</title>
<script type="module">
import { init, createConverter, FORMATS, PtmError } from '/pkg/index.js';

// Counts the wasm instances the package makes (init()'s, then one per
// converter: issue 28), and the ones that failed.
const made = { instances: 0, refused: [] };
const Instance = WebAssembly.Instance;
WebAssembly.Instance = class extends Instance {
  constructor(...args) {
    try {
      super(...args);
    } catch (error) {
      made.refused.push(String(error));
      throw error;
    }
    made.instances++;
  }
};
window.instancesMade = () => made;

function base64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

window.convertFixture = async (name) => {
  const input = new Uint8Array(await (await fetch('/fixtures/' + name)).arrayBuffer());
  const converter = createConverter();
  try {
    const results = {};
    for (const format of FORMATS) {
      const { output, stats } = converter.convert(input, { format });
      results[format] = { output: typeof output === 'string' ? output : base64(output), stats };
    }
    return results;
  } finally {
    converter.close();
  }
};

window.convertBad = (text) => {
  const converter = createConverter();
  try {
    converter.convert(new TextEncoder().encode(text));
    return null;
  } catch (error) {
    return { isPtmError: error instanceof PtmError, code: error.code, message: error.message };
  } finally {
    converter.close();
  }
};

window.convertInWorker = (name) => new Promise((resolve, reject) => {
  const worker = new Worker('/worker.js', { type: 'module' });
  worker.onmessage = ({ data }) => { worker.terminate(); resolve(data); };
  worker.onerror = (event) => { worker.terminate(); reject(new Error(event.message)); };
  worker.postMessage(name);
});

await init();
window.ready = true;
</script>
`;

// A module worker that converts one fixture with a converter of its own,
// counting the instances made as the page does.
const worker = `import { init, createConverter } from '/pkg/index.js';
let instances = 0;
const Instance = WebAssembly.Instance;
WebAssembly.Instance = class extends Instance {
  constructor(...args) { super(...args); instances++; }
};
onmessage = async ({ data: name }) => {
  try {
    await init();
    const input = new Uint8Array(await (await fetch('/fixtures/' + name)).arrayBuffer());
    const before = instances;
    const converter = createConverter();
    const { output } = converter.convert(input, { format: 'prom' });
    converter.close();
    postMessage({ output, instances: instances - before });
  } catch (error) {
    postMessage({ error: String(error) });
  }
};
`;

/** Serves the page, js/dist under /pkg/ and the fixtures under /fixtures/ (nothing else). */
function startServer() {
  const files = new Map(inputs.map(({ name, path }) => [`/fixtures/${name}`, path]));
  for (const name of ['index.js', 'index.d.ts', 'ptm.wasm']) files.set(`/pkg/${name}`, join(distDir, name));
  const requests = [];
  const server = createServer((request, response) => {
    const path = new URL(request.url, 'http://127.0.0.1').pathname;
    requests.push(path);
    if (path === '/') return send(response, 200, types['.html'], page);
    if (path === '/worker.js') return send(response, 200, types['.js'], worker);
    const file = files.get(path);
    if (!file) return send(response, 404, 'text/plain', 'not found');
    return send(response, 200, types[extname(file)] ?? 'application/octet-stream', readFileSync(file));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, requests, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

function send(response, status, type, body) {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}

let web; // { server, requests, origin }
let context; // the persistent browser context (its own fresh user data dir)
let userDataDir;
let browserPage;
const outside = []; // requests the page made anywhere but the test server

before(async () => {
  if (skip) return;
  requireDist();
  const { chromium } = loadPlaywright();
  web = await startServer();
  userDataDir = mkdtempSync(join(tmpdir(), 'ptm-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath, headless: true, args: chromiumArgs, timeout: 60_000,
  });
  browserPage = await context.newPage();
  browserPage.on('request', (request) => {
    if (!request.url().startsWith(`${web.origin}/`)) outside.push(request.url());
  });
  const errors = [];
  browserPage.on('pageerror', (error) => errors.push(error.message));
  await browserPage.goto(`${web.origin}/`);
  await browserPage.waitForFunction(() => window.ready === true, null, { timeout: 30_000 })
    .catch((error) => { throw new Error(`the page did not load the package: ${errors.join('; ') || error.message}`); });
});

after(async () => {
  await context?.close();
  web?.server.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

test('the page loads the package and fetches ptm.wasm next to index.js', { skip }, () => {
  assert.ok(web.requests.includes('/pkg/index.js'));
  assert.ok(web.requests.includes('/pkg/ptm.wasm'), 'init() without a source fetched new URL("./ptm.wasm", import.meta.url)');
});

for (const { name, path } of inputs) {
  test(`browser: ${name} in every format gives the native bytes and stats`, { skip }, async () => {
    const results = await browserPage.evaluate((fixture) => window.convertFixture(fixture), name);
    for (const format of ['otlp', 'json', 'prom']) {
      const expected = ptm(['-f', format, '--stats', path]);
      assert.equal(expected.code, 0, expected.stderr);
      const got = results[format];
      if (format === 'otlp') {
        assert.ok(Buffer.from(got.output, 'base64').equals(expected.stdout), `${format}: same bytes`);
      } else {
        assert.ok(Buffer.from(got.output, 'utf8').equals(expected.stdout), `${format}: same bytes`);
      }
      assert.deepEqual(got.stats, statsOf(expected.stderr), `${format}: same stats`);
    }
  });
}

test('browser: bad input throws PtmError with the core\'s message', { skip }, async () => {
  const error = await browserPage.evaluate(() => window.convertBad('garbage'));
  const expected = ptm(['-'], Buffer.from('garbage'));
  assert.equal(expected.code, 1);
  assert.deepEqual(error, { isPtmError: true, code: 'input', message: expected.stderr.trim().replace(/^ptm: /, '') });
});

test('browser: each converter has its own wasm instance, on the page\'s main thread and in a worker (synchronous instantiation is allowed in both), and converts the native bytes (issue 28)', { skip }, async () => {
  const before = await browserPage.evaluate(() => window.instancesMade());
  assert.deepEqual(before.refused, [], 'no synchronous instantiation was refused');
  assert.ok(before.instances >= 1 + inputs.length, `init()'s instance and one per converter: ${before.instances}`);
  const { name, path } = inputs.find((input) => input.name === 'cpu-ebpf.pb');
  await browserPage.evaluate((fixture) => window.convertFixture(fixture), name);
  const after = await browserPage.evaluate(() => window.instancesMade());
  assert.equal(after.instances, before.instances + 1, 'one more converter, one more instance');
  const inWorker = await browserPage.evaluate((fixture) => window.convertInWorker(fixture), name);
  assert.equal(inWorker.error, undefined);
  assert.equal(inWorker.instances, 1, 'the worker\'s converter has its own instance');
  assert.equal(inWorker.output, ptm(['-f', 'prom', path]).stdout.toString());
});

test('browser: the page made no request but to the test server', { skip }, () => {
  assert.deepEqual(outside, []);
  const known = new Set(['/', '/favicon.ico', '/worker.js', '/pkg/index.js', '/pkg/ptm.wasm', ...inputs.map(({ name }) => `/fixtures/${name}`)]);
  assert.deepEqual(web.requests.filter((p) => !known.has(p)), []);
});
