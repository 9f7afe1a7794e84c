// make-inputs.mjs: writes the hand-made inputs of the fuzzing and regression
// suites, so that they can be regenerated and reviewed as source:
//  - tests/fuzz/request.pb and tests/fuzz/fuzz_request.h (the same bytes as a
//    C array): a small request that touches every stage of the converter
//    (every built-in sample type, one the defaults skip, count × period, the
//    older process.executable.name placement, inlined frames, a mapping-only
//    frame, a repeated frame, label characters that need escaping). fuzz_config
//    converts it under every configuration it accepts.
//  - tests/regression/hand-* and tests/regression/config/hand-*: tricky inputs
//    and configurations written on purpose (the crashers libFuzzer finds are
//    added next to them as crash-*).
// Usage: node tests/fuzz/make-inputs.mjs   (from anywhere; Node 20)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writer, profilesRequest } from '../lib/pb.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const regression = join(root, 'tests', 'regression');
mkdirSync(join(regression, 'config'), { recursive: true });

const strings = ['', 'cpu', 'nanoseconds', 'samples', 'count', 'off_cpu', 'alloc_space', 'bytes',
  'alloc_objects', 'inuse_space', 'contentions', 'process.executable.name', 'thread.name', 'nginx',
  'python3.11', 'idle', 'worker-1', 'main', 'runtime.gcBgMarkWorker', 'handle_request',
  '/usr/lib/x86_64-linux-gnu/libc.so.6', 'service.name', 'v42', 'wall', 'inuse_objects',
  'a"b\\c\nd'];
