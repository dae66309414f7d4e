/**
 * WeCom web login (企业微信Web登录) for desktop browsers: the same state nonce and signed cookie as
 * in-client OAuth (wecom-sign-in.ts), but the link is `wwlogin/sso/login` (login_type CorpApp),
 * where the member scans a QR code with the WeCom app. The code comes back to our callback and is
 * exchanged by `auth/getuserinfo`, as with OAuth.
 */
import type { AppContext } from '../context';
import { startSignIn } from './wecom-sign-in';

export const WEB_LOGIN_CALLBACK = '/api/auth/wecom/web-login/callback';

export async function startWebLogin(
  ctx: AppContext,
  corpRef: string,
  redirect: string | undefined,
  lang: 'zh' | 'en' | undefined,
): Promise<{ location: string; cookie: string }> {
  const { location, cookie } = await startSignIn(ctx, corpRef, redirect);
  const oauth = new URL(location.split('#')[0]!);
  const url = new URL('/wwlogin/sso/login', ctx.cfg.WECOM_LOGIN_BASE);
  url.searchParams.set('login_type', 'CorpApp');
  url.searchParams.set('appid', oauth.searchParams.get('appid')!);
  url.searchParams.set('agentid', oauth.searchParams.get('agentid')!);
  url.searchParams.set('redirect_uri', `${ctx.cfg.publicUrl}${WEB_LOGIN_CALLBACK}`);
  url.searchParams.set('state', oauth.searchParams.get('state')!);
  if (lang) url.searchParams.set('lang', lang);
  return { location: url.toString(), cookie };
}
