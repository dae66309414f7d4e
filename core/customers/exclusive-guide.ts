/**
 * The exclusive guide (专属导购) of a customer, as dated assignments. A tie on the 7-day rule is
 * broken by the assignment in force at the purchase (attribution.service.ts reads it at paid_at),
 * so the same facts end the same whenever an order is processed; a change re-attributes the
 * customer's orders through the outbox, and is audited.
 */
import { assertCustomer, scopeOf } from '../access/scope';
import type { Principal } from '../auth/principal';
import type { AppContext } from '../context';
import { enqueueAttribution, owe, requestAttribution } from '../attribution/outbox';
import { AppError } from '../errors';

export interface ExclusiveChange {
  corpId: number;
  customerId: number;
  /** null ends the current assignment without a successor. */
  guideId: number | null;
  /** When the change takes effect (default now); not before the current assignment began, not in the future. */
  from?: Date;
  reason: string;
  actor: string;
  /** A store manager may only assign guides of these stores (and only take a customer from them). */
  storeScope?: number[];
  requestId?: string;
}

export interface ExclusiveAssignment {
  id: number;
  guideId: number;
  validFrom: string;
  validTo: string | null;
  setBy: string;
  reason: string;
}

export async function setExclusiveGuide(ctx: AppContext, c: ExclusiveChange): Promise<ExclusiveAssignment[]> {
  const from = c.from ?? new Date();
  if (from.getTime() > Date.now() + 60_000)
    throw new AppError('VALIDATION_FAILED', 'from: an assignment cannot start in the future', { field: 'body.from' });
  const reason = `exclusive guide ${c.guideId === null ? 'removed' : `set to guide ${c.guideId}`}: ${c.reason}`;
  const owed = await ctx.db.transaction(async (trx) => {
    const customer = await trx('customers')
      .where({ corp_id: c.corpId, id: c.customerId })
      .forUpdate()
      .first<{ id: number } | undefined>('id');
    if (!customer) throw new AppError('NOT_FOUND', `no customer ${c.customerId}`, { field: 'params.customerId' });
    const current = await trx('exclusive_assignments as a')
      .join('guides as g', 'g.id', 'a.guide_id')
      .where({ 'a.corp_id': c.corpId, 'a.customer_id': c.customerId })
      .whereNull('a.valid_to')
      .first<{ id: number; guide_id: number; valid_from: Date; store_id: number } | undefined>(
        'a.id',
        'a.guide_id',
        'a.valid_from',
        'g.store_id',
      );
    if (current && c.storeScope && !c.storeScope.includes(Number(current.store_id)))
      throw new AppError('FORBIDDEN', "this customer's exclusive guide is outside your stores");
    if (c.guideId !== null) {
      const rel = await trx('customer_guides as cg')
        .join('guides as g', 'g.id', 'cg.guide_id')
        .where({ 'cg.corp_id': c.corpId, 'cg.customer_id': c.customerId, 'cg.guide_id': c.guideId })
        .whereNull('cg.ended_at')
        .first<{ store_id: number } | undefined>('g.store_id');
      if (!rel)
        throw new AppError('CONFLICT', `guide ${c.guideId} does not follow this customer in WeCom`, {
          field: 'body.guideId',
        });
      if (c.storeScope && !c.storeScope.includes(Number(rel.store_id)))
        throw new AppError('FORBIDDEN', 'this guide is outside your stores', { field: 'body.guideId' });
    }
    if (current && Number(current.guide_id) === c.guideId)
      throw new AppError('CONFLICT', 'this guide is already the exclusive guide', { field: 'body.guideId' });
    if (!current && c.guideId === null) throw new AppError('CONFLICT', 'this customer has no exclusive guide');
    if (current && from.getTime() <= current.valid_from.getTime())
      throw new AppError('VALIDATION_FAILED', 'from: must be after the current assignment began', {
        field: 'body.from',
      });
    if (current) await trx('exclusive_assignments').where({ id: current.id }).update({ valid_to: from });
    const [made] =
      c.guideId === null
        ? [null]
        : await trx('exclusive_assignments')
            .insert({
              corp_id: c.corpId,
              customer_id: c.customerId,
              guide_id: c.guideId,
              valid_from: from,
              set_by: c.actor,
              reason: c.reason,
            })
            .returning<{ id: number }[]>('id');
    // The flag the sidebar shows mirrors the assignment in force now.
    await trx('customer_guides')
      .where({ corp_id: c.corpId, customer_id: c.customerId })
      .update({ is_exclusive: trx.raw('guide_id = ?', [c.guideId ?? 0]) });
    await trx('audit_log').insert({
      corp_id: c.corpId,
      actor: c.actor,
      action: 'exclusive_guide.set',
      entity: 'customer',
      entity_id: String(c.customerId),
      detail: JSON.stringify({
        from: from.toISOString(),
        guideId: c.guideId,
        previous: current?.guide_id ?? null,
        reason: c.reason,
      }),
      request_id: c.requestId ?? null,
    });
    const o = owe('customer', [c.customerId], {
      kind: 'exclusive_guide',
      id: String(made?.id ?? current!.id),
    });
    await requestAttribution(trx, c.corpId, o, reason, { queued: true });
    return o;
  });
  await enqueueAttribution(ctx, c.corpId, owed, reason, c.requestId ? { requestId: c.requestId } : {});
  return exclusiveHistory(ctx, c.corpId, c.customerId);
}

/** A customer's assignments, oldest first, for a reader who may see her (core/access/scope.ts). */
export async function exclusiveHistoryFor(
  ctx: AppContext,
  p: Principal,
  customerId: number,
): Promise<ExclusiveAssignment[]> {
  await assertCustomer(ctx.db, await scopeOf(ctx.db, p), customerId);
  return exclusiveHistory(ctx, p.corpId, customerId);
}

/** A customer's assignments, oldest first. */
export async function exclusiveHistory(
  ctx: AppContext,
  corpId: number,
  customerId: number,
): Promise<ExclusiveAssignment[]> {
  const rows = await ctx
    .db('exclusive_assignments')
    .where({ corp_id: corpId, customer_id: customerId })
    .orderBy('valid_from')
    .select<
      { id: number; guide_id: number; valid_from: Date; valid_to: Date | null; set_by: string; reason: string }[]
    >('id', 'guide_id', 'valid_from', 'valid_to', 'set_by', 'reason');
  return rows.map((r) => ({
    id: Number(r.id),
    guideId: Number(r.guide_id),
    validFrom: r.valid_from.toISOString(),
    validTo: r.valid_to?.toISOString() ?? null,
    setBy: r.set_by,
    reason: r.reason,
  }));
}
