/**
 * Sign-in through WeCom OAuth (snsapi_base): code → userid → our user → a session. The OAuth
 * `state` is a random nonce also kept in a short-lived signed cookie (CSRF), with the path to return to.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { getJsApiSignature } from '@wecom/crypto';
import { z } from 'zod';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { findCorp, getWecomClient } from '../wecom/corp-client';
import { WecomError } from '../wecom/wecom-error';
import { loadPrincipal } from './principal';
import { revokeSession, signSession, trackSession, verifySession } from './session';

export const OAUTH_COOKIE = 'gp_oauth';
const OAUTH_TTL_S = 600;
const oauthCookie = z.object({
  corpId: z.number().int(),
  nonce: z.string(),
  redirect: z.string(),
  exp: z.number().int(),
});

const mac = (secret: string, v: string) => createHmac('sha256', secret).update(v).digest('base64url');

/** Only same-site paths may be returned to. */
export function safeRedirect(path: string | undefined): string {
  return path && path.startsWith('/') && !path.startsWith('//') && !path.includes('\\') ? path : '/';
}

export async function startSignIn(
  ctx: AppContext,
  corpRef: string,
  redirect: string | undefined,
): Promise<{ location: string; cookie: string }> {
  const corp = await findCorp(ctx, corpRef);
  // An unknown corp gets the same answer as a known one (its sign-in then fails at WeCom or at the
  // callback), so the answer does not reveal which corps exist here.
  const appid = corp?.wecom_corp_id ?? corpRef;
  const agentId =
    corp?.agent_id ??
    1_000_002 + (createHmac('sha256', ctx.cfg.SESSION_SECRET).update(corpRef).digest().readUInt16BE(0) % 8);
  const nonce = randomBytes(16).toString('hex');
  const payload = Buffer.from(
    JSON.stringify({
      corpId: corp?.id ?? 0,
      nonce,
      redirect: safeRedirect(redirect),
      exp: Math.floor(Date.now() / 1000) + OAUTH_TTL_S,
    }),
  ).toString('base64url');
  const url = new URL('/connect/oauth2/authorize', ctx.cfg.WECOM_OAUTH_BASE);
  url.searchParams.set('appid', appid);
  url.searchParams.set('redirect_uri', `${ctx.cfg.publicUrl}/api/auth/wecom/callback`);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', 'snsapi_base');
  url.searchParams.set('state', nonce);
  url.searchParams.set('agentid', String(agentId));
  return {
    location: `${url.toString()}#wechat_redirect`,
    cookie: `${payload}.${mac(ctx.cfg.SESSION_SECRET, payload)}`,
  };
}

/**
 * Finishes sign-in with a new session (a new session id every time); the session the browser
 * still held, if any, is revoked, so a sign-in never extends or reuses an older session.
 */
export async function finishSignIn(
  ctx: AppContext,
  code: string,
  state: string,
  cookie: string | undefined,
  previousSession?: string,
): Promise<{ session: string; redirect: string }> {
  const [payload, sig] = (cookie ?? '').split('.');
  const expected = payload ? Buffer.from(mac(ctx.cfg.SESSION_SECRET, payload)) : Buffer.alloc(0);
  if (!payload || !sig || expected.length !== Buffer.from(sig).length || !timingSafeEqual(expected, Buffer.from(sig))) {
    throw new AppError('UNAUTHENTICATED', 'sign-in was not started here or took too long; open the page again', {
      field: 'state',
    });
  }
  const c = oauthCookie.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  if (c.nonce !== state || c.exp < Date.now() / 1000 || c.corpId === 0)
    throw new AppError('UNAUTHENTICATED', 'sign-in state does not match; open the page again', { field: 'state' });
  const client = await getWecomClient(ctx, c.corpId);
  let info;
  try {
    info = await client.getUserInfo(code);
  } catch (err) {
    if (err instanceof WecomError && err.errcode === 40029)
      throw new AppError('UNAUTHENTICATED', 'the sign-in code was used or expired; open the page again', {
        field: 'code',
      });
    throw err;
  }
  if (!('userid' in info)) throw new AppError('FORBIDDEN', 'only members of the corp can sign in');
  const principal = await loadPrincipal(ctx.db, c.corpId, info.userid);
  if (!principal) throw new AppError('FORBIDDEN', `${info.userid} is not enabled for Guidepost; ask an admin`);
  if (previousSession) {
    const old = verifySession(ctx.cfg.SESSION_SECRET, previousSession, { maxTtlSeconds: ctx.cfg.SESSION_TTL_SECONDS });
    if (old.ok) await revokeSession({ redis: ctx.redis, prefix: ctx.cfg.QUEUE_PREFIX }, old.claims);
  }
  const session = signSession(
    ctx.cfg.SESSION_SECRET,
    { corpId: c.corpId, userid: info.userid },
    ctx.cfg.SESSION_TTL_SECONDS,
  );
  const signed = verifySession(ctx.cfg.SESSION_SECRET, session, { maxTtlSeconds: ctx.cfg.SESSION_TTL_SECONDS });
  if (signed.ok) await trackSession({ redis: ctx.redis, prefix: ctx.cfg.QUEUE_PREFIX }, signed.claims);
  return { session, redirect: c.redirect };
}

/**
 * Whether a page may receive JS-SDK signatures: pages of the API's own public origin (where the
 * sidebar is served) and of the tenant's trusted domains (WeCom 可信域名).
 */
export function isTrustedPage(publicUrl: string, trustedDomains: readonly string[], pageUrl: string): boolean {
  let page: URL;
  try {
    page = new URL(pageUrl);
  } catch {
    return false;
  }
  if (page.protocol !== 'https:' && page.protocol !== 'http:') return false;
  if (page.username || page.password) return false;
  if (page.origin === new URL(publicUrl).origin) return true;
  return page.protocol === 'https:' && trustedDomains.includes(page.host.toLowerCase());
}

/** Signatures for ww.register over the page URL without its fragment. Tickets stay on the server. */
export async function jssdkSignatures(
  ctx: AppContext,
  corpId: number,
  pageUrl: string,
  opts: { retry: boolean } = { retry: false },
) {
  const corp = await findCorp(ctx, corpId);
  if (!corp) throw new AppError('NOT_FOUND', `no corp ${corpId}`);
  if (!isTrustedPage(ctx.cfg.publicUrl, corp.trusted_domains, pageUrl))
    throw new AppError('FORBIDDEN', 'this page is not on a trusted domain of the corp', { field: 'body.url' });
  const client = await getWecomClient(ctx, corpId);
  // The client refused our signature: WeCom dropped the ticket before its expiry (42012 and kin).
  // Drop ours and fetch again, so the sidebar's retry recovers instead of failing until it expires.
  if (opts.retry) await client.dropTickets();
  const url = pageUrl.split('#')[0]!;
  const [corpTicket, agentTicket] = await Promise.all([client.jsapiTicket(), client.agentTicket()]);
  const sign = (ticket: string) => {
    const s = getJsApiSignature({
      url,
      ticket,
      nonceStr: randomBytes(12).toString('hex'),
      timestamp: Math.floor(Date.now() / 1000),
    });
    return { timestamp: Number(s.timestamp), nonceStr: s.nonceStr, signature: s.signature };
  };
  return {
    corpId: corp.wecom_corp_id,
    agentId: corp.agent_id,
    config: sign(corpTicket),
    agentConfig: sign(agentTicket),
  };
}
