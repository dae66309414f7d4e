import { createI18n } from 'vue-i18n';
import en from './en';
import zh from './zh-CN';

const saved = typeof localStorage === 'undefined' ? null : localStorage.getItem('gp.lang');

/** Simplified Chinese unless the guide switched to English on this device. */
export const i18n = createI18n({
  legacy: false,
  locale: saved === 'en' ? 'en' : 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zh, en },
});
if (typeof document !== 'undefined') document.documentElement.lang = i18n.global.locale.value;

export function toggleLocale(): void {
  const next = i18n.global.locale.value === 'en' ? 'zh-CN' : 'en';
  i18n.global.locale.value = next;
  localStorage.setItem('gp.lang', next);
  document.documentElement.lang = next;
}

export const fen = (v: number) =>
  (v / 100).toLocaleString('zh-CN', { minimumFractionDigits: v % 100 === 0 ? 0 : 2, maximumFractionDigits: 2 });
