/**
 * Integrations a brand admin manages: the POS webhook secret (shown once, rotated with an overlap
 * during which the previous one is still accepted), WeCom's trusted-domain verification file, and
 * what WeCom's app settings need from us. Every change is written to audit_log.
 */
import { randomBytes } from 'node:crypto';
import { encrypt, getSignature } from '@wecom/crypto';
import type { Principal } from '../auth/principal';
import type { AppContext } from '../context';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { verifyPosSignature } from '../ingest/signature';

export const VERIFY_FILE = /^WW_verify_[A-Za-z0-9]{1,40}\.txt$/;

interface PosSecrets {
  pos_hmac_secret_enc: string | null;
  pos_hmac_prev_secret_enc: string | null;
  pos_hmac_prev_valid_until: Date | null;
  pos_hmac_rotated_at: Date | null;
}

const audit = (db: Db, p: Principal, action: string, entityId: string, detail: object, requestId: string) =>
  db('audit_log').insert({
    corp_id: p.corpId,
    actor: p.userid,
    action,
    entity: 'integration',
    entity_id: entityId,
    detail: JSON.stringify(detail),
    request_id: requestId,
  });

/**
 * A new POS secret, returned this once (only its sealed form is stored). The previous secret is
 * accepted for `overlapMinutes` more, so the POS can switch without losing a batch.
 */
export async function rotatePosSecret(
  ctx: AppContext,
  p: Principal,
  overlapMinutes: number,
  requestId: string,
): Promise<{ secret: string; previousValidUntil: Date | null }> {
  const secret = randomBytes(24).toString('hex');
  return ctx.db.transaction(async (trx) => {
    const row = await trx('corps').where({ id: p.corpId }).forUpdate().first<PosSecrets>('pos_hmac_secret_enc');
    const previousValidUntil =
      row?.pos_hmac_secret_enc && overlapMinutes > 0 ? new Date(Date.now() + overlapMinutes * 60_000) : null;
    await trx('corps')
      .where({ id: p.corpId })
      .update({
        pos_hmac_secret_enc: ctx.secrets.seal(secret),
        pos_hmac_prev_secret_enc: previousValidUntil ? row!.pos_hmac_secret_enc : null,
        pos_hmac_prev_valid_until: previousValidUntil,
        pos_hmac_rotated_at: trx.fn.now(),
      });
    await audit(trx, p, 'pos_secret.rotate', 'pos', { overlapMinutes, previousValidUntil }, requestId);
    return { secret, previousValidUntil };
  });
}

/** Ends the overlap now: only the current POS secret is accepted from here on. */
export async function endPosOverlap(ctx: AppContext, p: Principal, requestId: string): Promise<void> {
  await ctx.db.transaction(async (trx) => {
    await trx('corps')
      .where({ id: p.corpId })
      .update({ pos_hmac_prev_secret_enc: null, pos_hmac_prev_valid_until: null });
    await audit(trx, p, 'pos_secret.end_overlap', 'pos', {}, requestId);
  });
}

/** Checks a signed webhook body against the corp's POS secret, or the previous one during its overlap. */
export async function verifyCorpSignature(
  ctx: AppContext,
  corpId: number,
  header: string | undefined,
  body: string,
): Promise<void> {
  const row = await ctx
    .db('corps')
    .where({ id: corpId })
    .first<PosSecrets | undefined>('pos_hmac_secret_enc', 'pos_hmac_prev_secret_enc', 'pos_hmac_prev_valid_until');
  if (!row?.pos_hmac_secret_enc) throw new AppError('FORBIDDEN', 'this corp has no POS integration configured');
  try {
    verifyPosSignature(ctx.secrets.open(row.pos_hmac_secret_enc), header, body);
  } catch (err) {
    const inOverlap =
      row.pos_hmac_prev_secret_enc && row.pos_hmac_prev_valid_until && row.pos_hmac_prev_valid_until > new Date();
    if (!inOverlap || !(err instanceof AppError) || !/does not match/.test(err.message)) throw err;
    verifyPosSignature(ctx.secrets.open(row.pos_hmac_prev_secret_enc!), header, body);
  }
}

