import { describe, expect, it } from 'vitest';
import { signSession, verifySession } from '../../core/auth/session';
import { SecretBox } from '../../core/crypto/secret-box';

const SECRET = 's'.repeat(40);

describe('session tokens', () => {
  it('round-trips and expires', () => {
    const t = signSession(SECRET, { corpId: 7, userid: 'licui' }, 60, 1_000_000);
    expect(verifySession(SECRET, t, 1_000_000)).toEqual({
      ok: true,
      claims: { corpId: 7, userid: 'licui', exp: 1060 },
    });
    expect(verifySession(SECRET, t, 1_060_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('rejects a tampered payload or another key', () => {
    const t = signSession(SECRET, { corpId: 7, userid: 'licui' }, 60);
    const [p, s] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ corpId: 7, userid: 'boss', exp: 9e9 })).toString('base64url');
    expect(verifySession(SECRET, `${forged}.${s}`)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySession('t'.repeat(40), t)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySession(SECRET, p!)).toEqual({ ok: false, reason: 'malformed' });
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
