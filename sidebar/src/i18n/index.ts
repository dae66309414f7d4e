import { createI18n } from 'vue-i18n';
import en from './en';
import zh from './zh-CN';

const saved = typeof localStorage === 'undefined' ? null : localStorage.getItem('gp.lang');

export const i18n = createI18n({
  legacy: false,
  locale: saved === 'en' ? 'en' : 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zh, en },
});

export function toggleLocale(): void {
  const next = i18n.global.locale.value === 'en' ? 'zh-CN' : 'en';
  i18n.global.locale.value = next;
  localStorage.setItem('gp.lang', next);
  document.documentElement.lang = next;
}

export const fen = (v: number) => (v / 100).toLocaleString('zh-CN', { minimumFractionDigits: v % 100 === 0 ? 0 : 2, maximumFractionDigits: 2 });
