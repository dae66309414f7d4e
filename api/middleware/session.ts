import type { NextFunction, Request, Response } from 'express';
import { SESSION_COOKIE, sessionState, verifySession, type VerifyResult } from '../../core/auth/session';
import { type Principal, loadPrincipal } from '../../core/auth/principal';
import type { AppContext } from '../../core/context';
import { AppError } from '../../core/errors';

/**
 * Role and scope are re-read from the database whenever the user's change counter in the session
 * store moves (a role change or deactivation through core/auth/users.ts applies at once), and at
 * least every PRINCIPAL_TTL_MS for edits made behind the application's back.
 */
const PRINCIPAL_TTL_MS = 10_000;
const MAX_CACHED = 10_000;
const SIGN_IN_OUT = /^\/api\/auth\/(wecom\/(start|callback)|logout)$/;

/** The token a request carries: the `Authorization: Bearer` header, else the session cookie. */
export function tokenOf(req: Request): string | undefined {
  const header = req.get('authorization');
  if (header !== undefined) return header.startsWith('Bearer ') ? header.slice(7) : header;
  return (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
}

/**
 * Resolves the caller from the session cookie or a Bearer token. Absent → anonymous; malformed,
 * forged, expired, revoked or for a user no longer enabled → 401.
 */
export function session(ctx: AppContext) {
  const store = { redis: ctx.redis, prefix: ctx.cfg.QUEUE_PREFIX };
  const maxTtlSeconds = ctx.cfg.SESSION_TTL_SECONDS;
  const cache = new Map<string, { at: number; p: Principal | null }>();
  // A token's HMAC is checked once per process; its expiry on every request.
  const tokens = new Map<string, Extract<VerifyResult, { ok: true }>>();
  const verified = (token: string): VerifyResult => {
    let v: VerifyResult | undefined = tokens.get(token);
    if (!v) {
      v = verifySession(ctx.cfg.SESSION_SECRET, token, { maxTtlSeconds });
      if (tokens.size >= MAX_CACHED) tokens.clear();
      if (v.ok) tokens.set(token, v);
    }
    if (v.ok && v.claims.exp * 1000 <= Date.now()) return { ok: false, reason: 'expired' };
    return v;
  };
  const principalOf = async (corpId: number, userid: string, generation: string): Promise<Principal | null> => {
    const key = `${corpId}:${userid}:${generation}`;
    const hit = cache.get(key);
    const now = Date.now();
    if (hit && now - hit.at < PRINCIPAL_TTL_MS) return hit.p;
    const p = await loadPrincipal(ctx.db, corpId, userid);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, { at: now, p });
    return p;
  };
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    // Mounted in front of the raw routers as well as the JSON routes: resolve once per request.
    if (res.locals.principal !== undefined) return next();
    try {
      const token = tokenOf(req);
      res.locals.principal = null;
      if (token !== undefined) {
        const v = verified(token);
        if (!v.ok)
          throw new AppError(
            v.reason === 'expired' ? 'SESSION_EXPIRED' : 'UNAUTHENTICATED',
            v.reason === 'expired' ? 'session expired, sign in again' : 'invalid session',
          );
        const state = await sessionState(store, v.claims);
        if (state.revoked) throw new AppError('UNAUTHENTICATED', 'this session was signed out; sign in again');
        const p = await principalOf(v.claims.corpId, v.claims.userid, state.userGeneration);
        if (!p) throw new AppError('UNAUTHENTICATED', 'this user is not enabled for Guidepost');
        res.locals.principal = p;
        res.locals.session = v.claims;
      }
      next();
    } catch (err) {
      // Signing in and out work whatever session the browser still holds (revoked, expired, from an
      // older key): the sign-in replaces it, the sign-out clears it. Anywhere else it is a 401.
      if (err instanceof AppError && err.status === 401 && SIGN_IN_OUT.test(req.path)) {
        res.locals.principal = null;
        return next();
      }
      next(err);
    }
  };
}
