#!/usr/bin/env node
// cli.js: `npx profiletometrics`, the native ptm command (cli/cli.c) over the
// npm package's wasm core: the same flags, exit codes (0 ok; 1 invalid input
// or over a limit; 2 usage, config or unreadable file; 3 out of memory or a
// failed write; 4 some requests refused, the others converted and written;
// 5 over max_memory_bytes),
// one-line "ptm: " messages and --stats object.
import { closeSync, fstatSync, openSync, readFileSync, readdirSync, readSync, statSync, writeSync } from 'node:fs';
import { init, createConverter, FORMATS, INPUT_FORMATS, PtmError } from './index.js';

const EXIT_INPUT = 1;
const EXIT_USAGE = 2;
const EXIT_RESOURCES = 3;
const EXIT_REFUSED = 4;
const EXIT_MEMORY_LIMIT = 5;

const usage = `usage: profiletometrics [-c CONFIG] [-i auto|otlp|json|pprof] [-f otlp|json|prom|folded | --top [N]] [-o OUT] [--stats] [INPUT...]
  Converts profiles (OTLP protobuf, OTLP/JSON or JSON Lines, pprof; gzip or zstd) to OTLP metrics.
  -c FILE    configuration (JSON, or YAML: the collector connector's block); defaults apply without it
  -i FORMAT  the input: auto (told by its first bytes, default), otlp, json or pprof
  -f FORMAT  otlp (protobuf, default; not to a terminal), json (OTLP/JSON lines), prom (Prometheus text)
             or folded (collapsed stacks of the kept samples, for flame graphs)
  --top [N]  a summary to read instead of metrics: totals, and the top N (10) processes, threads
             and functions (self and inclusive) of the folded measure (cpu unless configured)
  -o FILE    write to FILE instead of stdout
  --stats    print the conversion's counts as one JSON object on stderr
  INPUT...   request files, and directories (their files, in sorted order), converted as one;
             stdin when absent or "-" (not a terminal)
  -h, --help this text; --version the version
`;

// glibc's strerror() texts for what reading and writing files can meet, so
// messages read as the native command's.
const STRERROR = {
  ENOENT: 'No such file or directory', EACCES: 'Permission denied', EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory', EPERM: 'Operation not permitted', EIO: 'Input/output error',
  ENOMEM: 'Cannot allocate memory', ENOSPC: 'No space left on device', EPIPE: 'Broken pipe',
  EROFS: 'Read-only file system', ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long', EMFILE: 'Too many open files', EFBIG: 'File too large',
};

/** An error that ends the command: its exit code and its one-line message ('': none). */
class Exit extends Error {
  constructor(code, message) {
    super(message);
    this.exitCode = code;
  }
}

const strerror = (error) => STRERROR[error.code] ?? error.code ?? error.message;
const resourceCode = (error) => (error.code === 'ENOMEM' ? EXIT_RESOURCES : EXIT_USAGE);
// ptm reports any failed read (after a successful open) as EIO, or ENOMEM.
const readError = (error) => ({ code: error.code === 'ENOMEM' ? 'ENOMEM' : 'EIO' });

function parseFormat(text) {
  if (FORMATS.includes(text) && text !== 'top') return text;
  throw new Exit(EXIT_USAGE, `unknown format "${text}" (otlp, json, prom or folded)`);
}

function parseInputFormat(text) {
  if (INPUT_FORMATS.includes(text)) return text;
  throw new Exit(EXIT_USAGE, `unknown input format "${text}" (auto, otlp, json or pprof)`);
}

