import { describe, expect, it } from 'vitest';
import en from '../i18n/en';
import zh from '../i18n/zh-CN';

function keys(o: unknown, prefix = ''): string[] {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return [prefix];
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}
const CJK = /[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/;

describe('messages', () => {
  it('English has every key Simplified Chinese has, and no others', () => {
    expect(keys(en).sort()).toEqual(keys(zh).sort());
  });

  it('English carries no Chinese text (except the switch back to 中文)', () => {
    const leaks = keys(en)
      .filter((k) => k !== 'app.lang')
      .filter((k) =>
        CJK.test(JSON.stringify(k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], en))),
      );
    expect(leaks).toEqual([]);
  });
});

describe('pronouns follow the customer’s gender', () => {
  const strings = (o: unknown, path = ''): [string, string][] =>
    o !== null && typeof o === 'object'
      ? Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k))
      : typeof o === 'string'
        ? [[path, o]]
        : [];

  it('no message hard-codes her outside the pronoun table (她 / her)', () => {
    expect(strings(zh).filter(([k, v]) => !k.startsWith('pronoun.') && v.includes('她'))).toEqual([]);
    expect(strings(en).filter(([k, v]) => !k.startsWith('pronoun.') && /\b[Hh]ers?\b/.test(v))).toEqual([]);
  });

  it('renders 她, 他 or TA (her, him, this customer) by gender', async () => {
    const { createI18n } = await import('vue-i18n');
    const { pronounKey } = await import('../composables/pronoun');
    const i18n = createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zh, en } });
    const say = (locale: 'zh-CN' | 'en', gender: number, key: string) => {
      i18n.global.locale.value = locale;
      const k = pronounKey(gender);
      const p = {
        obj: i18n.global.t(`pronoun.${k}.obj`),
        pos: i18n.global.t(`pronoun.${k}.pos`),
        Pos: i18n.global.t(`pronoun.${k}.Pos`),
      };
      return i18n.global.t(key, { ...p, list: '鞋履 37' });
    };
    expect([2, 1, 0].map((g) => say('zh-CN', g, 'scripts.recommended'))).toEqual(['为她推荐', '为他推荐', '为TA推荐']);
    expect([2, 1, 0].map((g) => say('zh-CN', g, 'matches.share'))).toEqual(['发给她', '发给他', '发给TA']);
    expect(say('zh-CN', 1, 'matches.herSizes')).toBe('他的尺码：鞋履 37');
    expect([2, 1, 0].map((g) => say('en', g, 'matches.share'))).toEqual([
      'Send to her',
      'Send to him',
      'Send to this customer',
    ]);
    expect(say('en', 1, 'matches.herSizes')).toBe('His sizes: 鞋履 37');
  });
});
