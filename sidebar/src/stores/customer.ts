import { defineStore } from 'pinia';
import type { CustomerTag, IdentityBound, IdentityKind, Profile } from '../../../core/contracts/sidebar';
import { ApiError } from '../net/http';
import { api } from '../net/sidebar';

/**
 * The customer on screen. Loads are keyed by customer: when the chat changes while a request
 * is in flight, the older response is dropped (and its request aborted), never shown.
 */
export const useCustomer = defineStore('customer', {
  state: () => ({
    ext: '' as string,
    profile: null as Profile | null,
    loading: false,
    error: null as { code: string; message: string } | null,
    seq: 0,
    controller: null as AbortController | null,
    savingTags: false,
  }),
  getters: {
    tagsByFamily(state): [string, CustomerTag[]][] {
      const order = ['value', 'stage', 'preference', 'size', 'channel', 'custom'];
      const groups = new Map<string, CustomerTag[]>();
      for (const t of state.profile?.tags ?? []) {
        const list = groups.get(t.family) ?? [];
        list.push(t);
        groups.set(t.family, list);
      }
      return [...groups.entries()].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
    },
  },
  actions: {
    /** With `quiet`, a failed reload keeps the profile on screen instead of an error (a refresh after an edit). */
    async open(ext: string, opts: { quiet?: boolean } = {}) {
      this.controller?.abort();
      const controller = new AbortController();
      this.controller = controller;
      const seq = ++this.seq;
      if (this.ext !== ext) this.profile = null;
      this.ext = ext;
      this.loading = true;
      this.error = null;
      try {
        const profile = await api.profile(ext, controller.signal);
        if (seq !== this.seq || this.ext !== ext) return;
        this.profile = profile;
      } catch (err) {
        if (seq !== this.seq) return;
        if (err instanceof DOMException && err.name === 'AbortError') return;
        if (opts.quiet && this.profile) return;
        this.profile = null;
        this.error =
          err instanceof ApiError
            ? { code: err.code, message: err.message }
            : { code: 'UNKNOWN', message: String(err) };
      } finally {
        if (seq === this.seq) this.loading = false;
      }
    },
    /** Optimistic: the chip changes at once and rolls back if the server refuses. */
    async toggleTag(tag: { id: number; name: string; groupName: string; family: CustomerTag['family'] }, on: boolean) {
      if (!this.profile) return;
      const ext = this.ext;
      const before = this.profile.tags;
      this.profile.tags = on
        ? [...before, { ...tag, source: 'guide', derived: false }]
        : before.filter((t) => t.derived || t.id !== tag.id);
      this.savingTags = true;
      try {
        const res = await api.editTags(ext, on ? [tag.id] : [], on ? [] : [tag.id]);
        if (this.ext !== ext || !this.profile) return;
        const derived = this.profile.tags.filter((t) => t.derived);
        this.profile.tags = [...res.tags.map((t) => ({ ...t, derived: false })), ...derived];
      } catch (err) {
        if (this.ext === ext && this.profile) this.profile.tags = before;
        throw err;
      } finally {
        this.savingTags = false;
      }
    },
    async setSize(category: string, size: string) {
      if (!this.profile) return;
      const ext = this.ext;
      const res = await api.setSize(ext, category, size);
      if (this.ext === ext && this.profile) this.profile.sizes = res.sizes;
    },
    /**
     * Binds her member number or mobile number. The profile shows it at once; then it is reloaded
     * (orders linked now change her spend and purchases). A response for a previous customer is dropped.
     */
    async bindIdentity(kind: IdentityKind, value: string): Promise<IdentityBound | null> {
      if (!this.profile) return null;
      const ext = this.ext;
      const res = await api.bindIdentity(ext, kind, value);
      if (this.ext !== ext || !this.profile) return res;
      this.profile.customer = { ...this.profile.customer, memberNo: res.memberNo, phoneMasked: res.phoneMasked };
      void this.open(ext, { quiet: true });
      return res;
    },
  },
});