const s = (text) => strings.indexOf(text);
const dictionary = {
  stringTable: strings,
  attributeTable: [
    {},
    { keyStrindex: s('thread.name'), value: { stringValue: 'worker-1' } },
    { keyStrindex: s('thread.name'), value: { stringValueStrindex: s('idle') } },
    { keyStrindex: s('process.executable.name'), value: { stringValue: 'python3.11' } },
    { keyStrindex: s('thread.name'), value: { stringValue: 'a"b\\c\nd' } },
  ],
  functionTable: [{}, { nameStrindex: s('main') }, { nameStrindex: s('runtime.gcBgMarkWorker') },
    { nameStrindex: s('handle_request') }, { systemNameStrindex: s('python3.11') }],
  mappingTable: [{}, { filenameStrindex: s('/usr/lib/x86_64-linux-gnu/libc.so.6') }],
  locationTable: [{}, { lines: [{ functionIndex: 1 }] },
    { lines: [{ functionIndex: 3 }, { functionIndex: 1 }] }, { lines: [{ functionIndex: 2 }] },
    { mappingIndex: 1, address: 4096 }, { lines: [{ functionIndex: 4 }] }],
  stackTable: [{}, { locationIndices: [1] }, { locationIndices: [2, 1] }, { locationIndices: [3] },
    { locationIndices: [4, 2, 1] }, { locationIndices: [5, 5, 1] }],
};
const time = { timeUnixNano: '1700000000000000000', durationNano: '10000000000' };
const type = (t, u) => ({ typeStrindex: s(t), unitStrindex: s(u) });
const request = {
  resourceProfiles: [
    {
      resource: { attributes: [
        { key: 'service.name', value: { stringValue: 'nginx-svc' } },
        { key: 'process.executable.name', value: { stringValue: 'nginx' } },
        { key: 'process.pid', value: { intValue: '42' } },
        { key: 'build', value: { stringValue: 'v42' } }] },
      scopeProfiles: [{ scope: { name: 'fuzz', version: '1' }, profiles: [
        { sampleType: type('cpu', 'nanoseconds'), ...time, samples: [
          { stackIndex: 2, attributeIndices: [1], values: ['1000000'] },
          { stackIndex: 4, attributeIndices: [2], values: ['500'] },
          { stackIndex: 3, values: ['7'], timestampsUnixNano: ['1700000000000000100'] }] },
        { sampleType: type('samples', 'count'), periodType: type('cpu', 'nanoseconds'), period: '10000000',
          timeUnixNano: '1700000000000000000', samples: [
            { stackIndex: 1, attributeIndices: [1], timestampsUnixNano: ['1700000000000001000', '1700000000000002000'] }] },
        { sampleType: type('off_cpu', 'nanoseconds'), ...time, samples: [
          { stackIndex: 5, values: ['300'], timestampsUnixNano: ['1700000000000001500'] }] },
      ] }],
    },
    {
      scopeProfiles: [{ profiles: [
        { sampleType: type('alloc_space', 'bytes'), ...time, samples: [
          { stackIndex: 2, attributeIndices: [3, 4], values: ['4096'] },
          { stackIndex: 9, values: ['1'] }] },
        { sampleType: type('alloc_objects', 'count'), ...time, samples: [
          { stackIndex: 2, attributeIndices: [3], values: ['2'] }] },
        { sampleType: type('inuse_space', 'bytes'), ...time, samples: [
          { stackIndex: 5, attributeIndices: [3], values: ['65536'] }] },
        { sampleType: type('inuse_objects', 'count'), ...time, samples: [
          { stackIndex: 5, attributeIndices: [3], values: ['3'] }] },
        { sampleType: type('contentions', 'count'), ...time, samples: [
          { stackIndex: 1, attributeIndices: [4], values: ['3'] }] },
        { sampleType: type('wall', 'nanoseconds'), ...time, samples: [
          { stackIndex: 3, attributeIndices: [2], values: ['20', '22'] }] },
      ] }],
    },
  ],
  dictionary,
};
const requestBytes = profilesRequest(request);
writeFileSync(join(root, 'tests', 'fuzz', 'request.pb'), requestBytes);
const hex = [...requestBytes].map((b) => `0x${b.toString(16).padStart(2, '0')}`);
const rows = [];
for (let i = 0; i < hex.length; i += 12) rows.push(`    ${hex.slice(i, i + 12).join(', ')},`);
writeFileSync(join(root, 'tests', 'fuzz', 'fuzz_request.h'), `/* fuzz_request.h: tests/fuzz/request.pb as a C array (${requestBytes.length} bytes).
 * Generated by tests/fuzz/make-inputs.mjs; do not edit. */
static const unsigned char fuzz_request[] = {
${rows.join('\n')}
};
`);

// ---- hand-made regression inputs -------------------------------------------

function write(name, bytes) {
  writeFileSync(join(regression, name), bytes);
}
const pbString = (text) => new TextEncoder().encode(text);
const small = (extra = {}) => ({
  resourceProfiles: [{ scopeProfiles: [{ profiles: [{ sampleType: { typeStrindex: 1, unitStrindex: 2 },
    timeUnixNano: '1000', samples: [{ stackIndex: 1, values: ['5'] }], ...extra }] }] }],
  dictionary: { stringTable: ['', 'cpu', 'nanoseconds', 'main'], functionTable: [{}, { nameStrindex: 3 }],
    locationTable: [{}, { lines: [{ functionIndex: 1 }] }], stackTable: [{}, { locationIndices: [1] }] },
});

// A valid protobuf request whose first ResourceProfiles is 123 bytes long: it
// starts 0x0a 0x7b, "\n{", which looks like JSON after white space.
for (let n = 0; n < 300; n++) {
  const bytes = profilesRequest({ ...small(), resourceProfiles: [{ resource: { attributes: [
    { key: 'service.name', value: { stringValue: 'x'.repeat(n) } }] },
    scopeProfiles: small().resourceProfiles[0].scopeProfiles }] });
  if (bytes[0] === 0x0a && bytes[1] === 0x7b) {
    write('hand-pb-starts-newline-brace.pb', bytes);
    break;
  }
}

