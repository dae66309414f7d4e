/**
 * Adding a real corp, the first step of the setup order in the README: the corp row with its
 * sealed secrets, a callback Token and EncodingAESKey of our making (WeCom's console takes them
 * as typed), a POS secret, and the first admin user — before WeCom is asked to verify anything,
 * because WeCom checks the callback URL against the running API the moment the admin saves it.
 */
import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/knex';
import { AppError } from '../errors';

export interface NewCorp {
  wecomCorpId: string;
  name: string;
  agentId: number;
  agentSecret: string;
  contactSecret?: string | undefined;
  timezone?: string | undefined;
  admin: { userid: string; name: string };
}

export interface AddedCorp {
  corpId: number;
  /** What to type into WeCom's admin console, in the order of the README. */
  callbackUrl: string;
  callbackToken: string;
  encodingAesKey: string;
  trustedDomain: string;
  toolbarUrl: string;
  webLoginUrl: string;
  posWebhookUrl: string;
  /** Shown this once: give it to the POS system. */
  posSecret: string;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Letters and digits, as WeCom's console accepts for Token (≤ 32) and EncodingAESKey (exactly 43). */
const alnum = (n: number) =>
  [...randomBytes(n * 2)]
    .map((b) => ALNUM[b % ALNUM.length])
    .slice(0, n)
    .join('');

const CORP_ID = /^ww[A-Za-z0-9]{1,62}$/;
const USERID = /^[A-Za-z0-9_.@-]{1,64}$/;

export async function addCorp(db: Db, secrets: SecretBox, publicUrl: string, input: NewCorp): Promise<AddedCorp> {
  if (!CORP_ID.test(input.wecomCorpId))
    throw new AppError('VALIDATION_FAILED', 'corpid: WeCom corp ids start with ww (我的企业 → 企业信息 → 企业ID)', {
      field: 'corpid',
    });
  if (!Number.isSafeInteger(input.agentId) || input.agentId <= 0)
    throw new AppError('VALIDATION_FAILED', 'agent-id: the app’s AgentId, a number', { field: 'agentId' });
  if (!input.agentSecret.trim())
    throw new AppError('VALIDATION_FAILED', 'agent-secret: the app’s Secret', { field: 'agentSecret' });
  if (!USERID.test(input.admin.userid))
    throw new AppError('VALIDATION_FAILED', 'admin: a WeCom userid (账号) of a member in the app’s visible scope', {
      field: 'admin',
    });
  const timezone = input.timezone ?? 'Asia/Shanghai';
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new AppError('VALIDATION_FAILED', `timezone: ${timezone} is not an IANA time zone`, { field: 'timezone' });
  }
  const callbackToken = alnum(32);
  const encodingAesKey = alnum(43);
  const posSecret = randomBytes(24).toString('hex');
  const corpId = await db.transaction(async (trx) => {
    if (await trx('corps').where({ wecom_corp_id: input.wecomCorpId }).first('id'))
      throw new AppError('CONFLICT', `corp ${input.wecomCorpId} is already set up`, { field: 'corpid' });
    const [row] = await trx('corps')
      .insert({
        wecom_corp_id: input.wecomCorpId,
        name: input.name,
        timezone,
        agent_id: input.agentId,
        agent_secret_enc: secrets.seal(input.agentSecret.trim()),
        contact_secret_enc: input.contactSecret?.trim() ? secrets.seal(input.contactSecret.trim()) : null,
        callback_token: callbackToken,
        callback_aes_key_enc: secrets.seal(encodingAesKey),
        pos_hmac_secret_enc: secrets.seal(posSecret),
      })
      .returning<{ id: number }[]>('id');
    const id = Number(row!.id);
    await trx('users').insert({ corp_id: id, userid: input.admin.userid, name: input.admin.name, role: 'admin' });
    await trx('audit_log').insert({
      corp_id: id,
      actor: 'setup',
      action: 'corp.add',
      entity: 'corp',
      entity_id: String(id),
      detail: JSON.stringify({ wecomCorpId: input.wecomCorpId, agentId: input.agentId, admin: input.admin.userid }),
    });
    return id;
  });
  const base = publicUrl.replace(/\/$/, '');
  const cid = input.wecomCorpId;
  return {
    corpId,
    callbackUrl: `${base}/wecom/callback/${cid}`,
    callbackToken,
    encodingAesKey,
    trustedDomain: new URL(base).host,
    toolbarUrl: `${base}/api/auth/wecom/start?corp=${cid}&redirect=${encodeURIComponent(`/sidebar?corp=${cid}`)}`,
    webLoginUrl: `${base}/boards.html?corp=${cid}`,
    posWebhookUrl: `${base}/webhooks/pos/${cid}`,
    posSecret,
  };
}
