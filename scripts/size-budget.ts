/**
 * First-load JavaScript of the built sidebar, gzipped: the entry script and every chunk the
 * HTML preloads. `npm run size` prints it and fails over the budget; the e2e suite checks it too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const BUDGET_BYTES = 150 * 1024;

export function firstLoadJs(dist = 'dist/sidebar'): { files: { file: string; gzip: number }[]; total: number } {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const refs = [
    ...html.matchAll(/<script[^>]*\ssrc="([^"]+\.js)"|<link[^>]*rel="modulepreload"[^>]*href="([^"]+\.js)"/g),
  ].map((m) => (m[1] ?? m[2])!);
  const files = [...new Set(refs)].map((ref) => ({
    file: ref,
    gzip: gzipSync(readFileSync(join(dist, ref.replace(/^\//, '')))).length,
  }));
  return { files, total: files.reduce((a, f) => a + f.gzip, 0) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = firstLoadJs();
  for (const f of r.files) console.log(`${(f.gzip / 1024).toFixed(1).padStart(7)} KB  ${f.file}`);
  console.log(`first-load JS ${(r.total / 1024).toFixed(1)} KB gzip (budget ${BUDGET_BYTES / 1024} KB)`);
  if (r.total > BUDGET_BYTES) process.exit(1);
}