// Every index out of its table: stack, attribute, location, function, string,
// mapping, link; negative indices (int32 -1 is ten bytes on the wire).
write('hand-indices-out-of-range.pb', profilesRequest({
  resourceProfiles: [{ resource: { attributes: [{ keyStrindex: 99, value: { stringValueStrindex: 77 } }] },
    scopeProfiles: [{ profiles: [
      { sampleType: { typeStrindex: 1, unitStrindex: 2 }, attributeIndices: [50, -1], samples: [
        { stackIndex: 7, values: ['1'] }, { stackIndex: -1, values: ['1'] },
        { stackIndex: 1, attributeIndices: [9, -3], values: ['1'] },
        { stackIndex: 2, values: ['1'] }, { stackIndex: 3, values: ['1'] }, { stackIndex: 4, values: ['1'] },
        { stackIndex: 1, linkIndex: 12, values: ['1'] }] },
      { sampleType: { typeStrindex: 40, unitStrindex: -2 }, samples: [{ stackIndex: 1, values: ['1'] }] },
      { sampleType: { typeStrindex: 5, unitStrindex: 4 }, periodType: { typeStrindex: 1, unitStrindex: 66 },
        period: '-5', samples: [{ stackIndex: 1, values: ['1'] }] }] }] }],
  dictionary: { stringTable: ['', 'cpu', 'nanoseconds', 'main', 'count', 'samples'],
    functionTable: [{}, { nameStrindex: 30, systemNameStrindex: -4 }],
    mappingTable: [{}, { filenameStrindex: 31 }],
    locationTable: [{}, { lines: [{ functionIndex: 1 }] }, { mappingIndex: 8 }, { lines: [{ functionIndex: 20 }] }],
    attributeTable: [{}, { keyStrindex: 44, value: { stringValueStrindex: 45 } }],
    stackTable: [{}, { locationIndices: [1] }, { locationIndices: [1, 2, 33] }, { locationIndices: [3] },
      { locationIndices: [-1] }] },
}));

// Values at the edges: int64 max twice (sum saturates or is refused), negative,
// count × period past int64, timestamps without values and values/timestamps
// of different lengths, a zero duration.
write('hand-extreme-values.pb', profilesRequest({
  resourceProfiles: [{ scopeProfiles: [{ profiles: [
    { sampleType: { typeStrindex: 1, unitStrindex: 2 }, timeUnixNano: '18446744073709551615', durationNano: '18446744073709551615',
      samples: [{ stackIndex: 1, values: ['9223372036854775807'] }, { stackIndex: 1, values: ['9223372036854775807'] },
        { stackIndex: 1, values: ['-9223372036854775808'] }, { stackIndex: 1, values: ['1', '2', '3'], timestampsUnixNano: ['1'] },
        { stackIndex: 1, timestampsUnixNano: ['18446744073709551615', '0'] }] },
    { sampleType: { typeStrindex: 5, unitStrindex: 4 }, periodType: { typeStrindex: 1, unitStrindex: 2 },
      period: '9223372036854775807', samples: [{ stackIndex: 1, values: ['3'] }, { stackIndex: 1, timestampsUnixNano: ['1', '2'] }] },
    { sampleType: { typeStrindex: 6, unitStrindex: 7 }, timeUnixNano: '5',
      samples: [{ stackIndex: 1, values: ['9223372036854775807'] }, { stackIndex: 1, values: ['9223372036854775807'] }] },
  ] }] }],
  dictionary: { stringTable: ['', 'cpu', 'nanoseconds', 'main', 'count', 'samples', 'alloc_space', 'bytes'],
    functionTable: [{}, { nameStrindex: 3 }], locationTable: [{}, { lines: [{ functionIndex: 1 }] }],
    stackTable: [{}, { locationIndices: [1] }] },
}));

