import type { Role } from '../../core/auth/principal';
import { assignRole, listOrgUsers, orgOverview, requestOrgSync, setDepartmentKind } from '../../core/admin/org-roles';
import * as c from '../../core/contracts/org';
import { route } from '../http/route';

/** The admin console's Org & roles page: head office's admin role only. */
const ADMIN: readonly Role[] = ['admin'];

export const orgRoutes = [
  route({
    method: 'get',
    path: '/api/admin/org',
    auth: ADMIN,
    response: c.orgOverview,
    handler: async ({ ctx, principal }) => orgOverview(ctx, principal),
  }),
  route({
    method: 'post',
    path: '/api/admin/org/sync',
    auth: ADMIN,
    response: c.syncQueued,
    status: 202,
    handler: async ({ ctx, principal, requestId }) => requestOrgSync(ctx, principal, requestId),
  }),
  route({
    method: 'put',
    path: '/api/admin/org/departments/:wecomId/kind',
    auth: ADMIN,
    params: c.departmentParams,
    body: c.setDepartmentKindBody,
    response: c.syncQueued,
    handler: async ({ ctx, principal, params, body, requestId }) =>
      setDepartmentKind(ctx, principal, params.wecomId, body, requestId),
  }),
  route({
    method: 'get',
    path: '/api/admin/users',
    auth: ADMIN,
    response: c.orgUserList,
    handler: async ({ ctx, principal }) => ({ users: await listOrgUsers(ctx, principal) }),
  }),
  route({
    method: 'put',
    path: '/api/admin/users/:userId/role',
    auth: ADMIN,
    params: c.userParams,
    body: c.assignRoleBody,
    response: c.orgUser,
    handler: async ({ ctx, principal, params, body, requestId }) =>
      assignRole(ctx, principal, params.userId, body, requestId),
  }),
];
