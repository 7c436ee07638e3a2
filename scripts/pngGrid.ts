/**
 * A grid of generated digits as a greyscale PNG, for reports: `values` holds count × 784 pixels
 * in [-1, 1] (the generator's range), drawn 28 × 28 each, `cols` to a row, white on black as
 * the lab shows them.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export function digitGridPng(values: Float32Array, count: number, cols: number): Uint8Array {
  const rows = Math.ceil(count / cols);
  const width = cols * 28;
  const height = rows * 28;
  // One filter byte (0: none) before each scanline.
  const raw = new Uint8Array(height * (width + 1));
  for (let d = 0; d < count; d++) {
    const x0 = (d % cols) * 28;
    const y0 = Math.floor(d / cols) * 28;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const v = values[d * 784 + y * 28 + x];
        raw[(y0 + y) * (width + 1) + 1 + x0 + x] = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));
      }
    }
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, no interlace
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', new Uint8Array(deflateSync(raw))),
    chunk('IEND', new Uint8Array(0)),
  ];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    png.set(part, offset);
    offset += part.length;
  }
  return png;
}
