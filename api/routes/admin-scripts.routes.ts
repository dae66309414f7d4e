import { z } from 'zod';
import type { Role } from '../../core/auth/principal';
import {
  createCategory,
  createScript,
  deleteCategory,
  previewScript,
  publishScript,
  renameCategory,
  reorderCategories,
  sampleCustomers,
  scriptLibraryAdmin,
  updateScript,
  withdrawScript,
} from '../../core/admin/scripts';
import * as c from '../../core/contracts/admin-scripts';
import { route } from '../http/route';

/** The script library (话术库) in the brand admin console: head office's admin role only. */
const ADMIN: readonly Role[] = ['admin'];
const id = z.coerce.number().int().positive();

export const adminScriptRoutes = [
  route({
    method: 'get',
    path: '/api/admin/scripts',
    auth: ADMIN,
    response: c.scriptLibraryAdmin,
    handler: ({ ctx, principal }) => scriptLibraryAdmin(ctx.db, principal),
  }),
  route({
    method: 'post',
    path: '/api/admin/script-categories',
    auth: ADMIN,
    body: c.createCategoryBody,
    response: c.scriptCategory,
    status: 201,
    handler: ({ ctx, principal, body, requestId }) => createCategory(ctx.db, principal, body, requestId),
  }),
  route({
    method: 'put',
    path: '/api/admin/script-categories/order',
    auth: ADMIN,
    body: c.reorderCategoriesBody,
    response: z.object({ categories: z.array(c.scriptCategory) }),
    handler: async ({ ctx, principal, body, requestId }) => ({
      categories: await reorderCategories(ctx.db, principal, body.ids, requestId),
    }),
  }),
  route({
    method: 'put',
    path: '/api/admin/script-categories/:categoryId',
    auth: ADMIN,
    params: z.object({ categoryId: id }),
    body: c.renameCategoryBody,
    response: c.scriptCategory,
    handler: ({ ctx, principal, params, body, requestId }) =>
      renameCategory(ctx.db, principal, params.categoryId, body.name, requestId),
  }),
  route({
    method: 'delete',
    path: '/api/admin/script-categories/:categoryId',
    auth: ADMIN,
    params: z.object({ categoryId: id }),
    response: z.object({ ok: z.literal(true) }),
    handler: async ({ ctx, principal, params, requestId }) => {
      await deleteCategory(ctx.db, principal, params.categoryId, requestId);
      return { ok: true as const };
    },
  }),
  route({
    method: 'post',
    path: '/api/admin/scripts',
    auth: ADMIN,
    body: c.scriptBody,
    response: c.adminScript,
    status: 201,
    handler: ({ ctx, principal, body, requestId }) => createScript(ctx.db, principal, body, requestId),
  }),
  route({
    method: 'put',
    path: '/api/admin/scripts/:scriptId',
    auth: ADMIN,
    params: z.object({ scriptId: id }),
    body: c.scriptBody,
    response: c.adminScript,
    handler: ({ ctx, principal, params, body, requestId }) =>
      updateScript(ctx.db, principal, params.scriptId, body, requestId),
  }),
  route({
    method: 'post',
    path: '/api/admin/scripts/:scriptId/publish',
    auth: ADMIN,
    params: z.object({ scriptId: id }),
    response: c.adminScript,
    handler: ({ ctx, principal, params, requestId }) => publishScript(ctx.db, principal, params.scriptId, requestId),
  }),
  route({
    method: 'post',
    path: '/api/admin/scripts/:scriptId/withdraw',
    auth: ADMIN,
    params: z.object({ scriptId: id }),
    response: c.adminScript,
    handler: ({ ctx, principal, params, requestId }) => withdrawScript(ctx.db, principal, params.scriptId, requestId),
  }),
  route({
    method: 'post',
    path: '/api/admin/scripts/preview',
    auth: ADMIN,
    body: c.previewBody,
    response: c.scriptPreview,
    handler: ({ ctx, principal, body }) => previewScript(ctx.db, principal, body.script, body.customerId),
  }),
  route({
    method: 'get',
    path: '/api/admin/scripts/sample-customers',
    auth: ADMIN,
    query: z.object({ q: z.string().max(32).default('') }),
    response: c.sampleCustomers,
    handler: ({ ctx, principal, query }) => sampleCustomers(ctx.db, principal, query.q),
  }),
];
