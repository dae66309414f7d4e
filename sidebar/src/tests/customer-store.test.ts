import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Profile } from '../../../core/contracts/sidebar';
import { ApiError } from '../net/http';

const pending = new Map<string, { resolve: (p: Profile) => void; reject: (e: unknown) => void }>();
const editTags = vi.fn();
const bindIdentity = vi.fn();
vi.mock('../net/sidebar', () => ({
  api: {
    profile: (ext: string) => new Promise<Profile>((resolve, reject) => pending.set(ext, { resolve, reject })),
    editTags: (...args: unknown[]) => editTags(...args),
    bindIdentity: (...args: unknown[]) => bindIdentity(...args),
  },
}));
const { useCustomer } = await import('../stores/customer');

const profile = (name: string, tags: Profile['tags'] = []): Profile => ({
  customer: {
    externalUserid: name,
    name,
    remark: null,
    avatar: null,
    gender: 2,
    phoneMasked: null,
    memberNo: null,
    birthday: null,
    babyBirthday: null,
    babyAgeMonths: null,
    city: null,
    addedAt: '2026-01-01T00:00:00Z',
    addWay: 1,
    channel: null,
    channelName: null,
    exclusiveGuide: null,
    exclusiveIsMe: false,
  },
  valueTier: null,
  spend: { last180DaysFen: 0, orders: 0, lastPurchaseAt: null },
  tags,
  sizes: [],
  lastPurchases: [],
  openCoupons: [],
  timeline: [],
});

beforeEach(() => {
  setActivePinia(createPinia());
  pending.clear();
  editTags.mockReset();
  bindIdentity.mockReset();
});

describe('customer store', () => {
  it('drops the response for a previous customer when the chat changes', async () => {
    const store = useCustomer();
    const first = store.open('wmA');
    const second = store.open('wmB');
    pending.get('wmB')!.resolve(profile('B'));
    await second;
    pending.get('wmA')!.resolve(profile('A'));
    await first;
    expect(store.ext).toBe('wmB');
    expect(store.profile?.customer.name).toBe('B');
    expect(store.loading).toBe(false);
  });

  it('does not show an error that belongs to a previous customer', async () => {
    const store = useCustomer();
    const first = store.open('wmA');
    const second = store.open('wmB');
    pending.get('wmA')!.reject(new ApiError(403, 'NOT_FOLLOWED', 'no'));
    await first;
    pending.get('wmB')!.resolve(profile('B'));
    await second;
    expect(store.error).toBeNull();
    expect(store.profile?.customer.name).toBe('B');
  });

  it('keeps the refusal code for the chat customer', async () => {
    const store = useCustomer();
    const p = store.open('wmX');
    pending.get('wmX')!.reject(new ApiError(403, 'NOT_FOLLOWED', 'you do not follow this customer'));
    await p;
    expect(store.error?.code).toBe('NOT_FOLLOWED');
    expect(store.profile).toBeNull();
  });

  it('adds a tag at once and rolls it back when the server refuses', async () => {
    const store = useCustomer();
    const p = store.open('wmA');
    pending.get('wmA')!.resolve(profile('A'));
    await p;
    let fail!: (e: unknown) => void;
    editTags.mockReturnValue(new Promise((_, reject) => (fail = reject)));
    const edit = store.toggleTag({ id: 7, name: '偏好大促', groupName: '购物偏好', family: 'preference' }, true);
    expect(store.profile!.tags.map((t) => t.name)).toEqual(['偏好大促']);
    fail(new ApiError(400, 'VALIDATION_FAILED', 'no'));
    await expect(edit).rejects.toThrow();
    expect(store.profile!.tags).toEqual([]);
  });

  it('shows a bound member number at once, then reloads her profile', async () => {
    const store = useCustomer();
    const p = store.open('wmA');
    pending.get('wmA')!.resolve(profile('A'));
    await p;
    pending.clear();
    bindIdentity.mockResolvedValue({ kind: 'member_no', memberNo: 'M001', phoneMasked: null, reattributedOrders: 2 });
    expect(await store.bindIdentity('member_no', 'M001')).toMatchObject({ reattributedOrders: 2 });
    expect(bindIdentity).toHaveBeenCalledWith('wmA', 'member_no', 'M001');
    expect(store.profile?.customer.memberNo).toBe('M001');
    expect(pending.has('wmA')).toBe(true);
    // A failed reload keeps what is shown.
    pending.get('wmA')!.reject(new ApiError(0, 'NETWORK', 'network error'));
    await vi.waitFor(() => expect(store.loading).toBe(false));
    expect(store.error).toBeNull();
    expect(store.profile?.customer.memberNo).toBe('M001');
  });

  it('drops a bind response that arrives after the chat moved to another customer', async () => {
    const store = useCustomer();
    const a = store.open('wmA');
    pending.get('wmA')!.resolve(profile('A'));
    await a;
    let done!: (v: unknown) => void;
    bindIdentity.mockReturnValue(new Promise((resolve) => (done = resolve)));
    const bind = store.bindIdentity('phone', '13800138000');
    const b = store.open('wmB');
    pending.get('wmB')!.resolve(profile('B'));
    await b;
    pending.clear();
    done({ kind: 'phone', memberNo: null, phoneMasked: '138****8000', reattributedOrders: 0 });
    await bind;
    expect(store.ext).toBe('wmB');
    expect(store.profile?.customer.name).toBe('B');
    expect(store.profile?.customer.phoneMasked).toBeNull();
    expect(pending.size).toBe(0);
  });

  it('groups tags by family in a fixed order', async () => {
    const store = useCustomer();
    const p = store.open('wmA');
    const tag = (id: number, family: Profile['tags'][number]['family']) => ({
      id,
      name: String(id),
      groupName: '',
      family,
      source: 'wecom' as const,
      derived: false,
    });
    pending
      .get('wmA')!
      .resolve(profile('A', [tag(1, 'channel'), tag(2, 'value'), tag(3, 'preference'), tag(4, 'value')]));
    await p;
    expect(store.tagsByFamily.map(([f, ts]) => [f, ts.map((t) => t.id)])).toEqual([
      ['value', [2, 4]],
      ['preference', [3]],
      ['channel', [1]],
    ]);
  });
});
