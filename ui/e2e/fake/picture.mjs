// Synthetic photos for the fake API: a tiny PNG encoder and a crude painting of each object in its box,
// so the boxes the UI draws visibly line up with the picture.
import { deflateSync } from 'node:zlib';

export const RGB = {
  sky: [118, 150, 186], road: [70, 74, 82], grass: [88, 120, 72], wall: [150, 132, 110],
  red: [200, 40, 40], blue: [40, 80, 200], white: [235, 235, 235], brown: [120, 80, 45],
  yellow: [220, 190, 40], green: [50, 150, 70], black: [25, 25, 25], skin: [220, 180, 150],
};

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
export function encodePng(width, height, pixel) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      raw[row + 1 + x * 3] = r;
      raw[row + 2 + x * 3] = g;
      raw[row + 3 + x * 3] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A crude picture of each object inside its box, so the boxes visibly match the photo. */
export function paint(scene) {
  const horizon = Math.round(scene.height * 0.55);
  const shapes = scene.objects.map((o) => {
    const [x0, y0, x1, y1] = o.box;
    const col = RGB[o.color];
    const w = x1 - x0;
    const h = y1 - y0;
    if (o.label === 'person') {
      const cx = (x0 + x1) / 2;
      const r = w * 0.22;
      return (x, y) =>
        (x - cx) ** 2 + (y - (y0 + r)) ** 2 < r * r ? RGB.skin
          : x > x0 + w * 0.15 && x < x1 - w * 0.15 && y > y0 + 2 * r && y < y0 + h * 0.65 ? col
          : x > x0 + w * 0.25 && x < x1 - w * 0.25 && y >= y0 + h * 0.65 && y < y1 && Math.abs(x - cx) > w * 0.04 ? RGB.black
          : null;
    }
    if (o.label === 'car') {
      return (x, y) =>
        y > y0 + h * 0.35 && y < y1 - h * 0.12 && x > x0 && x < x1 ? col
          : y >= y0 && y <= y0 + h * 0.35 && x > x0 + w * 0.22 && x < x1 - w * 0.2 ? col.map((c) => c * 0.8)
          : ((x - (x0 + w * 0.22)) ** 2 + (y - (y1 - h * 0.14)) ** 2 < (h * 0.14) ** 2 ||
             (x - (x1 - w * 0.22)) ** 2 + (y - (y1 - h * 0.14)) ** 2 < (h * 0.14) ** 2) ? RGB.black
          : null;
    }
    if (o.label === 'bicycle') {
      const r = h * 0.3;
      const ring = (cx, cy) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) < 5;
      const a = ring(x0 + r, y1 - r);
      const b = ring(x1 - r, y1 - r);
      return (x, y) =>
        a(x, y) || b(x, y) || (Math.abs(y - (y0 + h * 0.35)) < 4 && x > x0 + r && x < x1 - r) ? col : null;
    }
    return (x, y) => {
      // dog: body ellipse and head
      const bx = (x0 + x1) / 2;
      const by = y0 + h * 0.6;
      const body = ((x - bx) / (w * 0.48)) ** 2 + ((y - by) / (h * 0.3)) ** 2 < 1;
      const head = (x - (x0 + w * 0.7)) ** 2 + (y - (y0 + h * 0.2)) ** 2 < (w * 0.22) ** 2;
      return body || head ? col : null;
    };
  });
  return encodePng(scene.width, scene.height, (x, y) => {
    for (let i = shapes.length - 1; i >= 0; i--) {
      const c = shapes[i](x, y);
      if (c) return c.map(Math.round);
    }
    const base = RGB[y < horizon ? scene.top : scene.bottom];
    const shade = y < horizon ? 1 - (y / horizon) * 0.25 : 0.85 + ((y - horizon) / scene.height) * 0.3;
    return base.map((c) => Math.min(255, Math.round(c * shade)));
  });
}
