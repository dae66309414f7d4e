import { beforeEach, describe, expect, it, vi } from 'vitest';

const calls: string[] = [];
let replies: (() => Promise<unknown>)[] = [];
vi.mock('@wecom/jssdk', () => ({
  sendChatMessage: (m: { msgtype: string }) => {
    calls.push(`start ${m.msgtype}`);
    const r = replies.shift()!;
    return r().finally(() => calls.push(`end ${m.msgtype}`));
  },
}));
const { sendMessages, WecomError } = await import('../wecom');

const ok = () => new Promise((r) => setTimeout(() => r({ errMsg: 'sendChatMessage:ok' }), 5));
const cancel = () => Promise.reject({ errMsg: 'sendChatMessage:cancel', errCode: -1 });
const fail = () => Promise.reject({ errMsg: 'sendChatMessage:no permission', errCode: -1 });
const text = { msgtype: 'text' as const, text: { content: 'hi' } };
const news = { msgtype: 'news' as const, news: { link: 'https://x', title: 't', desc: 'd', imgUrl: '' } };

beforeEach(() => {
  calls.length = 0;
  replies = [];
});

describe('sending into the chat', () => {
  it('sends the parts in order, each awaited before the next', async () => {
    replies = [ok, ok];
    const r = await sendMessages([text, news]);
    expect(r).toEqual({ status: 'sent', sent: [text, news] });
    expect(calls).toEqual(['start text', 'end text', 'start news', 'end news']);
  });

  it('treats a cancel as an outcome and stops there', async () => {
    replies = [ok, cancel];
    const r = await sendMessages([text, news, text]);
    expect(r).toEqual({ status: 'cancelled', sent: [text] });
  });

  it('throws a WecomError carrying what was already sent', async () => {
    replies = [ok, fail];
    const err = await sendMessages([text, news]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WecomError);
    expect((err as InstanceType<typeof WecomError>).reason).toBe('no permission');
    expect((err as { sent: unknown[] }).sent).toEqual([text]);
  });
});
