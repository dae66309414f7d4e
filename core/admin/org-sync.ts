/**
 * Org sync: WeCom's departments and members → our regions, stores, guides and users. The one home
 * of the mapping, run in full (idempotent: WeCom's current state is the truth) by the scheduled
 * re-sync, by every change_contact callback (the 通讯录同步 assistant's events, protocol §9.3) and by
 * the admin's "sync now".
 *
 * Mapping (README "Org sync"): walking down from the root department (the corp: head office),
 * - a department marked `none` is left out, with everything under it;
 * - a department marked `region`, or left `auto` with no region above it (and none marked below it:
 *   that makes it a grouping such as 大区), is a region;
 * - a department marked `store`, or left `auto` under a region, is a store of that region;
 * - anything below a store belongs to the store.
 * So by default depth 1 is a region and depth 2 a store. A member's store is the store of her main
 * department (else of her first department that maps to one); a member in a store is a guide there.
 * An existing region or store not yet linked to a department is adopted by its exact name.
 *
 * Members: new ones become users with the guide role (an admin assigns other roles in the console);
 * a guide whose department moves to another store moves (her orders and credits keep the store they
 * were sold in). A member WeCom no longer has (user/get answers 60111) or disables/marks exited is
 * left: the guide's status is `left`, both rows get `left_at`, the user can no longer sign in, and
 * `onGuidesLeft` hooks run (succession). A member that merely vanished from the app's visible scope
 * (60011) is not touched: the app cannot see her, that is all.
 */
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import timezone from 'dayjs/plugin/timezone.js';
import type { z } from 'zod';
import { revokeUserSessions, userChanged } from '../auth/session';
import type { AppContext } from '../context';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { orgSyncJob } from '../jobs/maintenance.jobs';
import { getWecomClient } from '../wecom/corp-client';
import { WecomError } from '../wecom/wecom-error';
import type { member as memberSchema } from '../wecom/schemas';

dayjs.extend(utc);
dayjs.extend(timezone);

export type DepartmentKind = 'auto' | 'region' | 'store' | 'none';
export type SyncTrigger = 'schedule' | 'callback' | 'manual';
type WecomMember = z.infer<typeof memberSchema>;

export interface DepartmentNode {
  wecomId: number;
  parentWecomId: number | null;
  name: string;
  order: number;
  kind: DepartmentKind;
}

export interface Classified {
  /** What the department is for us: a region, a store, part of a store, or left out. */
  role: 'root' | 'region' | 'store' | 'in_store' | 'none' | 'above';
  /** The region it is (or is under) and the store it is (or is part of), by WeCom department id. */
  regionDept: number | null;
  storeDept: number | null;
}

/** The mapping as a pure function over the tree (see the module comment), with its problems. */
export function classifyDepartments(nodes: DepartmentNode[]): {
  byId: Map<number, Classified>;
  problems: string[];
} {
  const children = new Map<number, DepartmentNode[]>();
  for (const n of nodes)
    if (n.parentWecomId !== null) children.set(n.parentWecomId, [...(children.get(n.parentWecomId) ?? []), n]);
  const byId = new Map<number, Classified>();
  const problems: string[] = [];
  const ids = new Set(nodes.map((n) => n.wecomId));
  // An `auto` department with a department marked `region` below it is a grouping (大区), not a region.
  const parentOf = new Map(nodes.map((n) => [n.wecomId, n.parentWecomId]));
  const regionBelow = new Set<number>();
  for (const n of nodes)
    if (n.kind === 'region')
      for (let p = parentOf.get(n.wecomId); p != null && !regionBelow.has(p); p = parentOf.get(p)) regionBelow.add(p);
  const visit = (n: DepartmentNode, parent: Classified) => {
    let c: Classified;
    if (n.kind === 'none' || parent.role === 'none') c = { role: 'none', regionDept: null, storeDept: null };
    else if (parent.role === 'store' || parent.role === 'in_store') c = { ...parent, role: 'in_store' };
    else if (parent.role === 'region') {
      if (n.kind === 'region')
        problems.push(`department ${n.name} (${n.wecomId}): a region inside a region is a store`);
      c = { role: 'store', regionDept: parent.regionDept, storeDept: n.wecomId };
    } else if (n.kind === 'store') {
      problems.push(`department ${n.name} (${n.wecomId}): a store needs a region above it; left out`);
      c = { role: 'none', regionDept: null, storeDept: null };
    } else if (n.kind === 'auto' && regionBelow.has(n.wecomId))
      c = { role: 'above', regionDept: null, storeDept: null };
    else c = { role: 'region', regionDept: n.wecomId, storeDept: null };
    byId.set(n.wecomId, c);
    for (const ch of children.get(n.wecomId) ?? []) visit(ch, c);
  };
  // The root (and any department whose parent the app cannot see) is the top: what is under it is classified.
  const top: Classified = { role: 'above', regionDept: null, storeDept: null };
  for (const n of nodes)
    if (n.parentWecomId === null || n.parentWecomId === 0 || !ids.has(n.parentWecomId)) {
      if (n.wecomId === 1 || n.parentWecomId === null || n.parentWecomId === 0) {
        byId.set(n.wecomId, { role: 'root', regionDept: null, storeDept: null });
        for (const ch of children.get(n.wecomId) ?? []) visit(ch, top);
      } else visit(n, top);
    }
  return { byId, problems };
}