// Names a Prometheus writer must escape or sanitise: quotes, backslashes and
// newlines in label values, an empty attribute key, keys that only differ in
// characters Prometheus replaces (a.b and a_b), a key starting with a digit,
// invalid UTF-8, a NUL byte.
const weird = ['', 'cpu', 'nanoseconds', 'thread.name', 'x"y\\z\n', 'a.b', 'a_b', '9lives', '\u00e9t\u00e9',
  'process.executable.name', 'nul\u0000byte'];
const weirdBytes = new Writer();
for (const text of weird) weirdBytes.string(5, text, true);
weirdBytes.tag(5, 2).rawVarint(3).rawBytes([0xff, 0xfe, 0x80]); // string 11: invalid UTF-8
const weirdDictionary = new Writer()
  .message(3, new Writer()).message(3, new Writer().varint(1, 11))
  .message(2, new Writer()).message(2, new Writer().message(3, new Writer().varint(1, 1)))
  .message(7, new Writer()).message(7, new Writer().packedVarint(1, [1]))
  .rawBytes(weirdBytes.finish())
  .message(6, new Writer())
  .message(6, new Writer().varint(1, 3).message(2, new Writer().string(1, 'x"y\\z\n')))
  .message(6, new Writer().varint(1, 9).message(2, new Writer().varint(8, 11, true)))
  .message(6, new Writer().varint(1, 0).message(2, new Writer().string(1, 'empty key')))
  .message(6, new Writer().varint(1, 5).message(2, new Writer().string(1, 'dot')))
  .message(6, new Writer().varint(1, 6).message(2, new Writer().string(1, 'underscore')))
  .message(6, new Writer().varint(1, 7).message(2, new Writer().varint(8, 10, true)));
const weirdResource = new Writer()
  .message(1, new Writer().string(1, 'a.b').message(2, new Writer().string(1, 'resource dot')))
  .message(1, new Writer().string(1, 'a_b').message(2, new Writer().string(1, 'resource underscore')))
  .message(1, new Writer().string(1, 'thread_name').message(2, new Writer().string(1, 'resource thread_name')))
  .message(1, new Writer().string(1, '').message(2, new Writer().string(1, 'resource empty key')))
  .message(1, new Writer().string(1, 'thread.name').message(2, new Writer().bytesField(1, pbString('t\u00e9'))))
  .message(1, new Writer().string(1, 'bin').message(2, new Writer().bytesField(7, Uint8Array.of(0, 1, 2))))
  .message(1, new Writer().string(1, 'pi').message(2, new Writer().double(4, Math.PI, true)));
const weirdProfile = new Writer().message(1, new Writer().varint(1, 1).varint(2, 2))
  .message(2, new Writer().varint(1, 1).packedVarint(2, [1, 2, 3, 4, 5, 6]).packedVarint(4, [5]))
  .fixed64(3, 1000);
write('hand-names-to-escape.pb', new Writer()
  .message(1, new Writer().message(1, weirdResource).message(2, new Writer().message(2, weirdProfile)))
  .message(2, weirdDictionary).finish());

// Wire-level oddities: a group wire type, a ten-byte varint with the top bit
// set, a length past the end, fields repeated and out of order, an unknown
// field, a packed field sent unpacked.
write('hand-wire-group.pb', Uint8Array.of(0x0b, 0x0c));
write('hand-wire-varint-overlong.pb', Uint8Array.of(0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02));
write('hand-wire-length-past-end.pb', Uint8Array.of(0x0a, 0x05, 0x12, 0x10, 0x00));
write('hand-wire-unknown-fields.pb', new Writer().varint(99, 5).string(77, 'junk').fixed64(88, 1)
  .message(2, new Writer().string(5, '').string(5, 'cpu').varint(123, 1))
  .message(1, new Writer().message(2, new Writer().message(2, new Writer()
    .tag(2, 2).rawVarint(6).rawBytes([0x08, 0x01, 0x20, 0x05, 0x20, 0x06]) // sample: stack 1, values unpacked
    .message(1, new Writer().varint(1, 1).varint(2, 1)))))
  .message(2, new Writer().string(5, 'nanoseconds')) // a second dictionary: merged or last wins
  .finish());