/** Stores the verification file WeCom issued for a trusted domain; it is then served at the site root. */
export async function setVerifyFile(
  ctx: AppContext,
  p: Principal,
  file: { filename: string; content: string },
  requestId: string,
): Promise<{ filename: string; url: string }> {
  await saveVerifyFile(ctx.db, p.corpId, p.userid, file, requestId);
  return { filename: file.filename, url: `${ctx.cfg.publicUrl.replace(/\/$/, '')}/${file.filename}` };
}

/** The verification file stored for the corp (also from the command line, before anyone can sign in). */
export async function saveVerifyFile(
  db: Db,
  corpId: number,
  actor: string,
  file: { filename: string; content: string },
  requestId: string | null,
): Promise<void> {
  if (!VERIFY_FILE.test(file.filename))
    throw new AppError('VALIDATION_FAILED', 'filename: WeCom names it WW_verify_<letters and digits>.txt', {
      field: 'filename',
    });
  await db.transaction(async (trx) => {
    const taken = await trx('wecom_verify_files')
      .where({ filename: file.filename })
      .whereNot({ corp_id: corpId })
      .first('id');
    if (taken) throw new AppError('CONFLICT', 'another corp already serves this file', { field: 'filename' });
    await trx('wecom_verify_files')
      .insert({ corp_id: corpId, filename: file.filename, content: file.content })
      .onConflict('filename')
      .merge({ content: file.content });
    await trx('audit_log').insert({
      corp_id: corpId,
      actor,
      action: 'wecom_verify_file.set',
      entity: 'integration',
      entity_id: file.filename,
      detail: JSON.stringify({ content: file.content }),
      request_id: requestId,
    });
  });
}

/** The body of a verification file, or undefined. */
export async function verifyFileContent(ctx: AppContext, filename: string): Promise<string | undefined> {
  if (!VERIFY_FILE.test(filename)) return undefined;
  const row = await ctx.db('wecom_verify_files').where({ filename }).first<{ content: string } | undefined>('content');
  return row?.content;
}

/** What the integrations page shows: never a secret, only whether one is set and the overlap. */
export async function integrationSettings(ctx: AppContext, p: Principal) {
  const corp = await ctx.db('corps').where({ id: p.corpId }).first<
    PosSecrets & {
      wecom_corp_id: string;
      agent_id: number;
      agent_secret_enc: string | null;
      contact_secret_enc: string | null;
      callback_token: string | null;
      callback_aes_key_enc: string | null;
    }
  >('wecom_corp_id', 'agent_id', 'agent_secret_enc', 'contact_secret_enc', 'callback_token', 'callback_aes_key_enc', 'pos_hmac_secret_enc', 'pos_hmac_prev_valid_until', 'pos_hmac_rotated_at');
  if (!corp) throw new AppError('NOT_FOUND', `no corp ${p.corpId}`);
  const files = await ctx
    .db('wecom_verify_files')
    .where({ corp_id: p.corpId })
    .orderBy('id')
    .pluck<string[]>('filename');
  const base = ctx.cfg.publicUrl.replace(/\/$/, '');
  return {
    wecom: {
      corpId: corp.wecom_corp_id,
      agentId: corp.agent_id,
      callbackUrl: `${base}/wecom/callback/${corp.wecom_corp_id}`,
      // The chat-toolbar page: OAuth first (silent in the client), then the sidebar.
      toolbarUrl: `${base}/api/auth/wecom/start?corp=${corp.wecom_corp_id}&redirect=${encodeURIComponent(`/sidebar?corp=${corp.wecom_corp_id}`)}`,
      trustedDomain: new URL(base).host,
      verifyFiles: files.map((f) => `${base}/${f}`),
      // Whether each is set, never what it is.
      secretsSet: {
        agentSecret: !!corp.agent_secret_enc,
        contactSecret: !!corp.contact_secret_enc,
        callbackToken: !!corp.callback_token,
        callbackAesKey: !!corp.callback_aes_key_enc,
      },
    },
    pos: {
      webhookUrl: `${base}/webhooks/pos/${corp.wecom_corp_id}`,
      secretSet: corp.pos_hmac_secret_enc !== null,
      rotatedAt: corp.pos_hmac_rotated_at?.toISOString() ?? null,
      previousValidUntil:
        corp.pos_hmac_prev_valid_until && corp.pos_hmac_prev_valid_until > new Date()
          ? corp.pos_hmac_prev_valid_until.toISOString()
          : null,
    },
  };
}

