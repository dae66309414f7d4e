import { z } from 'zod';
import type { Role } from '../../core/auth/principal';
import {
  checkCallbackUrl,
  endPosOverlap,
  integrationSettings,
  rotatePosSecret,
  setVerifyFile,
} from '../../core/admin/integrations';
import {
  channelCodeOptions,
  channelCodeQr,
  createChannelCode,
  listChannelCodes,
  removeChannelCode,
} from '../../core/admin/channel-codes';
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
    query: c.channelCodeListQuery,
    handler: async ({ ctx, principal, query }) => ({
      codes: await listChannelCodes(
        ctx,
        principal,
        query.from && query.to ? { range: { from: query.from, to: query.to } } : {},
      ),
    }),
  }),
  route({
    method: 'get',
    path: '/api/admin/channel-codes/options',
    auth: ADMIN,
    response: c.channelCodeOptions,
    handler: async ({ ctx, principal }) => channelCodeOptions(ctx, principal),
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

  route({
    method: 'delete',
    path: '/api/admin/channel-codes/:id',
    auth: ADMIN,
    params: z.object({
      id: z.coerce
        .number()
        .int()
        .positive()
        .max(2 ** 53 - 1),
    }),
    response: c.channelCode,
    handler: async ({ ctx, principal, params, requestId }) => removeChannelCode(ctx, principal, params.id, requestId),
  }),
  // The QR image as a file: WeCom serves it from its CDN (another origin), so the console downloads it through here.
  route({
    method: 'get',
    path: '/api/admin/channel-codes/:id/qr',
    auth: ADMIN,
    params: z.object({
      id: z.coerce
        .number()
        .int()
        .positive()
        .max(2 ** 53 - 1),
    }),
    response: z.null(),
    handler: async ({ ctx, principal, params, res }) => {
      const qr = await channelCodeQr(ctx, principal, params.id);
      res.setHeader('Content-Type', qr.contentType);
      res.setHeader(
        'Content-Disposition',
        `attachment; filename="channel-code-${params.id}.${qr.filename.split('.').pop()}"; filename*=UTF-8''${encodeURIComponent(qr.filename)}`,
      );
      res.send(qr.body);
      return null;
    },
  }),
  route({
    method: 'post',
    path: '/api/admin/integrations/callback-check',
    auth: ADMIN,
    response: c.callbackCheck,
    handler: async ({ ctx, principal }) => checkCallbackUrl(ctx, principal),
  }),
];