/** Called with the guides a sync found gone (the 离职继承 module hooks here). */
export type GuidesLeftHook = (
  ctx: AppContext,
  corpId: number,
  guides: { id: number; userid: string; leftAt: Date }[],
) => Promise<void>;
export const onGuidesLeft: GuidesLeftHook[] = [];

export interface OrgSyncCounts {
  departments: number;
  regions: number;
  stores: number;
  members: number;
  guides: number;
  created: number;
  moved: number;
  left: number;
}

/** Most members confirmed gone (user/get) in one run; the rest wait for the next run. */
const MAX_CONFIRMATIONS = 200;

const isActiveStatus = (m: WecomMember) => m.status === 1 || m.status === 4;

export async function syncOrg(
  ctx: AppContext,
  corpId: number,
  trigger: SyncTrigger,
): Promise<{ syncId: number; counts: OrgSyncCounts; problems: string[] }> {
  const [run] = await ctx.db('org_syncs').insert({ corp_id: corpId, trigger }).returning<{ id: number }[]>('id');
  const syncId = run!.id;
  try {
    const client = await getWecomClient(ctx, corpId);
    // Read WeCom first, outside any transaction.
    const depts = (await client.listDepartments()).department;
    // An app that sees no department at all has lost its visible scope: applying that would close
    // every store. Refuse, and say so in the sync status.
    if (depts.length === 0)
      throw new AppError('CONFLICT', "WeCom shows the app no department: check the app's visible scope (可见范围)");
    const members = new Map<string, WecomMember>();
    for (const d of depts)
      for (const m of (await client.listDepartmentMembers(d.id)).userlist) members.set(m.userid, m);
    const known = (
      await ctx.db.raw<{ rows: { userid: string }[] }>(
        `select userid from users where corp_id = ? and active union select userid from guides where corp_id = ? and status = 'active'`,
        [corpId, corpId],
      )
    ).rows.map((r) => r.userid);
    const gone: string[] = [];
    const problems: string[] = [];
    for (const userid of known.filter((u) => !members.has(u)).slice(0, MAX_CONFIRMATIONS)) {
      try {
        const m = await client.getUser(userid);
        if (isActiveStatus(m)) members.set(m.userid, m);
        else gone.push(userid);
      } catch (err) {
        if (err instanceof WecomError && err.errcode === 60111) gone.push(userid);
        else if (err instanceof WecomError && err.errcode === 60011)
          problems.push(`member ${userid} is outside the app's visible scope; left as is`);
        else throw err;
      }
    }
    const r = await applyOrg(ctx, corpId, depts, [...members.values()], gone);
    problems.push(...r.problems);
    await ctx
      .db('org_syncs')
      .where({ id: syncId })
      .update({
        status: 'ok',
        finished_at: ctx.db.fn.now(),
        counts: JSON.stringify(r.counts),
        problems: JSON.stringify(problems.slice(0, 100)),
      });
    const store = { redis: ctx.redis, prefix: ctx.cfg.QUEUE_PREFIX };
    for (const u of r.changedUsers) await userChanged(store, corpId, u);
    for (const u of r.leftUsers) await revokeUserSessions(store, corpId, u);
    if (r.leftGuides.length) for (const hook of onGuidesLeft) await hook(ctx, corpId, r.leftGuides);
    return { syncId, counts: r.counts, problems };
  } catch (err) {
    await ctx
      .db('org_syncs')
      .where({ id: syncId })
      .update({
        status: 'failed',
        finished_at: ctx.db.fn.now(),
        error: (err instanceof Error ? err.message : String(err)).slice(0, 2000),
      });
    throw err;
  }
}

interface Applied {
  counts: OrgSyncCounts;
  problems: string[];
  changedUsers: string[];
  leftUsers: string[];
  leftGuides: { id: number; userid: string; leftAt: Date }[];
}

