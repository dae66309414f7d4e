import { z } from 'zod';
import type { Db } from '../db/knex';

/** Every manual finance action: a plan change, an adjustment, a review, a close, a dispute decision. */
export interface AuditEntry {
  corpId: number;
  actor: string;
  action: string;
  entity: string;
  entityId: string | number | null;
  /** Always carries `why` (the person's reason) where the action takes one. */
  detail: Record<string, unknown>;
  requestId?: string | undefined;
}

export async function recordAudit(db: Db, e: AuditEntry): Promise<void> {
  await db('audit_log').insert({
    corp_id: e.corpId,
    actor: e.actor,
    action: e.action,
    entity: e.entity,
    entity_id: e.entityId === null ? null : String(e.entityId),
    detail: JSON.stringify(e.detail),
    request_id: e.requestId ?? null,
  });
}

export const auditView = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditView = z.infer<typeof auditView>;

/** The audit log, newest first; optionally one entity kind (e.g. 'commission_period'). */
export async function listAudit(
  db: Db,
  corpId: number,
  opts: { entity?: string | undefined; limit: number; beforeId?: number | undefined },
): Promise<AuditView[]> {
  const q = db('audit_log').where({ corp_id: corpId }).orderBy('id', 'desc').limit(opts.limit).select<
    {
      id: number;
      at: Date;
      actor: string;
      action: string;
      entity: string;
      entity_id: string | null;
      detail: Record<string, unknown>;
    }[]
  >('id', 'at', 'actor', 'action', 'entity', 'entity_id', 'detail');
  if (opts.entity) void q.where({ entity: opts.entity });
  if (opts.beforeId) void q.where('id', '<', opts.beforeId);
  return (await q).map((r) => ({
    id: r.id,
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    entity: r.entity,
    entityId: r.entity_id,
    detail: r.detail,
  }));
}
