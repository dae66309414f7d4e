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
import { signSession } from './session';

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
  if (!corp) throw new AppError('NOT_FOUND', `no corp ${corpRef}`, { field: 'query.corp' });
  const nonce = randomBytes(16).toString('hex');
  const payload = Buffer.from(
    JSON.stringify({
      corpId: corp.id,
      nonce,
      redirect: safeRedirect(redirect),
      exp: Math.floor(Date.now() / 1000) + OAUTH_TTL_S,
    }),
  ).toString('base64url');
  const url = new URL('/connect/oauth2/authorize', ctx.cfg.WECOM_OAUTH_BASE);
  url.searchParams.set('appid', corp.wecom_corp_id);
  url.searchParams.set('redirect_uri', `${ctx.cfg.publicUrl}/api/auth/wecom/callback`);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', 'snsapi_base');
  url.searchParams.set('state', nonce);
  url.searchParams.set('agentid', String(corp.agent_id));
  return {
    location: `${url.toString()}#wechat_redirect`,
    cookie: `${payload}.${mac(ctx.cfg.SESSION_SECRET, payload)}`,
  };
}

export async function finishSignIn(
  ctx: AppContext,
  code: string,
  state: string,
  cookie: string | undefined,
): Promise<{ session: string; redirect: string }> {
  const [payload, sig] = (cookie ?? '').split('.');
  const expected = payload ? Buffer.from(mac(ctx.cfg.SESSION_SECRET, payload)) : Buffer.alloc(0);
  if (!payload || !sig || expected.length !== Buffer.from(sig).length || !timingSafeEqual(expected, Buffer.from(sig))) {
    throw new AppError('UNAUTHENTICATED', 'sign-in was not started here or took too long; open the page again', {
      field: 'state',
    });
  }
  const c = oauthCookie.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  if (c.nonce !== state || c.exp < Date.now() / 1000)
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
  return {
    session: signSession(
      ctx.cfg.SESSION_SECRET,
      { corpId: c.corpId, userid: info.userid },
      ctx.cfg.SESSION_TTL_SECONDS,
    ),
    redirect: c.redirect,
  };
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
