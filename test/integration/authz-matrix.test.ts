/**
 * The authorization matrix: every route the app serves — read from the router itself (allRoutes
 * plus the raw routers) — × every caller (anonymous and each role) × the target in scope, out of
 * scope (same corp, another store / region / guide) and in another tenant, with the status each
 * must answer.
 *
 * A route without an entry in MATRIX fails the first test. To add one: a key `METHOD /path` exactly
 * as the route declares it (a RegExp path by its literal, built from the router's own constant), a `send` that builds a valid request for a target in the given scope
 * (create what it needs: it runs once per caller and scope), and the expected statuses, usually
 * through one of the helpers (`roles`, `guideSidebar`, `signedByCorp`).
 */
import { randomBytes } from 'node:crypto';
import { encrypt, getSignature } from '@wecom/crypto';
import type { Router } from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { apiRawRouters } from '../../api/raw-routers';
import { WECOM_VERIFY_PATH } from '../../api/wecom-verify.router';
import { allRoutes } from '../../api/routes/index';
import type { Role } from '../../core/auth/principal';
import { signSession } from '../../core/auth/session';
import { attributeOrders } from '../../core/attribution/attribution.service';
import { proposeRuleSet } from '../../core/attribution/rule-sets';
import { reviewPeriod } from '../../core/commission/periods';
import { createPlan } from '../../core/commission/plans';
import { DEFAULT_RULES } from '../../core/attribution/rules';
import { recordInteractions } from '../../core/ingest/interactions';
import { signPosBody } from '../../core/ingest/signature';
import { useTestContext } from '../helpers/context';
import {
  createCorp,
  createCustomer,
  createGuide,
  createRegion,
  createStore,
  createUser,
  follow,
  type CorpFixture,
} from '../factories/org.factory';

// WeCom is unreachable here: a route that passes authorization and then calls WeCom answers 503
// (errcode -1, like WeCom busy or rate-limiting: SERVICE_UNAVAILABLE, try again; core/wecom/wecom-error.ts).
const t = useTestContext({ WECOM_API_BASE: 'http://127.0.0.1:1', RATE_LIMIT_API_IP: '0', RATE_LIMIT_API_CORP: '0' });

type Caller = 'anonymous' | Role;
type Scope = 'in' | 'out' | 'other';
const CALLERS: Caller[] = [
  'anonymous',
  'guide',
  'store_manager',
  'regional_manager',
  'head_office',
  'finance',
  'admin',
];
const SCOPES: Scope[] = ['in', 'out', 'other'];

/** One tenant's objects: `in` targets belong to guide ga1 / store sa1 / region ra1, `out` to ga2 / sa2 / ra2. */
interface Tenant {
  corp: CorpFixture;
  regions: [number, number];
  stores: [number, number];
  storeCodes: [string, string];
  guides: [{ id: number; userid: string }, { id: number; userid: string }];
  customers: [{ id: number; externalUserid: string }, { id: number; externalUserid: string }];
  orders: [number, number];
  scriptId: number;
  productId: number;
  templateId: number;
  assetId: number;
}
let A: Tenant;
let B: Tenant;

interface Req {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  body?: string | object;
  contentType?: string;
  headers?: Record<string, string>;
}
/** A status per caller: one for every scope, or one per scope. */
type Expect = Record<Caller, number | Record<Scope, number>>;
interface Entry {
  /** Whether the route has a target whose scope varies; without one, the `in` request is sent once. */
  scoped: boolean;
  send: (scope: Scope, caller: Caller) => Promise<Req> | Req;
  expect: Expect;
}

const s = (inS: number, out: number, other: number) => ({ in: inS, out, other });
/** Role-gated routes: anonymous 401, roles outside the list 403, the listed ones as given. */
function roles(allowed: Partial<Record<Role, number | Record<Scope, number>>>): Expect {
  const e = { anonymous: 401 } as Expect;
  for (const r of CALLERS.slice(1) as Role[]) e[r] = allowed[r] ?? 403;
  return e;
}
/**
 * The sidebar: declared for guides and managers, but only a user with a guide id gets past
 * `asGuide` (the managers here do not sell). Customer routes: the guide's own customer `in`, another
 * guide's customer `out` (403 NOT_FOLLOWED), another tenant's `other` (404: unknown in this corp).
 */
const guideSidebar = (own: number | Record<Scope, number>) => roles({ guide: own });
/** Signed raw routes: sessions mean nothing there; the corp's own signature passes, another corp's or none does not. */
const signedByCorp = (ok: number, unsigned: number): Expect =>
  Object.fromEntries(CALLERS.map((c) => [c, s(ok, unsigned, 401)])) as Expect;

const RANGE = 'from=2026-11-01&to=2026-11-30';
/** Whole-store figures: a store's or region's manager within scope, head office anywhere in the corp. */
const STORE_MANAGERS = {
  store_manager: s(200, 403, 404),
  regional_manager: s(200, 403, 404),
  finance: s(200, 200, 404),
  admin: s(200, 200, 404),
};

/** The boards' whole-store figures: the store managers above, and head office anywhere in the corp. */
const BOARD_READERS = { ...STORE_MANAGERS, head_office: s(200, 200, 404) };

const tenantOf = (scope: Scope) => (scope === 'other' ? B : A);
/** A tenant's script categories, in their order. */
const categoryIds = async (tn: Tenant) =>
  (
    await t.ctx.db('script_categories').where({ corp_id: tn.corp.id }).orderBy(['order', 'id']).pluck<number[]>('id')
  ).map(Number);
const scriptBody = (categoryId: number) => ({
  categoryId,
  title: 'matrix',
  parts: [{ type: 'text', text: '{{称呼}}你好' }],
});
/** A fresh draft in a tenant's first category. */
async function draftScript(tn: Tenant): Promise<number> {
  const [row] = await t.ctx
    .db('scripts')
    .insert({
      corp_id: tn.corp.id,
      category_id: (await categoryIds(tn))[0],
      title: 'matrix',
      parts: JSON.stringify([{ type: 'text', text: '你好' }]),
      enabled: false,
    })
    .returning<{ id: number }[]>('id');
  return Number(row!.id);
}
const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const PLAN_RATES = { transfer: 300, coupon: 200, interaction: 100 };
const pick = <T>(scope: Scope, pair: [T, T], other: [T, T]) =>
  scope === 'in' ? pair[0] : scope === 'out' ? pair[1] : other[0];
const customer = (scope: Scope) => pick(scope, A.customers, B.customers);
const uid = (p: string) => `${p}${randomBytes(5).toString('hex')}`;

/** A fresh customer followed by the scope's guide (for routes that change the customer). */
async function freshCustomer(scope: Scope, exclusive = false) {
  const tn = tenantOf(scope);
  const guide = scope === 'out' ? tn.guides[1] : tn.guides[0];
  const c = await createCustomer(t.ctx.db, tn.corp.id, { externalUserid: uid('wm') });
  await follow(t.ctx.db, tn.corp.id, c.id, guide.id, { exclusive });
  return { ...c, guideId: guide.id };
}

/** An open claim by the scope's guide (`in` ga1 at sa1, `out` ga2 at sa2, `other` tenant B's ga1) on the other guide's order. */
async function openDispute(scope: Scope, level: 'store' | 'region'): Promise<number> {
  const tn = tenantOf(scope);
  const i = scope === 'out' ? 1 : 0;
  const [row] = await t.ctx
    .db('disputes')
    .insert({
      corp_id: tn.corp.id,
      guide_id: tn.guides[i].id,
      store_id: tn.stores[i],
      kind: 'claim',
      order_id: tn.orders[1 - i],
      rule: 'interaction',
      claimed_fen: 10_000,
      reason: 'matrix',
      raised_by: tn.guides[i].userid,
      level,
    })
    .returning<{ id: number }[]>('id');
  return row!.id;
}

