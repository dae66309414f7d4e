import { type Ref, ref } from 'vue';

/**
 * Data from the latest of overlapping loads (the chat, the category or the filter changed while
 * one was in flight): an older response or error never replaces a newer one. With `clear`, the
 * data is emptied while loading (a skeleton shows) instead of kept until the new data arrives.
 */
export function useLatest<T>(
  fetch: () => Promise<T>,
  opts: { clear?: boolean } = {},
): { data: Ref<T | null>; error: Ref<unknown>; load: () => Promise<void> } {
  const data = ref(null) as Ref<T | null>;
  const error = ref<unknown>(null);
  let seq = 0;
  async function load() {
    const mine = ++seq;
    if (opts.clear) data.value = null;
    error.value = null;
    try {
      const r = await fetch();
      if (mine === seq) data.value = r;
    } catch (err) {
      if (mine === seq) error.value = err;
    }
  }
  return { data, error, load };
}
