import { z } from 'zod';
import type { Role } from '../../core/auth/principal';
import {
  addTags,
  createTagGroup,
  editTagGroup,
  listTagLibrary,
  removeTag,
  removeTagGroup,
  renameTag,
} from '../../core/admin/tags';
import * as c from '../../core/contracts/admin-tags';
import { route } from '../http/route';

/** The brand admin console: head office's admin role only. */
const ADMIN: readonly Role[] = ['admin'];
const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

export const adminTagRoutes = [
  route({
    method: 'get',
    path: '/api/admin/tags',
    auth: ADMIN,
    response: c.tagLibrary,
    handler: async ({ ctx, principal }) => listTagLibrary(ctx.db, principal),
  }),
  route({
    method: 'post',
    path: '/api/admin/tag-groups',
    auth: ADMIN,
    body: c.createTagGroupBody,
    response: c.tagGroupView,
    status: 201,
    handler: async ({ ctx, principal, body, requestId }) => createTagGroup(ctx, principal, body, requestId),
  }),
  route({
    method: 'patch',
    path: '/api/admin/tag-groups/:id',
    auth: ADMIN,
    params: idParams,
    body: c.editTagGroupBody,
    response: c.tagGroupView,
    handler: async ({ ctx, principal, params, body, requestId }) =>
      editTagGroup(ctx, principal, params.id, body, requestId),
  }),
  route({
    method: 'delete',
    path: '/api/admin/tag-groups/:id',
    auth: ADMIN,
    params: idParams,
    response: z.object({ tagsRemoved: z.number() }),
    handler: async ({ ctx, principal, params, requestId }) => removeTagGroup(ctx, principal, params.id, requestId),
  }),
  route({
    method: 'post',
    path: '/api/admin/tag-groups/:id/tags',
    auth: ADMIN,
    params: idParams,
    body: c.addTagsBody,
    response: c.tagGroupView,
    status: 201,
    handler: async ({ ctx, principal, params, body, requestId }) =>
      addTags(ctx, principal, params.id, body.tags, requestId),
  }),
  route({
    method: 'patch',
    path: '/api/admin/tags/:id',
    auth: ADMIN,
    params: idParams,
    body: c.renameTagBody,
    response: c.tagGroupView,
    handler: async ({ ctx, principal, params, body, requestId }) =>
      renameTag(ctx, principal, params.id, body.name, requestId),
  }),
  route({
    method: 'delete',
    path: '/api/admin/tags/:id',
    auth: ADMIN,
    params: idParams,
    response: z.object({ groupRemoved: z.boolean() }),
    handler: async ({ ctx, principal, params, requestId }) => removeTag(ctx, principal, params.id, requestId),
  }),
];
