import { defineStore } from 'pinia';
import { varsForScript } from '../../../core/contracts/script-vars';
import type {
  Recommendations,
  RecommendReason,
  ScriptCouponWhy,
  ScriptItem,
  ScriptLibrary,
  ScriptVars,
} from '../../../core/contracts/sidebar';
import { api } from '../net/sidebar';

export type RecommendedScript = ScriptItem & { reasons: RecommendReason[] };

/**
 * The script library (loaded once per sidebar session) and, for the customer on screen, the
 * variable values and recommendations. A response for a previous customer is dropped.
 */
export const useScripts = defineStore('scripts', {
  state: () => ({
    library: null as ScriptLibrary | null,
    libraryLoading: null as Promise<ScriptLibrary> | null,
    key: '',
    recs: null as Recommendations | null,
    error: null as unknown,
    query: '',
    categoryId: 0 as number,
    favoritesOnly: false,
    seq: 0,
  }),
  getters: {
    ready(state): boolean {
      return state.library !== null && state.recs !== null;
    },
    recommended(state): RecommendedScript[] {
      if (!state.library || !state.recs) return [];
      const byId = new Map(state.library.scripts.map((s) => [s.id, s]));
      return state.recs.recommended
        .flatMap((r) => (byId.has(r.scriptId) ? [{ ...byId.get(r.scriptId)!, reasons: r.reasons }] : []))
        .slice(0, 5);
    },
    /** A script's variable values for this customer: hers, and the coupon the script offers. */
    varsFor(state): (s: Pick<ScriptItem, 'couponTemplateId'>) => ScriptVars | null {
      return (s) => (state.recs ? varsForScript(state.recs.vars, state.recs.coupons, s.couponTemplateId) : null);
    },
    /** Why the coupon a script names cannot be filled for her (none offered, or she may not have it). */
    couponWhy(state): (s: Pick<ScriptItem, 'couponTemplateId'>) => ScriptCouponWhy | null {
      return (s) =>
        s.couponTemplateId === null
          ? 'no_template'
          : (state.recs?.coupons.find((c) => c.templateId === s.couponTemplateId)?.reason ?? null);
    },
    visible(state): ScriptItem[] {
      const q = state.query.trim();
      return (state.library?.scripts ?? []).filter(
        (s) =>
          (!state.categoryId || s.categoryId === state.categoryId) &&
          (!state.favoritesOnly || s.favorite) &&
          (!q || s.title.includes(q) || s.parts.some((p) => p.type === 'text' && p.text.includes(q))),
      );
    },
  },
  actions: {
    ensureLibrary(): Promise<ScriptLibrary> {
      if (this.library) return Promise.resolve(this.library);
      this.libraryLoading ??= api
        .library()
        .then((l) => {
          this.library = l;
          return l;
        })
        .finally(() => {
          this.libraryLoading = null;
        });
      return this.libraryLoading;
    },
    async load(ext: string, productId?: number) {
      const key = `${ext}:${productId ?? ''}`;
      const seq = ++this.seq;
      if (this.key !== key) this.recs = null;
      this.key = key;
      this.error = null;
      try {
        const [library, recs] = await Promise.all([this.ensureLibrary(), api.recommendations(ext, productId)]);
        // A script published or withdrawn since the library was loaded: the list follows at once.
        if (library.version !== recs.libraryVersion) {
          const fresh = await api.library();
          if (seq === this.seq) this.library = fresh;
        }
        if (seq === this.seq) this.recs = recs;
      } catch (err) {
        if (seq === this.seq) this.error = err;
      }
    },
    async toggleFavorite(s: ScriptItem) {
      const target = this.library?.scripts.find((x) => x.id === s.id) ?? s;
      const before = target.favorite;
      target.favorite = !before;
      try {
        await api.favorite(target.id, target.favorite);
      } catch (err) {
        target.favorite = before;
        throw err;
      }
    },
    countSend(id: number) {
      const s = this.library?.scripts.find((x) => x.id === id);
      if (s) {
        s.sendCount += 1;
        s.mySendCount += 1;
      }
    },
  },
});