/** The options, or null when --help or --version was answered. */
function parseArguments(args) {
  const options = { format: 'otlp', input: 'auto', stats: false, inputs: [] };
  let formatGiven = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') continue; // ignored, as by the native CLI
    if (arg === '-' || arg[0] !== '-') {
      options.inputs.push(arg);
      continue;
    }
    const takesValue = arg === '-c' || arg === '-f' || arg === '-o' || arg === '-i';
    if (takesValue && i + 1 >= args.length) throw new Exit(EXIT_USAGE, `${arg} needs a value (see ptm --help)`);
    if (arg === '-h' || arg === '--help') {
      process.stdout.write(usage);
      return null;
    }
    if (arg === '--version') {
      process.stdout.write(`profiletometrics ${packageVersion()}\n`);
      return null;
    }
    if (arg === '-c') options.configPath = args[++i];
    else if (arg === '-o') options.outputPath = args[++i];
    else if (arg === '-f') {
      options.format = parseFormat(args[++i]);
      formatGiven = true;
    } else if (arg === '--top') {
      options.top = 10;
      if (/^[0-9]/.test(args[i + 1] ?? '')) {
        const count = args[++i];
        if (!/^[0-9]+$/.test(count) || Number(count) < 1 || Number(count) > 1000) throw new Exit(EXIT_USAGE, `--top ${count}: the count is a number from 1 to 1000`);
        options.top = Number(count);
      }
    }
    else if (arg === '-i') options.input = parseInputFormat(args[++i]);
    else if (arg === '--stats') options.stats = true;
    else throw new Exit(EXIT_USAGE, `unknown option ${arg} (see ptm --help)`);
  }
  if (options.top !== undefined && formatGiven) throw new Exit(EXIT_USAGE, '--top and -f do not go together (--top writes its own text)');
  if (options.top !== undefined) options.format = 'top';
  return checkTerminals(options);
}

/** As ptm: no binary output to a terminal, no input read from one (the
 * usage instead); returns the options, or null after printing the usage. */
function checkTerminals(options) {
  if (options.outputPath === undefined && options.format === 'otlp' && process.stdout.isTTY) {
    throw new Exit(EXIT_USAGE, 'not writing binary protobuf to a terminal: use -f prom (or json, folded), --top, or -o FILE');
  }
  if ((options.inputs.length === 0 || options.inputs.includes('-')) && process.stdin.isTTY) {
    process.stderr.write(usage);
    throw new Exit(EXIT_USAGE, '');
  }
  return options;
}

function packageVersion() {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
}

async function readStdin() {
  const chunks = [];
  try {
    for await (const chunk of process.stdin) chunks.push(chunk);
  } catch (error) {
    throw new Exit(resourceCode(error), `cannot read stdin: ${strerror(readError(error))}`);
  }
  return Buffer.concat(chunks);
}

