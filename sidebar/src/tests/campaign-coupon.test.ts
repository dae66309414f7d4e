import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import type { CampaignOptions } from '../../../core/contracts/campaigns';
import { i18n } from '../boards/i18n';

const options: CampaignOptions = {
  tagGroups: [],
  regions: [],
  stores: [],
  scripts: [
    { id: 1, title: '新品到店', parts: ['text'], couponTemplateId: null },
    { id: 2, title: '会员日', parts: ['text'], couponTemplateId: 9 },
  ],
  images: [],
  products: [],
  couponTemplates: [
    { id: 7, name: '满300减30', valueFen: 3000 },
    { id: 9, name: '会员日85折', valueFen: null },
  ],
};
vi.mock('../boards/campaigns-api', () => ({
  campaignsApi: {
    options: () => Promise.resolve(options),
    list: () => Promise.resolve({ items: [] }),
    segments: () => Promise.resolve({ items: [] }),
  },
}));
const { default: CampaignsView } = await import('../boards/views/CampaignsView.vue');

describe('the campaign form', () => {
  it('preselects the coupon the chosen script offers; another can still be chosen', async () => {
    const w = mount(CampaignsView, { global: { plugins: [i18n] } });
    await flushPromises();
    const coupon = () => (w.get('[data-test="campaign-coupon"]').element as HTMLSelectElement).value;
    expect(coupon()).toBe('0');
    await w.get('[data-test="campaign-script"]').setValue('2');
    expect(coupon()).toBe('9');
    await w.get('[data-test="campaign-coupon"]').setValue('7');
    expect(coupon()).toBe('7');
    // A script offering none leaves the choice alone.
    await w.get('[data-test="campaign-script"]').setValue('1');
    expect(coupon()).toBe('7');
  });
});
