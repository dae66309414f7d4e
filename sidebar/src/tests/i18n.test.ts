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
