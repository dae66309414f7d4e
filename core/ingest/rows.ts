/**
 * What every ingestion path shares: text fields a database can store as given, business times
 * within a sane window, per-row problems, and the content hash that tells a replay from a reused
 * batch id.
 */
import { createHash } from 'node:crypto';
import { canonical } from '../attribution/ledger';
import { z } from 'zod';
import type { RowProblem } from '../contracts/ingest';

const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const FORMULA = /^[=+@]/;
const CONTROL_ALL = new RegExp(CONTROL.source, 'g');
const LONE_SURROGATE_ALL = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * An identifier or short text: no control characters (PostgreSQL refuses NUL outright, the rest
 * break exports), no lone UTF-16 surrogates (UTF-8 cannot carry them: the database would store
 * U+FFFD and the row would no longer match what was sent), and no leading `=`, `+` or `@` (a
 * spreadsheet formula, never a real id — and a formula injection in the exports).
 */
export const text = (max: number, opts: { formula?: boolean } = {}) =>
  z
    .string()
    .min(1)
    .max(max)
    .superRefine((s, c) => {
      if (CONTROL.test(s))
        c.addIssue({ code: 'custom', message: 'contains a control character', params: { code: 'control_character' } });
      else if (LONE_SURROGATE.test(s))
        c.addIssue({
          code: 'custom',
          message: 'contains a lone UTF-16 surrogate (not valid Unicode)',
          params: { code: 'invalid_unicode' },
        });
      else if (!opts.formula && FORMULA.test(s))
        c.addIssue({
          code: 'custom',
          message: 'starts with =, + or @ (a spreadsheet formula)',
          params: { code: 'formula' },
        });
    });

/** Free text (notes, summaries): line breaks and tabs allowed, other control characters and lone surrogates not. */
export const note = (max: number) =>
  z
    .string()
    .max(max)
    .superRefine((s, c) => {
      if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s))
        c.addIssue({ code: 'custom', message: 'contains a control character', params: { code: 'control_character' } });
      else if (LONE_SURROGATE.test(s))
        c.addIssue({
          code: 'custom',
          message: 'contains a lone UTF-16 surrogate (not valid Unicode)',
          params: { code: 'invalid_unicode' },
        });
    });

/** ISO 8601 with an offset. The window is checked per batch (see `TimeWindow`). */
export const when = z.iso.datetime({ offset: true });

export interface TimeWindow {
  from: Date;
  to: Date;
}

/** From `oldestDays` back to `newestDays` ahead of now (INGEST_OLDEST_DAYS / INGEST_NEWEST_DAYS). */
export function timeWindow(
  cfg: { INGEST_OLDEST_DAYS: number; INGEST_NEWEST_DAYS: number },
  now = new Date(),
): TimeWindow {
  const day = 86_400_000;
  return {
    from: new Date(now.getTime() - cfg.INGEST_OLDEST_DAYS * day),
    to: new Date(now.getTime() + cfg.INGEST_NEWEST_DAYS * day),
  };
}

/** Null when the time is in the window, else why not. */
export function outsideWindow(iso: string, w: TimeWindow): string | null {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'not a calendar date';
  if (t < w.from.getTime()) return `before ${w.from.toISOString()} (INGEST_OLDEST_DAYS)`;
  if (t > w.to.getTime()) return `after ${w.to.toISOString()} (INGEST_NEWEST_DAYS)`;
  return null;
}

export type { RowProblem } from '../contracts/ingest';

/** The problems of a failed zod parse, at most `max` per row. */
export function issuesToProblems(
  kind: RowProblem['kind'],
  row: number,
  ref: string | null,
  issues: z.core.$ZodIssue[],
  max = 5,
): RowProblem[] {
  return issues.slice(0, max).map((issue) => ({
    kind,
    row,
    ref,
    field: issue.path.join('.') || '(row)',
    code:
      issue.code === 'custom' && typeof issue.params?.code === 'string' ? (issue.params.code as string) : issue.code,
    message: issue.message,
  }));
}

/** A row's reference for the report, whatever was sent: a short string. */
export function refOf(r: unknown, key: string): string | null {
  if (!r || typeof r !== 'object' || !(key in r)) return null;
  const v = (r as Record<string, unknown>)[key];
  return v === null || v === undefined ? null : printable(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
}

/**
 * Text safe to echo in a report and to store in jsonb (which refuses NUL and lone surrogates):
 * those become U+FFFD, other control characters too, and it is cut at `max` characters.
 */
export function printable(s: string, max = 80): string {
  const clean = s.replace(CONTROL_ALL, '\ufffd').replace(LONE_SURROGATE_ALL, '\ufffd');
  // By code point, so a cut never splits a surrogate pair.
  const chars = Array.from(clean);
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : clean;
}

export function sanitizeProblems(problems: RowProblem[]): RowProblem[] {
  return problems.map((p) => ({
    ...p,
    ref: p.ref === null ? null : printable(p.ref),
    field: printable(p.field, 120),
    message: printable(p.message, 300),
  }));
}

/** The same content hashes the same whatever the sender's key order (canonical JSON). */
export const contentHash = (v: unknown) => createHash('sha256').update(canonical(v)).digest('hex');
