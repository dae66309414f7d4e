import { defineStore } from 'pinia';
import type { ScriptItem, ScriptsResponse } from '../../../core/contracts/sidebar';
import { api } from '../net/sidebar';

/** The script library for the customer on screen, optionally in the context of one product. */
export const useScripts = defineStore('scripts', {
  state: () => ({
    key: '',
    data: null as ScriptsResponse | null,
    loading: false,
    error: null as string | null,
    query: '',
    categoryId: 0 as number,
    favoritesOnly: false,
    seq: 0,
  }),
  getters: {
    recommended(state): ScriptItem[] {
      return (state.data?.scripts ?? []).filter((s) => s.reasons.length > 0).slice(0, 5);
    },
    visible(state): ScriptItem[] {
      const q = state.query.trim();
      return (state.data?.scripts ?? []).filter((s) =>
        (!state.categoryId || s.categoryId === state.categoryId) &&
        (!state.favoritesOnly || s.favorite) &&
        (!q || s.title.includes(q) || s.parts.some((p) => p.type === 'text' && p.text.includes(q))));
    },
  },
  actions: {
    async load(ext: string, productId?: number) {
      const key = `${ext}:${productId ?? ''}`;
      const seq = ++this.seq;
      if (this.key !== key) this.data = null;
      this.key = key;
      this.loading = true;
      this.error = null;
      try {
        const data = await api.scripts(ext, productId);
        if (seq === this.seq) this.data = data;
      } catch (err) {
        if (seq === this.seq) this.error = err instanceof Error ? err.message : String(err);
      } finally {
        if (seq === this.seq) this.loading = false;
      }
    },
    async toggleFavorite(s: ScriptItem) {
      const before = s.favorite;
      s.favorite = !before;
      try {
        await api.favorite(s.id, s.favorite);
      } catch (err) {
        s.favorite = before;
        throw err;
      }
    },
    countSend(id: number) {
      const s = this.data?.scripts.find((x) => x.id === id);
      if (s) {
        s.sendCount += 1;
        s.mySendCount += 1;
      }
    },
  },
});
