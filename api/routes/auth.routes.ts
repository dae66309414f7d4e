import { z } from 'zod';
import { SESSION_COOKIE, revokeSession, type SessionClaims } from '../../core/auth/session';
import { OAUTH_COOKIE, finishSignIn, jssdkSignatures, startSignIn } from '../../core/auth/wecom-sign-in';
import { jssdkSignaturesResponse } from '../../core/contracts/sidebar';
import { route } from '../http/route';

const cookieOpts = (secure: boolean, maxAgeMs: number) => ({
  httpOnly: true,
  sameSite: 'lax' as const,
  secure,
  path: '/',
  maxAge: maxAgeMs,
});

export const authRoutes = [
  route({
    method: 'get',
    path: '/api/auth/wecom/start',
    auth: 'public',
    query: z.object({ corp: z.string().min(1).max(64), redirect: z.string().max(512).optional() }),
    response: z.void(),
    handler: async ({ ctx, query, res }) => {
      const { location, cookie } = await startSignIn(ctx, query.corp, query.redirect);
      res.cookie(OAUTH_COOKIE, cookie, cookieOpts(ctx.cfg.publicUrl.startsWith('https:'), 600_000));
      res.redirect(302, location);
    },
  }),
  route({
    method: 'get',
    path: '/api/auth/wecom/callback',
    auth: 'public',
    query: z.object({ code: z.string().min(1).max(512), state: z.string().regex(/^[a-zA-Z0-9]{1,128}$/) }),
    response: z.void(),
    handler: async ({ ctx, query, req, res }) => {
      const { session, redirect } = await finishSignIn(
        ctx,
        query.code,
        query.state,
        (req.cookies as Record<string, string | undefined>)[OAUTH_COOKIE],
        (req.cookies as Record<string, string | undefined>)[SESSION_COOKIE],
      );
      res.clearCookie(OAUTH_COOKIE, { path: '/' });
      res.cookie(
        SESSION_COOKIE,
        session,
        cookieOpts(ctx.cfg.publicUrl.startsWith('https:'), ctx.cfg.SESSION_TTL_SECONDS * 1000),
      );
      res.redirect(302, redirect);
    },
  }),
  route({
    method: 'get',
    path: '/api/auth/me',
    auth: 'session',
    response: z.object({
      userid: z.string(),
      name: z.string(),
      role: z.string(),
      corpId: z.number(),
      guideId: z.number().nullable(),
      storeIds: z.array(z.number()),
      regionIds: z.array(z.number()),
    }),
    handler: async ({ principal }) => ({
      userid: principal.userid,
      name: principal.name,
      role: principal.role,
      corpId: principal.corpId,
      guideId: principal.guideId,
      storeIds: principal.storeIds,
      regionIds: principal.regionIds,
    }),
  }),
  route({
    method: 'post',
    path: '/api/auth/logout',
    auth: 'public',
    response: z.object({ ok: z.literal(true) }),
    handler: async ({ ctx, res }) => {
      // Revoked server-side: the token stops working everywhere, not only in this browser.
      const claims = res.locals.session as SessionClaims | undefined;
      if (claims) await revokeSession({ redis: ctx.redis, prefix: ctx.cfg.QUEUE_PREFIX }, claims);
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true as const };
    },
  }),
  route({
    method: 'post',
    path: '/api/wecom/jssdk-signatures',
    auth: 'session',
    // `retry`: the client refused the last signatures (a ticket WeCom dropped early); sign with fresh tickets.
    body: z.object({ url: z.url({ protocol: /^https?$/ }).max(2048), retry: z.boolean().optional() }),
    response: jssdkSignaturesResponse,
    handler: async ({ ctx, principal, body }) =>
      jssdkSignatures(ctx, principal.corpId, body.url, { retry: body.retry ?? false }),
  }),
];