/** A whole file; "cannot open" and "cannot read" apart, as fopen()/fread() are. */
async function readInput(path, what) {
  if (path === undefined || path === '-') return readStdin();
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new Exit(EXIT_USAGE, `cannot open ${what} ${path}: ${strerror(error)}`);
  }
  try {
    if (fstatSync(fd).isDirectory()) throw new Exit(EXIT_USAGE, `cannot read ${what} ${path}: it is a directory`);
    return readFileSync(fd);
  } catch (error) {
    if (error instanceof Exit) throw error;
    throw new Exit(resourceCode(error), `cannot read ${what} ${path}: ${strerror(readError(error))}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether an input starting with these bytes (its first piece) is one the
 * converter unpacks, as ptm's unpacked_input(): compressed (gzip 1f, zstd
 * 28) or length-prefixed (00, then a length that is not 0). There a limit
 * is passed by what comes out of it, not by what was read, and the
 * converter's own message (from finish()) says which.
 */
function unpackedInput(first) {
  return first[0] === 0x1f || first[0] === 0x28 ||
    (first.length >= 4 && first[0] === 0x00 && (first[1] | first[2] | first[3]) !== 0);
}

/** The piece size the input is read and fed in, as ptm's READ_CHUNK. */
const READ_CHUNK = 1 << 20;

/**
 * Feeds the input (a file, or stdin when path is absent or "-") to the
 * converter's stream in pieces, as ptm does: the input is never held whole
 * here. Returns when it was read to its end or the stream failed (finish()
 * reports that); throws an Exit when it cannot be read, or when what the
 * converter holds passes max_input_bytes (reading stops there).
 */
async function feedInput(converter, path, { input, stacks, several }) {
  const stdin = path === undefined || path === '-';
  const name = stdin ? 'stdin' : path;
  let regularSize;
  let unpacked; // whether the converter unpacks the input (see unpackedInput)
  const feed = (piece) => {
    if (unpacked === undefined && piece.length > 0) unpacked = unpackedInput(piece);
    try {
      converter.feed(piece);
      return true;
    } catch (error) {
      if (!(error instanceof PtmError)) throw error;
      if (error.code !== 'limit' || unpacked) return false; // finish() reports it
      const limit = converter.maxInputBytes;
      throw new Exit(EXIT_INPUT, regularSize !== undefined && regularSize > limit
        ? `input: ${regularSize} bytes is more than max_input_bytes (${limit})`
        : `input: ${name} is more than max_input_bytes (${limit}); stopped reading there`);
    }
  };
  const start = (size) => (several ? converter.nextInput(name, size === undefined ? {} : { size }) : converter.begin(size === undefined ? { input, stacks } : { size, input, stacks }));
  if (stdin) {
    start();
    try {
      for await (const chunk of process.stdin) if (!feed(chunk)) return;
    } catch (error) {
      if (error instanceof Exit) throw error;
      throw new Exit(resourceCode(error), `cannot read stdin: ${strerror(readError(error))}`);
    }
    return;
  }
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new Exit(EXIT_USAGE, `cannot open input ${path}: ${strerror(error)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new Exit(EXIT_USAGE, `cannot read input ${path}: it is a directory`);
    if (stat.isFile()) regularSize = stat.size;
    start(regularSize);
    const buffer = Buffer.alloc(READ_CHUNK);
    for (let got; (got = readSync(fd, buffer, 0, READ_CHUNK, null)) > 0;) {
      if (!feed(buffer.subarray(0, got))) return;
    }
  } catch (error) {
    if (error instanceof Exit) throw error;
    throw new Exit(resourceCode(error), `cannot read input ${path}: ${strerror(readError(error))}`);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd, data) {
  for (let done = 0; done < data.length;) done += writeSync(fd, data, done);
}

async function writeOutput(path, data) {
  if (path === undefined) return writeStdout(data);
  let fd;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw new Exit(EXIT_RESOURCES, `cannot write output ${path}: ${strerror(error)}`);
  }
  try {
    writeAll(fd, data);
    closeSync(fd);
  } catch (error) {
    throw new Exit(EXIT_RESOURCES, `cannot write output: ${strerror(error)}`);
  }
}

/** Writes to stdout; a failed write (ENOSPC) is "cannot write output", exit 3; a
 * reader that closed the pipe (EPIPE) ends the run quietly, exit 3, as ptm does.
 * The error listener stays: the stream may emit the error after the write's
 * callback, and an unhandled 'error' event would end the process with a trace. */
function writeStdout(data) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const failed = (error) => {
      if (settled) return;
      settled = true;
      reject(error.code === 'EPIPE' ? new Exit(EXIT_RESOURCES, '') : new Exit(EXIT_RESOURCES, `cannot write output: ${strerror(error)}`));
    };
    process.stdout.on('error', failed);
    process.stdout.write(data, (error) => {
      if (error) failed(error);
      else if (!settled) {
        settled = true;
        resolve();
      }
    });
  });
}

/** Names each refused request on stderr, as ptm does; the exit code that says some were. */
function reportRefused({ refused, stats }) {
  for (const message of refused) process.stderr.write(`ptm: ${message}\n`);
  const unnamed = stats.requests_invalid - refused.length;
  if (unnamed > 0) process.stderr.write(`ptm: input: ${unnamed} more requests refused\n`);
  process.stderr.write(`ptm: input: ${stats.requests_invalid} of ${stats.requests_invalid + stats.requests} ` +
    'requests refused; the others were converted\n');
  return EXIT_REFUSED;
}

function exitCodeOf(error) {
  if (error.code === 'input' || error.code === 'limit') return EXIT_INPUT;
  if (error.code === 'config' || error.code === 'argument') return EXIT_USAGE;
  if (error.code === 'memory_limit') return EXIT_MEMORY_LIMIT;
  return EXIT_RESOURCES;
}

