import { randomBytes } from 'node:crypto';
import { encrypt, getSignature } from '@wecom/crypto';
import type { Corp } from './state';

const cdata = (v: string) => `<![CDATA[${v}]]>`;

/** Event XML exactly as WeCom builds it for change_external_contact and friends. */
export function eventXml(corpid: string, fields: Record<string, string | number | undefined>): string {
  const body = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => (typeof v === 'number' ? `<${k}>${v}</${k}>` : `<${k}>${cdata(v as string)}</${k}>`))
    .join('');
  return `<xml><ToUserName>${cdata(corpid)}</ToUserName><FromUserName>${cdata('sys')}</FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType>${cdata('event')}</MsgType>${body}</xml>`;
}

export interface DeliveryOptions {
  retryDelaysMs: number[];
  timeoutMs: number;
}

/**
 * Encrypts and POSTs an event to the corp's callback URL; 3 attempts in all, the same payload
 * each time, as WeCom retries. Resolves when delivered or given up; the log records each.
 */
export async function deliver(
  corp: Corp,
  xml: string,
  meta: { event: string; change_type: string | null },
  opts: DeliveryOptions,
  receiver: 'app' | 'contact_sync' = 'app',
): Promise<void> {
  const callback = receiver === 'app' ? corp.callback : corp.contactSync?.callback;
  if (!callback) return;
  const entry = {
    ...meta,
    receiver,
    status: 'pending' as 'delivered' | 'failed' | 'pending',
    attempts: 0,
    at: Date.now(),
    last_error: undefined as string | undefined,
  };
  corp.callbacks.push(entry);
  const { url, token, encodingAESKey } = callback;
  const enc = encrypt(encodingAESKey, xml, corp.corpid, randomBytes(16));
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e10));
  const signature = getSignature(token, timestamp, nonce, enc);
  const envelope = `<xml><ToUserName>${cdata(corp.corpid)}</ToUserName><AgentID>${cdata(String(corp.agentid))}</AgentID><Encrypt>${cdata(enc)}</Encrypt></xml>`;
  const target = `${url}${url.includes('?') ? '&' : '?'}msg_signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    entry.attempts = attempt + 1;
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: envelope,
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      if (res.status === 200) {
        entry.status = 'delivered';
        return;
      }
      entry.last_error = `HTTP ${res.status}`;
    } catch (err) {
      entry.last_error = err instanceof Error ? err.message : String(err);
    }
    if (attempt < 2) await new Promise((r) => setTimeout(r, opts.retryDelaysMs[attempt] ?? 1000));
  }
  entry.status = 'failed';
}

/**
 * What WeCom does when the admin saves 接收消息 settings: a GET to the URL with `msg_signature`,
 * `timestamp`, `nonce` and an `echostr` encrypted with the EncodingAESKey; the settings are saved
 * only if the answer, within a second or so, is the decrypted echostr. Otherwise the admin sees
 * 回调地址请求不通过 and nothing is saved.
 */
export async function verifyCallbackSettings(
  corpid: string,
  cb: { url: string; token: string; encodingAESKey: string },
  timeoutMs = 3000,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const plain = String(Math.floor(Math.random() * 1e18));
  const echostr = encrypt(cb.encodingAESKey, plain, corpid, randomBytes(16));
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e10));
  const q = new URLSearchParams({
    msg_signature: getSignature(cb.token, timestamp, nonce, echostr),
    timestamp,
    nonce,
    echostr,
  });
  try {
    const res = await fetch(`${cb.url}${cb.url.includes('?') ? '&' : '?'}${q.toString()}`, {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    const body = await res.text();
    if (res.status !== 200) return { ok: false, reason: `回调地址请求不通过: HTTP ${res.status}` };
    if (body !== plain) return { ok: false, reason: '回调地址请求不通过: echostr 校验失败' };
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `回调地址请求不通过: ${err instanceof Error ? err.message : String(err)}` };
  }
}
