// docs.test.js: the documentation's links hold. README.md (what it is, the
// two commands, three quick starts) links into docs/, the reference; every
// relative link of README.md, docs/**/*.md and tests/README.md must name a
// file or folder of the repository, and every #anchor a heading (or an
// <a id>) of the Markdown file it points into, as GitHub renders them. The
// README stays a front page: at most 400 lines, the rest in docs/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { root } from '../lib/run.js';
import { anchors, docFiles, docText } from '../lib/docs.js';

const files = [...docFiles(), join('tests', 'README.md')];

/** The relative links of a Markdown text, outside code blocks and code spans: [text](target). */
function links(text) {
  const out = [];
  let fence = false;
  text.split('\n').forEach((line, i) => {
    if (/^```/.test(line)) fence = !fence;
    if (fence) return;
    for (const m of line.replace(/`[^`]*`/g, '``').matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(m[1])) out.push({ target: m[1], line: i + 1 });
    }
  });
  return out;
}

test('every relative link and anchor of the README, docs/ and tests/README.md resolves', () => {
  const problems = [];
  let count = 0;
  for (const file of files) {
    for (const { target, line } of links(docText(file))) {
      count++;
      const [path, anchor] = target.split('#');
      const dest = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)));
      if (dest.startsWith('..') || !existsSync(join(root, dest))) {
        problems.push(`${file}:${line}: ${target}: no ${dest}`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!dest.endsWith('.md') || statSync(join(root, dest)).isDirectory()) {
        problems.push(`${file}:${line}: ${target}: an anchor into a file that is not Markdown`);
      } else if (!anchors(docText(dest)).has(anchor)) {
        problems.push(`${file}:${line}: ${target}: ${dest} has no heading #${anchor}`);
      }
    }
  }
  assert.ok(count > 100, `links found: ${count}`);
  assert.deepEqual(problems, []);
});

test('the README links every file of docs/ and stays a front page (at most 400 lines)', () => {
  const readme = docText('README.md');
  const linked = new Set(links(readme).map(({ target }) => target.split('#')[0]));
  const missing = docFiles().filter((f) => f !== 'README.md' && !linked.has(f));
  assert.deepEqual(missing, [], 'docs/ files the README does not link');
  const lines = readme.split('\n').length - 1;
  assert.ok(lines <= 400, `README.md has ${lines} lines: move reference text into docs/`);
});
