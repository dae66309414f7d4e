import { z } from 'zod';
import { SESSION_COOKIE } from '../../core/auth/session';
import { WEB_LOGIN_CALLBACK, startWebLogin } from '../../core/auth/web-login';
import { OAUTH_COOKIE, finishSignIn } from '../../core/auth/wecom-sign-in';
import { route } from '../http/route';

const cookieOpts = (secure: boolean, maxAgeMs: number) => ({
  httpOnly: true,
  sameSite: 'lax' as const,
  secure,
  path: '/',
  maxAge: maxAgeMs,
});

/**
 * Managers in a desktop browser sign in with WeCom web login (scan a QR code with the WeCom app);
 * inside WeCom the board app uses the OAuth flow of auth.routes.ts with `redirect=/boards.html`.
 */
export const boardAuthRoutes = [
  route({
    method: 'get',
    path: '/api/auth/wecom/web-login',
    auth: 'public',
    query: z.object({
      corp: z.string().min(1).max(64),
      redirect: z.string().max(512).optional(),
      lang: z.enum(['zh', 'en']).optional(),
    }),
    response: z.void(),
    handler: async ({ ctx, query, res }) => {
      const { location, cookie } = await startWebLogin(ctx, query.corp, query.redirect ?? '/boards.html', query.lang);
      res.cookie(OAUTH_COOKIE, cookie, cookieOpts(ctx.cfg.publicUrl.startsWith('https:'), 600_000));
      res.redirect(302, location);
    },
  }),
  route({
    method: 'get',
    path: WEB_LOGIN_CALLBACK,
    auth: 'public',
    // A refusal comes back with the state and no code.
    query: z.object({
      code: z.string().min(1).max(512).optional(),
      state: z.string().regex(/^[a-zA-Z0-9]{1,128}$/),
    }),
    response: z.void(),
    handler: async ({ ctx, query, req, res }) => {
      if (!query.code) {
        res.clearCookie(OAUTH_COOKIE, { path: '/' });
        return void res.redirect(302, '/boards.html#/signin?refused=1');
      }
      const { session, redirect } = await finishSignIn(
        ctx,
        query.code,
        query.state,
        (req.cookies as Record<string, string | undefined>)[OAUTH_COOKIE],
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
];
