/**
 * Customer identity in one place: which customer an external reference names (WeCom external_userid,
 * member number, unionid, phone), linking a new identity to a customer, and giving earlier orders that
 * carried it their customer. Orders, imported interactions, a guide's bind and the attribute job all
 * resolve and link here, with one precedence.
 *
 * | rank | identity | stored as |
 * |---|---|---|
 * | 0 | WeCom `external_userid` | itself |
 * | 1 | member number | itself |
 * | 2 | unionid | itself |
 * | 3 | mainland mobile number | SHA-256 of its normalised form (`phone_hash`) |
 */
import { createHash } from 'node:crypto';
import { enqueueAttribution, owe, requestAttribution } from '../attribution/outbox';
import type { AppContext } from '../context';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { normalizePhone } from '../ingest/money';

export interface IdentityRef {
  externalUserid?: string | undefined;
  memberNo?: string | undefined;
  unionid?: string | undefined;
  /** As written by the source; normalised and hashed here. */
  phone?: string | undefined;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The stored hash of a phone number, or null when it is not a mainland mobile number. */
export function phoneHash(raw: string): string | null {
  const p = normalizePhone(raw);
  return p === null ? null : sha256(p);
}

/** A reference's identities in precedence order, as (kind, stored value, rank). */
function keysOf(ref: IdentityRef): { kind: string; value: string; rank: number }[] {
  const phone = ref.phone ? phoneHash(ref.phone) : null;
  return [
    ...(ref.externalUserid ? [{ kind: 'external_userid', value: ref.externalUserid, rank: 0 }] : []),
    ...(ref.memberNo ? [{ kind: 'member_no', value: ref.memberNo, rank: 1 }] : []),
    ...(ref.unionid ? [{ kind: 'unionid', value: ref.unionid, rank: 2 }] : []),
    ...(phone ? [{ kind: 'phone_hash', value: phone, rank: 3 }] : []),
  ];
}

/**
 * The customer each reference names — its highest-ranked identity that is known — in one query.
 * Keys are the caller's (an order number, a row index); references naming nobody are absent.
 */
export async function resolveCustomers<K extends string | number>(
  db: Db,
  corpId: number,
  refs: [K, IdentityRef][],
): Promise<Map<K, number>> {
  const keys = refs.flatMap(([k, ref]) => keysOf(ref).map((x) => ({ k: String(k), ...x })));
  if (keys.length === 0) return new Map();
  const byString = new Map(refs.map(([k]) => [String(k), k]));
  const found = await db.raw<{ rows: { k: string; customer_id: number }[] }>(
    `select distinct on (x.k) x.k, x.customer_id
       from (
         select k.k, k.rank, i.customer_id
           from unnest(?::text[], ?::text[], ?::text[], ?::int[]) as k(k, kind, value, rank)
           join customer_identities i on i.corp_id = ? and i.kind::text = k.kind and i.value = k.value
         union all
         -- a WeCom contact is also named by its customers row (identities are written beside it)
         select k.k, 0, c.id
           from unnest(?::text[], ?::text[]) as k(k, value)
           join customers c on c.corp_id = ? and c.external_userid = k.value
       ) x
      order by x.k, x.rank`,
    [
      keys.map((x) => x.k),
      keys.map((x) => x.kind),
      keys.map((x) => x.value),
      keys.map((x) => x.rank),
      corpId,
      keys.filter((x) => x.rank === 0).map((x) => x.k),
      keys.filter((x) => x.rank === 0).map((x) => x.value),
      corpId,
    ],
  );
  return new Map(found.rows.map((x) => [byString.get(x.k)!, Number(x.customer_id)]));
}

/**
 * Links an identity to a customer (e.g. a guide binds a member number); earlier orders carrying it
 * get the customer and are re-attributed (owed in the same transaction, queued after). An identity
 * already linked to another customer is a conflict.
 */
export async function linkIdentity(
  ctx: AppContext,
  corpId: number,
  customerId: number,
  kind: 'member_no' | 'phone' | 'unionid',
  raw: string,
  opts: { requestId?: string; field?: string } = {},
): Promise<number[]> {
  // Errors name the caller's field for the value (a route passes its body's).
  const field = opts.field ?? 'value';
  const stored = kind === 'phone' ? phoneHash(raw) : raw.trim();
  if (!stored)
    throw new AppError('VALIDATION_FAILED', kind === 'phone' ? 'not a mainland mobile number' : `empty ${kind}`, {
      field,
    });
  const idKind = kind === 'phone' ? 'phone_hash' : kind;
  const reason = `identity ${kind} linked later`;
  const owed = await ctx.db.transaction(async (trx) => {
    await trx('customer_identities')
      .insert({ corp_id: corpId, kind: idKind, value: stored, customer_id: customerId })
      .onConflict(['corp_id', 'kind', 'value'])
      .ignore();
    const owner = await trx('customer_identities')
      .where({ corp_id: corpId, kind: idKind, value: stored })
      .first<{ customer_id: number }>('customer_id');
    if (owner?.customer_id !== customerId)
      throw new AppError('CONFLICT', `this ${kind} is already linked to another customer`, { field });
    const ids = await linkOrdersOfCustomers(trx, corpId, [customerId]);
    const o = owe('order', ids, { kind: 'identity', id: `${idKind}:${customerId}` });
    await requestAttribution(trx, corpId, o, reason, { queued: true });
    return o;
  });
  await enqueueAttribution(ctx, corpId, owed, reason, opts.requestId ? { requestId: opts.requestId } : {});
  return owed.map((o) => o.id);
}

/**
 * Gives orders that carry no customer yet the customer their member number, unionid or phone now
 * resolves to (member number first, then unionid, then phone), for these customers' identities —
 * set-based. Returns the orders linked now: their attribution may change.
 */
export async function linkOrdersOfCustomers(db: Db, corpId: number, customerIds: number[]): Promise<number[]> {
  if (customerIds.length === 0) return [];
  const r = await db.raw<{ rows: { id: number }[] }>(
    `update orders o set customer_id = m.customer_id
       from (
         select distinct on (o2.id) o2.id, i.customer_id
           from customer_identities i
           join orders o2 on o2.corp_id = i.corp_id and o2.customer_id is null
            and ((i.kind = 'member_no' and o2.member_no = i.value) or (i.kind = 'unionid' and o2.unionid = i.value) or (i.kind = 'phone_hash' and o2.phone_hash = i.value))
          where i.corp_id = ? and i.customer_id = any(?)
          order by o2.id, case i.kind when 'member_no' then 1 when 'unionid' then 2 else 3 end
       ) m
      where o.id = m.id and o.customer_id is null
      returning o.id`,
    [corpId, customerIds],
  );
  return r.rows.map((x) => x.id).sort((a, b) => a - b);
}
