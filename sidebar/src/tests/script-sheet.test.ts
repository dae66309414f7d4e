import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import Vant from 'vant';
import { describe, expect, it, vi } from 'vitest';
import { i18n } from '../i18n';

vi.mock('../composables/send', () => ({ useSend: () => vi.fn(), toMessages: vi.fn() }));
const { default: ScriptSheet } = await import('../components/ScriptSheet.vue');

function render(text: string, vars: Record<string, string | null>) {
  setActivePinia(createPinia());
  return mount(ScriptSheet, {
    props: {
      title: '新品到店通知',
      parts: [{ type: 'text', text }],
      vars,
      meta: { kind: 'script', scriptId: 1 },
      canSend: true,
    },
    global: { plugins: [i18n, Vant] },
  });
}

describe('script preview', () => {
  it('fills the variables into an editable text', () => {
    const w = render('{{称呼}}，本周新款{{商品}}有您的{{尺码}}码', {
      称呼: '王女士',
      商品: '云朵软底玛丽珍鞋',
      尺码: '37',
    });
    expect((w.find('textarea').element as HTMLTextAreaElement).value).toBe(
      '王女士，本周新款云朵软底玛丽珍鞋有您的37码',
    );
    expect(w.find('[data-test=send]').attributes('disabled')).toBeUndefined();
  });

  it('blocks sending while a variable has no value, and names it', async () => {
    const w = render('{{称呼}}，{{商品}}到店了', { 称呼: '王女士', 商品: null });
    expect(w.text()).toContain('商品');
    expect(w.find('[data-test=send]').attributes('disabled')).toBeDefined();
    await w.find('textarea').setValue('王女士，玛丽珍鞋到店了');
    expect(w.find('[data-test=send]').attributes('disabled')).toBeUndefined();
  });
});
