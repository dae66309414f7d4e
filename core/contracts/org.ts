/**
 * The admin console's Org & roles page (api/routes/org.routes.ts): the department tree synced from
 * WeCom, the sync status, users with their roles and scopes, and role assignment.
 */
import * as z from 'zod/mini';

const id = () => z.int().check(z.positive());

/** Head office sees the corp's boards; admin also the console; finance the corp's commission. */
export const ROLES = ['guide', 'store_manager', 'regional_manager', 'head_office', 'finance', 'admin'] as const;
export const DEPARTMENT_KINDS = ['auto', 'region', 'store', 'none'] as const;

export const orgSyncRun = z.object({
  id: z.number(),
  trigger: z.string(),
  status: z.enum(['running', 'ok', 'failed']),
  startedAt: z.string(),
  finishedAt: z.nullable(z.string()),
  counts: z.record(z.string(), z.number()),
  problems: z.array(z.string()),
  error: z.nullable(z.string()),
});

export const orgOverview = z.object({
  sync: z.object({ last: z.nullable(orgSyncRun), lastOkAt: z.nullable(z.string()) }),
  departments: z.array(
    z.object({
      wecomId: z.number(),
      parentWecomId: z.nullable(z.number()),
      name: z.string(),
      kind: z.enum(DEPARTMENT_KINDS),
      /** What the mapping made of it. */
      role: z.enum(['root', 'region', 'store', 'in_store', 'none', 'above']),
      regionId: z.nullable(z.number()),
      storeId: z.nullable(z.number()),
    }),
  ),
  regions: z.array(z.object({ id: z.number(), name: z.string(), wecomDepartmentId: z.nullable(z.number()) })),
  stores: z.array(
    z.object({
      id: z.number(),
      name: z.string(),
      regionId: z.number(),
      status: z.string(),
      wecomDepartmentId: z.nullable(z.number()),
    }),
  ),
  guides: z.array(
    z.object({
      id: z.number(),
      userid: z.string(),
      name: z.string(),
      storeId: z.number(),
      status: z.string(),
      leftAt: z.nullable(z.string()),
    }),
  ),
});
export type OrgOverview = z.infer<typeof orgOverview>;

export const syncQueued = z.object({ queued: z.literal(true) });

export const departmentParams = z.object({ wecomId: z.coerce.number().check(z.int(), z.positive()) });
export const why = z.string().check(z.trim(), z.minLength(1), z.maxLength(500));
export const setDepartmentKindBody = z.object({ kind: z.enum(DEPARTMENT_KINDS), why });

export const orgUser = z.object({
  id: z.number(),
  userid: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  active: z.boolean(),
  leftAt: z.nullable(z.string()),
  guideId: z.nullable(z.number()),
  /** The guide's own store (where she sells). */
  guideStoreId: z.nullable(z.number()),
  regionIds: z.array(z.number()),
  storeIds: z.array(z.number()),
});
export type OrgUser = z.infer<typeof orgUser>;
export const orgUserList = z.object({ users: z.array(orgUser) });

export const userParams = z.object({ userId: z.coerce.number().check(z.int(), z.positive()) });
/**
 * A role and its scope: a regional manager's regions, a store manager's stores; head office,
 * finance and admin see the corp, a guide her own numbers (no scope given for those).
 */
export const assignRoleBody = z.object({
  role: z.enum(ROLES),
  regionIds: z._default(z.array(id()).check(z.maxLength(100)), []),
  storeIds: z._default(z.array(id()).check(z.maxLength(500)), []),
  why,
});
export type AssignRole = z.input<typeof assignRoleBody>;