export interface CallbackCheck {
  ok: boolean;
  /** ok, not_configured, unreachable, http_error (see status) or wrong_answer: what the console says, in its language. */
  outcome: 'ok' | 'not_configured' | 'unreachable' | 'http_error' | 'wrong_answer';
  url: string;
  /** The HTTP status our callback URL answered, or null when it could not be reached. */
  status: number | null;
  reason: string;
}

/**
 * Checks the callback URL the way WeCom does when the admin saves it: a GET with `msg_signature`,
 * `timestamp`, `nonce` and an `echostr` encrypted with the corp's EncodingAESKey, over the network
 * to the public URL; it verifies when the answer is 200 with the decrypted echostr as its body.
 */
export async function checkCallbackUrl(ctx: AppContext, p: Principal): Promise<CallbackCheck> {
  const corp = await ctx
    .db('corps')
    .where({ id: p.corpId })
    .first<{ wecom_corp_id: string; callback_token: string | null; callback_aes_key_enc: string | null } | undefined>(
      'wecom_corp_id',
      'callback_token',
      'callback_aes_key_enc',
    );
  if (!corp) throw new AppError('NOT_FOUND', `no corp ${p.corpId}`);
  const url = `${ctx.cfg.publicUrl.replace(/\/$/, '')}/wecom/callback/${corp.wecom_corp_id}`;
  if (!corp.callback_token || !corp.callback_aes_key_enc)
    return {
      ok: false,
      outcome: 'not_configured',
      url,
      status: null,
      reason: 'the callback Token or EncodingAESKey is not set for this corp',
    };
  const plain = randomBytes(9).toString('hex');
  const echostr = encrypt(ctx.secrets.open(corp.callback_aes_key_enc), plain, corp.wecom_corp_id);
  const timestamp = Math.floor(Date.now() / 1000);
  const nonce = randomBytes(6).toString('hex');
  const query = new URLSearchParams({
    msg_signature: getSignature(corp.callback_token, timestamp, nonce, echostr),
    timestamp: String(timestamp),
    nonce,
    echostr,
  });
  let res: Response;
  try {
    res = await fetch(`${url}?${query.toString()}`, { signal: AbortSignal.timeout(5_000), redirect: 'manual' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return {
      ok: false,
      outcome: 'unreachable',
      url,
      status: null,
      reason: `unreachable: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
    };
  }
  const body = (await res.text()).slice(0, 2_000);
  if (res.status !== 200) {
    let detail = body.slice(0, 200);
    try {
      detail = (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? detail;
    } catch {
      /* not JSON: keep the text */
    }
    return {
      ok: false,
      outcome: 'http_error',
      url,
      status: res.status,
      reason: `answered ${res.status}: ${detail}`.trim(),
    };
  }
  if (body !== plain)
    return {
      ok: false,
      outcome: 'wrong_answer',
      url,
      status: 200,
      reason: 'answered 200, but not with the decrypted echostr (WeCom refuses this)',
    };
  return { ok: true, outcome: 'ok', url, status: 200, reason: 'verifies: the decrypted echostr came back' };
}
