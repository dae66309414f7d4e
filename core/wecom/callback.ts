/**
 * WeCom callback handling before the queue: signature, decryption, receive-id check, storage
 * with a dedupe key that is stable over WeCom's retries. Processing happens in a worker.
 */
import { createHash } from 'node:crypto';
import { decrypt, getSignature } from '@wecom/crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { findCorp, type CorpRow } from './corp-client';

const parser = new XMLParser({ parseTagValue: false, trimValues: true });
const MAX_SKEW_S = 300;

export const callbackQuery = z.object({
  msg_signature: z.string().regex(/^[0-9a-f]{40}$/),
  timestamp: z.string().regex(/^\d{1,12}$/),
  nonce: z.string().min(1).max(64),
});

export const callbackEvent = z
  .object({
    ToUserName: z.string(),
    CreateTime: z.string(),
    MsgType: z.string(),
    Event: z.string().optional(),
    ChangeType: z.string().optional(),
    UserID: z.string().optional(),
    ExternalUserID: z.string().optional(),
    State: z.string().optional(),
    Source: z.string().optional(),
    FailReason: z.string().optional(),
    Id: z.string().optional(),
    TagType: z.string().optional(),
  })
  .passthrough();
export type CallbackEvent = z.infer<typeof callbackEvent>;

/** WeCom's events are flat: `<xml>` and one level of fields (a few, such as tag lists, one more). */
const MAX_DEPTH = 6;

/** Parses a decrypted event; anything that is not a well-formed, shallow event of ours is a 400. */
export function parseEventXml(xml: string): CallbackEvent {
  const invalid = (why: string) => new AppError('VALIDATION_FAILED', `Encrypt: ${why}`, { field: 'Encrypt' });
  if (XMLValidator.validate(xml) !== true) throw invalid('the event is not well-formed XML');
  let depth = 0;
  let max = 0;
  for (const m of xml.matchAll(/<(\/?)[A-Za-z_][^>]*?(\/?)>/g)) {
    if (m[1]) depth--;
    else if (!m[2]) max = Math.max(max, ++depth);
  }
  if (max > MAX_DEPTH) throw invalid('the event is nested too deeply');
  const doc = parser.parse(xml) as { xml?: unknown };
  const ev = callbackEvent.safeParse(doc.xml);
  if (!ev.success)
    throw invalid(
      `not an event this app receives (${ev.error.issues[0]?.path.join('.') || 'xml'}: ${ev.error.issues[0]?.message})`,
    );
  return ev.data;
}

/** An unknown corp and a wrong signature get the same answer: callers cannot learn which corps exist. */
const badSignature = () => new AppError('BAD_SIGNATURE', 'msg_signature does not match', { field: 'msg_signature' });

async function corpFor(ctx: AppContext, ref: string): Promise<{ corp: CorpRow; token: string; aesKey: string }> {
  const corp = await findCorp(ctx, ref);
  if (!corp) throw badSignature();
  return { corp, token: corp.callback_token, aesKey: ctx.secrets.open(corp.callback_aes_key_enc) };
}

/**
 * The envelope's `Encrypt` field, found without parsing the body: msg_signature covers it, so it is
 * checked before any XML parser sees what an anonymous client sent.
 */
const ENCRYPT = /<Encrypt>\s*(?:<!\[CDATA\[([A-Za-z0-9+/=]{1,65536})\]\]>|([A-Za-z0-9+/=]{1,65536}))\s*<\/Encrypt>/;
export function encryptedField(body: string): string {
  const m = ENCRYPT.exec(body);
  const v = m?.[1] ?? m?.[2];
  if (!v) throw new AppError('VALIDATION_FAILED', 'body: not a WeCom callback envelope', { field: 'body' });
  return v;
}

function checkSignature(token: string, q: z.infer<typeof callbackQuery>, encrypted: string, nowS: number): void {
  if (getSignature(token, q.timestamp, q.nonce, encrypted) !== q.msg_signature) throw badSignature();
  if (Math.abs(nowS - Number(q.timestamp)) > MAX_SKEW_S)
    throw new AppError('BAD_SIGNATURE', 'timestamp is stale', { field: 'timestamp' });
}

function open(aesKey: string, encrypted: string, corpid: string): string {
  let plain: { message: string; id: string };
  try {
    plain = decrypt(aesKey, encrypted);
  } catch {
    throw new AppError('BAD_SIGNATURE', 'cannot decrypt', { field: 'Encrypt' });
  }
  if (plain.id !== corpid)
    throw new AppError('BAD_SIGNATURE', 'receive id does not match the corp', { field: 'Encrypt' });
  return plain.message;
}

/** GET URL verification: returns the plaintext echostr. */
export async function verifyCallbackUrl(
  ctx: AppContext,
  corpRef: string,
  query: unknown,
  nowS = Math.floor(Date.now() / 1000),
): Promise<string> {
  const q = callbackQuery.extend({ echostr: z.string().min(1) }).safeParse(query);
  if (!q.success)
    throw new AppError(
      'VALIDATION_FAILED',
      `query.${q.error.issues[0]?.path.join('.')}: ${q.error.issues[0]?.message}`,
      { field: `query.${q.error.issues[0]?.path.join('.')}` },
    );
  const { corp, token, aesKey } = await corpFor(ctx, corpRef);
  checkSignature(token, q.data, q.data.echostr, nowS);
  return open(aesKey, q.data.echostr, corp.wecom_corp_id);
}

/**
 * POST: verifies, decrypts and stores the event. Returns the stored id, whether it is new, and
 * whether it still needs processing (a retry of an event stored but never processed does).
 */
export async function receiveCallback(
  ctx: AppContext,
  corpRef: string,
  query: unknown,
  body: string,
  nowS = Math.floor(Date.now() / 1000),
): Promise<{ corpId: number; eventId: number; isNew: boolean; pending: boolean }> {
  const q = callbackQuery.safeParse(query);
  if (!q.success)
    throw new AppError(
      'VALIDATION_FAILED',
      `query.${q.error.issues[0]?.path.join('.')}: ${q.error.issues[0]?.message}`,
      { field: `query.${q.error.issues[0]?.path.join('.')}` },
    );
  const encrypted = encryptedField(body);
  const { corp, token, aesKey } = await corpFor(ctx, corpRef);
  checkSignature(token, q.data, encrypted, nowS);
  const xml = open(aesKey, encrypted, corp.wecom_corp_id);
  const ev = parseEventXml(xml);
  // Retries carry the same plaintext: its hash is the dedupe key.
  const dedupeKey = createHash('sha256').update(xml).digest('hex');
  const [row] = await ctx
    .db('wecom_callback_events')
    .insert({
      corp_id: corp.id,
      dedupe_key: dedupeKey,
      event: ev.Event ?? ev.MsgType,
      change_type: ev.ChangeType ?? null,
      xml,
    })
    .onConflict(['corp_id', 'dedupe_key'])
    .merge({ deliveries: ctx.db.raw('wecom_callback_events.deliveries + 1') })
    .returning<{ id: number; inserted: boolean; status: string }[]>([
      ctx.db.raw('id'),
      ctx.db.raw('(xmax = 0) as inserted'),
      ctx.db.raw('status'),
    ]);
  return { corpId: corp.id, eventId: row!.id, isNew: row!.inserted, pending: row!.status !== 'processed' };
}
