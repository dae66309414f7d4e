/**
 * Deterministic data set for a Chinese retail group, from a seed and an anchor day. Every table
 * comes out as a stream of rows with final ids (`base` offsets per table), so the same code feeds
 * the demo (hundreds of rows) and the benchmark (tens of millions, through COPY).
 */
import { createHash } from 'node:crypto';
import type { ProductShareSettings } from '../../core/contracts/product-share';
import { maskPhone } from '../../core/ingest/money';
import { productShareColumns } from '../../core/tenant/product-share';
import {
  CAMPAIGNS,
  CATEGORY_LABEL,
  CITIES,
  COLORS,
  COUPON_TEMPLATES,
  FEMALE_GIVEN,
  GUIDE_GIVEN,
  MALE_GIVEN,
  PRODUCT_PARTS,
  SIZE_RUN_RULES,
  WOMEN_ONLY_ITEMS,
  REGIONS,
  SCRIPTS,
  SIZE_RUNS,
  SURNAMES,
  TAG_GROUPS,
  type Category,
  type ScriptPart,
} from './lexicon';
import { Rng } from './random';
import type { Scale } from './scales';

export interface CorpSecrets {
  agentSecretEnc: string;
  contactSecretEnc: string;
  callbackAesKeyEnc: string;
  posHmacSecretEnc: string;
}

export interface GenerateOptions {
  seed: number;
  scale: Scale;
  /** The last day of history (history ends at the start of this day + now-ish hours), Asia/Shanghai. */
  anchor: Date;
  corp: {
    wecomCorpId: string;
    name: string;
    agentId: number;
    callbackToken: string;
    productShare?: ProductShareSettings;
  };
  secrets: CorpSecrets;
  /** id offsets per table (max(id) already present); 0 for an empty database. */
  base: Record<string, number>;
}

export interface TableStream {
  table: string;
  columns: string[];
  rows: () => Iterable<unknown[]>;
}

export const ID_TABLES = [
  'corps',
  'regions',
  'stores',
  'guides',
  'users',
  'user_scopes',
  'channel_codes',
  'tag_groups',
  'tags',
  'customers',
  'customer_identities',
  'customer_guides',
  'exclusive_assignments',
  'customer_tags',
  'size_runs',
  'customer_sizes',
  'products',
  'skus',
  'script_categories',
  'media_assets',
  'scripts',
  'coupon_templates',
  'coupons',
  'orders',
  'order_lines',
  'refunds',
  'transfers',
  'rule_sets',
  'commission_plans',
  'commission_periods',
] as const;

const DAY = 86_400_000;
const CATEGORIES: Category[] = ['shoes', 'tops', 'bottoms', 'kids'];
const STAGES = ['孕期', '宝宝0-6个月', '宝宝6-12个月', '宝宝1-2岁', '宝宝2-3岁'];
const KIDS_SIZE_BY_STAGE: Record<string, string | null> = {
  孕期: null,
  '宝宝0-6个月': '73',
  '宝宝6-12个月': '80',
  '宝宝1-2岁': '90',
  '宝宝2-3岁': '100',
};
export const DEMO_GUIDE_USERID = 'licui';
export const DEMO_CUSTOMER_NAME = '王雅琴';

/** 1×1 PNG used as the event poster asset (script image part). */
const POSTER_PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2212bc10000000049454e44ae426082',
  'hex',
);

