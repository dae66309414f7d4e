import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { AppError } from '../errors';

/**
 * Sidebar / desktop session: a signed, expiring token carried in the httpOnly `gp_session`
 * cookie (or `Authorization: Bearer` for scripts). Role and scope are read from the database;
 * the token says who signed in to which corp, with a session id the server can revoke.
 *
 * The token is `<base64url JSON claims>.<base64url HMAC-SHA256>` and nothing else: anything
 * appended, a claim more or less, or a lifetime longer than the server allows is refused.
 */
export const SESSION_COOKIE = 'gp_session';

/** Clock skew tolerated on `iat`. */
const SKEW_S = 60;
const TOKEN = /^[A-Za-z0-9_-]{16,1024}\.[A-Za-z0-9_-]{43}$/;

export const sessionClaimsSchema = z
  .object({
    sid: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
    corpId: z.number().int().positive(),
    userid: z.string().min(1).max(64),
    iat: z.number().int(),
    exp: z.number().int(),
  })
  .strict();
export type SessionClaims = z.infer<typeof sessionClaimsSchema>;

export function signSession(
  secret: string,
  claims: { corpId: number; userid: string },
  ttlSeconds: number,
  now = Date.now(),
): string {
  const iat = Math.floor(now / 1000);
  const full: SessionClaims = {
    sid: randomBytes(16).toString('base64url'),
    corpId: claims.corpId,
    userid: claims.userid,
    iat,
    exp: iat + ttlSeconds,
  };
  const payload = Buffer.from(JSON.stringify(full)).toString('base64url');
  return `${payload}.${mac(secret, payload)}`;
}

export type VerifyResult =
  { ok: true; claims: SessionClaims } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

/**
 * Checks format, signature, claims and lifetime. `maxTtlSeconds` is the server's limit: a token
 * whose signer wrote a longer life (or an issue time in the future) is refused as malformed.
 */
export function verifySession(
  secret: string,
  token: string,
  opts: { maxTtlSeconds: number; now?: number },
): VerifyResult {
  if (!TOKEN.test(token)) return { ok: false, reason: 'malformed' };
  const [payload, sig] = token.split('.') as [string, string];
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'bad_signature' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = sessionClaimsSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const c = parsed.data;
  const nowS = (opts.now ?? Date.now()) / 1000;
  if (c.exp <= c.iat || c.exp - c.iat > opts.maxTtlSeconds || c.iat > nowS + SKEW_S)
    return { ok: false, reason: 'malformed' };
  if (c.exp <= nowS) return { ok: false, reason: 'expired' };
  return { ok: true, claims: c };
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/**
 * Server-side state of sessions, in Redis so every API process sees it at once:
 * - `<prefix>:sess:revoked:<sid>` — a signed-out session, kept until the token would have expired;
 * - `<prefix>:sess:user:<corpId>:<userid>` — a counter bumped when the user's role, scope or
 *   activation changes; the API re-reads the user whenever it moves.
 */
export interface SessionStore {
  redis: Redis;
  prefix: string;
}

const revokedKey = (s: SessionStore, sid: string) => `${s.prefix}:sess:revoked:${sid}`;
const userKey = (s: SessionStore, corpId: number, userid: string) => `${s.prefix}:sess:user:${corpId}:${userid}`;
/** A user's live session ids, scored by expiry: what revokeUserSessions signs out. */
const userSessionsKey = (s: SessionStore, corpId: number, userid: string) =>
  `${s.prefix}:sess:sids:${corpId}:${userid}`;

/** Redis answers in time or the request fails with 503: a revocation check must not hang or fail open. */
const REDIS_TIMEOUT_MS = 1000;
export async function redisInTime<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new AppError('SERVICE_UNAVAILABLE', `${what} is unavailable; try again shortly`)),
          REDIS_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('SERVICE_UNAVAILABLE', `${what} is unavailable; try again shortly`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the session was revoked, and the user's change counter (part of the principal cache key). */
export async function sessionState(
  s: SessionStore,
  c: SessionClaims,
): Promise<{ revoked: boolean; userGeneration: string }> {
  const [revoked, gen] = await redisInTime(
    s.redis.mget(revokedKey(s, c.sid), userKey(s, c.corpId, c.userid)),
    'the session store',
  );
  return { revoked: revoked !== null, userGeneration: gen ?? '0' };
}

/** Signs a session out everywhere at once (logout, or a newer sign-in on the same browser). */
export async function revokeSession(s: SessionStore, c: SessionClaims, now = Date.now()): Promise<void> {
  const ttl = Math.max(1, c.exp - Math.floor(now / 1000));
  await redisInTime(s.redis.set(revokedKey(s, c.sid), '1', 'EX', ttl), 'the session store');
}

/** The user's role, scope or activation changed: every process re-reads them on the next request. */
export async function userChanged(s: SessionStore, corpId: number, userid: string): Promise<void> {
  await redisInTime(s.redis.incr(userKey(s, corpId, userid)), 'the session store');
}

/** Records a new session under its user, so a role change can sign all of them out. */
export async function trackSession(s: SessionStore, c: SessionClaims, now = Date.now()): Promise<void> {
  const key = userSessionsKey(s, c.corpId, c.userid);
  await redisInTime(
    s.redis
      .multi()
      .zadd(key, c.exp, c.sid)
      .zremrangebyscore(key, '-inf', Math.floor(now / 1000))
      .expireat(key, c.exp)
      .exec(),
    'the session store',
  );
}

/**
 * Signs out every session of a user (a role or scope change, or she left): each tracked session id
 * is revoked until its token would have expired, and the user's change counter moves.
 */
export async function revokeUserSessions(
  s: SessionStore,
  corpId: number,
  userid: string,
  now = Date.now(),
): Promise<number> {
  const key = userSessionsKey(s, corpId, userid);
  const nowS = Math.floor(now / 1000);
  const live = await redisInTime(s.redis.zrangebyscore(key, nowS + 1, '+inf', 'WITHSCORES'), 'the session store');
  const m = s.redis.multi();
  for (let i = 0; i + 1 < live.length; i += 2)
    m.set(revokedKey(s, live[i]!), '1', 'EX', Math.max(1, Number(live[i + 1]) - nowS));
  m.del(key);
  m.incr(userKey(s, corpId, userid));
  await redisInTime(m.exec(), 'the session store');
  return live.length / 2;
}
