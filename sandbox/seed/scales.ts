import type { ProductShareSettings } from '../../core/contracts/product-share';
import { MP } from './lexicon';

export interface Scale {
  name: 'demo' | 'bench';
  regions: number;
  stores: number;
  guidesPerStore: number;
  customers: number;
  styles: number;
  stylesPerStore: number;
  orders: number;
  /** Interactions per customer on average, over the history window. */
  interactionsPerCustomer: number;
  transfers: number;
  historyDays: number;
}

export const SCALES: Record<Scale['name'], Scale> = {
  demo: {
    name: 'demo',
    regions: 4,
    stores: 8,
    guidesPerStore: 5,
    customers: 800,
    styles: 80,
    stylesPerStore: 80,
    orders: 2_500,
    interactionsPerCustomer: 18,
    transfers: 160,
    historyDays: 90,
  },
  bench: {
    name: 'bench',
    regions: 5,
    stores: 2_000,
    guidesPerStore: 10,
    customers: 1_000_000,
    styles: 1_000,
    stylesPerStore: 40,
    orders: 1_000_000,
    interactionsPerCustomer: 10,
    transfers: 50_000,
    historyDays: 90,
  },
};

/** The demo brand shares products as its mini-program's card; its web shop, on the domain its CDN uses, is the fallback. */
const DEMO_PRODUCT_SHARE: ProductShareSettings = {
  miniprogram: { appid: MP.appid, page: 'pages/goods/detail?styleNo={styleNo}' },
  linkTemplate: 'https://m.guidepost.example/goods/{styleNo}',
};
const NO_PRODUCT_SHARE: ProductShareSettings = { miniprogram: null, linkTemplate: null };

export const DEMO_CORP = {
  wecomCorpId: 'wwdemo0001guidepost',
  name: '悦享零售集团',
  agentId: 1000002,
  agentSecret: 'yxDemoAgentSecret-sandbox-only-0000000000',
  contactSecret: 'yxDemoContactSecret-sandbox-only-000000000',
  callbackToken: 'yxDemoCallbackToken',
  // 43 characters, as WeCom's EncodingAESKey.
  callbackAesKey: 'YxDemoEncodingAesKeyForSandboxOnly012345678',
  posHmacSecret: 'yx-demo-pos-hmac-secret-sandbox-only',
  productShare: DEMO_PRODUCT_SHARE,
};

export const BENCH_CORP = {
  ...DEMO_CORP,
  wecomCorpId: 'wwbench0001guidepost',
  name: '悦享零售集团（基准）',
  productShare: NO_PRODUCT_SHARE,
};