write('hand-empty.pb', new Uint8Array(0));
write('hand-whitespace-only.json', pbString(' \n\t\r\n'));

// JSON: nesting past the AnyValue limit, numbers in every spelling, JSON Lines
// with CRLF, blank lines, a trailing request without newline, and a second
// value after the first on one line.
let nested = { stringValue: 'leaf' };
for (let i = 0; i < 40; i++) nested = { arrayValue: { values: [nested] } };
write('hand-json-deep-anyvalue.json', pbString(JSON.stringify({ resourceProfiles: [{ resource: { attributes: [{ key: 'deep', value: nested }] },
  scopeProfiles: [] }] })));
let deepKv = { stringValue: 'leaf' };
for (let i = 0; i < 31; i++) deepKv = { kvlistValue: { values: [{ key: `k${i}`, value: deepKv }] } };
write('hand-json-deep-kvlist-31.json', pbString(JSON.stringify({ resourceProfiles: [{ resource: { attributes: [{ key: 'deep', value: deepKv }] },
  scopeProfiles: [{ profiles: [{ sampleType: { typeStrindex: 1, unitStrindex: 2 }, samples: [{ stackIndex: 0, values: ['1'] }] }] }] }],
  dictionary: { stringTable: ['', 'cpu', 'nanoseconds'], stackTable: [{}] } })));
write('hand-json-numbers.json', pbString('{"resourceProfiles":[{"scopeProfiles":[{"profiles":[{"sampleType":{"typeStrindex":1.0,"unitStrindex":"2"},'
  + '"timeUnixNano":1e3,"durationNano":"18446744073709551615","period":-0,'
  + '"samples":[{"stackIndex":1,"values":[1.5]},{"stackIndex":1,"values":["9223372036854775808"]},'
  + '{"stackIndex":1,"values":[9007199254740993]},{"stackIndex":1,"values":["0x10"]},{"stackIndex":1,"values":[-1e400]},'
  + '{"stackIndex":"1","values":["  7"]},{"stackIndex":null,"values":[3]},{"stackIndex":2147483648,"values":[1]}]}]}]}],'
  + '"dictionary":{"stringTable":["","cpu","nanoseconds"],"attributeTable":[{"keyStrindex":1,"value":{"doubleValue":"NaN"}},'
  + '{"keyStrindex":1,"value":{"doubleValue":"-Infinity"}},{"keyStrindex":1,"value":{"bytesValue":"_-8="}}],"stackTable":[{},{"locationIndices":[]}]}}'));
write('hand-json-numbers-valid.json', pbString('{"resourceProfiles":[{"scopeProfiles":[{"profiles":[{"sampleType":{"typeStrindex":1,"unitStrindex":"2"},'
  + '"timeUnixNano":"1000","durationNano":"18446744073709551615","period":"0",'
  + '"samples":[{"stackIndex":1,"values":[1]},{"stackIndex":1,"values":["9223372036854775807"]},{"stackIndex":1,"values":[9007199254740991]}]}]}]}],'
  + '"dictionary":{"stringTable":["","cpu","nanoseconds"],"attributeTable":[{"keyStrindex":1,"value":{"doubleValue":"NaN"}},'
  + '{"keyStrindex":1,"value":{"doubleValue":"-Infinity"}},{"keyStrindex":1,"value":{"bytesValue":"_-8"}}],"stackTable":[{},{"locationIndices":[]}]}}'));