/** A campaign whose one recipient is the scope's customer (`in` sa1's, `out` sa2's, `other` tenant B's). */
async function campaignFor(scope: Scope): Promise<number> {
  const tn = tenantOf(scope);
  const i = scope === 'out' ? 1 : 0;
  const [c] = await t.ctx
    .db('campaigns')
    .insert({
      corp_id: tn.corp.id,
      name: 'matrix',
      channel: 'mass_message',
      definition: JSON.stringify({ tags: [] }),
      content: JSON.stringify({ text: '你好', links: [], skipped: [] }),
      holdout_seed: 'matrix',
      scheduled_at: new Date(),
    })
    .returning<{ id: string }[]>('id');
  await t.ctx.db('campaign_recipients').insert({
    campaign_id: c!.id,
    corp_id: tn.corp.id,
    customer_id: tn.customers[i].id,
    guide_id: tn.guides[i].id,
    store_id: tn.stores[i],
    holdout: false,
    status: 'pending',
  });
  return Number(c!.id);
}

/** A channel code of the scope's tenant, its QR image on an address nobody answers. */
async function channelCodeOf(scope: Scope): Promise<number> {
  const [row] = await t.ctx
    .db('channel_codes')
    .insert({
      corp_id: tenantOf(scope).corp.id,
      state: uid('ch'),
      name: 'matrix',
      qr_code: 'http://127.0.0.1:1/qr.png',
    })
    .returning<{ id: number }[]>('id');
  return Number(row!.id);
}

/** A tag group with one tag, made through this app (so it may be changed), in the scope's tenant. */
async function tagFixture(scope: Scope): Promise<{ groupId: number; tagId: number }> {
  const corpId = tenantOf(scope).corp.id;
  const [g] = await t.ctx
    .db('tag_groups')
    .insert({ corp_id: corpId, wecom_group_id: uid('etg'), name: uid('组'), kind: 'custom', created_by: 'matrix' })
    .returning<{ id: number }[]>('id');
  const [tag] = await t.ctx
    .db('tags')
    .insert({ corp_id: corpId, group_id: g!.id, wecom_tag_id: uid('et'), name: '标签', created_by: 'matrix' })
    .returning<{ id: number }[]>('id');
  return { groupId: g!.id, tagId: tag!.id };
}

function signedCallback(target: CorpFixture, signer: CorpFixture, xml: string) {
  const ts = Math.floor(Date.now() / 1000);
  const enc = encrypt(signer.callbackAesKey, xml, signer.wecomCorpId);
  const sig = getSignature(signer.callbackToken, ts, 'n1', enc);
  return { query: `msg_signature=${sig}&timestamp=${ts}&nonce=n1`, enc };
}
const eventXml = (c: CorpFixture) =>
  `<xml><ToUserName><![CDATA[${c.wecomCorpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_tag]]></Event><Id><![CDATA[${uid('et')}]]></Id><TagType><![CDATA[tag]]></TagType><ChangeType><![CDATA[create]]></ChangeType></xml>`;