/**
 * The inputs, as ptm lists them: each INPUT as it is ("-": stdin), a
 * directory as its regular files not starting with '.', sorted bytewise;
 * none: stdin. several: more than one INPUT, or a directory. A directory
 * that cannot be read is reported and counted.
 */
function expandInputs(inputs) {
  const list = { paths: [], several: inputs.length > 1, unreadable: 0, fed: 0, unreadableCode: undefined };
  for (const path of inputs) {
    let isDirectory = false;
    try {
      isDirectory = path !== '-' && statSync(path).isDirectory();
    } catch {
      // not there: opening it says so
    }
    if (!isDirectory) {
      list.paths.push(path);
      continue;
    }
    list.several = true;
    let names;
    try {
      names = readdirSync(path);
    } catch (error) {
      process.stderr.write(`ptm: cannot open input directory ${path}: ${strerror(error)}\n`);
      list.unreadableCode ??= EXIT_USAGE;
      list.unreadable++;
      continue;
    }
    const files = names.filter((n) => !n.startsWith('.')).map((n) => (path.endsWith('/') ? `${path}${n}` : `${path}/${n}`))
      .filter((p) => { try { return statSync(p).isFile(); } catch { return false; } });
    list.paths.push(...files.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  }
  if (inputs.length === 0) list.paths.push('-');
  return list;
}

/** Converts with one converter, the input fed in pieces; --stats prints
 * after the output or the error, as ptm does (not when the input could not
 * be read whole or passed max_input_bytes). */
async function convert(options, config) {
  let converter;
  try {
    converter = createConverter(config);
  } catch (error) {
    throw error instanceof PtmError ? new Exit(exitCodeOf(error), error.message) : error;
  }
  let stats;
  let code = 0;
  const list = expandInputs(options.inputs);
  const stacks = options.format === 'folded' || options.format === 'top';
  try {
    if (list.several) converter.begin({ input: options.input, stacks });
    for (const path of list.paths) {
      try {
        await feedInput(converter, path, { input: options.input, stacks, several: list.several });
        list.fed++;
      } catch (error) {
        if (!(error instanceof Exit) || !list.several || error.exitCode === EXIT_RESOURCES) throw error;
        process.stderr.write(`ptm: ${error.message}\n`);
        list.unreadableCode ??= error.exitCode;
        list.unreadable++;
      }
    }
    if (list.unreadable > 0 && list.fed === 0) throw new Exit(list.unreadableCode, '');
  } catch (error) {
    converter.close();
    throw error;
  }
  try {
    const result = converter.finish({ format: options.format, bytes: true, top: options.top });
    stats = result.stats;
    if (result.warning) process.stderr.write(`ptm: ${result.warning}\n`);
    await writeOutput(options.outputPath, result.output);
    if (stats.requests_invalid > 0) code = reportRefused(result);
    if (list.unreadable > 0) {
      process.stderr.write(`ptm: input: ${list.unreadable} of ${list.unreadable + list.fed} inputs could not be read; the others were converted\n`);
      code = EXIT_REFUSED;
    }
  } catch (error) {
    if (!(error instanceof PtmError || error instanceof Exit)) throw error;
    stats ??= error.stats;
    if (error.message !== '') process.stderr.write(`ptm: ${error.message}\n`);
    code = error instanceof Exit ? error.exitCode : exitCodeOf(error);
  } finally {
    converter.close();
  }
  if (options.stats) process.stderr.write(`${JSON.stringify(stats)}\n`);
  return code;
}

async function main(args) {
  await init(); // before the arguments: the format names are the module's (FORMATS, INPUT_FORMATS)
  try {
    const options = parseArguments(args);
    if (options === null) return 0;
    const config = options.configPath === undefined ? undefined : await readInput(options.configPath, 'config');
    return await convert(options, config);
  } catch (error) {
    if (!(error instanceof Exit)) throw error;
    if (error.message !== '') process.stderr.write(`ptm: ${error.message}\n`);
    return error.exitCode;
  }
}

process.exitCode = await main(process.argv.slice(2));
