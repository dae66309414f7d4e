import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it, vi } from 'vitest';
import type { ChatContext } from '../wecom';

const client = {
  entry: 'single_chat_tools',
  contact: null as string | null,
  chat: null as string | null,
};
vi.mock('@wecom/jssdk', () => ({
  getContext: async () => ({ entry: client.entry }),
  getCurExternalContact: async () => {
    if (!client.contact) throw { errMsg: 'getCurExternalContact:fail without context of external contact' };
    return { userId: client.contact };
  },
  getCurExternalChat: async () => {
    if (!client.chat) throw { errMsg: 'getCurExternalChat:fail without context of external contact' };
    return { chatId: client.chat };
  },
}));
vi.mock('vue-router', () => ({ useRouter: () => ({ back: vi.fn() }) }));
const { chatContext } = await import('../wecom');
const { useSession } = await import('../stores/session');
const { default: CustomerPage } = await import('../views/CustomerPage.vue');

function canSendFor(context: ChatContext, ext: string): boolean {
  setActivePinia(createPinia());
  useSession().context = context;
  const w = mount(CustomerPage, {
    props: { ext },
    global: {
      stubs: { CustomerView: { props: ['ext', 'canSend'], template: '<i :data-can-send="String(canSend)" />' } },
    },
  });
  return w.find('[data-can-send]').attributes('data-can-send') === 'true';
}

describe('entry points', () => {
  it('shows the customer from her profile page without a send button', async () => {
    Object.assign(client, { entry: 'contact_profile', contact: 'wmA', chat: null });
    const ctx = await chatContext();
    expect(ctx).toEqual({ kind: 'customer', entry: 'contact_profile', externalUserid: 'wmA' });
    expect(canSendFor(ctx, 'wmA')).toBe(false);
  });

  it('allows sending from the chat attachment bar, of a single chat or a group', async () => {
    Object.assign(client, { entry: 'chat_attachment', contact: 'wmB', chat: null });
    const single = await chatContext();
    expect(single).toEqual({ kind: 'customer', entry: 'chat_attachment', externalUserid: 'wmB' });
    expect(canSendFor(single, 'wmB')).toBe(true);
    expect(canSendFor(single, 'wmOther')).toBe(false);
    Object.assign(client, { entry: 'chat_attachment', contact: null, chat: 'wrC' });
    const group = await chatContext();
    expect(group).toEqual({ kind: 'group', entry: 'chat_attachment', chatId: 'wrC' });
    expect(canSendFor(group, 'wmB')).toBe(true);
  });

  it('still sends from the single chat toolbar', async () => {
    Object.assign(client, { entry: 'single_chat_tools', contact: 'wmD', chat: null });
    expect(canSendFor(await chatContext(), 'wmD')).toBe(true);
  });
});
