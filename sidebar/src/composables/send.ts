import { showFailToast, showSuccessToast, showToast } from 'vant';
import { useI18n } from 'vue-i18n';
import type { ScriptPart } from '../../../core/contracts/sidebar';
import { api } from '../net/sidebar';
import { useSession } from '../stores/session';
import { type OutgoingMessage, sendMessages } from '../wecom';

export interface SendMeta {
  kind: 'script' | 'product' | 'coupon' | 'text';
  scriptId?: number;
  productId?: number;
  couponCode?: string;
}

function clientSendId(): string {
  const b = crypto.getRandomValues(new Uint8Array(12));
  return 'sb' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function summary(m: OutgoingMessage): string {
  if (m.msgtype === 'text') return m.text.content;
  if (m.msgtype === 'news') return `${m.news.title} ${m.news.link}`;
  if (m.msgtype === 'miniprogram') return `${m.miniprogram.title} ${m.miniprogram.page}`;
  return `image ${m.image.mediaid}`;
}

/** A card part → what sendChatMessage takes. WeCom wants a mini-program page to end in .html (before its query). */
export function cardMessage(p: Extract<ScriptPart, { type: 'news' | 'miniprogram' }>): OutgoingMessage {
  if (p.type === 'news')
    return { msgtype: 'news', news: { link: p.link, title: p.title, desc: p.desc, imgUrl: p.imgUrl } };
  // Only the path counts: a query value that happens to end in .html does not make the page one.
  const path = p.page.split('?', 1)[0]!;
  const page = path.endsWith('.html') ? p.page : `${path}.html${p.page.slice(path.length)}`;
  return { msgtype: 'miniprogram', miniprogram: { appid: p.appid, title: p.title, imgUrl: p.imgUrl, page } };
}

/** Script parts (texts already filled) → what sendChatMessage takes. Images get a WeCom media id first. */
export async function toMessages(parts: (ScriptPart | { type: 'text'; text: string })[]): Promise<OutgoingMessage[]> {
  const out: OutgoingMessage[] = [];
  for (const p of parts) {
    if (p.type === 'text') {
      if (p.text.trim()) out.push({ msgtype: 'text', text: { content: p.text } });
    } else if (p.type === 'news' || p.type === 'miniprogram') out.push(cardMessage(p));
    else out.push({ msgtype: 'image', image: { mediaid: (await api.media(p.mediaAssetId)).mediaId } });
  }
  return out;
}

/**
 * Sends into the open chat and records what went out. A cancel records nothing; a failure
 * part-way records the parts that did go out.
 */
export function useSend() {
  const session = useSession();
  const { t } = useI18n();
  return async function send(messages: OutgoingMessage[], meta: SendMeta): Promise<'sent' | 'cancelled' | 'failed'> {
    const ctx = session.context;
    const target =
      ctx?.kind === 'customer'
        ? { externalUserid: ctx.externalUserid }
        : ctx?.kind === 'group'
          ? { chatId: ctx.chatId }
          : null;
    if (!target) return 'failed';
    let sent: OutgoingMessage[] = [];
    let outcome: 'sent' | 'cancelled' | 'failed' = 'sent';
    let error = '';
    try {
      const r = await sendMessages(messages);
      sent = r.sent;
      outcome = r.status;
    } catch (err) {
      sent = (err as { sent?: OutgoingMessage[] }).sent ?? [];
      outcome = 'failed';
      error = err instanceof Error ? err.message : String(err);
    }
    let recorded = true;
    if (sent.length) {
      // The record is the attribution evidence: one retry with the same send id (the API records it once).
      const body = {
        clientSendId: clientSendId(),
        ...target,
        ...meta,
        sent: sent.map((m) => ({ msgtype: m.msgtype, summary: summary(m).slice(0, 2000) })),
      };
      recorded = await api.recordSend(body).then(
        () => true,
        () =>
          api.recordSend(body).then(
            () => true,
            () => false,
          ),
      );
    }
    if (!recorded) showFailToast(t('scripts.notRecorded'));
    else if (outcome === 'sent') showSuccessToast(t('scripts.sentOk'));
    else if (outcome === 'cancelled') showToast(t('scripts.cancelled'));
    else showFailToast(t('scripts.failed', { msg: error }));
    return outcome;
  };
}
