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
