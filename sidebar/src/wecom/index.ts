/**
 * All @wecom/jssdk use lives here. register() with the corp and agent signatures from our API
 * (tickets never reach the browser), the chat context (entry + customer or group), and sends
 * into the chat: parts in order, each awaited; a cancel is an outcome, not an error.
 */
import * as ww from '@wecom/jssdk';
import type { JssdkSignatures } from '../../../core/contracts/sidebar';

export type Entry =
  | 'single_chat_tools'
  | 'group_chat_tools'
  | 'contact_profile'
  | 'single_kf_tools'
  | 'chat_attachment'
  | 'normal'
  | string;

export type ChatContext =
  | { kind: 'customer'; entry: Entry; externalUserid: string }
  | { kind: 'group'; entry: Entry; chatId: string }
  | { kind: 'none'; entry: Entry };

export type OutgoingMessage =
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'image'; image: { mediaid: string } }
  | { msgtype: 'news'; news: { link: string; title: string; desc: string; imgUrl: string } }
  | { msgtype: 'miniprogram'; miniprogram: { appid: string; title: string; imgUrl: string; page: string } };

/** What ww.register needs, from POST /api/wecom/jssdk-signatures (the tickets stay on the server). */
export type Signatures = JssdkSignatures;

/** A failure from the client, with the SDK's normalised errMsg ("api:reason"). */
export class WecomError extends Error {
  constructor(
    readonly api: string,
    readonly errMsg: string,
  ) {
    super(errMsg);
    this.name = 'WecomError';
  }
  get reason(): string {
    return this.errMsg.slice(this.errMsg.indexOf(':') + 1);
  }
}

const JS_API_LIST = ['getContext', 'getCurExternalContact', 'getCurExternalChat', 'sendChatMessage'];

function errMsgOf(err: unknown, api: string): string {
  if (err && typeof err === 'object' && 'errMsg' in err && typeof (err as { errMsg: unknown }).errMsg === 'string')
    return (err as { errMsg: string }).errMsg;
  return `${api}:${err instanceof Error ? err.message : 'fail'}`;
}

export function inWecom(): boolean {
  return /wxwork\//i.test(navigator.userAgent);
}

let ready: Promise<void> | null = null;

/**
 * ww.register() starts agentConfig itself and drops that promise, so a failed agentConfig would
 * also surface as an unhandled rejection. connect() handles (and explains) that failure; this
 * keeps it from being reported twice.
 */
function swallowRegisterRejection(e: PromiseRejectionEvent): void {
  if (/^agentConfig:/.test(errMsgOf(e.reason, ''))) e.preventDefault();
}

/**
 * Registers once. agentConfig that fails is retried once (a fresh signature), then rejected with
 * a WecomError the UI explains (trusted domain, app visibility, clock).
 */
export function connect(fetchSignatures: (url: string, retry?: boolean) => Promise<Signatures>): Promise<void> {
  if (ready) return ready;
  window.removeEventListener('unhandledrejection', swallowRegisterRejection);
  window.addEventListener('unhandledrejection', swallowRegisterRejection);
  ready = (async () => {
    const url = location.href.split('#')[0]!;
    const first = await fetchSignatures(url);
    let cached: Signatures | null = first;
    const sig = async () => {
      // A second signature means the first was refused: the server drops the tickets WeCom rejected.
      const s = cached ?? (await fetchSignatures(location.href.split('#')[0]!, true));
      cached = null;
      return s;
    };
    ww.register({
      corpId: first.corpId,
      agentId: first.agentId,
      jsApiList: JS_API_LIST,
      getConfigSignature: async () => (await sig()).config,
      getAgentConfigSignature: async () => (await sig()).agentConfig,
    });
    try {
      await ww.ensureAgentConfigReady();
    } catch {
      // One retry: the SDK re-attempts a failed config on the next call.
      try {
        await ww.ensureAgentConfigReady();
      } catch (err) {
        throw new WecomError('agentConfig', errMsgOf(err, 'agentConfig'));
      }
    }
  })();
  ready.catch(() => {
    ready = null;
  });
  return ready;
}

export async function chatContext(): Promise<ChatContext> {
  let entry: Entry = 'normal';
  try {
    entry = (await ww.getContext()).entry as Entry;
  } catch (err) {
    throw new WecomError('getContext', errMsgOf(err, 'getContext'));
  }
  try {
    if (entry === 'single_chat_tools' || entry === 'contact_profile' || entry === 'single_kf_tools') {
      const r = await ww.getCurExternalContact();
      return { kind: 'customer', entry, externalUserid: r.userId };
    }
    if (entry === 'group_chat_tools') {
      const r = await ww.getCurExternalChat();
      return { kind: 'group', entry, chatId: r.chatId };
    }
    // The chat's attachment bar opens from a single chat or a group chat: whichever answers.
    if (entry === 'chat_attachment') {
      const single = await ww.getCurExternalContact().catch(() => null);
      if (single) return { kind: 'customer', entry, externalUserid: single.userId };
      const r = await ww.getCurExternalChat();
      return { kind: 'group', entry, chatId: r.chatId };
    }
  } catch (err) {
    const msg = errMsgOf(err, 'getCurExternalContact');
    if (/without context/.test(msg)) return { kind: 'none', entry };
    throw new WecomError(msg.split(':')[0] ?? 'getCurExternalContact', msg);
  }
  return { kind: 'none', entry };
}

export type SendOutcome =
  { status: 'sent'; sent: OutgoingMessage[] } | { status: 'cancelled'; sent: OutgoingMessage[] };

/** Sends parts in order, each awaited. Stops at a cancel; a failure throws with what was already sent. */
export async function sendMessages(parts: OutgoingMessage[]): Promise<SendOutcome> {
  const sent: OutgoingMessage[] = [];
  for (const part of parts) {
    try {
      await ww.sendChatMessage(part as Parameters<typeof ww.sendChatMessage>[0]);
      sent.push(part);
    } catch (err) {
      const msg = errMsgOf(err, 'sendChatMessage');
      if (/:cancel$/.test(msg)) return { status: 'cancelled', sent };
      throw Object.assign(new WecomError('sendChatMessage', msg), { sent });
    }
  }
  return { status: 'sent', sent };
}