async function applyOrg(
  ctx: AppContext,
  corpId: number,
  depts: { id: number; name: string; parentid: number; order: number }[],
  members: WecomMember[],
  gone: string[],
): Promise<Applied> {
  return ctx.db.transaction(async (trx) => {
    // One sync of a corp at a time, whatever runs it.
    await trx.raw(`select pg_advisory_xact_lock(hashtext('org-sync'), ?::int)`, [corpId]);
    const now = new Date();
    const tz =
      (await trx('corps').where({ id: corpId }).first<{ timezone: string } | undefined>('timezone'))?.timezone ??
      'Asia/Shanghai';
    for (const d of depts)
      await trx('org_departments')
        .insert({
          corp_id: corpId,
          wecom_id: d.id,
          parent_wecom_id: d.parentid || null,
          name: d.name.slice(0, 64),
          order: d.order,
          synced_at: now,
        })
        .onConflict(['corp_id', 'wecom_id'])
        .merge({
          parent_wecom_id: d.parentid || null,
          name: d.name.slice(0, 64),
          order: d.order,
          synced_at: now,
          removed_at: null,
        });
    await trx('org_departments')
      .where({ corp_id: corpId })
      .whereNull('removed_at')
      .whereNotIn(
        'wecom_id',
        depts.map((d) => d.id),
      )
      .update({ removed_at: now });
    const nodes = await loadNodes(trx, corpId);
    const { byId, problems } = classifyDepartments(nodes);

    // Regions, then stores, each linked to its department (adopted by name the first time).
    const regionOf = new Map<number, number>();
    for (const n of nodes)
      if (byId.get(n.wecomId)?.role === 'region') regionOf.set(n.wecomId, await linkRow(trx, 'regions', corpId, n));
    const storeOf = new Map<number, number>();
    for (const n of nodes) {
      const c = byId.get(n.wecomId);
      if (c?.role !== 'store' || c.regionDept === null) continue;
      storeOf.set(n.wecomId, await linkRow(trx, 'stores', corpId, n, regionOf.get(c.regionDept)!));
    }
    await trx('stores')
      .where({ corp_id: corpId, status: 'open' })
      .whereNotNull('wecom_department_id')
      .whereNotIn('id', [...storeOf.values()])
      .update({ status: 'closed' });

    const storeFor = (m: WecomMember): number | null => {
      const order = [...(m.main_department ? [m.main_department] : []), ...m.department];
      for (const d of order) {
        const sd = byId.get(d)?.storeDept;
        if (sd != null && storeOf.has(sd)) return storeOf.get(sd)!;
      }
      return null;
    };

    const counts: OrgSyncCounts = {
      departments: depts.length,
      regions: regionOf.size,
      stores: storeOf.size,
      members: 0,
      guides: 0,
      created: 0,
      moved: 0,
      left: 0,
    };
    const changedUsers: string[] = [];
    const leftUsers: string[] = [...gone];
    for (const m of members) {
      if (!isActiveStatus(m)) {
        leftUsers.push(m.userid);
        continue;
      }
      counts.members++;
      const name = (m.name || m.userid).slice(0, 64);
      const storeId = storeFor(m);
      const user = await trx('users')
        .where({ corp_id: corpId, userid: m.userid })
        .first<
          | { id: number; name: string; role: string; guide_id: number | null; active: boolean; left_at: Date | null }
          | undefined
        >('id', 'name', 'role', 'guide_id', 'active', 'left_at');
      let guide = await trx('guides')
        .where({ corp_id: corpId, userid: m.userid })
        .first<{ id: number; store_id: number; status: string; name: string } | undefined>(
          'id',
          'store_id',
          'status',
          'name',
        );
      // A member of a store department is a guide there, unless she holds another role (a store
      // manager sits in his store's department too): she is a guide only once she has that role.
      if (storeId !== null && (guide || !user || user.role === 'guide')) {
        counts.guides++;
        if (!guide) {
          const [g] = await trx('guides')
            .insert({
              corp_id: corpId,
              store_id: storeId,
              userid: m.userid,
              name,
              hired_on: dayjs(now).tz(tz).format('YYYY-MM-DD'),
            })
            .returning<{ id: number; store_id: number; status: string; name: string }[]>([
              'id',
              'store_id',
              'status',
              'name',
            ]);
          guide = g!;
        } else if (Number(guide.store_id) !== storeId || guide.status !== 'active' || guide.name !== name) {
          // A move changes only where she sells from now on: orders and credits keep their own store,
          // and the move is recorded so a bill paid before it still credits the store she left.
          if (Number(guide.store_id) !== storeId) {
            counts.moved++;
            await trx('guide_moves').insert({
              corp_id: corpId,
              guide_id: guide.id,
              from_store_id: guide.store_id,
              to_store_id: storeId,
              moved_at: now,
            });
          }
          await trx('guides')
            .where({ id: guide.id })
            .update({ store_id: storeId, name, status: 'active', left_at: null, left_on: null });
          changedUsers.push(m.userid);
        }
      }
      if (!user) {
        await trx('users').insert({
          corp_id: corpId,
          userid: m.userid,
          name,
          role: 'guide',
          guide_id: guide?.id ?? null,
          active: true,
        });
        counts.created++;
      } else {
        const guideId = user.guide_id ?? guide?.id ?? null;
        // A member back in WeCom returns; a user an admin disabled by hand stays disabled.
        const rejoined = user.left_at !== null;
        if (user.name !== name || user.guide_id !== guideId || rejoined) {
          await trx('users')
            .where({ id: user.id })
            .update({ name, guide_id: guideId, ...(rejoined ? { active: true, left_at: null } : {}) });
          changedUsers.push(m.userid);
        }
      }
    }

    const leftGuides: Applied['leftGuides'] = [];
    if (leftUsers.length) {
      const today = dayjs(now).tz(tz).format('YYYY-MM-DD');
      const g = await trx('guides')
        .where({ corp_id: corpId, status: 'active' })
        .whereIn('userid', leftUsers)
        .update({ status: 'left', left_at: now, left_on: today })
        .returning<{ id: number; userid: string }[]>(['id', 'userid']);
      leftGuides.push(...g.map((x) => ({ id: x.id, userid: x.userid, leftAt: now })));
      const u = await trx('users')
        .where({ corp_id: corpId })
        .whereNull('left_at')
        .whereIn('userid', leftUsers)
        .update({ active: false, left_at: now })
        .returning<{ userid: string }[]>('userid');
      counts.left = new Set([...g.map((x) => x.userid), ...u.map((x) => x.userid)]).size;
      changedUsers.push(...u.map((x) => x.userid));
    }
    return { counts, problems, changedUsers, leftUsers, leftGuides };
  });
}

