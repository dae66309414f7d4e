import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Sidebar / desktop session: a signed, expiring token carried in the httpOnly `gp_session`
 * cookie (or `Authorization: Bearer` for scripts). Role and scope are read from the database
 * on each request; the token only says who signed in to which corp.
 */
export const SESSION_COOKIE = 'gp_session';

export const sessionClaimsSchema = z.object({
  corpId: z.number().int().positive(),
  userid: z.string().min(1),
  exp: z.number().int(),
});
export type SessionClaims = z.infer<typeof sessionClaimsSchema>;

export function signSession(
  secret: string,
  claims: Omit<SessionClaims, 'exp'>,
  ttlSeconds: number,
  now = Date.now(),
): string {
  const payload = Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(now / 1000) + ttlSeconds })).toString(
    'base64url',
  );
  return `${payload}.${mac(secret, payload)}`;
}

export type VerifyResult =
  { ok: true; claims: SessionClaims } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

export function verifySession(secret: string, token: string, now = Date.now()): VerifyResult {
  const [payload, sig] = token.split('.');
  if (!payload || !sig) return { ok: false, reason: 'malformed' };
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
  if (parsed.data.exp * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: parsed.data };
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}
