import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { TableStream } from './generate';

/** One value in PostgreSQL COPY text format. */
export function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (Buffer.isBuffer(v)) return `\\\\x${v.toString('hex')}`;
  if (Array.isArray(v))
    return escapeText(
      `{${v.map((e) => (typeof e === 'number' ? String(e) : `"${String(e).replace(/[\\"]/g, (m) => `\\${m}`)}"`)).join(',')}}`,
    );
  return escapeText(String(v));
}

function escapeText(s: string): string {
  return s.replace(/[\\\t\n\r]/g, (m) => (m === '\\' ? '\\\\' : m === '\t' ? '\\t' : m === '\n' ? '\\n' : '\\r'));
}

export interface CopyProgress {
  (table: string, rows: number): void;
}

/** COPYs every table stream in order on one connection (the caller owns the transaction). */
export async function copyTables(
  client: pg.Client | pg.PoolClient,
  tables: TableStream[],
  onProgress?: CopyProgress,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of tables) {
    let n = 0;
    const it = t.rows()[Symbol.iterator]();
    const source = Readable.from(
      (function* () {
        let buf: string[] = [];
        for (let r = it.next(); !r.done; r = it.next()) {
          buf.push(r.value.map(copyValue).join('\t'));
          n++;
          if (buf.length === 5000) {
            yield buf.join('\n') + '\n';
            buf = [];
            onProgress?.(t.table, n);
          }
        }
        if (buf.length) yield buf.join('\n') + '\n';
        onProgress?.(t.table, n);
      })(),
      { objectMode: false },
    );
    const sink = client.query(copyFrom(`copy ${t.table} (${t.columns.map((c) => `"${c}"`).join(', ')}) from stdin`));
    await pipeline(source, sink);
    counts[t.table] = n;
  }
  return counts;
}