async function loadNodes(db: Db, corpId: number): Promise<DepartmentNode[]> {
  const rows = await db('org_departments')
    .where({ corp_id: corpId })
    .whereNull('removed_at')
    .orderBy('order', 'desc')
    .orderBy('wecom_id')
    .select<{ wecom_id: number; parent_wecom_id: number | null; name: string; order: number; kind: DepartmentKind }[]>(
      'wecom_id',
      'parent_wecom_id',
      'name',
      'order',
      'kind',
    );
  return rows.map((r) => ({
    wecomId: Number(r.wecom_id),
    parentWecomId: r.parent_wecom_id === null ? null : Number(r.parent_wecom_id),
    name: r.name,
    order: Number(r.order),
    kind: r.kind,
  }));
}

/** The region or store linked to a department: found by link, else adopted by name, else created. */
async function linkRow(
  trx: Db,
  table: 'regions' | 'stores',
  corpId: number,
  n: DepartmentNode,
  regionId?: number,
): Promise<number> {
  const name = n.name.slice(0, table === 'regions' ? 64 : 128);
  const extra = table === 'stores' ? { region_id: regionId, status: 'open' } : {};
  const linked = await trx(table)
    .where({ corp_id: corpId, wecom_department_id: n.wecomId })
    .first<{ id: number } | undefined>('id');
  if (linked) {
    await trx(table)
      .where({ id: linked.id })
      .update({ name, ...extra });
    return linked.id;
  }
  const byName = await trx(table)
    .where({ corp_id: corpId, name })
    .whereNull('wecom_department_id')
    .orderBy('id')
    .first<{ id: number } | undefined>('id');
  if (byName) {
    await trx(table)
      .where({ id: byName.id })
      .update({ wecom_department_id: n.wecomId, ...extra });
    return byName.id;
  }
  const [row] = await trx(table)
    .insert({
      corp_id: corpId,
      code: `WD${n.wecomId}`,
      name,
      wecom_department_id: n.wecomId,
      ...(table === 'stores' ? { city: '', ...extra } : {}),
    })
    .onConflict(['corp_id', 'code'])
    .merge(['name', 'wecom_department_id', ...(table === 'stores' ? ['region_id', 'status'] : [])])
    .returning<{ id: number }[]>('id');
  return row!.id;
}

/** The scheduled re-sync: one org sync per corp. */
export async function enqueueOrgSyncs(ctx: AppContext): Promise<number> {
  const corps = await ctx.db('corps').orderBy('id').pluck<number[]>('id');
  await ctx.queues.enqueueMany(
    orgSyncJob,
    corps.map((corpId) => ({ corpId: Number(corpId), trigger: 'schedule' as const })),
  );
  return corps.length;
}
