// Writes public/favicon.ico (16 and 32 px): a white key on the portal's dark slate, drawn per pixel so no image tool is needed.
// Run: node --import tsx scripts/make-favicon.ts
import fs from "node:fs";

type Rgba = [number, number, number, number];
const SLATE: Rgba = [15, 23, 42, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const CLEAR: Rgba = [0, 0, 0, 0];

/** The colour at (x, y) in a unit square: rounded background, a key ring on the left and its shaft with two teeth. */
function pixel(x: number, y: number): Rgba {
  const corner = 0.2;
  const cx = Math.min(Math.max(x, corner), 1 - corner);
  const cy = Math.min(Math.max(y, corner), 1 - corner);
  if (Math.hypot(x - cx, y - cy) > corner) return CLEAR;
  const ring = Math.hypot(x - 0.32, y - 0.5);
  if (ring <= 0.2 && ring >= 0.09) return WHITE;
  const shaft = x >= 0.48 && x <= 0.86 && y >= 0.44 && y <= 0.56;
  const teeth = y > 0.56 && y <= 0.7 && ((x >= 0.64 && x <= 0.72) || (x >= 0.78 && x <= 0.86));
  return shaft || teeth ? WHITE : SLATE;
}

/** One ICO image: a 32-bit BMP without file header, rows bottom-up, height doubled for the (empty) AND mask. */
function bitmap(size: number): Buffer {
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0);
  header.writeInt32LE(size, 4);
  header.writeInt32LE(size * 2, 8);
  header.writeUInt16LE(1, 12);
  header.writeUInt16LE(32, 14);
  const pixels = Buffer.alloc(size * size * 4);
  for (let row = 0; row < size; row++)
    for (let col = 0; col < size; col++) {
      const [r, g, b, a] = pixel((col + 0.5) / size, (row + 0.5) / size);
      pixels.set([b, g, r, a], ((size - 1 - row) * size + col) * 4);
    }
  const maskRow = Math.ceil(size / 32) * 4;
  return Buffer.concat([header, pixels, Buffer.alloc(maskRow * size)]);
}

const images = [16, 32].map((size) => ({ size, data: bitmap(size) }));
const directory = Buffer.alloc(6 + 16 * images.length);
directory.writeUInt16LE(1, 2);
directory.writeUInt16LE(images.length, 4);
let offset = directory.length;
images.forEach(({ size, data }, index) => {
  const entry = 6 + 16 * index;
  directory.writeUInt8(size, entry);
  directory.writeUInt8(size, entry + 1);
  directory.writeUInt16LE(1, entry + 4);
  directory.writeUInt16LE(32, entry + 6);
  directory.writeUInt32LE(data.length, entry + 8);
  directory.writeUInt32LE(offset, entry + 12);
  offset += data.length;
});
fs.mkdirSync("public", { recursive: true });
fs.writeFileSync("public/favicon.ico", Buffer.concat([directory, ...images.map((image) => image.data)]));