const MATRIX: Record<string, Entry> = {
  'GET /healthz': {
    scoped: false,
    send: () => ({ method: 'get', path: '/healthz' }),
    expect: Object.fromEntries(CALLERS.map((c) => [c, 200])) as Expect,
  },
  'GET /api/auth/wecom/start': {
    scoped: false,
    send: () => ({ method: 'get', path: `/api/auth/wecom/start?corp=${A.corp.wecomCorpId}` }),
    expect: Object.fromEntries(CALLERS.map((c) => [c, 302])) as Expect,
  },
  // Without the sign-in cookie this browser got at the start, no code is exchanged, whoever calls.
  'GET /api/auth/wecom/callback': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/auth/wecom/callback?code=c0de&state=abc123' }),
    expect: Object.fromEntries(CALLERS.map((c) => [c, 401])) as Expect,
  },
  'GET /api/auth/wecom/web-login': {
    scoped: false,
    send: () => ({ method: 'get', path: `/api/auth/wecom/web-login?corp=${A.corp.wecomCorpId}` }),
    expect: Object.fromEntries(CALLERS.map((c) => [c, 302])) as Expect,
  },
  'GET /api/auth/wecom/web-login/callback': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/auth/wecom/web-login/callback?code=c0de&state=abc123' }),
    expect: Object.fromEntries(CALLERS.map((c) => [c, 401])) as Expect,
  },
  'GET /api/auth/me': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/auth/me' }),
    expect: roles({
      guide: 200,
      store_manager: 200,
      regional_manager: 200,
      head_office: 200,
      finance: 200,
      admin: 200,
    }),
  },
  'POST /api/auth/logout': {
    scoped: false,
    send: () => ({ method: 'post', path: '/api/auth/logout' }),
    expect: Object.fromEntries(CALLERS.map((c) => [c, 200])) as Expect,
  },
  // Any signed-in user may sign a page on the API's own origin (passes to WeCom → 503 here); other pages 403.
  'POST /api/wecom/jssdk-signatures': {
    scoped: true,
    send: (scope) => ({
      method: 'post',
      path: '/api/wecom/jssdk-signatures',
      body: { url: scope === 'in' ? `${t.ctx.cfg.publicUrl}/sidebar` : 'https://evil.example/sidebar' },
    }),
    expect: roles({
      guide: s(503, 403, 403),
      store_manager: s(503, 403, 403),
      regional_manager: s(503, 403, 403),
      head_office: s(503, 403, 403),
      finance: s(503, 403, 403),
      admin: s(503, 403, 403),
    }),
  },
  'GET /api/guide/customers': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/guide/customers' }),
    // A store manager is allowed by role but is not a guide.
    expect: roles({ guide: 200, store_manager: 403 }),
  },
  'GET /api/attribution/orders/:orderId/trail': {
    scoped: true,
    send: (scope) => ({
      method: 'get',
      path: `/api/attribution/orders/${pick(scope, A.orders, B.orders)}/trail`,
    }),
    expect: roles({
      guide: s(200, 403, 404),
      store_manager: s(200, 403, 404),
      regional_manager: s(200, 403, 404),
      head_office: s(200, 200, 404),
      finance: s(200, 200, 404),
      admin: s(200, 200, 404),
    }),
  },
  'POST /api/attribution/what-if': {
    scoped: false,
    send: () => ({
      method: 'post',
      path: '/api/attribution/what-if',
      body: { ruleSet: DEFAULT_RULES, from: '2026-11-01T00:00:00+08:00', to: '2026-12-01T00:00:00+08:00' },
    }),
    expect: roles({ finance: 200, admin: 200 }),
  },
  'GET /api/attribution/rule-sets': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/attribution/rule-sets' }),
    expect: roles({ finance: 200, admin: 200 }),
  },
  'POST /api/attribution/rule-sets': {
    scoped: false,
    send: () => ({
      method: 'post',
      path: '/api/attribution/rule-sets',
      body: { name: 'matrix', effectiveFrom: '2030-01-01T00:00:00+08:00', config: DEFAULT_RULES, note: 'matrix' },
    }),
    expect: roles({ admin: 201 }),
  },
  'POST /api/attribution/rule-sets/:version/activate': {
    scoped: true,
    send: async (scope) => {
      const tn = tenantOf(scope);
      // Another tenant's version: a number that exists there and not here.
      const version =
        scope === 'other'
          ? (
              await t.ctx
                .db('rule_sets')
                .insert({
                  corp_id: tn.corp.id,
                  version: 900_000 + Math.floor(Math.random() * 90_000),
                  name: 'matrix',
                  effective_from: new Date('2030-01-01T00:00:00+08:00'),
                  config: JSON.stringify(DEFAULT_RULES),
                  created_by: 'matrix',
                  status: 'proposed',
                })
                .returning<{ version: number }[]>('version')
            )[0]!.version
          : await proposeRuleSet(t.ctx.db, tn.corp.id, 'matrix', {
              name: 'matrix',
              effectiveFrom: new Date('2030-01-01T00:00:00+08:00'),
              config: DEFAULT_RULES,
              note: 'matrix',
            });
      return { method: 'post', path: `/api/attribution/rule-sets/${version}/activate`, body: { note: 'matrix' } };
    },
    // Rule sets are the whole tenant's: "out of scope" is the same as in scope for an admin.
    expect: roles({ admin: s(200, 200, 404) }),
  },
  'GET /api/customers/:customerId/exclusive-guide': {
    scoped: true,
    send: (scope) => ({ method: 'get', path: `/api/customers/${customer(scope).id}/exclusive-guide` }),
    // Managers see the history of customers their stores' guides follow; another tenant's customer is unknown.
    expect: roles({
      store_manager: s(200, 403, 404),
      regional_manager: s(200, 403, 404),
      finance: s(200, 200, 404),
      admin: s(200, 200, 404),
    }),
  },
  'PUT /api/customers/:customerId/exclusive-guide': {
    scoped: true,
    send: async (scope) => {
      const c = await freshCustomer(scope);
      return {
        method: 'put',
        path: `/api/customers/${c.id}/exclusive-guide`,
        body: { guideId: c.guideId, reason: 'matrix' },
      };
    },
    expect: roles({ store_manager: s(200, 403, 404), admin: s(200, 200, 404) }),
  },
  // Boards (core/access/scope.ts): `in` is ra1 / sa1 / ga1, `out` ra2 / sa2 / ga2 of the same corp, `other` tenant B's.
  'GET /api/boards/me': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/boards/me' }),
    expect: roles({
      guide: 200,
      store_manager: 200,
      regional_manager: 200,
      head_office: 200,
      finance: 200,
      admin: 200,
    }),
  },
  'GET /api/boards/version': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/boards/version' }),
    expect: roles({
      guide: 200,
      store_manager: 200,
      regional_manager: 200,
      head_office: 200,
      finance: 200,
      admin: 200,
    }),
  },
  'GET /api/boards/regions': {
    scoped: false,
    send: () => ({ method: 'get', path: `/api/boards/regions?${RANGE}` }),
    expect: roles({ store_manager: 200, regional_manager: 200, head_office: 200, finance: 200, admin: 200 }),
  },
  'GET /api/boards/rankings': {
    scoped: false,
    send: () => ({ method: 'get', path: `/api/boards/rankings?${RANGE}` }),
    expect: roles({ store_manager: 200, regional_manager: 200, head_office: 200, finance: 200, admin: 200 }),
  },
  // A store manager sees the part of her store's region that is hers; another tenant's region is
  // refused like any region outside a manager's scope (head office: unknown in this corp).
  'GET /api/boards/regions/:regionId/stores': {
    scoped: true,
    send: (scope) => ({
      method: 'get',
      path: `/api/boards/regions/${pick(scope, A.regions, B.regions)}/stores?${RANGE}`,
    }),
    expect: roles({
      store_manager: s(200, 403, 403),
      regional_manager: s(200, 403, 403),
      head_office: s(200, 200, 404),
      finance: s(200, 200, 404),
      admin: s(200, 200, 404),
    }),
  },
  'GET /api/boards/stores/:storeId/guides': {
    scoped: true,
    send: (scope) => ({
      method: 'get',
      path: `/api/boards/stores/${pick(scope, A.stores, B.stores)}/guides?${RANGE}`,
    }),
    expect: roles(BOARD_READERS),
  },
  'GET /api/boards/stores/:storeId/incrementality': {
    scoped: true,
    send: (scope) => ({
      method: 'get',
      path: `/api/boards/stores/${pick(scope, A.stores, B.stores)}/incrementality?${RANGE}`,
    }),
    expect: roles(BOARD_READERS),
  },
  // A guide reads her own orders only.
  'GET /api/boards/guides/:guideId/orders': {
    scoped: true,
    send: (scope) => ({
      method: 'get',
      path: `/api/boards/guides/${pick(scope, A.guides, B.guides).id}/orders?${RANGE}`,
    }),
    expect: roles({ guide: s(200, 403, 404), ...BOARD_READERS }),
  },
  'GET /api/boards/trend': {
    scoped: true,
    send: (scope) => ({
      method: 'get',
      path: `/api/boards/trend?${RANGE}&level=guide&id=${pick(scope, A.guides, B.guides).id}`,
    }),
    expect: roles({ guide: s(200, 403, 404), ...BOARD_READERS }),
  },
  'GET /api/boards/targets': {
    scoped: true,
    send: (scope) => ({
      method: 'get',
      path: `/api/boards/targets?month=2026-11&level=guide&parentId=${pick(scope, A.stores, B.stores)}`,
    }),
    expect: roles(BOARD_READERS),
  },
  // Store targets are set by the manager above a store: its regional manager, head office or an admin.
  'PUT /api/boards/targets': {
    scoped: true,
    send: (scope) => ({
      method: 'put',
      path: '/api/boards/targets',
      body: { level: 'store', id: pick(scope, A.stores, B.stores), month: '2026-11', amountFen: 1_000_000 },
    }),
    expect: roles({
      store_manager: 403,
      regional_manager: s(200, 403, 404),
      head_office: s(200, 200, 404),
      admin: s(200, 200, 404),
    }),
  },
  // Only the guide who issued a coupon, or an admin, voids it; managers pass the role gate as guides would.
  'POST /api/coupons/:code/void': {
    scoped: true,
    send: async (scope) => {
      const tn = tenantOf(scope);
      const code = uid('CV');
      await t.ctx.db('coupons').insert({
        corp_id: tn.corp.id,
        template_id: tn.templateId,
        code,
        customer_id: customer(scope).id,
        guide_id: pick(scope, A.guides, B.guides).id,
        issued_at: new Date(),
        expires_at: new Date(Date.now() + 30 * 86_400_000),
      });
      return { method: 'post', path: `/api/coupons/${code}/void`, body: { reason: 'matrix' } };
    },
    expect: roles({
      guide: s(200, 403, 404),
      store_manager: s(403, 403, 404),
      regional_manager: s(403, 403, 404),
      admin: s(200, 200, 404),
    }),
  },
  'GET /api/tenant/product-share': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/tenant/product-share' }),
    expect: roles({ admin: 200 }),
  },
  'PUT /api/tenant/product-share': {
    scoped: false,
    send: () => ({
      method: 'put',
      path: '/api/tenant/product-share',
      body: { linkTemplate: null, miniprogram: null },
    }),
    expect: roles({ admin: 200 }),
  },
  'GET /api/sidebar/bootstrap': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/sidebar/bootstrap' }),
    expect: guideSidebar(200),
  },
  'GET /api/sidebar/customers/:ext': {
    scoped: true,
    send: (scope) => ({ method: 'get', path: `/api/sidebar/customers/${customer(scope).externalUserid}` }),
    expect: guideSidebar(s(200, 403, 404)),
  },
  'PUT /api/sidebar/customers/:ext/tags': {
    scoped: true,
    send: (scope) => ({
      method: 'put',
      path: `/api/sidebar/customers/${customer(scope).externalUserid}/tags`,
      body: { add: [], remove: [] },
    }),
    expect: guideSidebar(s(200, 403, 404)),
  },
  'PUT /api/sidebar/customers/:ext/sizes': {
    scoped: true,
    send: (scope) => ({
      method: 'put',
      path: `/api/sidebar/customers/${customer(scope).externalUserid}/sizes`,
      body: { category: 'shoes', size: '38' },
    }),
    expect: guideSidebar(s(200, 403, 404)),
  },
  'POST /api/sidebar/customers/:ext/identities': {
    scoped: true,
    send: async (scope) => ({
      method: 'post',
      path: `/api/sidebar/customers/${(await freshCustomer(scope)).externalUserid}/identities`,
      body: { kind: 'member_no', value: uid('M') },
    }),
    // `out`: a customer of another guide in this corp.
    expect: guideSidebar(s(200, 403, 404)),
  },
  'GET /api/sidebar/scripts': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/sidebar/scripts' }),
    expect: guideSidebar(200),
  },
  'GET /api/sidebar/customers/:ext/scripts': {
    scoped: true,
    send: (scope) => ({ method: 'get', path: `/api/sidebar/customers/${customer(scope).externalUserid}/scripts` }),
    expect: guideSidebar(s(200, 403, 404)),
  },
  'PUT /api/sidebar/scripts/:scriptId/favorite': {
    scoped: true,
    // Scripts are the tenant's: `out` is the same script (nothing narrower than the corp applies).
    send: (scope) => ({
      method: 'put',
      path: `/api/sidebar/scripts/${tenantOf(scope).scriptId}/favorite`,
      body: { favorite: true },
    }),
    expect: guideSidebar(s(200, 200, 404)),
  },
  'GET /api/sidebar/customers/:ext/coupon-offers': {
    scoped: true,
    send: (scope) => ({
      method: 'get',
      path: `/api/sidebar/customers/${customer(scope).externalUserid}/coupon-offers`,
    }),
    expect: guideSidebar(s(200, 403, 404)),
  },
  'GET /api/sidebar/customers/:ext/matches': {
    scoped: true,
    send: (scope) => ({ method: 'get', path: `/api/sidebar/customers/${customer(scope).externalUserid}/matches` }),
    expect: guideSidebar(s(200, 403, 404)),
  },
  'GET /api/sidebar/styles/broken': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/sidebar/styles/broken' }),
    expect: guideSidebar(200),
  },
  'GET /api/sidebar/styles/:productId/customers': {
    scoped: true,
    send: (scope) => ({ method: 'get', path: `/api/sidebar/styles/${tenantOf(scope).productId}/customers` }),
    // The tenant's style is past authorization; with no stock in the guide's store it is not a broken run (409).
    expect: guideSidebar(s(409, 409, 404)),
  },
  'POST /api/sidebar/customers/:ext/coupons': {
    scoped: true,
    send: (scope) => ({
      method: 'post',
      path: `/api/sidebar/customers/${customer(scope).externalUserid}/coupons`,
      body: { templateId: A.templateId },
    }),
    expect: guideSidebar(s(201, 403, 404)),
  },
  'POST /api/sidebar/sends': {
    scoped: true,
    send: (scope) => ({
      method: 'post',
      path: '/api/sidebar/sends',
      body: {
        clientSendId: uid('send'),
        externalUserid: customer(scope).externalUserid,
        kind: 'text',
        sent: [{ msgtype: 'text', summary: 'hi' }],
      },
    }),
    expect: guideSidebar(s(200, 403, 404)),
  },
  // Group chats are read from WeCom (503 here once past authorization).
  'GET /api/sidebar/groups/:chatId': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/sidebar/groups/wrmatrixchat' }),
    expect: guideSidebar(503),
  },
  // The tenant's own asset goes to WeCom (503 here); another tenant's is unknown.
  'POST /api/sidebar/media/:assetId': {
    scoped: true,
    send: (scope) => ({ method: 'post', path: `/api/sidebar/media/${tenantOf(scope).assetId}` }),
    expect: guideSidebar(s(503, 503, 404)),
  },
  'GET /api/sidebar/my-credits': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/sidebar/my-credits' }),
    expect: guideSidebar(200),
  },
  // Raw routers: the corp's own signature (in), none (out), another corp's signature on this corp's URL (other).
  'GET /wecom/callback/:corp': {
    scoped: true,
    send: (scope) => {
      const signer = scope === 'other' ? B.corp : A.corp;
      const ts = Math.floor(Date.now() / 1000);
      const echostr = encrypt(signer.callbackAesKey, 'echo123', signer.wecomCorpId);
      const sig = getSignature(signer.callbackToken, ts, 'n1', echostr);
      const q =
        scope === 'out' ? '' : `?msg_signature=${sig}&timestamp=${ts}&nonce=n1&echostr=${encodeURIComponent(echostr)}`;
      return { method: 'get', path: `/wecom/callback/${A.corp.wecomCorpId}${q}` };
    },
    expect: signedByCorp(200, 400),
  },
  'POST /wecom/callback/:corp': {
    scoped: true,
    send: (scope) => {
      const signer = scope === 'other' ? B.corp : A.corp;
      const { query, enc } = signedCallback(A.corp, signer, eventXml(signer));
      const q =
        scope === 'out' ? `msg_signature=${'0'.repeat(40)}&timestamp=${Math.floor(Date.now() / 1000)}&nonce=n1` : query;
      return {
        method: 'post',
        path: `/wecom/callback/${A.corp.wecomCorpId}?${q}`,
        body: `<xml><ToUserName><![CDATA[${A.corp.wecomCorpId}]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
        contentType: 'text/xml',
      };
    },
    expect: signedByCorp(200, 401),
  },
  'POST /webhooks/pos/:corp': {
    scoped: true,
    send: (scope) => {
      const body = JSON.stringify({
        batchId: uid('b'),
        orders: [
          {
            orderNo: uid('O'),
            storeCode: A.storeCodes[0],
            paidAt: '2026-11-20T12:00:00+08:00',
            grossFen: 100,
            netFen: 100,
            lines: [{ skuCode: 'SKU1', qty: 1, netFen: 100 }],
          },
        ],
        refunds: [],
      });
      const secret = scope === 'other' ? B.corp.posHmacSecret : A.corp.posHmacSecret;
      return {
        method: 'post',
        path: `/webhooks/pos/${A.corp.wecomCorpId}`,
        body,
        contentType: 'application/json',
        headers:
          scope === 'out' ? {} : ({ 'X-Guidepost-Signature': signPosBody(secret, body) } as Record<string, string>),
      };
    },
    expect: signedByCorp(200, 401),
  },
  'POST /api/ingest/orders-file': {
    scoped: false,
    send: () => ({
      method: 'post',
      path: '/api/ingest/orders-file',
      contentType: 'text/csv',
      body: `订单号,门店编码,支付时间,应付金额(元),实付金额(元),SKU,数量,行金额(元)\n${uid('F')},${A.storeCodes[0]},2026-11-20 12:00:00,1.00,1.00,SKU1,1,1.00\n`,
    }),
    expect: roles({ finance: 200, admin: 200 }),
  },
  'POST /api/ingest/interactions-file': {
    scoped: false,
    send: () => ({
      method: 'post',
      path: '/api/ingest/interactions-file',
      contentType: 'text/csv',
      body: `记录号,类型,发生时间,导购账号,外部联系人ID\n${uid('I')},通话,2026-11-20 12:00:00,A-ga1,${A.customers[0].externalUserid}\n`,
    }),
    expect: roles({ finance: 200, admin: 200 }),
  },
  'POST /webhooks/interactions/:corp': {
    scoped: true,
    send: (scope) => {
      const body = JSON.stringify({
        batchId: uid('b'),
        interactions: [
          {
            externalId: uid('call'),
            kind: 'call',
            occurredAt: '2026-11-20T12:00:00+08:00',
            guideUserid: 'A-ga1',
            externalUserid: A.customers[0].externalUserid,
          },
        ],
      });
      const secret = scope === 'other' ? B.corp.posHmacSecret : A.corp.posHmacSecret;
      return {
        method: 'post',
        path: `/webhooks/interactions/${A.corp.wecomCorpId}`,
        body,
        contentType: 'application/json',
        headers:
          scope === 'out' ? {} : ({ 'X-Guidepost-Signature': signPosBody(secret, body) } as Record<string, string>),
      };
    },
    expect: signedByCorp(200, 401),
  },
  // WeCom's verification file is public at the domain root, whichever tenant stored it: tenant A's
  // (in) and tenant B's (other) are served to anyone, a name no corp stored (out) is not.
  [`GET ${String(WECOM_VERIFY_PATH)}`]: {
    scoped: true,
    send: async (scope) => {
      const filename = `WW_verify_${randomBytes(8).toString('hex')}.txt`;
      if (scope !== 'out')
        await t.ctx.db('wecom_verify_files').insert({ corp_id: tenantOf(scope).corp.id, filename, content: 'matrix' });
      return { method: 'get', path: `/${filename}` };
    },
    expect: Object.fromEntries(CALLERS.map((c) => [c, s(200, 404, 200)])) as Expect,
  },
  // The brand admin console (head office's admin only). These run after the signed webhooks above:
  // rotating and then ending the overlap retires the POS secret they sign with.
  'GET /api/admin/integrations': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/admin/integrations' }),
    expect: roles({ admin: 200 }),
  },
  'POST /api/admin/integrations/pos-secret': {
    scoped: false,
    send: () => ({ method: 'post', path: '/api/admin/integrations/pos-secret', body: { overlapMinutes: 60 } }),
    expect: roles({ admin: 200 }),
  },
  'DELETE /api/admin/integrations/pos-secret/previous': {
    scoped: false,
    send: () => ({ method: 'delete', path: '/api/admin/integrations/pos-secret/previous' }),
    expect: roles({ admin: 200 }),
  },
  // A file name is the corp's own to set (in, and again: out is the same corp); one another tenant serves is refused.
  'PUT /api/admin/integrations/wecom-verify-file': {
    scoped: true,
    send: async (scope) => {
      const filename = `WW_verify_${randomBytes(8).toString('hex')}.txt`;
      if (scope === 'other')
        await t.ctx.db('wecom_verify_files').insert({ corp_id: B.corp.id, filename, content: 'tenant B' });
      return {
        method: 'put',
        path: '/api/admin/integrations/wecom-verify-file',
        body: { filename, content: 'matrix' },
      };
    },
    expect: roles({ admin: s(200, 200, 409) }),
  },
  'GET /api/admin/channel-codes': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/admin/channel-codes' }),
    expect: roles({ admin: 200 }),
  },
  // Any guide of the corp may get a code (then WeCom is asked: 503 here); another tenant's guide is not one (400, the field).
  'POST /api/admin/channel-codes': {
    scoped: true,
    send: (scope) => ({
      method: 'post',
      path: '/api/admin/channel-codes',
      body: { name: 'matrix', guideIds: [pick(scope, A.guides, B.guides).id] },
    }),
    expect: roles({ admin: s(503, 503, 400) }),
  },
  'GET /api/admin/channel-codes/options': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/admin/channel-codes/options' }),
    expect: roles({ admin: 200 }),
  },
  // A code made outside the console has no contact way to delete in WeCom: removed here (200); another tenant's is unknown (404).
  'DELETE /api/admin/channel-codes/:id': {
    scoped: true,
    send: async (scope) => ({ method: 'delete', path: `/api/admin/channel-codes/${await channelCodeOf(scope)}` }),
    expect: roles({ admin: s(200, 200, 404) }),
  },
  // The QR image is fetched from WeCom's CDN (unreachable here: 503); another tenant's code is unknown (404).
  'GET /api/admin/channel-codes/:id/qr': {
    scoped: true,
    send: async (scope) => ({ method: 'get', path: `/api/admin/channel-codes/${await channelCodeOf(scope)}/qr` }),
    expect: roles({ admin: s(503, 503, 404) }),
  },
  // The check reports on our own callback URL (ok or why not): 200 either way.
  'POST /api/admin/integrations/callback-check': {
    scoped: false,
    send: () => ({ method: 'post', path: '/api/admin/integrations/callback-check' }),
    expect: roles({ admin: 200 }),
  },
  // The script library: the corp's own categories, scripts and customers (in and out alike); another tenant's are unknown.
  'GET /api/admin/scripts': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/admin/scripts' }),
    expect: roles({ admin: 200 }),
  },
  'GET /api/admin/scripts/sample-customers': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/admin/scripts/sample-customers?q=' }),
    expect: roles({ admin: 200 }),
  },
  'POST /api/admin/script-categories': {
    scoped: false,
    send: () => ({
      method: 'post',
      path: '/api/admin/script-categories',
      body: { name: uid('分类'), scenario: 'promotion' },
    }),
    expect: roles({ admin: 201 }),
  },
  'PUT /api/admin/script-categories/order': {
    scoped: false,
    send: async () => ({
      method: 'put',
      path: '/api/admin/script-categories/order',
      body: { ids: (await categoryIds(A)).reverse() },
    }),
    expect: roles({ admin: 200 }),
  },
  'PUT /api/admin/script-categories/:categoryId': {
    scoped: true,
    send: async (scope) => ({
      method: 'put',
      path: `/api/admin/script-categories/${(await categoryIds(tenantOf(scope)))[0]}`,
      body: { name: uid('改名') },
    }),
    expect: roles({ admin: s(200, 200, 404) }),
  },
  'DELETE /api/admin/script-categories/:categoryId': {
    scoped: true,
    send: async (scope) => {
      const [cat] = await t.ctx
        .db('script_categories')
        .insert({ corp_id: tenantOf(scope).corp.id, name: uid('空'), scenario: 'welcome' })
        .returning<{ id: number }[]>('id');
      return { method: 'delete', path: `/api/admin/script-categories/${cat!.id}` };
    },
    expect: roles({ admin: s(200, 200, 404) }),
  },
  // A category of another tenant is unknown (404, the field).
  'POST /api/admin/scripts': {
    scoped: true,
    send: async (scope) => ({
      method: 'post',
      path: '/api/admin/scripts',
      body: scriptBody((await categoryIds(tenantOf(scope)))[0]!),
    }),
    expect: roles({ admin: s(201, 201, 404) }),
  },
  'PUT /api/admin/scripts/:scriptId': {
    scoped: true,
    send: async (scope) => ({
      method: 'put',
      path: `/api/admin/scripts/${await draftScript(tenantOf(scope))}`,
      body: scriptBody((await categoryIds(A))[0]!),
    }),
    expect: roles({ admin: s(200, 200, 404) }),
  },
  'POST /api/admin/scripts/:scriptId/publish': {
    scoped: true,
    send: async (scope) => ({
      method: 'post',
      path: `/api/admin/scripts/${await draftScript(tenantOf(scope))}/publish`,
    }),
    expect: roles({ admin: s(200, 200, 404) }),
  },
  'POST /api/admin/scripts/:scriptId/withdraw': {
    scoped: true,
    send: async (scope) => ({
      method: 'post',
      path: `/api/admin/scripts/${await draftScript(tenantOf(scope))}/withdraw`,
    }),
    expect: roles({ admin: s(200, 200, 404) }),
  },
  'POST /api/admin/scripts/preview': {
    scoped: true,
    send: async (scope) => ({
      method: 'post',
      path: '/api/admin/scripts/preview',
      body: { customerId: customer(scope).id, script: scriptBody((await categoryIds(A))[0]!) },
    }),
    expect: roles({ admin: s(200, 200, 404) }),
  },
  // Stored, then uploaded to WeCom (unreachable here: 503); the role is checked before the body is read.
  'POST /api/admin/script-images': {
    scoped: false,
    send: () => ({
      method: 'post',
      path: '/api/admin/script-images?filename=a.png',
      contentType: 'image/png',
      body: PNG_1PX,
    }),
    expect: roles({ admin: 503 }),
  },
  // Succession (离职继承 / 在职继承): the admin's, over every guide of the corp; another tenant's guide is unknown.
  'GET /api/admin/succession': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/admin/succession' }),
    expect: roles({ admin: 200 }),
  },
  'GET /api/admin/succession/guides/:guideId/customers': {
    scoped: true,
    send: (scope) => ({
      method: 'get',
      path: `/api/admin/succession/guides/${pick(scope, A.guides, B.guides).id}/customers`,
    }),
    expect: roles({ admin: s(200, 200, 404) }),
  },
  'POST /api/admin/succession/guides/:guideId/leave': {
    scoped: true,
    send: async (scope) => {
      const tn = tenantOf(scope);
      const g = await createGuide(t.ctx.db, tn.corp.id, tn.stores[scope === 'out' ? 1 : 0]);
      return { method: 'post', path: `/api/admin/succession/guides/${g.id}/leave`, body: { reason: 'matrix' } };
    },
    expect: roles({ admin: s(200, 200, 404) }),
  },
  // Passes to WeCom (503 here) for the corp's own guides; another tenant's guides are unknown (404).
  'POST /api/admin/succession/transfers': {
    scoped: true,
    send: async (scope) => {
      const c = await freshCustomer(scope);
      const tn = tenantOf(scope);
      const to = tn.guides.find((g) => g.id !== c.guideId)!;
      return {
        method: 'post',
        path: '/api/admin/succession/transfers',
        body: { handoverGuideId: c.guideId, takeoverGuideId: to.id, customerIds: [c.id] },
      };
    },
    expect: roles({ admin: s(503, 503, 404) }),
  },
  // Reads WeCom's unassigned list and transfer results: 503 here.
  'POST /api/admin/succession/refresh': {
    scoped: false,
    send: () => ({ method: 'post', path: '/api/admin/succession/refresh' }),
    expect: roles({ admin: 503 }),
  },
  'GET /api/guide/handovers': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/guide/handovers' }),
    expect: roles({ guide: 200, store_manager: 403 }),
  },
  // Coupon templates: the corp's own (in, and out: the same corp) by id; another tenant's is unknown (404).
  'GET /api/admin/coupon-templates': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/admin/coupon-templates' }),
    expect: roles({ admin: 200 }),
  },
  'POST /api/admin/coupon-templates': {
    scoped: false,
    send: () => ({
      method: 'post',
      path: '/api/admin/coupon-templates',
      body: { name: 'matrix', kind: 'cash', valueFen: 1000, validDays: 30 },
    }),
    expect: roles({ admin: 201 }),
  },
  'PUT /api/admin/coupon-templates/:id': {
    scoped: true,
    send: (scope) => ({
      method: 'put',
      path: `/api/admin/coupon-templates/${tenantOf(scope).templateId}`,
      body: { name: '满减', kind: 'cash', valueFen: 1000, validDays: 30 },
    }),
    expect: roles({ admin: s(200, 200, 404) }),
  },
  'POST /api/admin/coupon-templates/:id/retire': {
    scoped: true,
    send: async (scope) => {
      const [tpl] = await t.ctx
        .db('coupon_templates')
        .insert({
          corp_id: tenantOf(scope).corp.id,
          code: uid('T'),
          name: '退役',
          kind: 'cash',
          valid_days: 30,
          value_fen: 500,
        })
        .returning<{ id: number }[]>('id');
      return { method: 'post', path: `/api/admin/coupon-templates/${tpl!.id}/retire`, body: {} };
    },
    expect: roles({ admin: s(200, 200, 404) }),
  },
  // Tags: WeCom is asked for every change but a group's family (ours alone): 503 here; another tenant's group or tag is 404.
  'GET /api/admin/tags': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/admin/tags' }),
    expect: roles({ admin: 200 }),
  },
  'POST /api/admin/tag-groups': {
    scoped: false,
    send: () => ({
      method: 'post',
      path: '/api/admin/tag-groups',
      body: { name: uid('组'), family: 'preference', tags: ['偏好新款'] },
    }),
    expect: roles({ admin: 503 }),
  },
  'PATCH /api/admin/tag-groups/:id': {
    scoped: true,
    send: async (scope) => ({
      method: 'patch',
      path: `/api/admin/tag-groups/${(await tagFixture(scope)).groupId}`,
      body: { family: 'size' },
    }),
    expect: roles({ admin: s(200, 200, 404) }),
  },
  'DELETE /api/admin/tag-groups/:id': {
    scoped: true,
    send: async (scope) => ({ method: 'delete', path: `/api/admin/tag-groups/${(await tagFixture(scope)).groupId}` }),
    expect: roles({ admin: s(503, 503, 404) }),
  },
  'POST /api/admin/tag-groups/:id/tags': {
    scoped: true,
    send: async (scope) => ({
      method: 'post',
      path: `/api/admin/tag-groups/${(await tagFixture(scope)).groupId}/tags`,
      body: { tags: ['新标签'] },
    }),
    expect: roles({ admin: s(503, 503, 404) }),
  },
  'PATCH /api/admin/tags/:id': {
    scoped: true,
    send: async (scope) => ({
      method: 'patch',
      path: `/api/admin/tags/${(await tagFixture(scope)).tagId}`,
      body: { name: '改名' },
    }),
    expect: roles({ admin: s(503, 503, 404) }),
  },
  'DELETE /api/admin/tags/:id': {
    scoped: true,
    send: async (scope) => ({ method: 'delete', path: `/api/admin/tags/${(await tagFixture(scope)).tagId}` }),
    expect: roles({ admin: s(503, 503, 404) }),
  },
  // Org & roles (admin only). A department or user of another tenant is unknown here (404).
  'GET /api/admin/org': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/admin/org' }),
    expect: roles({ admin: 200 }),
  },
  'POST /api/admin/org/sync': {
    scoped: false,
    send: () => ({ method: 'post', path: '/api/admin/org/sync' }),
    expect: roles({ admin: 202 }),
  },
  'PUT /api/admin/org/departments/:wecomId/kind': {
    scoped: true,
    send: async (scope) => {
      const wecomId = 1000 + Math.floor(Math.random() * 1e8);
      await t.ctx.db('org_departments').insert({
        corp_id: tenantOf(scope).corp.id,
        wecom_id: wecomId,
        parent_wecom_id: 1,
        name: `matrix ${wecomId}`,
      });
      return {
        method: 'put',
        path: `/api/admin/org/departments/${wecomId}/kind`,
        body: { kind: 'none', why: 'matrix' },
      };
    },
    expect: roles({ admin: s(200, 200, 404) }),
  },
  'GET /api/admin/users': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/admin/users' }),
    expect: roles({ admin: 200 }),
  },
  // A fresh user each time: made manager of the `in` or the `out` store (both the corp's); another tenant's user is a 404.
  'PUT /api/admin/users/:userId/role': {
    scoped: true,
    send: async (scope) => {
      const userId = await createUser(t.ctx.db, tenantOf(scope).corp.id, { userid: uid('mx'), role: 'finance' });
      return {
        method: 'put',
        path: `/api/admin/users/${userId}/role`,
        body: { role: 'store_manager', storeIds: [scope === 'out' ? A.stores[1] : A.stores[0]], why: 'matrix' },
      };
    },
    expect: roles({ admin: s(200, 200, 404) }),
  },
  // Commission: finance (and head office) settle the whole corp; only a statement is per guide.
  'GET /api/commission/plans': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/commission/plans' }),
    expect: roles({ finance: 200, admin: 200 }),
  },
  'POST /api/commission/plans': {
    scoped: false,
    send: () => ({
      method: 'post',
      path: '/api/commission/plans',
      body: { name: 'matrix', rates: PLAN_RATES, effectiveFrom: '2027-01-01', changeNote: 'matrix' },
    }),
    expect: roles({ finance: 201, admin: 201 }),
  },
  'POST /api/commission/plans/preview': {
    scoped: false,
    send: () => ({
      method: 'post',
      path: '/api/commission/plans/preview',
      body: { month: '2026-11', rates: PLAN_RATES },
    }),
    expect: roles({ finance: 200, admin: 200 }),
  },
  'GET /api/commission/periods': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/commission/periods' }),
    expect: roles({ finance: 200, admin: 200 }),
  },
  'POST /api/commission/periods/:month/review': {
    scoped: false,
    send: () => ({ method: 'post', path: '/api/commission/periods/2026-11/review' }),
    expect: roles({ finance: 200, admin: 200 }),
  },
  // Each settling caller closes its own reviewed month, earliest first (months close in order).
  'POST /api/commission/periods/:month/close': {
    scoped: false,
    send: async (_scope, caller) => {
      const month = caller === 'admin' ? '2026-06' : '2026-05';
      if (caller === 'finance' || caller === 'admin') await reviewPeriod(t.ctx.db, A.corp.id, month, 'matrix');
      return { method: 'post', path: `/api/commission/periods/${month}/close`, body: { reason: 'matrix' } };
    },
    expect: roles({ finance: 200, admin: 200 }),
  },
  'GET /api/commission/periods/:month/summary': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/commission/periods/2026-11/summary?level=guide' }),
    expect: roles({ finance: 200, admin: 200 }),
  },
  // A statement: the guide's own, a manager's guides (her store / region), head office and finance any guide of the corp.
  'GET /api/commission/periods/:month/guides/:guideId': {
    scoped: true,
    send: (scope) => ({
      method: 'get',
      path: `/api/commission/periods/2026-11/guides/${pick(scope, A.guides, B.guides).id}`,
    }),
    expect: roles({ guide: s(200, 403, 404), ...BOARD_READERS }),
  },
  // Finance adjusts any guide of the corp; another tenant's guide is unknown here.
  'POST /api/commission/periods/:month/adjustments': {
    scoped: true,
    send: (scope) => ({
      method: 'post',
      path: '/api/commission/periods/2026-11/adjustments',
      body: { guideId: pick(scope, A.guides, B.guides).id, amountFen: 500, reason: 'matrix' },
    }),
    expect: roles({ finance: s(201, 201, 404), admin: s(201, 201, 404) }),
  },
  'GET /api/commission/periods/:month/exports': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/commission/periods/2026-11/exports' }),
    expect: roles({ finance: 200, admin: 200 }),
  },
  'GET /api/commission/periods/:month/exports/:file': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/commission/periods/2026-11/exports/statements.csv' }),
    expect: roles({ finance: 200, admin: 200 }),
  },
  'GET /api/audit': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/audit' }),
    expect: roles({ finance: 200, admin: 200 }),
  },
  // The sidebar's 我的提成: the signed-in guide's own statement (no id to point elsewhere); managers who do not sell have none.
  'GET /api/sidebar/commission/:month': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/sidebar/commission/2026-11' }),
    expect: guideSidebar(200),
  },
  // A guide claims an order credited to another guide (in); one credited to her is contested, not claimed
  // (out: 409); another tenant's order is unknown (other).
  'POST /api/sidebar/disputes': {
    scoped: true,
    send: (scope) => ({
      method: 'post',
      path: '/api/sidebar/disputes',
      body: {
        kind: 'claim',
        orderId: scope === 'in' ? A.orders[1] : scope === 'out' ? A.orders[0] : B.orders[0],
        rule: 'interaction',
        note: 'matrix',
      },
    }),
    expect: guideSidebar(s(201, 409, 404)),
  },
  'GET /api/sidebar/disputes': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/sidebar/disputes' }),
    expect: guideSidebar(200),
  },
  // Disputes list within the caller's reach (core/commission/disputes.ts listDisputes).
  'GET /api/disputes': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/disputes' }),
    expect: roles({ store_manager: 200, regional_manager: 200, finance: 200, admin: 200 }),
  },
  // The store manager of the guide's store passes it up; head office may for any store of the corp.
  'POST /api/disputes/:id/escalate': {
    scoped: true,
    send: async (scope) => ({
      method: 'post',
      path: `/api/disputes/${await openDispute(scope, 'store')}/escalate`,
      body: { note: 'matrix' },
    }),
    expect: roles({ store_manager: s(200, 403, 404), admin: s(200, 200, 404) }),
  },
  // Who decides: the store manager of the guide's store, her regional manager once escalated (the
  // regional manager is sent an escalated dispute), head office always; never across tenants.
  'POST /api/disputes/:id/decision': {
    scoped: true,
    send: async (scope, caller) => ({
      method: 'post',
      path: `/api/disputes/${await openDispute(scope, caller === 'regional_manager' ? 'region' : 'store')}/decision`,
      body: { decision: 'reject', reason: 'matrix' },
    }),
    expect: roles({
      store_manager: s(200, 403, 404),
      regional_manager: s(200, 403, 404),
      admin: s(200, 200, 404),
    }),
  },
  // Reconciliation of POS takings against credited orders: the corp's, for finance and head office.
  'GET /api/reconciliation/days': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/reconciliation/days' }),
    expect: roles({ finance: 200, admin: 200 }),
  },
  'POST /api/reconciliation/days/:day': {
    scoped: false,
    send: () => ({ method: 'post', path: '/api/reconciliation/days/2026-11-20' }),
    expect: roles({ finance: 200, admin: 200 }),
  },
  'GET /api/reconciliation/months/:month': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/reconciliation/months/2026-11' }),
    expect: roles({ finance: 200, admin: 200 }),
  },
  // Campaigns: managers build within their stores, head office the corp; results read within scope.
  'GET /api/campaigns/options': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/campaigns/options' }),
    expect: roles({ store_manager: 200, regional_manager: 200, admin: 200 }),
  },
  // A definition only narrows the caller's scope (core/campaigns/segments.ts), so a segment is not scoped.
  'POST /api/segments/preview': {
    scoped: false,
    send: () => ({ method: 'post', path: '/api/segments/preview', body: { definition: {} } }),
    expect: roles({ store_manager: 200, regional_manager: 200, admin: 200 }),
  },
  'GET /api/segments': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/segments' }),
    expect: roles({ store_manager: 200, regional_manager: 200, admin: 200 }),
  },
  'POST /api/segments': {
    scoped: false,
    send: () => ({ method: 'post', path: '/api/segments', body: { name: uid('seg'), definition: {} } }),
    expect: roles({ store_manager: 201, regional_manager: 201, admin: 201 }),
  },
  // A saved segment is the corp's (campaigns keep their own copy); another tenant's is unknown.
  'DELETE /api/segments/:segmentId': {
    scoped: true,
    send: async (scope) => {
      const [seg] = await t.ctx
        .db('segments')
        .insert({ corp_id: tenantOf(scope).corp.id, name: uid('seg'), definition: JSON.stringify({ tags: [] }) })
        .returning<{ id: string }[]>('id');
      return { method: 'delete', path: `/api/segments/${seg!.id}` };
    },
    expect: roles({
      store_manager: s(200, 200, 404),
      regional_manager: s(200, 200, 404),
      admin: s(200, 200, 404),
    }),
  },
  'GET /api/campaigns': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/campaigns' }),
    expect: roles({ store_manager: 200, regional_manager: 200, finance: 200, admin: 200 }),
  },
  // The corp's segment and script (in; out is the same corp's); another tenant's segment is unknown.
  'POST /api/campaigns': {
    scoped: true,
    send: async (scope) => {
      const tn = tenantOf(scope);
      const [seg] = await t.ctx
        .db('segments')
        .insert({ corp_id: tn.corp.id, name: uid('seg'), definition: JSON.stringify({ tags: [] }) })
        .returning<{ id: string }[]>('id');
      return {
        method: 'post',
        path: '/api/campaigns',
        body: { name: 'matrix', segmentId: Number(seg!.id), scriptId: A.scriptId },
      };
    },
    expect: roles({
      store_manager: s(201, 201, 404),
      regional_manager: s(201, 201, 404),
      admin: s(201, 201, 404),
    }),
  },
  // Results are counted over the recipients in the caller's scope: another store's campaign reads as
  // empty for a manager (its name only), another tenant's is unknown.
  'GET /api/campaigns/:campaignId': {
    scoped: true,
    send: async (scope) => ({ method: 'get', path: `/api/campaigns/${await campaignFor(scope)}` }),
    expect: roles({
      store_manager: s(200, 200, 404),
      regional_manager: s(200, 200, 404),
      finance: s(200, 200, 404),
      admin: s(200, 200, 404),
    }),
  },
  'GET /api/campaigns/:campaignId/roi': {
    scoped: true,
    send: async (scope) => ({ method: 'get', path: `/api/campaigns/${await campaignFor(scope)}/roi` }),
    expect: roles({
      store_manager: s(200, 200, 404),
      regional_manager: s(200, 200, 404),
      finance: s(200, 200, 404),
      admin: s(200, 200, 404),
    }),
  },
  // Reminding or cancelling acts on every recipient's guide: a manager only on a campaign wholly within his stores.
  'POST /api/campaigns/:campaignId/remind': {
    scoped: true,
    send: async (scope) => ({ method: 'post', path: `/api/campaigns/${await campaignFor(scope)}/remind` }),
    expect: roles({
      store_manager: s(200, 403, 404),
      regional_manager: s(200, 403, 404),
      admin: s(200, 200, 404),
    }),
  },
  'POST /api/campaigns/:campaignId/cancel': {
    scoped: true,
    send: async (scope) => ({ method: 'post', path: `/api/campaigns/${await campaignFor(scope)}/cancel` }),
    expect: roles({
      store_manager: s(200, 403, 404),
      regional_manager: s(200, 403, 404),
      admin: s(200, 200, 404),
    }),
  },
  'GET /api/sidebar/campaign-tasks': {
    scoped: false,
    send: () => ({ method: 'get', path: '/api/sidebar/campaign-tasks' }),
    expect: guideSidebar(200),
  },
  // Like the style's customers: past authorization, no stock in the guide's store fits anyone (409).
  'POST /api/sidebar/styles/:productId/push': {
    scoped: true,
    send: (scope) => ({ method: 'post', path: `/api/sidebar/styles/${tenantOf(scope).productId}/push` }),
    expect: guideSidebar(s(409, 409, 404)),
  },
};

/** Every route the app serves, as `METHOD /path`, read from the routers themselves. */
function servedRoutes(): string[] {
  const keys = allRoutes.map((r) => `${r.method.toUpperCase()} ${r.path}`);
  for (const make of apiRawRouters) {
    const router = make(t.ctx) as Router & {
      stack: { route?: { path: string | RegExp; methods: Record<string, boolean> } }[];
    };
    for (const layer of router.stack) {
      if (!layer.route) continue;
      for (const [m, on] of Object.entries(layer.route.methods))
        // A pattern path is keyed by its literal (`GET /^\/WW_verify_…$/`): MATRIX builds that key from the same RegExp.
        if (on && m !== '_all') keys.push(`${m.toUpperCase()} ${String(layer.route.path)}`);
    }
  }
  return keys;
}

async function tenant(label: string): Promise<Tenant> {
  const db = t.ctx.db;
  const corp = await createCorp(db, t.ctx.secrets);
  const r1 = await createRegion(db, corp.id);
  const r2 = await createRegion(db, corp.id);
  const codes: [string, string] = [uid('S'), uid('S')];
  const s1 = await createStore(db, corp.id, r1, { code: codes[0] });
  const s2 = await createStore(db, corp.id, r2, { code: codes[1] });
  const g1 = await createGuide(db, corp.id, s1, { userid: `${label}-ga1` });
  const g2 = await createGuide(db, corp.id, s2, { userid: `${label}-ga2` });
  await createUser(db, corp.id, { userid: `${label}-sm`, role: 'store_manager', storeIds: [s1] });
  await createUser(db, corp.id, { userid: `${label}-rm`, role: 'regional_manager', regionIds: [r1] });
  await createUser(db, corp.id, { userid: `${label}-ho`, role: 'head_office' });
  await createUser(db, corp.id, { userid: `${label}-fin`, role: 'finance' });
  await createUser(db, corp.id, { userid: `${label}-adm`, role: 'admin' });
  const c1 = await createCustomer(db, corp.id, { externalUserid: uid('wm') });
  const c2 = await createCustomer(db, corp.id, { externalUserid: uid('wm') });
  await follow(db, corp.id, c1.id, g1.id, { exclusive: true });
  await follow(db, corp.id, c2.id, g2.id, { exclusive: true });
  // One order per store, each credited to its store's guide through the interaction window.
  const paidAt = new Date('2026-11-20T12:00:00+08:00');
  const orders: number[] = [];
  for (const [store, c, g] of [
    [s1, c1, g1],
    [s2, c2, g2],
  ] as const) {
    const [o] = await db('orders')
      .insert({
        corp_id: corp.id,
        source: 'pos',
        order_no: uid('O'),
        store_id: store,
        customer_id: c.id,
        paid_at: paidAt,
        gross_fen: 10_000,
        net_fen: 10_000,
        coupon_codes: [],
      })
      .returning<{ id: number }[]>('id');
    await recordInteractions(db, [
      {
        corpId: corp.id,
        guideId: g.id,
        customerId: c.id,
        occurredAt: new Date(paidAt.getTime() - 86_400_000),
        kind: 'script_send',
        source: 'sidebar',
        evidenceId: uid('e'),
      },
    ]);
    orders.push(o!.id);
  }
  // A commission plan in force all year, before any order is credited.
  await createPlan(
    db,
    corp.id,
    { name: 'matrix', rates: PLAN_RATES, tiers: [], holdDays: 7, effectiveFrom: '2026-01-01', changeNote: 'matrix' },
    'matrix',
  );
  await attributeOrders(t.ctx, corp.id, orders, 'matrix fixture');
  await db('size_runs').insert({ corp_id: corp.id, category: 'shoes', sizes: ['36', '37', '38', '39'] });
  const [cat] = await db('script_categories')
    .insert({ corp_id: corp.id, name: '问候', scenario: 'welcome' })
    .returning<{ id: number }[]>('id');
  const [script] = await db('scripts')
    .insert({
      corp_id: corp.id,
      category_id: cat!.id,
      title: '你好',
      parts: JSON.stringify([{ type: 'text', text: '你好' }]),
    })
    .returning<{ id: number }[]>('id');
  const [product] = await db('products')
    .insert({ corp_id: corp.id, style_no: uid('ST'), name: '跑鞋', category: 'shoes', list_price_fen: 59_900 })
    .returning<{ id: number }[]>('id');
  const [template] = await db('coupon_templates')
    .insert({ corp_id: corp.id, code: uid('T'), name: '满减', kind: 'cash', valid_days: 30, value_fen: 1000 })
    .returning<{ id: number }[]>('id');
  const [asset] = await db('media_assets')
    .insert({
      corp_id: corp.id,
      kind: 'image',
      filename: 'a.png',
      content_type: 'image/png',
      sha256: randomBytes(32).toString('hex'),
      content: Buffer.from('png'),
    })
    .returning<{ id: number }[]>('id');
  return {
    corp,
    regions: [r1, r2],
    stores: [s1, s2],
    storeCodes: codes,
    guides: [g1, g2],
    customers: [c1, c2],
    orders: orders as [number, number],
    scriptId: script!.id,
    productId: product!.id,
    templateId: template!.id,
    assetId: asset!.id,
  };
}

const USERID: Record<Exclude<Caller, 'anonymous'>, string> = {
  guide: 'A-ga1',
  store_manager: 'A-sm',
  regional_manager: 'A-rm',
  head_office: 'A-ho',
  finance: 'A-fin',
  admin: 'A-adm',
};

beforeAll(async () => {
  A = await tenant('A');
  B = await tenant('B');
});

describe('authorization matrix', () => {
  it('has an entry for every route the app serves, and none for a route it does not', () => {
    const served = servedRoutes().sort();
    const missing = served.filter((k) => !(k in MATRIX));
    const stale = Object.keys(MATRIX).filter((k) => !served.includes(k));
    expect(missing, 'routes without an entry in MATRIX (add one)').toEqual([]);
    expect(stale, 'entries for routes that no longer exist').toEqual([]);
  });

  it('answers every route × caller × scope with the expected status', { timeout: 120_000 }, async () => {
    const app = createApp(t.ctx, { serveSidebar: false });
    const wrong: string[] = [];
    for (const [key, entry] of Object.entries(MATRIX)) {
      for (const caller of CALLERS) {
        for (const scope of entry.scoped ? SCOPES : (['in'] as const)) {
          const want = entry.expect[caller];
          const expected = typeof want === 'number' ? want : want[scope];
          const r = await entry.send(scope, caller);
          let req = request(app)[r.method](r.path);
          if (caller !== 'anonymous')
            req = req.set(
              'Authorization',
              `Bearer ${signSession(t.ctx.cfg.SESSION_SECRET, { corpId: A.corp.id, userid: USERID[caller] }, 600)}`,
            );
          for (const [h, v] of Object.entries(r.headers ?? {})) req = req.set(h, v);
          if (r.contentType) req = req.set('content-type', r.contentType);
          const res = r.body === undefined ? await req : await req.send(r.body);
          if (res.status !== expected)
            wrong.push(
              `${key} as ${caller} (${scope}): ${res.status}, expected ${expected} ${JSON.stringify(res.body?.error ?? '').slice(0, 160)}`,
            );
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
