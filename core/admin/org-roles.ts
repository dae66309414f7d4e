/**
 * The admin console's Org & roles page: the synced tree and sync status, the department kinds the
 * admin chooses, "sync now", and roles with their scopes. Every change is audited (who, when, why);
 * a role change signs the user's sessions out. What a role may see is decided in
 * core/access/scope.ts alone: this module only writes users.role and user_scopes.
 */
import type { Principal, Role } from '../auth/principal';
import { revokeUserSessions } from '../auth/session';
import { recordAudit } from '../commission/audit';
import type { AppContext } from '../context';
import type { OrgOverview, OrgUser } from '../contracts/org';
import { AppError } from '../errors';
import { orgSyncJob } from '../jobs/maintenance.jobs';
import { classifyDepartments, type DepartmentKind } from './org-sync';

export async function orgOverview(ctx: AppContext, p: Principal): Promise<OrgOverview> {
  const corpId = p.corpId;
  const [last, lastOk] = await Promise.all([
    ctx.db('org_syncs').where({ corp_id: corpId }).orderBy('id', 'desc').first<SyncRow | undefined>(),
    ctx
      .db('org_syncs')
      .where({ corp_id: corpId, status: 'ok' })
      .orderBy('id', 'desc')
      .first<{ finished_at: Date } | undefined>('finished_at'),
  ]);
  const depts = await ctx
    .db('org_departments')
    .where({ corp_id: corpId })
    .whereNull('removed_at')
    .orderBy('order', 'desc')
    .orderBy('wecom_id')
    .select<{ wecom_id: string; parent_wecom_id: string | null; name: string; order: string; kind: DepartmentKind }[]>(
      'wecom_id',
      'parent_wecom_id',
      'name',
      'order',
      'kind',
    );
  const nodes = depts.map((d) => ({
    wecomId: Number(d.wecom_id),
    parentWecomId: d.parent_wecom_id === null ? null : Number(d.parent_wecom_id),
    name: d.name,
    order: Number(d.order),
    kind: d.kind,
  }));
  const { byId } = classifyDepartments(nodes);
  const regions = await ctx
    .db('regions')
    .where({ corp_id: corpId })
    .orderBy('id')
    .select<{ id: number; name: string; wecom_department_id: string | null }[]>('id', 'name', 'wecom_department_id');
  const stores = await ctx
    .db('stores')
    .where({ corp_id: corpId })
    .orderBy('id')
    .select<{ id: number; name: string; region_id: number; status: string; wecom_department_id: string | null }[]>(
      'id',
      'name',
      'region_id',
      'status',
      'wecom_department_id',
    );
  const guides = await ctx
    .db('guides')
    .where({ corp_id: corpId })
    .orderBy('id')
    .select<{ id: number; userid: string; name: string; store_id: number; status: string; left_at: Date | null }[]>(
      'id',
      'userid',
      'name',
      'store_id',
      'status',
      'left_at',
    );
  const regionByDept = new Map(
    regions.filter((r) => r.wecom_department_id).map((r) => [Number(r.wecom_department_id), r.id]),
  );
  const storeByDept = new Map(
    stores.filter((s) => s.wecom_department_id).map((s) => [Number(s.wecom_department_id), s.id]),
  );
  return {
    sync: { last: last ? syncView(last) : null, lastOkAt: lastOk?.finished_at.toISOString() ?? null },
    departments: nodes.map((n) => {
      const c = byId.get(n.wecomId) ?? { role: 'none' as const, regionDept: null, storeDept: null };
      return {
        wecomId: n.wecomId,
        parentWecomId: n.parentWecomId,
        name: n.name,
        kind: n.kind,
        role: c.role,
        regionId: c.regionDept === null ? null : (regionByDept.get(c.regionDept) ?? null),
        storeId: c.storeDept === null ? null : (storeByDept.get(c.storeDept) ?? null),
      };
    }),
    regions: regions.map((r) => ({
      id: r.id,
      name: r.name,
      wecomDepartmentId: r.wecom_department_id === null ? null : Number(r.wecom_department_id),
    })),
    stores: stores.map((s) => ({
      id: s.id,
      name: s.name,
      regionId: s.region_id,
      status: s.status,
      wecomDepartmentId: s.wecom_department_id === null ? null : Number(s.wecom_department_id),
    })),
    guides: guides.map((g) => ({
      id: g.id,
      userid: g.userid,
      name: g.name,
      storeId: g.store_id,
      status: g.status,
      leftAt: g.left_at?.toISOString() ?? null,
    })),
  };
}

