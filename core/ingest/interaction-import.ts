/**
 * Interactions recorded by other systems — message-archive summaries, calls, store visits — from
 * the signed webhook or a CSV/XLSX upload. Each row names the guide by WeCom userid and the customer
 * by external_userid, member number, unionid or phone; good rows become interactions (evidence
 * `<kind>:<externalId>`, source `import`), bad rows come back in a per-row report, and the external
 * id makes every replay a no-op. The customers who got a new interaction are re-attributed.
 */
import { z } from 'zod';
import type { InteractionReport } from '../contracts/ingest';
import type { AppContext } from '../context';
import type { Db } from '../db/knex';
import { enqueueAttribution, owe } from '../attribution/outbox';
import { priorBatch, recordBatch } from './batches';
import { recordInteractionRows } from './interactions';
import { resolveCustomers } from '../customers/identity';
import { normalizePhone } from './money';
import {
  contentHash,
  issuesToProblems,
  note,
  outsideWindow,
  refOf,
  sanitizeProblems,
  text,
  timeWindow,
  when,
  type RowProblem,
} from './rows';

export const IMPORTED_KINDS = ['archive_message', 'call', 'visit'] as const;
export const IMPORT_SOURCE = 'import';

export const importedInteraction = z
  .object({
    /** The other system's id of the record: with the kind, the idempotency key. */
    externalId: text(64),
    kind: z.enum(IMPORTED_KINDS),
    occurredAt: when,
    /** The guide's WeCom userid. */
    guideUserid: text(64),
    externalUserid: text(64).optional(),
    memberNo: text(32).optional(),
    unionid: text(64).optional(),
    phone: z.string().max(20).optional(),
    /** A message-archive summary, call or visit notes. */
    summary: note(500).optional(),
    durationSeconds: z.number().int().min(0).max(86_400).optional(),
  })
  .superRefine((r, c) => {
    if (!r.externalUserid && !r.memberNo && !r.unionid && !r.phone)
      c.addIssue({
        code: 'custom',
        path: ['externalUserid'],
        message: 'name the customer: externalUserid, memberNo, unionid or phone',
        params: { code: 'missing_customer' },
      });
    if (r.phone !== undefined && normalizePhone(r.phone) === null)
      c.addIssue({ code: 'custom', path: ['phone'], message: 'not a mainland mobile number' });
  });
export type ImportedInteraction = z.infer<typeof importedInteraction>;

export const MAX_BATCH_INTERACTIONS = 1000;

export const interactionEnvelope = z.object({
  batchId: text(64),
  interactions: z.array(z.unknown()).max(MAX_BATCH_INTERACTIONS).default([]),
});

export type { InteractionReport } from '../contracts/ingest';

const evidenceOf = (r: ImportedInteraction) => `${r.kind}:${r.externalId}`;

