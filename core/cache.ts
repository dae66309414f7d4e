/**
 * Values per key that change rarely (a tenant's script targeting, its stage tags): loaded at most
 * once per `ttlMs` and shared by concurrent callers; a failed load is not kept. The load may
 * return a thenable such as a knex builder: it is settled once, where awaiting the builder again
 * would run its query again.
 */
export function ttlCache<K, V>(ttlMs: number): (key: K, load: () => PromiseLike<V>) => Promise<V> {
  const entries = new Map<K, { at: number; value: Promise<V> }>();
  return (key, load) => {
    const hit = entries.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value;
    const value = Promise.resolve(load());
    entries.set(key, { at: Date.now(), value });
    value.catch(() => {
      if (entries.get(key)?.value === value) entries.delete(key);
    });
    return value;
  };
}
