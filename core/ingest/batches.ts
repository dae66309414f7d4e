/** ingest_batches: what each batch id carried (its content hash) and the report it got. */
import type { Db } from '../db/knex';
import { AppError } from '../errors';

/**
 * The first report of a batch id, when the same content came before; a BATCH_CONFLICT when the
 * id came with other content (batches recorded before content hashes were kept are replays).
 */
export async function priorBatch(
  db: Db,
  corpId: number,
  source: string,
  batchId: string,
  hash: string,
): Promise<unknown> {
  const prior = await db('ingest_batches')
    .where({ corp_id: corpId, source, batch_id: batchId })
    .first<{ report: unknown; content_hash: string | null; received_at: Date } | undefined>(
      'report',
      'content_hash',
      'received_at',
    );
  if (!prior) return null;
  if (prior.content_hash !== null && prior.content_hash !== hash)
    throw new AppError(
      'BATCH_CONFLICT',
      `batch id ${batchId} was already used on ${prior.received_at.toISOString()} with different content; send new rows under a new batch id`,
      { field: 'batchId' },
    );
  return prior.report;
}

/** Records a batch's report; a concurrent twin that got there first wins. */
export async function recordBatch(
  db: Db,
  corpId: number,
  source: string,
  batchId: string,
  hash: string,
  report: { rejected: unknown[] },
  counts: { orders: number; refunds: number } = { orders: 0, refunds: 0 },
): Promise<void> {
  await db('ingest_batches')
    .insert({
      corp_id: corpId,
      source,
      batch_id: batchId,
      orders: counts.orders,
      refunds: counts.refunds,
      rejected: report.rejected.length,
      report: JSON.stringify(report),
      content_hash: hash,
    })
    .onConflict(['corp_id', 'source', 'batch_id'])
    .ignore();
}
