/**
 * File imports (CSV or XLSX, read by `readSheet` with its limits): orders and refunds, or
 * interactions from other systems, through the same ingestion as the webhooks. The batch id is
 * the caller's or the file's hash, so the same file twice changes nothing.
 */
import { createHash } from 'node:crypto';
import type { IngestReport, InteractionReport } from '../contracts/ingest';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { ingestInteractions } from './interaction-import';
import { ingestBatch } from './pos';
import { text } from './rows';
import { INTERACTION_COLUMNS, readSheet, rowsToFacts, rowsToInteractions, sheetLimits, type SheetRow } from './sheet';

export interface Upload {
  body: Buffer;
  contentType: string;
  /** `?batchId=`; absent → `file-<sha256 of the body>`. */
  batchId?: string | undefined;
  requestId?: string;
}

async function open(
  ctx: AppContext,
  corpId: number,
  u: Upload,
  columns?: Record<string, string>,
  required?: { field: string; label: string }[],
): Promise<{ rows: SheetRow[]; tz: string; batchId: string }> {
  if (u.body.length === 0) throw new AppError('VALIDATION_FAILED', 'body: empty file', { field: 'body' });
  if (u.batchId !== undefined && !text(64).safeParse(u.batchId).success)
    throw new AppError('VALIDATION_FAILED', 'batchId: 1–64 printable characters', { field: 'batchId' });
  const rows = await readSheet(u.body, u.contentType, sheetLimits(ctx.cfg), columns, required);
  const corp = await ctx.db('corps').where({ id: corpId }).first<{ timezone: string }>('timezone');
  return {
    rows,
    tz: corp?.timezone ?? 'Asia/Shanghai',
    batchId: u.batchId ?? `file-${createHash('sha256').update(u.body).digest('hex').slice(0, 32)}`,
  };
}

export async function importOrdersFile(ctx: AppContext, corpId: number, u: Upload): Promise<IngestReport> {
  const f = await open(ctx, corpId, u);
  const facts = rowsToFacts(f.rows, f.tz);
  return ingestBatch(
    ctx,
    corpId,
    'file',
    { batchId: f.batchId, orders: facts.orders, refunds: facts.refunds },
    {
      rows: { orders: facts.orderRow, refunds: facts.refundRow },
      problems: facts.problems,
      ...(u.requestId ? { requestId: u.requestId } : {}),
    },
  );
}

export async function importInteractionsFile(ctx: AppContext, corpId: number, u: Upload): Promise<InteractionReport> {
  const f = await open(ctx, corpId, u, INTERACTION_COLUMNS, [
    { field: 'external_id', label: '记录号/external_id' },
    { field: 'kind', label: '类型/kind' },
    { field: 'occurred_at', label: '发生时间/occurred_at' },
    { field: 'guide_userid', label: '导购账号/guide_userid' },
  ]);
  const facts = rowsToInteractions(f.rows, f.tz);
  return ingestInteractions(
    ctx,
    corpId,
    'interaction-file',
    { batchId: f.batchId, interactions: facts.interactions },
    { rows: facts.rows, problems: facts.problems, ...(u.requestId ? { requestId: u.requestId } : {}) },
  );
}
