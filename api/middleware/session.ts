import type { NextFunction, Request, Response } from 'express';
import { SESSION_COOKIE, verifySession } from '../../core/auth/session';
import { type Principal, loadPrincipal } from '../../core/auth/principal';
import type { AppContext } from '../../core/context';
import { AppError } from '../../core/errors';

/**
 * Role and scope are re-read from the database, but at most every PRINCIPAL_TTL_MS per user and
 * process: the sidebar makes several calls per chat, and a role change still applies within seconds.
 */
const PRINCIPAL_TTL_MS = 10_000;
const MAX_CACHED = 10_000;

/** Resolves the caller from the session cookie or a Bearer token. Absent → anonymous. */
export function session(ctx: AppContext) {
  const cache = new Map<string, { at: number; p: Principal | null }>();
  // A token's HMAC is checked once per process; its expiry on every request.
  const tokens = new Map<string, ReturnType<typeof verifySession>>();
  const verified = (token: string) => {
    let v = tokens.get(token);
    if (!v) {
      v = verifySession(ctx.cfg.SESSION_SECRET, token);
      if (tokens.size >= MAX_CACHED) tokens.clear();
      if (v.ok) tokens.set(token, v);
    }
    if (v.ok && v.claims.exp * 1000 <= Date.now()) return { ok: false as const, reason: 'expired' as const };
    return v;
  };
  const principalOf = async (corpId: number, userid: string): Promise<Principal | null> => {
    const key = `${corpId}:${userid}`;
    const hit = cache.get(key);
    const now = Date.now();
    if (hit && now - hit.at < PRINCIPAL_TTL_MS) return hit.p;
    const p = await loadPrincipal(ctx.db, corpId, userid);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, { at: now, p });
    return p;
  };
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const header = req.get('authorization');
      const token = header?.startsWith('Bearer ')
        ? header.slice(7)
        : (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
      res.locals.principal = null;
      if (token) {
        const v = verified(token);
        if (!v.ok)
          throw new AppError(
            v.reason === 'expired' ? 'SESSION_EXPIRED' : 'UNAUTHENTICATED',
            v.reason === 'expired' ? 'session expired, sign in again' : 'invalid session',
          );
        const p = await principalOf(v.claims.corpId, v.claims.userid);
        if (!p) throw new AppError('UNAUTHENTICATED', 'this user is not enabled for Guidepost');
        res.locals.principal = p;
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}
