/**
 * The page image of a held scan (issue 12): pdf.js's decoded pixels become a PNG that any viewer
 * reads — checked by inflating the PNG's data back to the pixels.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { pageImagePng } from '../../shared/adapters/pdf/png.js';

/** Width, height, colour type and the unfiltered rows of an 8-bit PNG this encoder wrote. */
function decode(png: Uint8Array): { width: number; height: number; colour: number; rows: number[][] } {
  const b = Buffer.from(png);
  assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  const colour = b[25]!;
  const idat = b.indexOf('IDAT');
  const raw = inflateSync(b.subarray(idat + 4, idat + 4 + b.readUInt32BE(idat - 4)));
  const stride = width * (colour === 0 ? 1 : 3) + 1;
  const rows = Array.from({ length: height }, (_, y) => [...raw.subarray(y * stride + 1, (y + 1) * stride)]);
  return { width, height, colour, rows };
}

describe('page image of a scan', () => {
  it('keeps a grey RGB image grey and its pixels', () => {
    const data = Uint8Array.from([10, 10, 10, 200, 200, 200, 30, 30, 30, 250, 250, 250]);
    const d = decode(pageImagePng({ width: 2, height: 2, kind: 2, data })!);
    assert.deepEqual([d.width, d.height, d.colour], [2, 2, 0]);
    assert.deepEqual(d.rows, [
      [10, 200],
      [30, 250],
    ]);
  });

  it('keeps colour, drops alpha, and reads 1-bit images with 1 as white', () => {
    const rgba = Uint8Array.from([255, 0, 0, 128, 0, 0, 255, 255]);
    assert.deepEqual(decode(pageImagePng({ width: 2, height: 1, kind: 3, data: rgba })!).rows, [
      [255, 0, 0, 0, 0, 255],
    ]);
    const bits = Uint8Array.from([0b10100000]);
    assert.deepEqual(decode(pageImagePng({ width: 3, height: 1, kind: 1, data: bits })!).rows, [
      [255, 0, 255],
    ]);
  });

  it('scales a page down to at most 1000 pixels wide by averaging', () => {
    const width = 2480;
    const height = 8;
    const data = new Uint8Array(width * height * 3).fill(255);
    const d = decode(pageImagePng({ width, height, kind: 2, data })!);
    assert.ok(d.width <= 1000 && d.width >= 800, `${d.width}`);
    assert.ok(d.rows.every((r) => r.every((v) => v === 255)));
  });

  it('gives no image for an unknown pixel kind or an empty image', () => {
    assert.equal(pageImagePng({ width: 2, height: 2, kind: 9, data: [] }), undefined);
    assert.equal(pageImagePng({ width: 0, height: 2, kind: 2, data: [] }), undefined);
  });
});
