/**
 * The ingestion answers (POS and interaction webhooks, file uploads), checked by the API before
 * they leave. The integrations on the other side read them: `rejected` lists every refused row.
 */
import * as z from 'zod/mini';

const count = () => z.int().check(z.nonnegative());

export const rowProblem = z.object({
  kind: z.enum(['order', 'refund', 'interaction']),
  /** Index in the batch (webhook) or the sheet row number (files). */
  row: z.int(),
  ref: z.nullable(z.string()),
  field: z.string(),
  code: z.string(),
  message: z.string(),
});
export type RowProblem = z.infer<typeof rowProblem>;

export const ingestReport = z.object({
  batchId: z.string(),
  replayed: z.boolean(),
  orders: z.object({ accepted: count(), duplicates: count() }),
  refunds: z.object({ accepted: count(), duplicates: count(), waitingForOrder: count() }),
  rejected: z.array(rowProblem),
});
export type IngestReport = z.infer<typeof ingestReport>;

export const interactionReport = z.object({
  batchId: z.string(),
  replayed: z.boolean(),
  interactions: z.object({ accepted: count(), duplicates: count() }),
  rejected: z.array(rowProblem),
});
export type InteractionReport = z.infer<typeof interactionReport>;
