import { z } from 'zod';
import type { Role } from '../../core/auth/principal';
import { endPosOverlap, integrationSettings, rotatePosSecret, setVerifyFile } from '../../core/admin/integrations';
import { createChannelCode, listChannelCodes } from '../../core/admin/channel-codes';
import * as c from '../../core/contracts/admin';
import { route } from '../http/route';

/** The brand admin console: head office's admin role only. */
const ADMIN: readonly Role[] = ['admin'];

export const adminRoutes = [
  route({
    method: 'get',
    path: '/api/admin/integrations',
    auth: ADMIN,
    response: c.integrationSettings,
    handler: async ({ ctx, principal }) => integrationSettings(ctx, principal),
  }),
  route({
    method: 'post',
    path: '/api/admin/integrations/pos-secret',
    auth: ADMIN,
    body: c.rotatePosSecretBody,
    response: c.rotatePosSecretResponse,
    handler: async ({ ctx, principal, body, requestId }) => {
      const r = await rotatePosSecret(ctx, principal, body.overlapMinutes, requestId);
      return { secret: r.secret, previousValidUntil: r.previousValidUntil?.toISOString() ?? null };
    },
  }),
  route({
    method: 'delete',
    path: '/api/admin/integrations/pos-secret/previous',
    auth: ADMIN,
    response: z.object({ ok: z.literal(true) }),
    handler: async ({ ctx, principal, requestId }) => {
      await endPosOverlap(ctx, principal, requestId);
      return { ok: true as const };
    },
  }),
  route({
    method: 'put',
    path: '/api/admin/integrations/wecom-verify-file',
    auth: ADMIN,
    body: c.verifyFileBody,
    response: c.verifyFileResponse,
    handler: async ({ ctx, principal, body, requestId }) => setVerifyFile(ctx, principal, body, requestId),
  }),
  route({
    method: 'get',
    path: '/api/admin/channel-codes',
    auth: ADMIN,
    response: c.channelCodeList,
    handler: async ({ ctx, principal }) => ({ codes: await listChannelCodes(ctx, principal) }),
  }),
  route({
    method: 'post',
    path: '/api/admin/channel-codes',
    auth: ADMIN,
    body: c.createChannelCodeBody,
    response: c.channelCode,
    status: 201,
    handler: async ({ ctx, principal, body, requestId }) => createChannelCode(ctx, principal, body, requestId),
  }),
];
