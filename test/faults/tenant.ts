/**
 * A small tenant for the fault suite, its facts (POS orders and refunds, sandbox transfers and
 * callbacks) with the outcome each must reach, and the invariant checks run after every fault.
 */
import { randomBytes } from 'node:crypto';
import { encrypt, getSignature } from '@wecom/crypto';
import { recordInteractions } from '../../core/ingest/interactions';
import { sweepAttributionJob } from '../../core/jobs/attribution.jobs';
import { signPosBody } from '../../core/ingest/signature';
import { eventXml } from '../../sandbox/wecom/callbacks';
import {
  createCorp,
  createCustomer,
  createGuide,
  createRegion,
  createStore,
  follow,
  type CorpFixture,
} from '../factories/org.factory';
import { sleep, waitFor, type FaultStack } from './stack';

const DAY = 86_400_000;
/** Orders are paid from three days ago on (ingestion refuses times far from now); a new tenant has no closed period. */
const T = Math.floor((Date.now() - 3 * DAY) / 3_600_000) * 3_600_000;
const CUSTOMERS = 24;

export interface Tenant {
  name: string;
  corp: CorpFixture;
  storeCode: string;
  guides: { id: number; userid: string }[];
  /** member number → the guide the window rule must credit. */
  memberGuide: Map<string, number>;
}

export interface OrderFact {
  orderNo: string;
  storeCode: string;
  paidAt: string;
  grossFen: number;
  discountFen: number;
  netFen: number;
  memberNo: string;
  lines: { skuCode: string; qty: number; netFen: number }[];
}
export interface RefundFact {
  refundNo: string;
  orderNo: string;
  refundedAt: string;
  amountFen: number;
}

/** What the facts sent must end as. */
export class Expected {
  readonly orders = new Map<string, { guideId: number; netFen: number; refundFen: number }>();
  readonly refunds = new Set<string>();
  /** WeCom transfer bills no order names: credited to their payee. */
  readonly transfers = new Map<string, { guideId: number; fen: number }>();
  /** Customers added through WeCom callbacks: external_userid → guide. */
  readonly contacts = new Map<string, number>();
}

