import type { NextFunction, Request, Response } from 'express';
import { SESSION_COOKIE, verifySession } from '../../core/auth/session';
import { loadPrincipal } from '../../core/auth/principal';
import type { AppContext } from '../../core/context';
import { AppError } from '../../core/errors';

/** Resolves the caller from the session cookie or a Bearer token. Absent → anonymous. */
export function session(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const header = req.get('authorization');
      const token = header?.startsWith('Bearer ') ? header.slice(7) : (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
      res.locals.principal = null;
      if (token) {
        const v = verifySession(ctx.cfg.SESSION_SECRET, token);
        if (!v.ok) throw new AppError(v.reason === 'expired' ? 'SESSION_EXPIRED' : 'UNAUTHENTICATED', v.reason === 'expired' ? 'session expired, sign in again' : 'invalid session');
        const p = await loadPrincipal(ctx.db, v.claims.corpId, v.claims.userid);
        if (!p) throw new AppError('UNAUTHENTICATED', 'this user is not enabled for Guidepost');
        res.locals.principal = p;
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}
