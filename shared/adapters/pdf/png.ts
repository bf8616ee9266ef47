/**
 * The image of a scanned page as PNG, for the operator who compares it with the values read from
 * its recognised text (docs: extract-format, "Scans"). pdf.js hands a decoded image as pixels
 * (`kind` 1: 1 bit grey, packed rows, 1 = white; 2: RGB; 3: RGBA); it is scaled down to at most
 * `MAX_WIDTH` pixels wide (box average), kept grey when every pixel is grey, and written as an
 * 8-bit PNG with Node's zlib.
 */
import { crc32, deflateSync } from 'node:zlib';

/** Wide enough to read a ruling's digits on screen, small enough to send in one response. */
export const MAX_WIDTH = 1000;

export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly kind: number;
  readonly data: ArrayLike<number>;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

/** An 8-bit PNG of `channels` (1 grey, 3 RGB) interleaved samples per pixel. */
export function encodePng(width: number, height: number, channels: 1 | 3, pixels: Uint8Array): Uint8Array {
  const row = width * channels;
  const raw = Buffer.alloc((row + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (row + 1)] = 0; // filter: none
    raw.set(pixels.subarray(y * row, (y + 1) * row), y * (row + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 1 ? 0 : 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** The RGB of pixel (x, y) of a decoded image. */
function pixelOf(img: DecodedImage, x: number, y: number): [number, number, number] {
  const { width, kind, data } = img;
  if (kind === 1) {
    const bit = data[y * Math.ceil(width / 8) + (x >> 3)]! & (0x80 >> (x & 7));
    const v = bit ? 255 : 0;
    return [v, v, v];
  }
  const n = kind === 3 ? 4 : 3;
  const at = (y * width + x) * n;
  return [data[at]!, data[at + 1]!, data[at + 2]!];
}

/** The page image as PNG, scaled to at most `maxWidth` wide; undefined for an unknown pixel kind. */
export function pageImagePng(img: DecodedImage, maxWidth = MAX_WIDTH): Uint8Array | undefined {
  if (![1, 2, 3].includes(img.kind) || !(img.width > 0) || !(img.height > 0)) return undefined;
  const factor = Math.max(1, Math.ceil(img.width / maxWidth));
  const w = Math.floor(img.width / factor) || 1;
  const h = Math.floor(img.height / factor) || 1;
  const rgb = new Uint8Array(w * h * 3);
  let grey = true;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let dy = 0; dy < factor; dy++)
        for (let dx = 0; dx < factor; dx++) {
          const p = pixelOf(img, x * factor + dx, y * factor + dy);
          r += p[0];
          g += p[1];
          b += p[2];
        }
      const k = factor * factor;
      const at = (y * w + x) * 3;
      rgb[at] = Math.round(r / k);
      rgb[at + 1] = Math.round(g / k);
      rgb[at + 2] = Math.round(b / k);
      if (rgb[at] !== rgb[at + 1] || rgb[at] !== rgb[at + 2]) grey = false;
    }
  if (!grey) return encodePng(w, h, 3, rgb);
  const g = new Uint8Array(w * h);
  for (let k = 0; k < g.length; k++) g[k] = rgb[k * 3]!;
  return encodePng(w, h, 1, g);
}