export function generate(opts: GenerateOptions): TableStream[] {
  const { seed, scale, base } = opts;
  const id = (table: string, i: number) => (base[table] ?? 0) + i + 1;
  const corpId = id('corps', 0);
  const anchorMs = startOfDayShanghai(opts.anchor);
  const historyStart = anchorMs - scale.historyDays * DAY;
  const tsAt = (dayOffset: number, minuteOfDay: number) =>
    new Date(historyStart + dayOffset * DAY + minuteOfDay * 60_000);

  // ---------------------------------------------------------------- org
  const regions = REGIONS.slice(0, scale.regions);
  // Round-robin over regions so that even a small demo has stores in each of them.
  const byRegion = regions.map((r) => CITIES.filter((c) => c.region === r.code));
  const cities = Array.from({ length: Math.max(...byRegion.map((l) => l.length)) }, (_, i) =>
    byRegion.flatMap((l) => (l[i] ? [l[i]] : [])),
  ).flat();
  const storeNames: { name: string; city: string; region: number }[] = [];
  {
    const used = new Map<string, number>();
    // The demo's first store is the walk-through store.
    const order = [...cities];
    for (let s = 0; storeNames.length < scale.stores; s++) {
      const c = order[s % order.length]!;
      const mall = c.malls[Math.floor(s / order.length) % c.malls.length]!;
      const key = c.city + mall;
      const n = (used.get(key) ?? 0) + 1;
      used.set(key, n);
      const name = n === 1 ? `${c.city}${mall}店` : `${c.city}${mall}${n}号店`;
      storeNames.push({ name, city: c.city, region: regions.findIndex((r) => r.code === c.region) });
    }
  }
  const storeCode = (s: number) => `S${String(s + 1).padStart(4, '0')}`;
  const guidesTotal = scale.stores * scale.guidesPerStore;
  const guideStore = (g: number) => Math.floor(g / scale.guidesPerStore);
  const guideName = (g: number) =>
    g === 0 ? '李翠' : SURNAMES[(g * 7 + 3) % SURNAMES.length]! + GUIDE_GIVEN[(g * 13 + 5) % GUIDE_GIVEN.length]!;
  const guideUserid = (g: number) =>
    g === 0
      ? DEMO_GUIDE_USERID
      : `gd${storeCode(guideStore(g)).slice(1)}${String((g % scale.guidesPerStore) + 1).padStart(2, '0')}`;

  // ---------------------------------------------------------------- tags
  const tagIndex = new Map<string, number>(); // tag name → index in flat list
  const flatTags: { group: number; name: string; order: number }[] = [];
  TAG_GROUPS.forEach((g, gi) =>
    g.tags.forEach((t, ti) => {
      tagIndex.set(t, flatTags.length);
      flatTags.push({ group: gi, name: t, order: ti });
    }),
  );
  const tagId = (name: string) => id('tags', tagIndex.get(name)!);
  const wecomGroupId = (gi: number) => `et${createHash('md5').update(`${seed}:grp:${gi}`).digest('hex').slice(0, 20)}`;
  const wecomTagId = (ti: number) => `et${createHash('md5').update(`${seed}:tag:${ti}`).digest('hex').slice(0, 24)}`;

  // ---------------------------------------------------------------- catalog
  const prng = Rng.for(seed, 'products');
  const styles: {
    category: Category;
    name: string;
    styleNo: string;
    priceFen: number;
    colors: string[];
    isNew: boolean;
    launchedDay: number;
    audience: 'women' | 'men' | 'unisex' | 'kids';
  }[] = [];
  // Its own stream, so who a style is for changes nothing else the generator draws.
  const arng = Rng.for(seed, 'audience');
  for (let p = 0; p < scale.styles; p++) {
    const category: Category =
      p === 0
        ? 'shoes'
        : prng.weighted([
            ['shoes', 35],
            ['tops', 30],
            ['bottoms', 20],
            ['kids', 15],
          ] as const);
    const parts = PRODUCT_PARTS[category];
    const item = p === 0 ? '玛丽珍鞋' : prng.pick(parts.item);
    const base = p === 0 ? '云朵软底玛丽珍鞋' : `${prng.pick(parts.prefix)}${item}`;
    const audience =
      category === 'kids'
        ? ('kids' as const)
        : WOMEN_ONLY_ITEMS.includes(item)
          ? ('women' as const)
          : arng.weighted([
              ['women', 55],
              ['men', 25],
              ['unisex', 20],
            ] as const);
    const name = audience === 'men' ? `男款${base}` : base;
    const priceYuan = Math.round(prng.int(parts.priceYuan[0], parts.priceYuan[1]) / 10) * 10 - 1;
    const colors = p === 0 ? ['黑色', '米白'] : prng.sample(COLORS, prng.int(2, 3));
    const launchedDay = prng.int(-180, scale.historyDays - 1);
    styles.push({
      category,
      name,
      styleNo: `YX26${category.slice(0, 2).toUpperCase()}${String(p + 1).padStart(5, '0')}`,
      priceFen: priceYuan * 100,
      colors,
      isNew: launchedDay > scale.historyDays - 45,
      launchedDay,
      audience,
    });
  }
  const skuList: { style: number; color: string; size: string; code: string }[] = [];
  const skuStart: number[] = [];
  styles.forEach((st, p) => {
    skuStart.push(skuList.length);
    st.colors.forEach((color, ci) =>
      SIZE_RUNS[st.category].forEach((size) =>
        skuList.push({ style: p, color, size, code: `${st.styleNo}-${ci + 1}-${size}` }),
      ),
    );
  });
  const skuOf = (style: number, colorIdx: number, size: string) =>
    skuStart[style]! +
    colorIdx * SIZE_RUNS[styles[style]!.category].length +
    SIZE_RUNS[styles[style]!.category].indexOf(size);

  // Each store carries stylesPerStore styles; ~15% of them are down to one or two sizes (断码).
  const carried: Int32Array[] = [];
  const stockRng = Rng.for(seed, 'stock');
  for (let s = 0; s < scale.stores; s++) {
    const pick =
      scale.stylesPerStore >= scale.styles
        ? styles.map((_, i) => i)
        : stockRng.sample(
            styles.map((_, i) => i),
            scale.stylesPerStore,
          );
    if (s === 0 && !pick.includes(0)) pick[0] = 0;
    carried.push(Int32Array.from(pick));
  }

  // ---------------------------------------------------------------- customers (compact profile arrays)
  const C = scale.customers;
  const crng = Rng.for(seed, 'customers');
  const custStore = new Int32Array(C);
  const custGuide = new Int32Array(C); // primary guide index
  const custGuide2 = new Int32Array(C).fill(-1);
  const custGender = new Uint8Array(C);
  const custSize: Record<Category, Int8Array> = {
    shoes: new Int8Array(C).fill(-1),
    tops: new Int8Array(C).fill(-1),
    bottoms: new Int8Array(C).fill(-1),
    kids: new Int8Array(C).fill(-1),
  };
  const custStage = new Int8Array(C).fill(-1);
  const custChannel = new Int16Array(C); // -1 = store QR, else campaign index
  const custAddedDay = new Int32Array(C);
  const custExclusive = new Uint8Array(C);
  const custMember = new Uint8Array(C);
  const custUnion = new Uint8Array(C);
  const custName: string[] = new Array(C);
  for (let c = 0; c < C; c++) {
    const s = c === 0 ? 0 : crng.int(0, scale.stores - 1);
    custStore[c] = s;
    const firstGuide = s * scale.guidesPerStore;
    // The first guide of each store (李翠 in the walk-through store) follows the most customers.
    custGuide[c] = c === 0 ? 0 : crng.chance(0.45) ? firstGuide : firstGuide + crng.int(0, scale.guidesPerStore - 1);
    if (scale.guidesPerStore > 1 && crng.chance(0.15)) {
      const other = firstGuide + crng.int(0, scale.guidesPerStore - 1);
      if (other !== custGuide[c]) custGuide2[c] = other;
    }
    const female = c === 0 || crng.chance(0.82);
    custGender[c] = female ? 2 : 1;
    let name = crng.pick(SURNAMES) + (female ? crng.pick(FEMALE_GIVEN) : crng.pick(MALE_GIVEN));
    if (name === DEMO_CUSTOMER_NAME) name = `${name.slice(0, 1)}${crng.pick(FEMALE_GIVEN.slice(1))}`;
    custName[c] = c === 0 ? DEMO_CUSTOMER_NAME : name;
    const shoe = female ? crng.int(0, 5) : crng.int(4, 9);
    if (c === 0 || crng.chance(0.85)) custSize.shoes[c] = c === 0 ? 2 : shoe; // 37
    if (c === 0 || crng.chance(0.8)) custSize.tops[c] = c === 0 ? 2 : female ? crng.int(0, 3) : crng.int(2, 5); // M
    if (c === 0 || crng.chance(0.5)) custSize.bottoms[c] = c === 0 ? 2 : female ? crng.int(0, 4) : crng.int(4, 9); // 27
    if (c !== 0 && female && crng.chance(0.3)) custStage[c] = crng.int(0, STAGES.length - 1);
    if (c === 0) custStage[c] = 3; // 宝宝1-2岁
    const kidsSize = custStage[c]! >= 0 ? KIDS_SIZE_BY_STAGE[STAGES[custStage[c]!]!] : null;
    if (kidsSize) custSize.kids[c] = SIZE_RUNS.kids.indexOf(kidsSize);
    custChannel[c] = c === 0 ? -1 : crng.chance(0.7) ? -1 : crng.int(0, CAMPAIGNS.length - 1);
    custAddedDay[c] = c === 0 ? -400 : crng.int(-720, scale.historyDays - 2);
    custExclusive[c] = c === 0 || crng.chance(0.4) ? 1 : 0;
    custMember[c] = c === 0 || crng.chance(0.7) ? 1 : 0;
    custUnion[c] = c === 0 || crng.chance(0.6) ? 1 : 0;
  }
  const extUserid = (c: number) => `wm${createHash('md5').update(`${seed}:ext:${c}`).digest('hex').slice(0, 26)}`;
  const unionid = (c: number) => `oUn${createHash('md5').update(`${seed}:union:${c}`).digest('hex').slice(0, 25)}`;
  const memberNo = (c: number) => `M${String(10_000_000 + c * 7 + 13).padStart(9, '0')}`;
  const phone = (c: number) =>
    `1${['38', '39', '58', '86', '36', '59'][c % 6]}${String((c * 7_919 + 12_345_678) % 100_000_000).padStart(8, '0')}`;
  const phoneHash = (c: number) => createHash('sha256').update(phone(c)).digest('hex');
  const sizeOf = (c: number, cat: Category): string | null =>
    custSize[cat][c]! >= 0 ? SIZE_RUNS[cat][custSize[cat][c]!]! : null;

  // ---------------------------------------------------------------- orders (in memory: they feed coupons, refunds and interactions)
  const O = scale.orders;
  const orng = Rng.for(seed, 'orders');
  const ordCust = new Int32Array(O);
  const ordStore = new Int32Array(O);
  const ordPaid = new Float64Array(O);
  const ordGross = new Float64Array(O);
  const ordDiscount = new Float64Array(O);
  const ordCoupon = new Int32Array(O).fill(-1); // index into coupons
  const ordLines: { sku: number; qty: number; netFen: number }[][] = new Array(O);
  const coupons: {
    cust: number;
    guide: number;
    template: number;
    issuedMs: number;
    expiresMs: number;
    orderIdx: number;
  }[] = [];
  const primed: { cust: number; guide: number; ms: number; kind: string }[] = []; // interactions that precede an order
  for (let o = 0; o < O; o++) {
    const known = orng.chance(0.85);
    const c = known ? orng.int(0, C - 1) : -1;
    const s = c >= 0 ? custStore[c]! : orng.int(0, scale.stores - 1);
    const day = orng.int(0, scale.historyDays - 1);
    const paid = tsAt(day, orng.int(10 * 60, 21 * 60 + 50)).getTime() + orng.int(0, 59) * 1000;
    const lines: { sku: number; qty: number; netFen: number }[] = [];
    const nLines = orng.weighted([
      [1, 60],
      [2, 30],
      [3, 10],
    ] as const);
    let gross = 0;
    for (let l = 0; l < nLines; l++) {
      const st = carried[s]![orng.int(0, carried[s]!.length - 1)]!;
      const cat = styles[st]!.category;
      const size = (c >= 0 ? sizeOf(c, cat) : null) ?? orng.pick(SIZE_RUNS[cat]);
      const sku = skuOf(st, orng.int(0, styles[st]!.colors.length - 1), size);
      const qty = orng.chance(0.9) ? 1 : 2;
      lines.push({ sku, qty, netFen: styles[st]!.priceFen * qty });
      gross += styles[st]!.priceFen * qty;
    }
    let discount = 0;
    if (c >= 0 && orng.chance(0.08)) {
      const tpl = orng.int(0, COUPON_TEMPLATES.length - 1);
      const t = COUPON_TEMPLATES[tpl]!;
      discount =
        t.kind === 'cash' ? Math.min(t.valueFen, gross) : Math.round((gross * (10_000 - t.discountBp)) / 10_000);
      const issuedMs = inStoreHours(paid - orng.int(1, Math.min(9, t.validDays - 1)) * DAY - orng.int(0, 600) * 60_000);
      const guide = custGuide2[c]! >= 0 && orng.chance(0.3) ? custGuide2[c]! : custGuide[c]!;
      ordCoupon[o] = coupons.length;
      coupons.push({ cust: c, guide, template: tpl, issuedMs, expiresMs: issuedMs + t.validDays * DAY, orderIdx: o });
    }
    // Spread the discount over lines so line nets add up to the order net.
    let left = discount;
    for (let l = lines.length - 1; l >= 0 && left > 0; l--) {
      const cut = Math.min(left, lines[l]!.netFen);
      lines[l]!.netFen -= cut;
      left -= cut;
    }
    if (c >= 0 && orng.chance(0.55)) {
      const guide = custGuide2[c]! >= 0 && orng.chance(0.25) ? custGuide2[c]! : custGuide[c]!;
      primed.push({
        cust: c,
        guide,
        ms: primedAt(paid, orng.int(30, 7 * 24 * 60 - 1)),
        kind: orng.pick(['script_send', 'product_share', 'message', 'message', 'call'] as const),
      });
    }
    ordCust[o] = c;
    ordStore[o] = s;
    ordPaid[o] = paid;
    ordGross[o] = gross;
    ordDiscount[o] = discount;
    ordLines[o] = lines;
  }
  // Guide coupons that were not (yet) redeemed.
  const urng = Rng.for(seed, 'coupons');
  const unredeemed = Math.max(20, Math.round(O * 0.05));
  for (let k = 0; k < unredeemed; k++) {
    const c = k === 0 ? 0 : urng.int(0, C - 1);
    const tpl = urng.int(0, COUPON_TEMPLATES.length - 1);
    const issuedMs =
      k === 0
        ? anchorMs - 2 * DAY + 15 * 3_600_000
        : inStoreHours(historyStart + urng.int(0, scale.historyDays * 24 * 60 - 1) * 60_000);
    coupons.push({
      cust: c,
      guide: custGuide[c]!,
      template: tpl,
      issuedMs,
      expiresMs: issuedMs + COUPON_TEMPLATES[tpl]!.validDays * DAY,
      orderIdx: -1,
    });
  }
  const couponCode = (k: number) =>
    `GC${createHash('md5').update(`${seed}:coupon:${k}`).digest('hex').slice(0, 10).toUpperCase()}`;
  const orderNo = (o: number) => `POS${String(o + 1).padStart(9, '0')}`;

  // ---------------------------------------------------------------- tables
  const tables: TableStream[] = [];
  const add = (table: string, columns: string[], rows: () => Iterable<unknown[]>) =>
    tables.push({ table, columns, rows });

  // How products are shared: checked here as an admin's write would be (a bad template stops the seed).
  const share = productShareColumns(opts.corp.productShare ?? { miniprogram: null, linkTemplate: null });
  add(
    'corps',
    [
      'id',
      'wecom_corp_id',
      'name',
      'timezone',
      'agent_id',
      'agent_secret_enc',
      'contact_secret_enc',
      'callback_token',
      'callback_aes_key_enc',
      'pos_hmac_secret_enc',
      'product_link_template',
      'product_mp_appid',
      'product_mp_page',
    ],
    function* () {
      yield [
        corpId,
        opts.corp.wecomCorpId,
        opts.corp.name,
        'Asia/Shanghai',
        opts.corp.agentId,
        opts.secrets.agentSecretEnc,
        opts.secrets.contactSecretEnc,
        opts.corp.callbackToken,
        opts.secrets.callbackAesKeyEnc,
        opts.secrets.posHmacSecretEnc,
        share.product_link_template,
        share.product_mp_appid,
        share.product_mp_page,
      ];
    },
  );
  add('regions', ['id', 'corp_id', 'code', 'name'], function* () {
    for (let r = 0; r < regions.length; r++) yield [id('regions', r), corpId, regions[r]!.code, regions[r]!.name];
  });
  add('stores', ['id', 'corp_id', 'region_id', 'code', 'name', 'city', 'brand'], function* () {
    for (let s = 0; s < scale.stores; s++)
      yield [
        id('stores', s),
        corpId,
        id('regions', storeNames[s]!.region),
        storeCode(s),
        storeNames[s]!.name,
        storeNames[s]!.city,
        '悦享',
      ];
  });
  add('guides', ['id', 'corp_id', 'store_id', 'userid', 'name', 'hired_on'], function* () {
    for (let g = 0; g < guidesTotal; g++)
      yield [
        id('guides', g),
        corpId,
        id('stores', guideStore(g)),
        guideUserid(g),
        guideName(g),
        isoDate(anchorMs - (200 + ((g * 37) % 1500)) * DAY),
      ];
  });
  // users: guides, then store managers, regional managers, finance, admin
  const smBase = guidesTotal;
  const rmBase = smBase + scale.stores;
  const finIdx = rmBase + regions.length;
  add('users', ['id', 'corp_id', 'userid', 'name', 'role', 'guide_id'], function* () {
    for (let g = 0; g < guidesTotal; g++)
      yield [id('users', g), corpId, guideUserid(g), guideName(g), 'guide', id('guides', g)];
    for (let s = 0; s < scale.stores; s++)
      yield [
        id('users', smBase + s),
        corpId,
        `sm${storeCode(s).slice(1)}`,
        `${SURNAMES[(s * 11) % SURNAMES.length]}店长`,
        'store_manager',
        null,
      ];
    for (let r = 0; r < regions.length; r++)
      yield [
        id('users', rmBase + r),
        corpId,
        `rm_${regions[r]!.code.toLowerCase()}`,
        `${regions[r]!.name}经理`,
        'regional_manager',
        null,
      ];
    yield [id('users', finIdx), corpId, 'caiwu', '财务 周敏', 'finance', null];
    yield [id('users', finIdx + 1), corpId, 'admin', '系统管理员', 'admin', null];
    yield [id('users', finIdx + 2), corpId, 'zongbu', '总部运营 陈静', 'head_office', null];
  });
  add('user_scopes', ['id', 'corp_id', 'user_id', 'region_id', 'store_id'], function* () {
    for (let s = 0; s < scale.stores; s++)
      yield [id('user_scopes', s), corpId, id('users', smBase + s), null, id('stores', s)];
    for (let r = 0; r < regions.length; r++)
      yield [id('user_scopes', scale.stores + r), corpId, id('users', rmBase + r), id('regions', r), null];
  });
  const storeState = (s: number) => `st_${storeCode(s)}`;
  add(
    'channel_codes',
    ['id', 'corp_id', 'state', 'name', 'store_id', 'guide_id', 'config_id', 'qr_code'],
    function* () {
      for (let s = 0; s < scale.stores; s++)
        yield [
          id('channel_codes', s),
          corpId,
          storeState(s),
          `${storeNames[s]!.name} 门店二维码`,
          id('stores', s),
          null,
          `cfg${createHash('md5').update(`${seed}:cw:${s}`).digest('hex').slice(0, 24)}`,
          null,
        ];
      for (let k = 0; k < CAMPAIGNS.length; k++)
        yield [
          id('channel_codes', scale.stores + k),
          corpId,
          CAMPAIGNS[k]!.state,
          CAMPAIGNS[k]!.name,
          null,
          null,
          `cfg${createHash('md5').update(`${seed}:cwc:${k}`).digest('hex').slice(0, 24)}`,
          null,
        ];
    },
  );
  add('tag_groups', ['id', 'corp_id', 'wecom_group_id', 'name', 'kind', 'order'], function* () {
    for (let gi = 0; gi < TAG_GROUPS.length; gi++)
      yield [id('tag_groups', gi), corpId, wecomGroupId(gi), TAG_GROUPS[gi]!.name, TAG_GROUPS[gi]!.kind, gi];
  });
  add('tags', ['id', 'corp_id', 'group_id', 'wecom_tag_id', 'name', 'order'], function* () {
    for (let t = 0; t < flatTags.length; t++)
      yield [
        id('tags', t),
        corpId,
        id('tag_groups', flatTags[t]!.group),
        wecomTagId(t),
        flatTags[t]!.name,
        flatTags[t]!.order,
      ];
  });
  add(
    'customers',
    [
      'id',
      'corp_id',
      'external_userid',
      'unionid',
      'name',
      'avatar',
      'gender',
      'phone_masked',
      'phone_hash',
      'member_no',
      'birthday',
      'baby_birthday',
      'city',
      'created_at',
    ],
    function* () {
      const r = Rng.for(seed, 'customer-details');
      for (let c = 0; c < C; c++) {
        const p = phone(c);
        const birthday =
          c === 0
            ? isoDate(anchorMs + 4 * DAY - 33 * 365.25 * DAY)
            : r.chance(0.6)
              ? isoDate(anchorMs - r.int(20 * 365, 55 * 365) * DAY)
              : null;
        const stage = custStage[c]!;
        const babyBirthday =
          stage >= 1
            ? isoDate(anchorMs - [0, r.int(10, 170), r.int(190, 350), r.int(380, 700), r.int(740, 1080)][stage]! * DAY)
            : null;
        yield [
          id('customers', c),
          corpId,
          extUserid(c),
          custUnion[c] ? unionid(c) : null,
          custName[c],
          `https://static.guidepost.example/avatar/${c % 64}.png`,
          custGender[c],
          maskPhone(p),
          phoneHash(c),
          custMember[c] ? memberNo(c) : null,
          birthday,
          babyBirthday,
          storeNames[custStore[c]!]!.city,
          new Date(historyStart + custAddedDay[c]! * DAY),
        ];
      }
    },
  );
  add('customer_identities', ['id', 'corp_id', 'kind', 'value', 'customer_id'], function* () {
    let n = 0;
    for (let c = 0; c < C; c++) {
      yield [id('customer_identities', n++), corpId, 'external_userid', extUserid(c), id('customers', c)];
      yield [id('customer_identities', n++), corpId, 'phone_hash', phoneHash(c), id('customers', c)];
      if (custUnion[c]) yield [id('customer_identities', n++), corpId, 'unionid', unionid(c), id('customers', c)];
      if (custMember[c]) yield [id('customer_identities', n++), corpId, 'member_no', memberNo(c), id('customers', c)];
    }
  });
  const relationStart = (c: number) =>
    new Date(historyStart + custAddedDay[c]! * DAY + ((c * 97) % 600) * 60_000 + 10 * 3_600_000);
  const stateOf = (c: number) => (custChannel[c]! < 0 ? storeState(custStore[c]!) : CAMPAIGNS[custChannel[c]!]!.state);
  add(
    'customer_guides',
    ['id', 'corp_id', 'customer_id', 'guide_id', 'added_at', 'add_way', 'state', 'remark', 'is_exclusive'],
    function* () {
      let n = 0;
      for (let c = 0; c < C; c++) {
        const added = relationStart(c);
        yield [
          id('customer_guides', n++),
          corpId,
          id('customers', c),
          id('guides', custGuide[c]!),
          added,
          1,
          stateOf(c),
          custName[c]!.slice(0, 1) + (custGender[c] === 2 ? '女士' : '先生'),
          custExclusive[c] === 1,
        ];
        if (custGuide2[c]! >= 0)
          yield [
            id('customer_guides', n++),
            corpId,
            id('customers', c),
            id('guides', custGuide2[c]!),
            new Date(added.getTime() + 3 * DAY),
            2,
            null,
            null,
            false,
          ];
      }
    },
  );
  // The exclusive guide, dated from the start of the relation (ties on the 7-day rule read it at paid_at).
  add(
    'exclusive_assignments',
    ['id', 'corp_id', 'customer_id', 'guide_id', 'valid_from', 'set_by', 'reason'],
    function* () {
      let n = 0;
      for (let c = 0; c < C; c++) {
        if (custExclusive[c] !== 1) continue;
        const added = relationStart(c);
        yield [
          id('exclusive_assignments', n++),
          corpId,
          id('customers', c),
          id('guides', custGuide[c]!),
          added,
          'seed',
          '开卡导购',
        ];
      }
    },
  );
  // Spend per customer decides the value tier (as the nightly rule would).
  const spend = new Float64Array(C);
  for (let o = 0; o < O; o++) {
    const c = ordCust[o]!;
    if (c >= 0) spend[c] = spend[c]! + ordGross[o]! - ordDiscount[o]!;
  }
  add('customer_tags', ['id', 'corp_id', 'customer_id', 'guide_id', 'tag_id', 'source'], function* () {
    const r = Rng.for(seed, 'customer-tags');
    let n = 0;
    for (let c = 0; c < C; c++) {
      const g = id('guides', custGuide[c]!);
      const cid = id('customers', c);
      const tier = c === 0 || spend[c]! >= 300_000 ? '超级VIP' : spend[c]! >= 80_000 ? '重点培养' : '重点促活';
      yield [id('customer_tags', n++), corpId, cid, g, tagId(tier), 'wecom'];
      if (custStage[c]! >= 0) yield [id('customer_tags', n++), corpId, cid, g, tagId(STAGES[custStage[c]!]!), 'wecom'];
      const prefs = c === 0 ? ['偏好新款', '偏好黑白灰'] : r.sample(TAG_GROUPS[2]!.tags, r.int(0, 2));
      for (const p of prefs) yield [id('customer_tags', n++), corpId, cid, g, tagId(p), 'guide'];
      yield [
        id('customer_tags', n++),
        corpId,
        cid,
        g,
        tagId(custChannel[c]! < 0 ? '门店扫码' : CAMPAIGNS[custChannel[c]!]!.channelTag),
        'wecom',
      ];
    }
  });
  add('size_runs', ['id', 'corp_id', 'category', 'sizes', 'broken_max_left', 'core_sizes'], function* () {
    for (let k = 0; k < CATEGORIES.length; k++) {
      const rule = SIZE_RUN_RULES[CATEGORIES[k]!];
      yield [id('size_runs', k), corpId, CATEGORIES[k], SIZE_RUNS[CATEGORIES[k]!], rule.brokenMaxLeft, rule.coreSizes];
    }
  });
  add(
    'customer_sizes',
    ['id', 'corp_id', 'customer_id', 'category', 'size', 'source', 'confidence', 'updated_at'],
    function* () {
      const r = Rng.for(seed, 'customer-sizes');
      let n = 0;
      for (let c = 0; c < C; c++) {
        for (const cat of CATEGORIES) {
          const size = sizeOf(c, cat);
          if (!size) continue;
          const byGuide = c === 0 ? cat === 'shoes' : r.chance(0.35);
          yield [
            id('customer_sizes', n++),
            corpId,
            id('customers', c),
            cat,
            size,
            byGuide ? 'guide' : 'purchase',
            byGuide ? 1 : r.int(60, 95) / 100,
            new Date(anchorMs - r.int(1, 80) * DAY),
          ];
        }
      }
    },
  );
  add(
    'products',
    [
      'id',
      'corp_id',
      'style_no',
      'name',
      'category',
      'brand',
      'season',
      'image_url',
      'list_price_fen',
      'launched_on',
      'attributes',
      'audience',
    ],
    function* () {
      for (let p = 0; p < styles.length; p++) {
        const st = styles[p]!;
        yield [
          id('products', p),
          corpId,
          st.styleNo,
          st.name,
          st.category,
          '悦享',
          '2026秋冬',
          `https://static.guidepost.example/products/${st.styleNo}.jpg`,
          st.priceFen,
          isoDate(historyStart + st.launchedDay * DAY),
          st.isNew ? ['新款', CATEGORY_LABEL[st.category]] : [CATEGORY_LABEL[st.category]],
          st.audience,
        ];
      }
    },
  );
  add('skus', ['id', 'corp_id', 'product_id', 'sku_code', 'barcode', 'color', 'size', 'price_fen'], function* () {
    for (let k = 0; k < skuList.length; k++) {
      const s = skuList[k]!;
      yield [
        id('skus', k),
        corpId,
        id('products', s.style),
        s.code,
        `69${String(10_000_000_000 + k).slice(1)}`,
        s.color,
        s.size,
        styles[s.style]!.priceFen,
      ];
    }
  });
  add('store_stock', ['corp_id', 'store_id', 'sku_id', 'on_hand'], function* () {
    const r = Rng.for(seed, 'store-stock');
    for (let s = 0; s < scale.stores; s++) {
      for (const st of carried[s]!) {
        const style = styles[st]!;
        const run = SIZE_RUNS[style.category];
        // Style 0 in the walk-through store is a broken run that includes size 37.
        const broken = (s === 0 && st === 0) || r.chance(0.15);
        for (let ci = 0; ci < style.colors.length; ci++) {
          const left = s === 0 && st === 0 ? (ci === 0 ? ['37', '39'] : []) : broken ? r.sample(run, r.int(1, 2)) : run;
          for (const size of run) {
            const onHand = !left.includes(size) ? 0 : broken ? r.int(1, 2) : r.chance(0.15) ? 0 : r.int(1, 6);
            if (onHand > 0) yield [corpId, id('stores', s), id('skus', skuOf(st, ci, size)), onHand];
          }
        }
      }
    }
  });
  const categories = [...new Set(SCRIPTS.map((s) => s.category))];
  add('script_categories', ['id', 'corp_id', 'name', 'scenario', 'order'], function* () {
    for (let k = 0; k < categories.length; k++)
      yield [
        id('script_categories', k),
        corpId,
        categories[k],
        SCRIPTS.find((s) => s.category === categories[k])!.scenario,
        k,
      ];
  });
  add('media_assets', ['id', 'corp_id', 'kind', 'filename', 'content_type', 'sha256', 'content'], function* () {
    yield [
      id('media_assets', 0),
      corpId,
      'image',
      'event-poster.png',
      'image/png',
      createHash('sha256').update(POSTER_PNG).digest('hex'),
      POSTER_PNG,
    ];
  });
  // Before the scripts: a script names the coupon template it offers.
  add(
    'coupon_templates',
    [
      'id',
      'corp_id',
      'code',
      'name',
      'kind',
      'value_fen',
      'discount_bp',
      'min_spend_fen',
      'valid_days',
      'audience',
      'min_tier',
      'once_per_customer',
    ],
    function* () {
      for (let k = 0; k < COUPON_TEMPLATES.length; k++) {
        const t = COUPON_TEMPLATES[k]!;
        yield [
          id('coupon_templates', k),
          corpId,
          t.code,
          t.name,
          t.kind,
          t.kind === 'cash' ? t.valueFen : null,
          t.kind === 'discount' ? t.discountBp : null,
          t.minSpendFen,
          t.validDays,
          t.audience,
          t.minTier,
          t.oncePerCustomer,
        ];
      }
    },
  );
  add(
    'scripts',
    [
      'id',
      'corp_id',
      'category_id',
      'title',
      'parts',
      'target_tag_ids',
      'stages',
      'occasion',
      'coupon_template_id',
      'published_at',
    ],
    function* () {
      for (let k = 0; k < SCRIPTS.length; k++) {
        const s = SCRIPTS[k]!;
        const parts = s.parts.map((p: ScriptPart) =>
          p.type === 'image' ? { type: 'image', mediaAssetId: id('media_assets', 0), title: p.title } : p,
        );
        yield [
          id('scripts', k),
          corpId,
          id('script_categories', categories.indexOf(s.category)),
          s.title,
          JSON.stringify(parts),
          (s.targetTags ?? []).map(tagId),
          s.stages ?? [],
          s.occasion ?? null,
          s.coupon
            ? id(
                'coupon_templates',
                COUPON_TEMPLATES.findIndex((t) => t.code === s.coupon),
              )
            : null,
          new Date(anchorMs - 60 * DAY),
        ];
      }
    },
  );
  add(
    'orders',
    [
      'id',
      'corp_id',
      'source',
      'order_no',
      'store_id',
      'customer_id',
      'member_no',
      'phone_hash',
      'unionid',
      'paid_at',
      'gross_fen',
      'discount_fen',
      'net_fen',
      'coupon_codes',
    ],
    function* () {
      for (let o = 0; o < O; o++) {
        const c = ordCust[o]!;
        yield [
          id('orders', o),
          corpId,
          'pos',
          orderNo(o),
          id('stores', ordStore[o]!),
          c >= 0 ? id('customers', c) : null,
          c >= 0 && custMember[c] ? memberNo(c) : null,
          null,
          null,
          new Date(ordPaid[o]!),
          ordGross[o],
          ordDiscount[o],
          ordGross[o]! - ordDiscount[o]!,
          ordCoupon[o]! >= 0 ? [couponCode(ordCoupon[o]!)] : [],
        ];
      }
    },
  );
  add(
    'order_lines',
    ['id', 'corp_id', 'order_id', 'line_no', 'sku_code', 'sku_id', 'category', 'size', 'qty', 'net_fen'],
    function* () {
      let n = 0;
      for (let o = 0; o < O; o++) {
        const lines = ordLines[o]!;
        for (let l = 0; l < lines.length; l++) {
          const sku = skuList[lines[l]!.sku]!;
          yield [
            id('order_lines', n++),
            corpId,
            id('orders', o),
            l + 1,
            sku.code,
            id('skus', lines[l]!.sku),
            styles[sku.style]!.category,
            sku.size,
            lines[l]!.qty,
            lines[l]!.netFen,
          ];
        }
      }
    },
  );
  add(
    'coupons',
    [
      'id',
      'corp_id',
      'template_id',
      'code',
      'customer_id',
      'guide_id',
      'issued_at',
      'sent_at',
      'expires_at',
      'status',
      'redeemed_at',
      'redeemed_order_id',
      // The terms each coupon keeps (the insert trigger would copy them row by row otherwise).
      'name',
      'kind',
      'value_fen',
      'discount_bp',
      'min_spend_fen',
    ],
    function* () {
      for (let k = 0; k < coupons.length; k++) {
        const cp = coupons[k]!;
        const t = COUPON_TEMPLATES[cp.template]!;
        const redeemed = cp.orderIdx >= 0;
        yield [
          id('coupons', k),
          corpId,
          id('coupon_templates', cp.template),
          couponCode(k),
          id('customers', cp.cust),
          id('guides', cp.guide),
          new Date(cp.issuedMs),
          // Every demo coupon went into the chat when issued (its coupon_issue interaction below).
          new Date(cp.issuedMs),
          new Date(cp.expiresMs),
          redeemed ? 'redeemed' : 'sent',
          redeemed ? new Date(ordPaid[cp.orderIdx]!) : null,
          redeemed ? id('orders', cp.orderIdx) : null,
          t.name,
          t.kind,
          t.kind === 'cash' ? t.valueFen : null,
          t.kind === 'discount' ? t.discountBp : null,
          t.minSpendFen,
        ];
      }
    },
  );
  add(
    'refunds',
    ['id', 'corp_id', 'source', 'refund_no', 'order_no', 'order_id', 'refunded_at', 'amount_fen'],
    function* () {
      const r = Rng.for(seed, 'refunds');
      let n = 0;
      for (let o = 0; o < O; o++) {
        if (!r.chance(0.04)) continue;
        const net = ordGross[o]! - ordDiscount[o]!;
        if (net <= 0) continue;
        const lines = ordLines[o]!;
        const amount = r.chance(0.6) || lines.length === 1 ? net : lines[0]!.netFen;
        if (amount <= 0) continue;
        const at = Math.min(ordPaid[o]! + r.int(1, 7) * DAY, anchorMs - DAY + 21 * 3_600_000);
        if (at <= ordPaid[o]!) continue;
        yield [
          id('refunds', n++),
          corpId,
          'pos',
          `RF${String(o + 1).padStart(9, '0')}`,
          orderNo(o),
          id('orders', o),
          new Date(at),
          amount,
        ];
      }
    },
  );
  add(
    'transfers',
    [
      'id',
      'corp_id',
      'transaction_id',
      'bill_type',
      'out_refund_no',
      'trade_state',
      'payment_type',
      'pay_time',
      'payee_userid',
      'guide_id',
      'external_userid',
      'customer_id',
      'total_fee_fen',
      'total_refund_fee_fen',
      'remark',
      'raw',
    ],
    function* () {
      const r = Rng.for(seed, 'transfers');
      let n = 0;
      for (let k = 0; k < scale.transfers; k++) {
        const c = r.int(0, C - 1);
        const g = custGuide[c]!;
        const payMs = inStoreHours(historyStart + r.int(0, scale.historyDays * 24 * 60 - 1) * 60_000);
        const fee = r.int(99, 2999) * 100;
        const tx = `4200${createHash('md5').update(`${seed}:tx:${k}`).digest('hex').slice(0, 24)}`;
        const refund = r.chance(0.05) ? Math.min(fee, r.int(50, 1000) * 100) : 0;
        const refundMs = Math.min(payMs + r.int(1, 5) * DAY, anchorMs - DAY + 21 * 3_600_000);
        const outTradeNo = `YX${String(k + 1).padStart(10, '0')}`;
        const raw = {
          transaction_id: tx,
          bill_type: 0,
          trade_state: refund ? 3 : 1,
          pay_time: Math.floor(payMs / 1000),
          out_trade_no: outTradeNo,
          external_userid: extUserid(c),
          total_fee: fee,
          payee_userid: guideUserid(g),
          payment_type: r.pick([0, 1, 14]),
          mch_id: '1900000109',
          remark: '门店商品',
          commodity_list: [{ description: '门店商品', amount: 1 }],
          total_refund_fee: refund,
        };
        yield [
          id('transfers', n++),
          corpId,
          tx,
          0,
          '',
          raw.trade_state,
          raw.payment_type,
          new Date(payMs),
          guideUserid(g),
          id('guides', g),
          extUserid(c),
          id('customers', c),
          fee,
          refund,
          raw.remark,
          JSON.stringify(raw),
        ];
        if (refund && refundMs > payMs) {
          const rawR = {
            transaction_id: tx,
            bill_type: 1,
            pay_time: Math.floor(refundMs / 1000),
            out_trade_no: outTradeNo,
            out_refund_no: `RFD${outTradeNo}`,
            external_userid: extUserid(c),
            total_fee: fee,
            payee_userid: guideUserid(g),
            payment_type: raw.payment_type,
            mch_id: '1900000109',
            total_refund_fee: refund,
          };
          yield [
            id('transfers', n++),
            corpId,
            tx,
            1,
            rawR.out_refund_no,
            0,
            raw.payment_type,
            new Date(refundMs),
            guideUserid(g),
            id('guides', g),
            extUserid(c),
            id('customers', c),
            fee,
            refund,
            null,
            JSON.stringify(rawR),
          ];
        }
      }
    },
  );
  add(
    'interactions',
    ['corp_id', 'guide_id', 'customer_id', 'occurred_at', 'kind', 'source', 'evidence_id', 'detail'],
    function* () {
      const r = Rng.for(seed, 'interactions');
      // Which script a seeded script send was: its own stream, so the other draws stay as they were.
      const sr = Rng.for(seed, 'script-sends');
      const detailOf = (kind: string) =>
        kind === 'script_send' ? JSON.stringify({ scriptId: id('scripts', sr.int(0, SCRIPTS.length - 1)) }) : '{}';
      let n = 0;
      const ev = () => `seed-${(n++).toString(36)}`;
      for (const p of primed)
        yield [
          corpId,
          id('guides', p.guide),
          id('customers', p.cust),
          new Date(p.ms),
          p.kind,
          p.kind === 'message' || p.kind === 'call' ? 'archive' : 'sidebar',
          ev(),
          detailOf(p.kind),
        ];
      for (let k = 0; k < coupons.length; k++) {
        const cp = coupons[k]!;
        yield [
          corpId,
          id('guides', cp.guide),
          id('customers', cp.cust),
          new Date(cp.issuedMs),
          'coupon_issue',
          'sidebar',
          `coupon-${couponCode(k)}`,
          JSON.stringify({ couponCode: couponCode(k) }),
        ];
      }
      for (let c = 0; c < C; c++) {
        if (custAddedDay[c]! >= 0)
          yield [
            corpId,
            id('guides', custGuide[c]!),
            id('customers', c),
            new Date(historyStart + custAddedDay[c]! * DAY + ((c * 97) % 600) * 60_000 + 10 * 3_600_000),
            'customer_added',
            'wecom',
            `added-${extUserid(c)}`,
            JSON.stringify({ state: stateOf(c) }),
          ];
      }
      const background = Math.max(0, Math.round(C * scale.interactionsPerCustomer) - primed.length - coupons.length);
      const kinds = [
        ['message', 50],
        ['script_send', 20],
        ['product_share', 15],
        ['call', 5],
        ['behavior', 10],
      ] as const;
      for (let k = 0; k < background; k++) {
        const c = r.int(0, C - 1);
        const g = custGuide2[c]! >= 0 && r.chance(0.3) ? custGuide2[c]! : custGuide[c]!;
        const kind = r.weighted(kinds);
        const ms = inStoreHours(
          historyStart + r.int(0, scale.historyDays * 24 * 60 - 1) * 60_000 + r.int(0, 59) * 1000,
        );
        yield [
          corpId,
          id('guides', g),
          id('customers', c),
          new Date(ms),
          kind,
          kind === 'message' || kind === 'call' ? 'archive' : kind === 'behavior' ? 'wecom' : 'sidebar',
          ev(),
          detailOf(kind),
        ];
      }
    },
  );
  add(
    'rule_sets',
    ['id', 'corp_id', 'version', 'name', 'effective_from', 'config', 'change_note', 'created_by'],
    function* () {
      yield [
        id('rule_sets', 0),
        corpId,
        1,
        '默认规则',
        new Date('2020-01-01T00:00:00+08:00'),
        JSON.stringify({
          precedence: ['transfer', 'coupon', 'interaction'],
          windowDays: 7,
          countedKinds: [
            'script_send',
            'product_share',
            'coupon_issue',
            'message',
            'customer_added',
            'call',
            'archive_message',
          ],
        }),
        '初始规则：对外收款 > 导购券 > 7天互动',
        'admin',
      ];
    },
  );
  add(
    'commission_plans',
    ['id', 'corp_id', 'version', 'name', 'rates', 'tiers', 'hold_days', 'effective_from', 'change_note', 'created_by'],
    function* () {
      yield [
        id('commission_plans', 0),
        corpId,
        1,
        '2026 导购提成方案',
        JSON.stringify({ transfer: 300, coupon: 200, interaction: 150 }),
        JSON.stringify([{ fromFen: 5_000_000, bonusBp: 50 }]),
        7,
        '2026-01-01',
        '初始方案：对外收款 3%，导购券 2%，7 天互动 1.5%；月业绩满 5 万元每条加 0.5%',
        'admin',
      ];
    },
  );
  add('commission_periods', ['id', 'corp_id', 'month', 'status'], function* () {
    const months = [-3, -2, -1, 0].map((d) => monthStart(anchorMs, d));
    for (let k = 0; k < months.length; k++)
      yield [id('commission_periods', k), corpId, months[k], k < 2 ? 'closed' : 'open'];
  });
  return tables;
}

