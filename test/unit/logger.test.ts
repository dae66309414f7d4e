import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LOG_MAX_STRING, bounded, createLogger } from '../../core/logger';

/** Captures what a logger built like createLogger's writes. */
function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, stream };
}

describe('log lines are bounded', () => {
  it('cuts a client body carried by an error, long fields, long messages and wide objects', async () => {
    const { lines, stream } = capture();
    const log = createLogger('info', 'test', stream);
    const err = Object.assign(new Error(`bad row: ${'x'.repeat(600_000)}`), {
      code: 'CSV_QUOTE_NOT_CLOSED',
      record: ['y'.repeat(600_000)],
      input: 'z'.repeat(600_000),
    });
    log.error(
      { err, body: 'b'.repeat(600_000), rows: Array.from({ length: 10_000 }, (_, i) => ({ i })) },
      `m${'!'.repeat(600_000)}`,
    );
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThan(16 * 1024);
    const parsed = JSON.parse(lines[0]!) as { err: { code: string; message: string }; body: string; msg: string };
    expect(parsed.err.code).toBe('CSV_QUOTE_NOT_CLOSED');
    expect(parsed.err.message.length).toBeLessThan(LOG_MAX_STRING + 40);
    expect(parsed.body.length).toBeLessThan(LOG_MAX_STRING + 40);
    expect(parsed.msg.length).toBeLessThan(LOG_MAX_STRING + 40);
  });

  it('leaves small values as they are', () => {
    expect(bounded({ a: 1, b: 'ok', c: [1, 2], d: { e: null } })).toEqual({ a: 1, b: 'ok', c: [1, 2], d: { e: null } });
  });
});
