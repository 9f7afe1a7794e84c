// write-malformed-corpus.js: writes the malformed-input corpus of
// malformed-cases.js (the named cases, then a sample of COUNT of
// cpu-ebpf.pb's truncations) to DIR, one file per case, named by its index
// zero-padded to six digits (so that a listing in name order is the
// corpus's order), for the Go tests of the plugin hosts.
//
//   node tests/lib/write-malformed-corpus.js DIR COUNT
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { namedCases, sampleTruncations } from './malformed-cases.js';

const [dir, count] = process.argv.slice(2);
if (!dir || !(Number(count) > 0)) {
  console.error('usage: node tests/lib/write-malformed-corpus.js DIR COUNT');
  process.exit(2);
}
[...namedCases, ...sampleTruncations(Number(count))].forEach((c, i) => {
  writeFileSync(join(dir, String(i).padStart(6, '0')), c.bytes);
});
