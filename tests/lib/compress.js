// compress.js: compressed and length-prefixed forms of test inputs, made by
// the real producers: gzip by node's zlib (the zlib library), zstd by the
// zstd command (Debian's zstd package, installed by tools/setup.sh; node 20
// has no zstd), and the collector file exporter's `format: proto` framing
// (each block a 4-byte big-endian length, then the block).
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';

/** bytes as one gzip member. */
export const gzip = (bytes) => gzipSync(bytes);

/** bytes as one zstd frame (the zstd command; args: more of its options). */
export const zstd = (bytes, args = []) => execFileSync('zstd', ['-q', '-c', ...args], { input: bytes, maxBuffer: 1 << 30 });

/** The blocks, each after its 4-byte big-endian length. */
export function lengthPrefixed(...blocks) {
  return Buffer.concat(blocks.flatMap((block) => {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(block.length);
    return [prefix, Buffer.from(block)];
  }));
}

/** What the message of zstd input says in the wasm reactor, which has gzip but no zstd decompressor. */
export const reactorNoCodec = /zstd-compressed (input|block): this build \(the wasm reactor\) has no zstd decompressor/;

/** A zstd skippable frame (magic 0x184D2A50 + nibble, little-endian; its
 * length, little-endian; then content), which zstd -d skips. */
export function skippableFrame(content, nibble = 0) {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(0x184d2a50 + nibble, 0);
  header.writeUInt32LE(content.length, 4);
  return Buffer.concat([header, Buffer.from(content)]);
}

/** bytes through pzstd (the zstd package's parallel zstd), which starts its
 * output with a skippable frame; null when pzstd is not installed. */
export function pzstd(bytes) {
  try {
    return execFileSync('pzstd', ['-q', '-c'], { input: bytes, maxBuffer: 1 << 30 });
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
}