/**
 * The same Shanghai day at store hours (10:00–21:59): seeded activity happens while stores are
 * open. Keeps the seconds; draws nothing, so the rest of the data stays as it was.
 */
export function inStoreHours(ms: number): number {
  const day = startOfDayShanghai(new Date(ms));
  const minute = Math.floor((ms - day) / 60_000);
  return day + (10 * 60 + (minute % (12 * 60))) * 60_000 + (ms % 60_000);
}

/**
 * A chat before a purchase, `minutesBefore` (< 7 days) choosing the day and the store-hours
 * minute: on the purchase's day or up to 6 days before, at least 30 minutes before it.
 */
function primedAt(paid: number, minutesBefore: number): number {
  const daysBefore = Math.floor(minutesBefore / (24 * 60));
  const ms = startOfDayShanghai(new Date(paid)) - daysBefore * DAY + (10 * 60 + (minutesBefore % (12 * 60))) * 60_000;
  if (ms <= paid - 30 * 60_000) return ms;
  return daysBefore < 6 ? ms - DAY : startOfDayShanghai(new Date(paid)) - 6 * DAY + 10 * 60 * 60_000;
}

/** Midnight of the anchor's day in Asia/Shanghai (UTC+8, no DST), as epoch ms. */
export function startOfDayShanghai(d: Date): number {
  const shifted = d.getTime() + 8 * 3_600_000;
  return shifted - (shifted % DAY) - 8 * 3_600_000;
}

function isoDate(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
}

function monthStart(anchorMs: number, deltaMonths: number): string {
  const d = new Date(anchorMs + 8 * 3_600_000);
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + deltaMonths, 1));
  return m.toISOString().slice(0, 10);
}
