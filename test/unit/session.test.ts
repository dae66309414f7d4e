import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signSession, verifySession } from '../../core/auth/session';
import { SecretBox } from '../../core/crypto/secret-box';

const SECRET = 's'.repeat(40);

describe('session tokens', () => {
  const MAX = { maxTtlSeconds: 3600 };
  const claimsOf = (t: string) => JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString('utf8')) as object;
  const resign = (claims: object) => {
    const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${p}.${createHmac('sha256', SECRET).update(p).digest('base64url')}`;
  };

  it('round-trips and expires', () => {
    const t = signSession(SECRET, { corpId: 7, userid: 'licui' }, 60, 1_000_000);
    const v = verifySession(SECRET, t, { ...MAX, now: 1_000_000 });
    expect(v).toEqual({
      ok: true,
      claims: { sid: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), corpId: 7, userid: 'licui', iat: 1000, exp: 1060 },
    });
    expect(verifySession(SECRET, t, { ...MAX, now: 1_060_000 })).toEqual({ ok: false, reason: 'expired' });
  });

  it('gives every sign-in its own session id', () => {
    const a = signSession(SECRET, { corpId: 7, userid: 'licui' }, 60, 1_000_000);
    const b = signSession(SECRET, { corpId: 7, userid: 'licui' }, 60, 1_000_000);
    expect(a).not.toBe(b);
  });

  it('rejects a tampered payload or another key', () => {
    const t = signSession(SECRET, { corpId: 7, userid: 'licui' }, 60);
    const [p, s] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ corpId: 7, userid: 'boss', exp: 9e9 })).toString('base64url');
    expect(verifySession(SECRET, `${forged}.${s}`, MAX)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySession('t'.repeat(40), t, MAX)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySession(SECRET, p!, MAX)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('accepts nothing but the exact token: appended parts, padding or spaces are malformed', () => {
    const t = signSession(SECRET, { corpId: 7, userid: 'licui' }, 60);
    for (const bad of [`${t}.x.y`, `${t}.`, `${t}=`, ` ${t}`, `${t} `, t.replace('.', '..'), `${t}%00`])
      expect(verifySession(SECRET, bad, MAX)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('enforces the server maximum lifetime whatever the signer wrote', () => {
    const now = 1_000_000_000;
    const long = signSession(SECRET, { corpId: 7, userid: 'licui' }, 3601, now * 1000);
    expect(verifySession(SECRET, long, { ...MAX, now: now * 1000 })).toEqual({ ok: false, reason: 'malformed' });
    const c = claimsOf(signSession(SECRET, { corpId: 7, userid: 'licui' }, 60, now * 1000)) as Record<string, number>;
    const future = resign({ ...c, iat: now + 3000, exp: now + 3100 });
    expect(verifySession(SECRET, future, { ...MAX, now: now * 1000 })).toEqual({ ok: false, reason: 'malformed' });
    const extra = resign({ ...c, role: 'admin' });
    expect(verifySession(SECRET, extra, { ...MAX, now: now * 1000 })).toEqual({ ok: false, reason: 'malformed' });
    const noSid = resign({ corpId: 7, userid: 'licui', exp: now + 60 });
    expect(verifySession(SECRET, noSid, { ...MAX, now: now * 1000 })).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('secret box', () => {
  it('seals and opens; a flipped byte fails', () => {
    const box = new SecretBox('ab'.repeat(32));
    const sealed = box.seal('corp-secret-值');
    expect(sealed).not.toContain('corp-secret');
    expect(box.open(sealed)).toBe('corp-secret-值');
    const parts = sealed.split('.');
    parts[3] = parts[3]!.slice(0, -2) + (parts[3]!.endsWith('AA') ? 'BB' : 'AA');
    expect(() => box.open(parts.join('.'))).toThrow();
  });
  it('rejects a short key', () => {
    expect(() => new SecretBox('abcd'.repeat(8))).toThrow(/32 bytes/);
  });
});