interface SyncRow {
  id: number;
  trigger: string;
  status: 'running' | 'ok' | 'failed';
  started_at: Date;
  finished_at: Date | null;
  counts: Record<string, number>;
  problems: string[];
  error: string | null;
}
const syncView = (r: SyncRow) => ({
  id: r.id,
  trigger: r.trigger,
  status: r.status,
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
  counts: r.counts,
  problems: r.problems,
  error: r.error,
});

/** "Sync now": the org re-read in the workers (collapsed with a sync already waiting). */
export async function requestOrgSync(ctx: AppContext, p: Principal, requestId: string): Promise<{ queued: true }> {
  await ctx.queues.enqueue(orgSyncJob, { corpId: p.corpId, trigger: 'manual' }, { requestId });
  await recordAudit(ctx.db, {
    corpId: p.corpId,
    actor: p.userid,
    action: 'org.sync_requested',
    entity: 'corp',
    entityId: p.corpId,
    detail: {},
    requestId,
  });
  return { queued: true };
}

/** The admin decides what a department is (region, store, left out, or by depth); a sync applies it. */
export async function setDepartmentKind(
  ctx: AppContext,
  p: Principal,
  wecomId: number,
  input: { kind: DepartmentKind; why: string },
  requestId: string,
): Promise<{ queued: true }> {
  await ctx.db.transaction(async (trx) => {
    const d = await trx('org_departments')
      .where({ corp_id: p.corpId, wecom_id: wecomId })
      .whereNull('removed_at')
      .forUpdate()
      .first<{ id: number; kind: DepartmentKind } | undefined>('id', 'kind');
    if (!d) throw new AppError('NOT_FOUND', `no department ${wecomId}`, { field: 'params.wecomId' });
    if (wecomId === 1 && input.kind !== 'auto')
      throw new AppError('VALIDATION_FAILED', 'the root department is the corp (head office)', { field: 'body.kind' });
    await trx('org_departments').where({ id: d.id }).update({ kind: input.kind });
    await recordAudit(trx, {
      corpId: p.corpId,
      actor: p.userid,
      action: 'org.department_kind',
      entity: 'org_department',
      entityId: wecomId,
      detail: { from: d.kind, to: input.kind, why: input.why },
      requestId,
    });
  });
  await ctx.queues.enqueue(orgSyncJob, { corpId: p.corpId, trigger: 'manual' }, { requestId });
  return { queued: true };
}

export async function listOrgUsers(ctx: AppContext, p: Principal): Promise<OrgUser[]> {
  const users = await ctx
    .db('users as u')
    .leftJoin('guides as g', 'g.id', 'u.guide_id')
    .where('u.corp_id', p.corpId)
    .orderBy('u.active', 'desc')
    .orderBy('u.id')
    .select<
      {
        id: number;
        userid: string;
        name: string;
        role: Role;
        active: boolean;
        left_at: Date | null;
        guide_id: number | null;
        guide_store_id: number | null;
      }[]
    >('u.id', 'u.userid', 'u.name', 'u.role', 'u.active', 'u.left_at', 'u.guide_id', 'g.store_id as guide_store_id');
  const scopes = await ctx
    .db('user_scopes')
    .where({ corp_id: p.corpId })
    .select<{ user_id: number; region_id: number | null; store_id: number | null }[]>(
      'user_id',
      'region_id',
      'store_id',
    );
  return users.map((u) => {
    const mine = scopes.filter((s) => Number(s.user_id) === Number(u.id));
    return {
      id: u.id,
      userid: u.userid,
      name: u.name,
      role: u.role,
      active: u.active,
      leftAt: u.left_at?.toISOString() ?? null,
      guideId: u.guide_id,
      guideStoreId: u.guide_store_id,
      regionIds: mine.flatMap((s) => (s.region_id === null ? [] : [Number(s.region_id)])),
      storeIds: mine.flatMap((s) => (s.store_id === null ? [] : [Number(s.store_id)])),
    };
  });
}

/**
 * Gives a user a role and its scope, audited with the reason; the user's sessions are signed out
 * (her next request needs a new sign-in, which reads the new role). Rules: a regional manager needs
 * regions, a store manager stores, and no other role takes a scope; an admin cannot take away her
 * own admin role. A new guide's guide record comes from the org sync (her WeCom store department).
 */
