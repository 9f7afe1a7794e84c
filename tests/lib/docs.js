// docs.js: the project's documentation as the tests read it: README.md and
// every Markdown file under docs/ (the reference the README links to), and
// GitHub's anchors of a Markdown text.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root } from './run.js';

/** README.md, then docs/**\/*.md in bytewise order: paths relative to the root. */
export function docFiles() {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) out.push(relative(root, path));
    }
  };
  walk(join(root, 'docs'));
  return ['README.md', ...out.sort()];
}

/** The text of a documentation file (a path from docFiles()). */
export function docText(file) {
  return readFileSync(join(root, file), 'utf8');
}

/** GitHub's anchor of a heading's text: lower case, punctuation but `-` and
 * `_` dropped, each space a `-`. */
export function slug(heading) {
  return heading.trim().toLowerCase().replace(/<[^>]+>/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** The anchors a Markdown text defines: its headings' (outside code blocks;
 * a repeated one gets -1, -2, ...) and its `<a id="...">`s. */
export function anchors(text) {
  const found = new Set();
  const seen = new Map();
  let fence = false;
  for (const line of text.split('\n')) {
    if (/^```/.test(line)) fence = !fence;
    if (fence) continue;
    const heading = /^#{1,6} (.*)$/.exec(line);
    if (heading) {
      const s = slug(heading[1]);
      const n = seen.get(s) ?? 0;
      seen.set(s, n + 1);
      found.add(n ? `${s}-${n}` : s);
    }
    for (const a of line.matchAll(/<a (?:id|name)="([^"]+)"/g)) found.add(a[1]);
  }
  return found;
}
