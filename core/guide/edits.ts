/**
 * A guide's edits from the sidebar: tags on their follow relation (stored at once, written to
 * WeCom with mark_tag by a job), sizes per category (the guide's word beats a purchase guess) and
 * the customer's member number or mobile number (her earlier store orders follow).
 */
import type { AppContext } from '../context';
import type { CustomerSize, CustomerTag, IdentityBound, IdentityKind } from '../contracts/sidebar';
import { AppError } from '../errors';
import { maskPhone, normalizePhone } from '../ingest/money';
import { linkIdentity } from '../customers/identity';
import { markTagJob } from '../jobs/wecom.jobs';
import { type GuidePrincipal, followedCustomerId } from './access';

export async function editTags(
  ctx: AppContext,
  p: GuidePrincipal,
  externalUserid: string,
  add: number[],
  remove: number[],
  requestId?: string,
): Promise<{ tags: Omit<CustomerTag, 'derived'>[] }> {
  const both = add.filter((id) => remove.includes(id));
  if (both.length)
    throw new AppError('VALIDATION_FAILED', `tag ${both[0]} is both added and removed`, { field: 'body.add' });
  const customerId = await followedCustomerId(ctx.db, p, externalUserid);
  const ids = [...add, ...remove];
  const known = await ctx
    .db('tags as t')
    .join('tag_groups as g', 'g.id', 't.group_id')
    .where({ 't.corp_id': p.corpId })
    .whereIn('t.id', ids)
    .whereNull('t.deleted_at')
    .whereNull('g.deleted_at')
    .select<{ id: number; kind: string }[]>('t.id', 'g.kind');
  const unknown = ids.find((id) => !known.some((k) => k.id === id));
  if (unknown !== undefined)
    throw new AppError('VALIDATION_FAILED', `tag ${unknown} is not a tag of this corp`, {
      field: add.includes(unknown) ? 'body.add' : 'body.remove',
    });
  await ctx.db.transaction(async (trx) => {
    if (add.length) {
      await trx('customer_tags')
        .insert(
          add.map((tagId) => ({
            corp_id: p.corpId,
            customer_id: customerId,
            guide_id: p.guideId,
            tag_id: tagId,
            source: 'guide',
          })),
        )
        .onConflict(trx.raw('(corp_id, customer_id, guide_id, tag_id)'))
        .ignore();
    }
    if (remove.length)
      await trx('customer_tags')
        .where({ corp_id: p.corpId, customer_id: customerId, guide_id: p.guideId })
        .whereIn('tag_id', remove)
        .del();
    await trx('audit_log').insert({
      corp_id: p.corpId,
      actor: p.userid,
      action: 'customer.tags.edit',
      entity: 'customer',
      entity_id: String(customerId),
      detail: JSON.stringify({ add, remove }),
    });
  });
  if (ids.length)
    await ctx.queues.enqueue(
      markTagJob,
      { corpId: p.corpId, guideId: p.guideId, customerId, add, remove },
      requestId ? { requestId } : {},
    );
  const tags = await ctx
    .db('customer_tags as ct')
    .join('tags as t', 't.id', 'ct.tag_id')
    .join('tag_groups as g', 'g.id', 't.group_id')
    .where({ 'ct.customer_id': customerId })
    .where((q) => q.where('ct.guide_id', p.guideId).orWhereNull('ct.guide_id'))
    .whereNull('t.deleted_at')
    .orderBy([{ column: 'g.order' }, { column: 't.order' }])
    .select<
      { id: number; name: string; groupName: string; family: CustomerTag['family']; source: CustomerTag['source'] }[]
    >('t.id', 't.name', 'g.name as groupName', 'g.kind as family', 'ct.source');
  return { tags };
}