export async function assignRole(
  ctx: AppContext,
  p: Principal,
  userId: number,
  input: { role: Role; regionIds: number[]; storeIds: number[]; why: string },
  requestId: string,
): Promise<OrgUser> {
  const regionIds = [...new Set(input.regionIds)];
  const storeIds = [...new Set(input.storeIds)];
  if (input.role === 'regional_manager' && regionIds.length === 0)
    throw new AppError('VALIDATION_FAILED', 'a regional manager needs at least one region', {
      field: 'body.regionIds',
    });
  if (input.role === 'store_manager' && storeIds.length === 0)
    throw new AppError('VALIDATION_FAILED', 'a store manager needs at least one store', { field: 'body.storeIds' });
  if (input.role !== 'regional_manager' && regionIds.length)
    throw new AppError('VALIDATION_FAILED', `a ${input.role} takes no regions`, { field: 'body.regionIds' });
  if (input.role !== 'store_manager' && storeIds.length)
    throw new AppError('VALIDATION_FAILED', `a ${input.role} takes no stores`, { field: 'body.storeIds' });

  const user = await ctx.db.transaction(async (trx) => {
    const u = await trx('users')
      .where({ id: userId, corp_id: p.corpId })
      .forUpdate()
      .first<{ id: number; userid: string; role: Role; guide_id: number | null; active: boolean } | undefined>(
        'id',
        'userid',
        'role',
        'guide_id',
        'active',
      );
    if (!u) throw new AppError('NOT_FOUND', `no user ${userId}`, { field: 'params.userId' });
    if (!u.active) throw new AppError('CONFLICT', `${u.userid} has left or is disabled`, { field: 'params.userId' });
    if (u.id === p.userId && u.role === 'admin' && input.role !== 'admin')
      throw new AppError('VALIDATION_FAILED', 'you cannot take away your own admin role', { field: 'body.role' });
    const foundRegions = regionIds.length
      ? await trx('regions').where({ corp_id: p.corpId }).whereIn('id', regionIds).pluck<number[]>('id')
      : [];
    const badRegion = regionIds.find((r) => !foundRegions.map(Number).includes(r));
    if (badRegion !== undefined)
      throw new AppError('VALIDATION_FAILED', `region ${badRegion} is not a region of this corp`, {
        field: 'body.regionIds',
      });
    const foundStores = storeIds.length
      ? await trx('stores').where({ corp_id: p.corpId }).whereIn('id', storeIds).pluck<number[]>('id')
      : [];
    const badStore = storeIds.find((s) => !foundStores.map(Number).includes(s));
    if (badStore !== undefined)
      throw new AppError('VALIDATION_FAILED', `store ${badStore} is not a store of this corp`, {
        field: 'body.storeIds',
      });
    const before = await trx('user_scopes')
      .where({ user_id: u.id })
      .select<{ region_id: number | null; store_id: number | null }[]>('region_id', 'store_id');
    await trx('users').where({ id: u.id }).update({ role: input.role });
    await trx('user_scopes').where({ user_id: u.id }).delete();
    const rows = [
      ...regionIds.map((region_id) => ({ corp_id: p.corpId, user_id: u.id, region_id, store_id: null })),
      ...storeIds.map((store_id) => ({ corp_id: p.corpId, user_id: u.id, region_id: null, store_id })),
    ];
    if (rows.length) await trx('user_scopes').insert(rows);
    await recordAudit(trx, {
      corpId: p.corpId,
      actor: p.userid,
      action: 'user.role_assigned',
      entity: 'user',
      entityId: u.userid,
      detail: {
        from: {
          role: u.role,
          regionIds: before.flatMap((s) => (s.region_id === null ? [] : [Number(s.region_id)])),
          storeIds: before.flatMap((s) => (s.store_id === null ? [] : [Number(s.store_id)])),
        },
        to: { role: input.role, regionIds, storeIds },
        why: input.why,
      },
      requestId,
    });
    return u;
  });
  await revokeUserSessions({ redis: ctx.redis, prefix: ctx.cfg.QUEUE_PREFIX }, p.corpId, user.userid);
  // A new guide gets her guide record (in her WeCom department's store) from the org sync.
  if (input.role === 'guide' && user.guide_id === null)
    await ctx.queues.enqueue(orgSyncJob, { corpId: p.corpId, trigger: 'manual' }, { requestId });
  return (await listOrgUsers(ctx, p)).find((x) => x.id === user.id)!;
}
