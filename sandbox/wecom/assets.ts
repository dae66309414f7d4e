/**
 * Placeholder images the sandbox serves in place of WeCom's avatar CDN and a brand's product
 * photos, so the demo shows pictures without reaching the internet: a customer's initial on a
 * colour picked from her name, and a product card with its category and style number.
 */
import { crc32, deflateSync } from 'node:zlib';
import express, { type Router } from 'express';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const COLOURS = ['#7a9cc6', '#5bb27a', '#e08a5b', '#b07cc6', '#d4a03c', '#4fa3a5', '#c96b7f', '#6b7fd4'];
const colourOf = (s: string) =>
  COLOURS[[...s].reduce((h, c) => (h * 31 + c.codePointAt(0)!) >>> 0, 7) % COLOURS.length]!;
const text = (v: unknown, max: number) => (typeof v === 'string' ? [...v.trim()].slice(0, max).join('') : '');

/** URL of the avatar placeholder for a customer, on a sandbox at `base`. */
export const avatarUrl = (base: string, name: string) =>
  `${base}/sandbox/assets/avatar.svg?name=${encodeURIComponent(name)}`;

export function assetsRouter(): Router {
  const r = express.Router();
  const svg = (res: express.Response, body: string) =>
    res.type('image/svg+xml').set('Cache-Control', 'public, max-age=86400').send(body);

  r.get('/sandbox/assets/avatar.svg', (req, res) => {
    const name = text(req.query.name, 32) || '客';
    svg(
      res,
      `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96"><rect width="96" height="96" fill="${colourOf(name)}"/><text x="48" y="50" fill="#fff" font-size="44" font-family="PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif" text-anchor="middle" dominant-baseline="central">${esc([...name][0]!)}</text></svg>`,
    );
  });

  r.get('/sandbox/assets/product.svg', (req, res) => {
    const label = text(req.query.label, 8) || '商品';
    const code = text(req.query.code, 24);
    const tint = colourOf(label + code);
    svg(
      res,
      `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 240 240"><rect width="240" height="240" fill="#f2f4f8"/><circle cx="120" cy="108" r="84" fill="${tint}" opacity=".16"/><text x="120" y="110" fill="${tint}" font-size="56" font-weight="600" font-family="PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif" text-anchor="middle" dominant-baseline="central">${esc(label)}</text><text x="120" y="222" fill="#8f959e" font-size="20" font-family="ui-monospace, Menlo, monospace" text-anchor="middle">${esc(code)}</text></svg>`,
    );
  });

  // A script card's cover (news, mini-program): any name, one picture.
  r.get('/sandbox/assets/cover/*name', (_req, res) => {
    svg(
      res,
      `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="240" viewBox="0 0 300 240"><rect width="300" height="240" fill="#e8eefc"/><circle cx="92" cy="82" r="26" fill="#fff"/><path d="M0 240 L96 130 L160 190 L214 140 L300 220 L300 240 Z" fill="#3b7cff" opacity=".35"/><text x="150" y="226" fill="#3b7cff" font-size="16" font-family="PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif" text-anchor="middle">悦享</text></svg>`,
    );
  });
  // A contact way's QR image (WeCom hosts a PNG on its CDN): a placeholder grid seeded by the
  // config id, so the console can show and download it, and the demo can "scan" it by its state.
  r.get('/sandbox/qr/:configId.png', (req, res) => {
    res
      .type('image/png')
      .set('Cache-Control', 'public, max-age=86400')
      .send(qrPng(text(req.params.configId, 64)));
  });
  return r;
}

/** A 21×21 module grid (finder patterns in three corners, the rest seeded by `id`) as a 250 px greyscale PNG. */
function qrPng(id: string): Buffer {
  let h = [...id].reduce((a, c) => (a * 31 + c.codePointAt(0)!) >>> 0, 7);
  const on: boolean[] = [];
  for (let y = 0; y < 21; y++)
    for (let x = 0; x < 21; x++) {
      const finder = (x < 7 && y < 7) || (x > 13 && y < 7) || (x < 7 && y > 13);
      h = (h * 1103515245 + 12345) >>> 0;
      on.push(finder ? Math.max(Math.abs((x % 14) - 3), Math.abs((y % 14) - 3)) !== 2 : (h >>> 16) % 2 === 0);
    }
  const size = 250;
  const raw = Buffer.alloc((size + 1) * size, 0xff);
  for (let y = 0; y < size; y++) {
    raw[y * (size + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const mx = Math.floor((x - 20) / 10);
      const my = Math.floor((y - 20) / 10);
      if (mx >= 0 && mx < 21 && my >= 0 && my < 21 && on[my * 21 + mx]) raw[y * (size + 1) + 1 + x] = 0x11;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
