import type { NextFunction, Request, Response } from 'express';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Principal } from '../../core/auth/principal';
import type { Config } from '../../core/config/env';
import type { AppContext } from '../../core/context';
import { AppError } from '../../core/errors';

/**
 * Rate limits, per client address and per corp, counted in Redis (one fixed 60-second window per
 * key) so every API process shares them. The first bucket whose path matches counts a request:
 * sign-in before the API, uploads before the API. Limits are per minute, from the configuration;
 * 0 turns one off. Over a limit: 429 RATE_LIMITED with Retry-After (seconds).
 *
 * If Redis does not answer in time the count falls back to this process's memory: an outage of
 * the counter neither stops the API nor lifts the limits.
 */
export interface Bucket {
  name: 'signin' | 'callback' | 'webhook' | 'upload' | 'api';
  match: RegExp;
  perIp: number;
  perCorp: number;
}

export function buckets(cfg: Config): Bucket[] {
  return [
    { name: 'signin', match: /^\/api\/auth\/wecom\//, perIp: cfg.RATE_LIMIT_SIGNIN_IP, perCorp: 0 },
    // The corp is the path's last segment: /wecom/callback/<corp>, /webhooks/<kind>/<corp>.
    {
      name: 'callback',
      match: /^\/wecom\/callback\/([^/]+)\/?$/,
      perIp: cfg.RATE_LIMIT_CALLBACK_IP,
      perCorp: cfg.RATE_LIMIT_CALLBACK_CORP,
    },
    {
      name: 'webhook',
      match: /^\/webhooks\/(?:[^/]+\/)*([^/]+)\/?$/,
      perIp: cfg.RATE_LIMIT_WEBHOOK_IP,
      perCorp: cfg.RATE_LIMIT_WEBHOOK_CORP,
    },
    { name: 'upload', match: /^\/api\/ingest\//, perIp: cfg.RATE_LIMIT_UPLOAD_IP, perCorp: cfg.RATE_LIMIT_UPLOAD_CORP },
    { name: 'api', match: /^\/api\//, perIp: cfg.RATE_LIMIT_API_IP, perCorp: cfg.RATE_LIMIT_API_CORP },
  ];
}

const REDIS_TIMEOUT_MS = 500;

class Limiter {
  private readonly redis: RateLimiterAbstract;
  private readonly memory: RateLimiterAbstract;
  constructor(ctx: AppContext, keyPrefix: string, points: number) {
    this.redis = new RateLimiterRedis({ storeClient: ctx.redis, keyPrefix, points, duration: 60 });
    this.memory = new RateLimiterMemory({ keyPrefix, points, duration: 60 });
  }
  /** Resolves with the seconds to wait when over the limit, or null. */
  async take(key: string): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.redis.consume(key),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('rate-limit store timeout')), REDIS_TIMEOUT_MS);
        }),
      ]);
      return null;
    } catch (res) {
      if (res instanceof RateLimiterRes) return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      try {
        await this.memory.consume(key);
        return null;
      } catch (mres) {
        if (mres instanceof RateLimiterRes) return Math.max(1, Math.ceil(mres.msBeforeNext / 1000));
        throw mres;
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Two middlewares: `byAddress` goes first (before any body is read or session resolved);
 * `byCorp` after the session (the API's corp is the caller's; callbacks' and webhooks' is in the path).
 */
export function rateLimits(ctx: AppContext) {
  const prefix = `${ctx.cfg.QUEUE_PREFIX}:rl`;
  const table = buckets(ctx.cfg).map((b) => ({
    ...b,
    ip: b.perIp > 0 ? new Limiter(ctx, `${prefix}:${b.name}:ip`, b.perIp) : null,
    corp: b.perCorp > 0 ? new Limiter(ctx, `${prefix}:${b.name}:corp`, b.perCorp) : null,
  }));
  const refuse = (res: Response, next: NextFunction, seconds: number, who: string) => {
    res.setHeader('Retry-After', String(seconds));
    next(new AppError('RATE_LIMITED', `too many requests from this ${who}; retry in ${seconds} s`));
  };
  const bucketOf = (req: Request) => table.find((b) => b.match.test(req.path));
  const byAddress = (req: Request, res: Response, next: NextFunction): void => {
    const b = bucketOf(req);
    if (!b?.ip) return next();
    b.ip.take(req.ip ?? 'unknown').then((wait) => (wait === null ? next() : refuse(res, next, wait, 'address')), next);
  };
  const byCorp = (req: Request, res: Response, next: NextFunction): void => {
    const b = bucketOf(req);
    if (!b?.corp) return next();
    const fromPath = b.match.exec(req.path)?.[1];
    const principal = res.locals.principal as Principal | null | undefined;
    const corp = fromPath ?? (principal ? String(principal.corpId) : undefined);
    if (corp === undefined) return next();
    b.corp.take(corp.slice(0, 64)).then((wait) => (wait === null ? next() : refuse(res, next, wait, 'corp')), next);
  };
  return { byAddress, byCorp };
}