/** Corp, store, three guides, customers with a member number and one chat each, and the sandbox corp. */
export async function seedTenant(stack: FaultStack, name: string): Promise<Tenant> {
  const db = stack.db;
  const corp = await createCorp(db, stack.secrets, { name: `故障演练 ${name}` });
  const storeCode = `S${name
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, 10)}`;
  const store = await createStore(db, corp.id, await createRegion(db, corp.id), { code: storeCode });
  const guides = [];
  for (const [i, n] of ['李翠', '张敏', '王芳'].entries())
    guides.push(await createGuide(db, corp.id, store, { userid: `g${i}${name}`.slice(0, 60), name: n }));
  const memberGuide = new Map<string, number>();
  const interactions = [];
  for (let k = 0; k < CUSTOMERS; k++) {
    const memberNo = `M${name}-${k}`;
    const c = await createCustomer(db, corp.id, { name: `客户${k}`, memberNo });
    await db('customer_identities').insert({ corp_id: corp.id, kind: 'member_no', value: memberNo, customer_id: c.id });
    const g = guides[k % guides.length]!;
    await follow(db, corp.id, c.id, g.id);
    memberGuide.set(memberNo, g.id);
    interactions.push({
      corpId: corp.id,
      guideId: g.id,
      customerId: c.id,
      occurredAt: new Date(T - 2 * DAY),
      kind: 'script_send' as const,
      source: 'sidebar',
      evidenceId: `send-${name}-${k}`,
    });
  }
  await recordInteractions(db, interactions);
  const sb = (path: string, body: unknown) =>
    fetch(`${stack.sandbox.url}/sandbox/api${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => {
      if (!r.ok) throw new Error(`sandbox ${path}: ${r.status} ${await r.text()}`);
      return r.json() as Promise<Record<string, unknown>>;
    });
  await sb('/corps', {
    corpid: corp.wecomCorpId,
    name: `故障演练 ${name}`,
    agentid: corp.agentId,
    secret: corp.agentSecret,
    callback: {
      url: `${stack.apiUrl}/wecom/callback/${corp.wecomCorpId}`,
      token: corp.callbackToken,
      encodingAESKey: corp.callbackAesKey,
    },
  });
  await sb(`/corps/${corp.wecomCorpId}/members`, {
    members: guides.map((g) => ({ userid: g.userid, name: g.userid })),
  });
  await sb(`/corps/${corp.wecomCorpId}/contact-ways`, {
    state: `st_${name}`.slice(0, 30),
    userids: [guides[0]!.userid],
  });
  return { name, corp, storeCode, guides, memberGuide };
}

/**
 * `n` orders from `from`, every third refunded in part. Each order's customer chatted with one
 * guide two days before, so the window rule credits that guide: net less refunds.
 */
export function makeFacts(t: Tenant, exp: Expected, from: number, n: number) {
  const orders: OrderFact[] = [];
  const refunds: RefundFact[] = [];
  const members = [...t.memberGuide.keys()];
  for (let i = from; i < from + n; i++) {
    const memberNo = members[i % members.length]!;
    const netFen = 10_000 + i * 7;
    const orderNo = `${t.name}-${i}`;
    const paid = T + i * 60_000;
    orders.push({
      orderNo,
      storeCode: t.storeCode,
      paidAt: new Date(paid).toISOString(),
      grossFen: netFen,
      discountFen: 0,
      netFen,
      memberNo,
      lines: [
        { skuCode: 'FAULT-1', qty: 1, netFen: netFen - 3_000 },
        { skuCode: 'FAULT-2', qty: 2, netFen: 3_000 },
      ],
    });
    const refundFen = i % 3 === 0 ? 1_500 + (i % 5) * 100 : 0;
    if (refundFen) {
      refunds.push({
        refundNo: `R${orderNo}`,
        orderNo,
        refundedAt: new Date(paid + 3_600_000).toISOString(),
        amountFen: refundFen,
      });
      exp.refunds.add(`R${orderNo}`);
    }
    exp.orders.set(orderNo, { guideId: t.memberGuide.get(memberNo)!, netFen, refundFen });
  }
  return { orders, refunds };
}

/** POSTs a signed POS batch. Resolves to the HTTP status, or 0 when the connection failed (the API died). */
export async function postBatch(
  stack: FaultStack,
  t: Tenant,
  batch: { batchId: string; orders?: OrderFact[]; refunds?: RefundFact[] },
): Promise<number> {
  const raw = JSON.stringify(batch);
  try {
    const res = await fetch(`${stack.apiUrl}/webhooks/pos/${t.corp.wecomCorpId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-guidepost-signature': signPosBody(t.corp.posHmacSecret, raw) },
      body: raw,
      signal: AbortSignal.timeout(60_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** Posts a batch until the API answers 200, as a POS system retries (bounded). */
export async function postUntilAccepted(
  stack: FaultStack,
  t: Tenant,
  batch: Parameters<typeof postBatch>[2],
): Promise<void> {
  await waitFor(`POS batch ${batch.batchId} to be accepted`, 60_000, async () =>
    (await postBatch(stack, t, batch)) === 200 ? true : undefined,
  );
}

/** A sale taken by WeCom transfer that no POS records: the bill poll brings it, and it credits its payee. */
export async function sandboxTransfer(stack: FaultStack, t: Tenant, exp: Expected, fen: number): Promise<void> {
  const g = t.guides[1]!;
  const res = await fetch(`${stack.sandbox.url}/sandbox/api/corps/${t.corp.wecomCorpId}/actions/transfer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ payee_userid: g.userid, amount_fen: fen, remark: 'fault suite' }),
  });
  if (!res.ok) throw new Error(`sandbox transfer: ${res.status}`);
  const { transaction_id } = (await res.json()) as { transaction_id: string };
  exp.transfers.set(transaction_id, { guideId: g.id, fen });
}

/**
 * A customer scans the store's channel QR in the sandbox (WeCom sends its callback), and we deliver
 * the same add event again — twice, the second time before an edit event of later date (out of
 * order). Resolves once the sandbox has delivered its own callback.
 */
export async function scanAndRedeliver(stack: FaultStack, t: Tenant, exp: Expected, k: number): Promise<void> {
  const ext = `wmfault${t.name}${k}`.replace(/[^A-Za-z0-9]/g, '').slice(0, 60);
  const g = t.guides[0]!;
  const res = await fetch(`${stack.sandbox.url}/sandbox/api/corps/${t.corp.wecomCorpId}/actions/scan-contact-way`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      state: `st_${t.name}`.slice(0, 30),
      userid: g.userid,
      customer: { name: `扫码客户${k}`, external_userid: ext },
    }),
  });
  if (!res.ok) throw new Error(`sandbox scan: ${res.status} ${await res.text()}`);
  exp.contacts.set(ext, g.id);
  const add = eventXml(t.corp.wecomCorpId, {
    Event: 'change_external_contact',
    ChangeType: 'add_external_contact',
    UserID: g.userid,
    ExternalUserID: ext,
    State: `st_${t.name}`.slice(0, 30),
  });
  const edit = eventXml(t.corp.wecomCorpId, {
    Event: 'change_external_contact',
    ChangeType: 'edit_external_contact',
    UserID: g.userid,
    ExternalUserID: ext,
  }).replace(/<CreateTime>(\d+)<\/CreateTime>/, (_m, s: string) => `<CreateTime>${Number(s) + 5}</CreateTime>`);
  for (const xml of [add, edit, add]) await postCallback(stack, t, xml);
}

async function postCallback(stack: FaultStack, t: Tenant, xml: string): Promise<void> {
  const enc = encrypt(t.corp.callbackAesKey, xml, t.corp.wecomCorpId, randomBytes(16));
  const ts = Math.floor(Date.now() / 1000);
  const nonce = randomBytes(4).toString('hex');
  const sig = getSignature(t.corp.callbackToken, ts, nonce, enc);
  const body = `<xml><ToUserName><![CDATA[${t.corp.wecomCorpId}]]></ToUserName><AgentID><![CDATA[${t.corp.agentId}]]></AgentID><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`;
  await waitFor('a callback to be acknowledged', 30_000, async () => {
    const r = await fetch(
      `${stack.apiUrl}/wecom/callback/${t.corp.wecomCorpId}?msg_signature=${sig}&timestamp=${ts}&nonce=${nonce}`,
      { method: 'POST', headers: { 'content-type': 'text/xml' }, body },
    ).catch(() => null);
    return r?.status === 200 ? true : undefined;
  });
}

// Settling ---------------------------------------------------------------------------------------

async function tableExists(stack: FaultStack, name: string): Promise<boolean> {
  const r = await stack.db.raw<{ rows: { t: string | null }[] }>('select to_regclass(?)::text as t', [name]);
  return r.rows[0]?.t != null;
}

/** Jobs that still have work to do (the WeCom schedules' next runs wait as delayed jobs and do not count). */
async function busyJobs(stack: FaultStack): Promise<number> {
  let n = 0;
  for (const q of ['attribution', 'ingest'] as const) {
    const c = await stack.queues.queue(q).getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    n += Object.values(c).reduce((a, b) => a + b, 0);
  }
  const w = await stack.queues.queue('wecom').getJobCounts('waiting', 'active', 'prioritized');
  return n + Object.values(w).reduce((a, b) => a + b, 0);
}

/**
 * Waits (bounded) until the queues have nothing left to do for `quietMs`, and — when the outbox
 * exists — until no subject is pending; a sweep is asked for while any is (the sweep queues only rows
 * past their grace period). Returns what it waited on when it gave up, or null.
 */
export async function settle(stack: FaultStack, t: Tenant, timeoutMs: number, quietMs = 1_500): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  const outbox = await tableExists(stack, 'attribution_pending');
  let quietSince = 0;
  let lastSweep = 0;
  for (;;) {
    const busy = await busyJobs(stack).catch(() => -1);
    const pending = outbox
      ? Number(
          (
            await stack
              .db('attribution_pending')
              .where({ corp_id: t.corp.id })
              .count<{ n: string }[]>('* as n')
              .catch(() => [{ n: '-1' }])
          )[0]!.n,
        )
      : 0;
    if (busy === 0 && pending === 0) {
      quietSince ||= Date.now();
      if (Date.now() - quietSince >= quietMs) return null;
    } else quietSince = 0;
    if (busy === 0 && pending > 0 && Date.now() - lastSweep > 5_000) {
      lastSweep = Date.now();
      await requestSweep(stack);
    }
    if (Date.now() > deadline) return `after ${timeoutMs} ms: ${busy} jobs still busy, ${pending} subjects pending`;
    await sleep(200);
  }
}

/** Asks the workers for an attribution sweep now (it also runs every 15 s by itself). */
async function requestSweep(stack: FaultStack): Promise<void> {
  await stack.queues.enqueue(sweepAttributionJob, {});
}

// Invariants -------------------------------------------------------------------------------------

export interface Verdict {
  lost: number;
  doubled: number;
  problems: string[];
}

/**
 * Every fact sent stored once; every order decided (an outcome row when the outbox exists, no
 * subject left pending); no order credited twice per role; credits ≤ net per order and exactly the
 * net less refunds for the guide the rules name; each transfer and callback processed once; the
 * board rollup equal to a rebuild from the live ledger lines.
 */
export async function verify(stack: FaultStack, t: Tenant, exp: Expected): Promise<Verdict> {
  const db = stack.db;
  const corpId = t.corp.id;
  const v: Verdict = { lost: 0, doubled: 0, problems: [] };
  let unnamed = 0;
  const problem = (what: string) => {
    if (v.problems.length < 12) v.problems.push(what);
    else unnamed++;
  };
  const lost = (what: string) => {
    v.lost++;
    problem(`lost: ${what}`);
  };
  const doubled = (what: string) => {
    v.doubled++;
    problem(`doubled: ${what}`);
  };

  const orders = await db('orders')
    .where({ corp_id: corpId })
    .select<{ id: number; order_no: string; net_fen: string }[]>('id', 'order_no', 'net_fen');
  const lines = new Map(
    (
      await db('order_lines')
        .where({ corp_id: corpId })
        .groupBy('order_id')
        .select<{ order_id: number; n: string }[]>('order_id', db.raw('count(*) as n'))
    ).map((r) => [Number(r.order_id), Number(r.n)]),
  );
  const refunds = await db('refunds')
    .where({ corp_id: corpId })
    .select<{ id: number; refund_no: string; order_id: number | null }[]>('id', 'refund_no', 'order_id');
  const live = await db('credits').where({ corp_id: corpId }).whereNull('superseded_at').select<
    {
      order_id: number | null;
      transfer_id: number | null;
      refund_id: number | null;
      kind: string;
      role: string;
      guide_id: number;
      amount_fen: string;
    }[]
  >('order_id', 'transfer_id', 'refund_id', 'kind', 'role', 'guide_id', 'amount_fen');
  const outcomes = (await tableExists(stack, 'attribution_outcomes'))
    ? new Map(
        (
          await db('attribution_outcomes')
            .where({ corp_id: corpId })
            .select<{ order_id: number; guide_id: number | null }[]>('order_id', 'guide_id')
        ).map((o) => [Number(o.order_id), o.guide_id === null ? null : Number(o.guide_id)]),
      )
    : null;
  if (await tableExists(stack, 'attribution_pending')) {
    const n = (await db('attribution_pending').where({ corp_id: corpId }).count<{ n: string }[]>('* as n'))[0]?.n;
    if (Number(n) > 0) problem(`${n} subjects still pending after the queues drained and a sweep ran`);
  }

  const byNo = new Map<string, (typeof orders)[number]>();
  for (const o of orders) {
    if (byNo.has(o.order_no)) doubled(`order ${o.order_no} stored twice`);
    byNo.set(o.order_no, o);
  }
  const creditsOf = new Map<number, typeof live>();
  for (const c of live)
    if (c.order_id !== null) creditsOf.set(Number(c.order_id), [...(creditsOf.get(Number(c.order_id)) ?? []), c]);
  const refundNos = new Map(refunds.map((r) => [r.refund_no, r]));
  for (const no of exp.refunds) if (!refundNos.has(no)) lost(`refund ${no} not stored`);
  if (refunds.length > exp.refunds.size)
    doubled(`${refunds.length - exp.refunds.size} refunds stored beyond those sent`);

  // Each order counts at most once as lost and once as doubled, whatever number of symptoms it shows.
  for (const [no, e] of exp.orders) {
    const gone: string[] = [];
    const twice: string[] = [];
    const o = byNo.get(no);
    const cs = o ? (creditsOf.get(Number(o.id)) ?? []) : [];
    const sales = cs.filter((c) => c.kind === 'sale');
    if (!o) gone.push('not stored');
    else if (outcomes ? !outcomes.has(Number(o.id)) : sales.length === 0) gone.push('never decided');
    else {
      const n = lines.get(Number(o.id)) ?? 0;
      if (n !== 2) (n > 2 ? twice : gone).push(`${n} lines stored, 2 sent`);
      const perRole = new Map<string, number>();
      for (const s of sales) perRole.set(s.role, (perRole.get(s.role) ?? 0) + 1);
      for (const [role, k] of perRole) if (k > 1) twice.push(`${k} live ${role} sale lines`);
      const refundLines = new Map<number, number>();
      for (const c of cs)
        if (c.kind === 'refund' && c.refund_id)
          refundLines.set(Number(c.refund_id), (refundLines.get(Number(c.refund_id)) ?? 0) + 1);
      for (const [rid, k] of refundLines) if (k > 1) twice.push(`refund ${rid} reversed by ${k} live lines`);
      const sum = cs.reduce((acc, c) => acc + Number(c.amount_fen), 0);
      const want = e.netFen - e.refundFen;
      if (sum > Number(o.net_fen)) twice.push(`credited ${sum} fen > net ${o.net_fen}`);
      if (sales.length === 0) gone.push(`decided but not credited (should be guide ${e.guideId})`);
      else if (sales[0]!.guide_id !== e.guideId)
        problem(`order ${no} credited to guide ${sales[0]!.guide_id}, not ${e.guideId}`);
      else if (sum < want) gone.push(`credited ${sum} fen, should be ${want}`);
      else if (sum > want && sum <= Number(o.net_fen))
        (e.refundFen ? gone : twice).push(`credited ${sum} fen, should be ${want}`);
      if (outcomes && outcomes.get(Number(o.id)) !== e.guideId)
        problem(`order ${no}: outcome names guide ${outcomes.get(Number(o.id))}, should be ${e.guideId}`);
    }
    if (gone.length) lost(`order ${no} ${gone.join('; ')}`);
    if (twice.length) doubled(`order ${no} ${twice.join('; ')}`);
  }
  const extra = orders.filter((o) => !exp.orders.has(o.order_no));
  if (extra.length) problem(`${extra.length} orders stored that were never sent`);

  // Transfers no order names: stored once, credited once to the payee.
  if (exp.transfers.size) {
    const rows = await db('transfers')
      .where({ corp_id: corpId, bill_type: 0 })
      .whereIn('transaction_id', [...exp.transfers.keys()])
      .select<{ id: number; transaction_id: string }[]>('id', 'transaction_id');
    for (const [txid, e] of exp.transfers) {
      const mine = rows.filter((r) => r.transaction_id === txid);
      if (mine.length === 0) {
        lost(`transfer ${txid} never polled`);
        continue;
      }
      const cs = live.filter(
        (c) => c.transfer_id !== null && Number(c.transfer_id) === Number(mine[0]!.id) && c.kind === 'sale',
      );
      if (cs.length === 0) lost(`transfer ${txid} stored but never credited`);
      else if (cs.length > 1) doubled(`transfer ${txid} credited ${cs.length} times`);
      else if (Number(cs[0]!.guide_id) !== e.guideId || Number(cs[0]!.amount_fen) !== e.fen)
        problem(`transfer ${txid} credited ${cs[0]!.amount_fen} fen to guide ${cs[0]!.guide_id}`);
    }
  }

  // Callbacks: every event stored once and processed; each customer once, with one live relation and one "added" interaction.
  if (exp.contacts.size) {
    const events = await db('wecom_callback_events')
      .where({ corp_id: corpId })
      .select<{ status: string; dedupe_key: string }[]>('status', 'dedupe_key');
    const unprocessed = events.filter((e) => e.status !== 'processed').length;
    if (unprocessed) problem(`${unprocessed} of ${events.length} callback events not processed`);
    if (new Set(events.map((e) => e.dedupe_key)).size !== events.length) doubled('a callback event stored twice');
    for (const [ext, guideId] of exp.contacts) {
      const cs = await db('customers').where({ corp_id: corpId, external_userid: ext }).select<{ id: number }[]>('id');
      if (cs.length !== 1) {
        (cs.length ? doubled : lost)(`contact ${ext} stored ${cs.length} times`);
        continue;
      }
      const rel = await db('customer_guides')
        .where({ corp_id: corpId, customer_id: cs[0]!.id, guide_id: guideId })
        .whereNull('ended_at')
        .count<{ n: string }[]>('* as n');
      if (Number(rel[0]!.n) !== 1) (Number(rel[0]!.n) ? doubled : lost)(`contact ${ext}: ${rel[0]!.n} live relations`);
      const added = await db('interactions')
        .where({ corp_id: corpId, customer_id: cs[0]!.id, guide_id: guideId, kind: 'customer_added' })
        .count<{ n: string }[]>('* as n');
      if (Number(added[0]!.n) !== 1)
        (Number(added[0]!.n) ? doubled : lost)(`contact ${ext}: ${added[0]!.n} "added" interactions`);
    }
  }

  // The board rollup equals a rebuild from the live ledger lines, grouped like the rollup.
  const diff = await rollupDrift(stack, corpId);
  for (const d of diff.slice(0, 5))
    problem(`rollup ${d.cell} holds ${d.r ?? 'nothing'}, the ledger says ${d.b ?? 'nothing'}`);
  if (diff.length > 5) problem(`… and ${diff.length - 5} more rollup cells differ`);
  if (unnamed) v.problems.push(`… and ${unnamed} more`);
  return v;
}

/**
 * Rollup cells that differ from a rebuild in SQL from the live ledger lines: `daily_credits` (tenant
 * day, store, guide, path) where it exists, else its predecessor `guide_daily_credits` (guide, day, rule).
 * Orders = count of sale lines, amount = sum of all lines; cells at zero count as absent; no store reads as 0.
 */
async function rollupDrift(
  stack: FaultStack,
  corpId: number,
): Promise<{ cell: string; r: string | null; b: string | null }[]> {
  const perStore = await tableExists(stack, 'daily_credits');
  const [table, keys, key] = perStore
    ? [
        'daily_credits',
        ['guide_id', 'day', 'store_id', 'path'],
        `coalesce(c.store_id, 0) as store_id, (case when c.rule = 'transfer' then 'transfer' when o.source = 'mall' then 'mall' else c.rule::text end) as path`,
      ]
    : ['guide_daily_credits', ['guide_id', 'day', 'rule'], 'c.rule::text as rule'];
  const last = keys.at(-1)!;
  const r = await stack.db.raw<{ rows: { cell: string; r: string | null; b: string | null }[] }>(
    `with rebuild as (
       select c.guide_id, (c.occurred_at at time zone k.timezone)::date as day, ${key},
              count(*) filter (where c.kind = 'sale') as orders, sum(c.amount_fen) as amount_fen
         from credits c join corps k on k.id = c.corp_id left join orders o on o.id = c.order_id
        where c.corp_id = ? and c.superseded_at is null
        group by ${keys.map((_, i) => i + 1).join(', ')}
       having count(*) filter (where c.kind = 'sale') <> 0 or sum(c.amount_fen) <> 0),
     roll as (
       select ${keys.join(', ').replace('store_id', 'coalesce(store_id, 0) as store_id').replace(last, `${last}::text as ${last}`)}, orders, amount_fen from ${table}
        where corp_id = ? and (orders <> 0 or amount_fen <> 0))
     select concat_ws('/', ${keys.map((k) => `coalesce(r.${k}, b.${k})`).join(', ')}) as cell,
            r.orders || ' orders ' || r.amount_fen || ' fen' as r, b.orders || ' orders ' || b.amount_fen || ' fen' as b
       from roll r full join rebuild b on ${keys.map((k) => `b.${k} = r.${k}`).join(' and ')}
      where r.orders is distinct from b.orders or r.amount_fen is distinct from b.amount_fen`,
    [corpId, corpId],
  );
  return r.rows;
}

/** Waits until some attribution job is running (the moment to strike "mid-batch"). */
export async function attributionRunning(stack: FaultStack, timeoutMs = 30_000): Promise<void> {
  await waitFor('an attribution job to be running', timeoutMs, async () =>
    (await stack.queues.queue('attribution').getActiveCount()) > 0 ? true : undefined,
  );
}

/** Live sale lines of a tenant so far. */
export async function creditedSoFar(stack: FaultStack, t: Tenant): Promise<number> {
  const r = await stack
    .db('credits')
    .where({ corp_id: t.corp.id, kind: 'sale' })
    .whereNull('superseded_at')
    .count<{ n: string }[]>('* as n');
  return Number(r[0]?.n ?? 0);
}