/** Validates, stores and records a batch; the same batch id with other content is a BATCH_CONFLICT. */
export async function ingestInteractions(
  ctx: AppContext,
  corpId: number,
  source: 'interaction-hook' | 'interaction-file',
  envelope: z.infer<typeof interactionEnvelope>,
  opts: { rows?: number[]; problems?: RowProblem[]; requestId?: string } = {},
): Promise<InteractionReport> {
  const hash = contentHash({ interactions: envelope.interactions, problems: opts.problems ?? [] });
  const prior = await priorBatch(ctx.db, corpId, source, envelope.batchId, hash);
  if (prior) return { ...(prior as InteractionReport), replayed: true };

  const rejected: RowProblem[] = [...(opts.problems ?? [])];
  const window = timeWindow(ctx.cfg);
  const good: { row: number; r: ImportedInteraction }[] = [];
  const firstRow = new Map<string, number>();
  envelope.interactions.forEach((raw, i) => {
    const row = opts.rows?.[i] ?? i;
    const ref = refOf(raw, 'externalId');
    const p = importedInteraction.safeParse(raw);
    if (!p.success) return rejected.push(...issuesToProblems('interaction', row, ref, p.error.issues));
    const outside = outsideWindow(p.data.occurredAt, window);
    if (outside)
      return rejected.push({
        kind: 'interaction',
        row,
        ref,
        field: 'occurredAt',
        code: 'date_out_of_range',
        message: `${p.data.occurredAt} is ${outside}`,
      });
    const first = firstRow.get(evidenceOf(p.data));
    if (first !== undefined)
      return rejected.push({
        kind: 'interaction',
        row,
        ref,
        field: 'externalId',
        code: 'duplicate_in_batch',
        message: `the same ${p.data.kind} id is already at row ${first} of this batch`,
      });
    firstRow.set(evidenceOf(p.data), row);
    good.push({ row, r: p.data });
  });

  const stored = await ctx.db.transaction(async (trx) => {
    const guides = await guidesByUserid(trx, corpId, [...new Set(good.map((g) => g.r.guideUserid))]);
    const customers = await resolveCustomers(
      trx,
      corpId,
      good.map(({ r }, k) => [
        k,
        { externalUserid: r.externalUserid, memberNo: r.memberNo, unionid: r.unionid, phone: r.phone },
      ]),
    );
    const keep: { r: ImportedInteraction; customerId: number }[] = [];
    good.forEach(({ row, r }, k) => {
      const problem = !guides.has(r.guideUserid)
        ? { field: 'guideUserid', code: 'unknown_guide', message: `no guide with WeCom userid ${r.guideUserid}` }
        : !customers.has(k)
          ? {
              field: r.externalUserid ? 'externalUserid' : r.memberNo ? 'memberNo' : r.unionid ? 'unionid' : 'phone',
              code: 'unknown_customer',
              message: 'no customer has this external_userid, member number, unionid or phone',
            }
          : null;
      if (problem) rejected.push({ kind: 'interaction', row, ref: r.externalId, ...problem });
      else keep.push({ r, customerId: customers.get(k)! });
    });
    // Idempotent on the external id alone: a record sent again with a corrected time is a duplicate.
    const known = new Set(
      keep.length
        ? await trx('interactions')
            .where({ corp_id: corpId, source: IMPORT_SOURCE })
            .whereRaw('evidence_id = any(?)', [keep.map(({ r }) => evidenceOf(r))])
            .pluck<string[]>('evidence_id')
        : [],
    );
    const fresh = keep.filter(({ r }) => !known.has(evidenceOf(r)));
    const inserted = await recordInteractionRows(
      trx,
      fresh.map(({ r, customerId }) => ({
        corpId,
        guideId: guides.get(r.guideUserid)!,
        customerId,
        occurredAt: new Date(r.occurredAt),
        kind: r.kind,
        source: IMPORT_SOURCE,
        evidenceId: evidenceOf(r),
        detail: {
          ...(r.summary ? { summary: r.summary } : {}),
          ...(r.durationSeconds !== undefined ? { durationSeconds: r.durationSeconds } : {}),
        },
      })),
      { queued: true },
    );
    return {
      accepted: inserted.length,
      duplicates: keep.length - inserted.length,
      customerIds: [...new Set(inserted.map((x) => x.customerId))].sort((a, b) => a - b),
    };
  });

  rejected.sort((a, b) => a.row - b.row);
  const report: InteractionReport = {
    batchId: envelope.batchId,
    replayed: false,
    interactions: { accepted: stored.accepted, duplicates: stored.duplicates },
    rejected: sanitizeProblems(rejected),
  };
  await recordBatch(ctx.db, corpId, source, envelope.batchId, hash, report);
  // Owed in the facts' transaction (recordInteractionRows); queued now.
  await enqueueAttribution(
    ctx,
    corpId,
    owe('customer', stored.customerIds, { kind: 'interaction', id: null }),
    `interactions batch ${envelope.batchId}`,
    opts.requestId ? { requestId: opts.requestId } : {},
  );
  return report;
}

async function guidesByUserid(db: Db, corpId: number, userids: string[]): Promise<Map<string, number>> {
  if (userids.length === 0) return new Map();
  const rows = await db('guides')
    .where({ corp_id: corpId })
    .whereRaw('userid = any(?)', [userids])
    .select<{ id: number; userid: string }[]>('id', 'userid');
  return new Map(rows.map((g) => [g.userid, g.id]));
}
