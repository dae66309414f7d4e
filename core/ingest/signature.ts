import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors';

const MAX_SKEW_S = 300;

/** `X-Guidepost-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
export function signPosBody(secret: string, body: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export function verifyPosSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowS = Math.floor(Date.now() / 1000),
): void {
  const parts = Object.fromEntries((header ?? '').split(',').map((kv) => kv.trim().split('=') as [string, string]));
  const t = Number(parts.t);
  if (!header || !Number.isInteger(t) || !parts.v1 || !/^[0-9a-f]{64}$/.test(parts.v1))
    throw new AppError('BAD_SIGNATURE', 'missing or malformed X-Guidepost-Signature', {
      field: 'X-Guidepost-Signature',
    });
  if (Math.abs(nowS - t) > MAX_SKEW_S)
    throw new AppError('BAD_SIGNATURE', 'signature timestamp is stale', { field: 'X-Guidepost-Signature' });
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  if (!timingSafeEqual(expected, Buffer.from(parts.v1)))
    throw new AppError('BAD_SIGNATURE', 'signature does not match', { field: 'X-Guidepost-Signature' });
}