const line = JSON.stringify(small());
write('hand-jsonl-crlf-blank.jsonl', pbString(`\r\n${line}\r\n\r\n  \n${line}\r\n${line}`));
write('hand-jsonl-two-values-one-line.jsonl', pbString(`${line} ${line}\n{}{}\n{"resourceProfiles":null}`));
write('hand-jsonl-garbage-after.jsonl', pbString(`${line}\n${line}\nnot json\n`));
write('hand-json-duplicate-keys.json', pbString('{"resourceProfiles":[],"resourceProfiles":[{"scopeProfiles":[]}],"dictionary":{},"dictionary":{"stringTable":["a"]}}'));
write('hand-json-unicode-escapes.json', pbString('{"resourceProfiles":[{"resource":{"attributes":[{"key":"\\u0000k\\ud800","value":{"stringValue":"\\udfff\\u00e9\\n\\""}}]},'
  + '"scopeProfiles":[{"profiles":[{"sampleType":{"typeStrindex":1,"unitStrindex":2},"samples":[{"stackIndex":1,"attributeIndices":[1],"values":["1"]}]}]}]}],'
  + '"dictionary":{"stringTable":["","cpu","nanoseconds","\\ud83d\\ude00 f\\u0000n","thread.name"],"functionTable":[{},{"nameStrindex":3}],'
  + '"locationTable":[{},{"lines":[{"functionIndex":1}]}],"stackTable":[{},{"locationIndices":[1]}],'
  + '"attributeTable":[{},{"keyStrindex":4,"value":{"stringValueStrindex":3}}]}}'));
write('hand-json-unicode-valid.json', pbString('{"resourceProfiles":[{"resource":{"attributes":[{"key":"\\u0000k\\u00e9","value":{"stringValue":"\\ud83d\\ude00\\u00e9\\n\\"\\u0000"}}]},'
  + '"scopeProfiles":[{"profiles":[{"sampleType":{"typeStrindex":1,"unitStrindex":2},"samples":[{"stackIndex":1,"attributeIndices":[1],"values":["1"]}]}]}]}],'
  + '"dictionary":{"stringTable":["","cpu","nanoseconds","\\ud83d\\ude00 f\\u0000n\\u2028","thread.name"],"functionTable":[{},{"nameStrindex":3}],'
  + '"locationTable":[{},{"lines":[{"functionIndex":1}]}],"stackTable":[{},{"locationIndices":[1]}],'
  + '"attributeTable":[{},{"keyStrindex":4,"value":{"stringValueStrindex":3}}]}}'));
// ---- hand-made regression configurations (tests/regression/config/) --------
// Each is given with -c to tests/fuzz/request.pb and a fixture.
const configs = {
  // Keys and values quoted in messages: a newline in them must not break the
  // one-line message.
  'hand-newline-in-key.json': '{"a\\nb":1}',
  'hand-newline-in-unit.json': '{"metrics":{"cpu":{"unit":"x\\r\\ny"}}}',
  'hand-empty-attribute-key.json': '{"attributes":[{"key":"","value":"(\\\\w+)","type":"regex"}]}',
  // Metric names Prometheus must sanitise (digit first, space, newline, é,
  // colons) and a custom unit with quotes.
  'hand-odd-metric-names.json': '{"metrics":{"memory":{"metric_name":"9 bad name\\n\\u00e9"}},'
    + '"sample_types":[{"type":"contentions","unit":"count","metric_name":"::x","metric_unit":"{\\"q\\"}"}]}',
  // A pattern that lowers its own PCRE2 match limit: the conversion fails with
  // the limit error naming the pattern (exit 1), found by fuzz_config.
  'hand-regex-limit-match.json': '{"attributes":[{"key":"v","value":"(*LIMIT_MATCH=1)(?<v>v\\\\d+)","type":"regex"}]}',
  // Backtracking that hits the match limit on the request's strings.
  'hand-regex-backtracking.json': '{"pattern_filter":{"exclude_patterns":["^(\\\\w+\\\\s?)*$"]},'
    + '"attributes":[{"key":"slow","value":"(a|aa)+$|(.*)*x","type":"regex"}]}',
};
for (const [name, text] of Object.entries(configs)) writeFileSync(join(regression, 'config', name), text);

console.log(`request.pb: ${requestBytes.length} bytes; regression inputs written to ${regression}`);