export async function setSize(
  ctx: AppContext,
  p: GuidePrincipal,
  externalUserid: string,
  category: string,
  size: string,
): Promise<{ sizes: CustomerSize[] }> {
  const customerId = await followedCustomerId(ctx.db, p, externalUserid);
  const run = await ctx
    .db('size_runs')
    .where({ corp_id: p.corpId, category })
    .first<{ sizes: string[] } | undefined>('sizes');
  if (!run) throw new AppError('VALIDATION_FAILED', `unknown category ${category}`, { field: 'body.category' });
  if (!run.sizes.includes(size))
    throw new AppError('VALIDATION_FAILED', `${size} is not in the ${category} size run (${run.sizes.join(', ')})`, {
      field: 'body.size',
    });
  await ctx.db.transaction(async (trx) => {
    await trx('customer_sizes')
      .insert({
        corp_id: p.corpId,
        customer_id: customerId,
        category,
        size,
        source: 'guide',
        confidence: 1,
        updated_by_guide_id: p.guideId,
        updated_at: trx.fn.now(),
      })
      .onConflict(['corp_id', 'customer_id', 'category'])
      .merge(['size', 'source', 'confidence', 'updated_by_guide_id', 'updated_at']);
    await trx('audit_log').insert({
      corp_id: p.corpId,
      actor: p.userid,
      action: 'customer.size.set',
      entity: 'customer',
      entity_id: String(customerId),
      detail: JSON.stringify({ category, size }),
    });
  });
  const rows = await ctx
    .db('customer_sizes')
    .where({ customer_id: customerId })
    .orderBy('category')
    .select<{ category: string; size: string; source: 'purchase' | 'guide'; confidence: number; updated_at: Date }[]>(
      'category',
      'size',
      'source',
      'confidence',
      'updated_at',
    );
  return {
    sizes: rows.map((r) => ({
      category: r.category,
      size: r.size,
      source: r.source,
      confidence: r.confidence,
      updatedAt: r.updated_at.toISOString(),
    })),
  };
}

const MEMBER_NO = /^[A-Za-z0-9-]{1,32}$/;

/**
 * Binds a member number or mobile number the guide got from the customer. Earlier orders that
 * carried it and no customer become hers and are queued for attribution (linkIdentity); one that
 * belongs to another customer is a CONFLICT. The profile shows it when she had none; the audit
 * log keeps only the masked phone.
 */
export async function bindIdentity(
  ctx: AppContext,
  p: GuidePrincipal,
  externalUserid: string,
  kind: IdentityKind,
  value: string,
  requestId?: string,
): Promise<IdentityBound> {
  const customerId = await followedCustomerId(ctx.db, p, externalUserid);
  const memberNo = kind === 'member_no' ? value.trim() : null;
  if (memberNo !== null && !MEMBER_NO.test(memberNo))
    throw new AppError('VALIDATION_FAILED', 'a member number is 1–32 letters, digits or dashes', {
      field: 'body.value',
    });
  const orderIds = await linkIdentity(ctx, p.corpId, customerId, kind, memberNo ?? value, {
    field: 'body.value',
    ...(requestId ? { requestId } : {}),
  });
  // Shown as entered for a member number; a phone only ever masked (linkIdentity has checked it).
  const shown = memberNo ?? maskPhone(normalizePhone(value)!);
  const column = kind === 'member_no' ? 'member_no' : 'phone_masked';
  const row = await ctx.db.transaction(async (trx) => {
    await trx('customers')
      .where({ id: customerId })
      .whereNull(column)
      .update({ [column]: shown, updated_at: trx.fn.now() });
    await trx('audit_log').insert({
      corp_id: p.corpId,
      actor: p.userid,
      action: 'customer.identity.bind',
      entity: 'customer',
      entity_id: String(customerId),
      detail: JSON.stringify({
        kind,
        [kind === 'member_no' ? 'memberNo' : 'phoneMasked']: shown,
        reattributedOrders: orderIds.length,
      }),
      request_id: requestId ?? null,
    });
    return trx('customers')
      .where({ id: customerId })
      .first<{ member_no: string | null; phone_masked: string | null }>('member_no', 'phone_masked');
  });
  return { kind, memberNo: row.member_no, phoneMasked: row.phone_masked, reattributedOrders: orderIds.length };
}
