/** Names, places, products and scripts for a Chinese retail group (apparel, shoes, mother and baby). */

export const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '何',
  '林',
  '罗',
  '高',
  '郑',
  '梁',
  '谢',
  '宋',
  '唐',
  '许',
  '韩',
  '冯',
  '邓',
  '曹',
  '彭',
  '曾',
  '肖',
  '田',
  '董',
  '潘',
  '袁',
  '蒋',
  '蔡',
  '余',
];
export const FEMALE_GIVEN = [
  '雅琴',
  '丽娟',
  '晓燕',
  '静怡',
  '婷婷',
  '思雨',
  '梦瑶',
  '佳怡',
  '欣然',
  '雨桐',
  '诗涵',
  '可馨',
  '慧敏',
  '秀英',
  '玉兰',
  '美玲',
  '晓红',
  '丹丹',
  '莉莉',
  '文静',
  '一诺',
  '若曦',
  '紫涵',
  '芳芳',
  '海燕',
  '春梅',
  '悦',
  '敏',
  '洁',
  '琳',
  '颖',
  '倩',
  '蕾',
  '娜',
  '璐',
  '萍',
];
export const MALE_GIVEN = [
  '伟',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '杰',
  '涛',
  '浩然',
  '子轩',
  '宇航',
  '俊杰',
  '志强',
  '建华',
  '明辉',
  '晓东',
  '天佑',
  '博文',
  '昊天',
  '嘉诚',
];
export const GUIDE_GIVEN = [
  '翠',
  '小芳',
  '婷',
  '晓丽',
  '佳佳',
  '梦琪',
  '雪',
  '楠',
  '露',
  '欣怡',
  '燕',
  '晶晶',
  '薇',
  '媛媛',
  '琪',
  '小雨',
  '静',
  '艳',
  '红梅',
  '丽',
];

export interface CityDef {
  city: string;
  region: string;
  malls: string[];
}

export const REGIONS: { code: string; name: string }[] = [
  { code: 'EAST', name: '华东区' },
  { code: 'SOUTH', name: '华南区' },
  { code: 'NORTH', name: '华北区' },
  { code: 'WEST', name: '西南区' },
  { code: 'CENTRAL', name: '华中区' },
];

export const CITIES: CityDef[] = [
  {
    city: '上海',
    region: 'EAST',
    malls: ['南京西路', '淮海中路', '五角场万达', '徐家汇港汇', '七宝万科', '陆家嘴正大'],
  },
  { city: '杭州', region: 'EAST', malls: ['湖滨银泰', '西湖银泰', '万象城', '龙湖天街'] },
  { city: '南京', region: 'EAST', malls: ['新街口德基', '河西万达', '仙林金鹰'] },
  { city: '苏州', region: 'EAST', malls: ['观前街', '苏州中心', '印象城'] },
  { city: '广州', region: 'SOUTH', malls: ['天河城', '正佳广场', '北京路', '太古汇'] },
  { city: '深圳', region: 'SOUTH', malls: ['万象天地', '海岸城', '益田假日', '东门'] },
  { city: '厦门', region: 'SOUTH', malls: ['中山路', '万象城', 'SM城市广场'] },
  { city: '北京', region: 'NORTH', malls: ['王府井', '西单大悦城', '朝阳大悦城', '三里屯', '五道口'] },
  { city: '天津', region: 'NORTH', malls: ['滨江道', '大悦城', '银河国际'] },
  { city: '青岛', region: 'NORTH', malls: ['万象城', '台东', '凯德MALL'] },
  { city: '成都', region: 'WEST', malls: ['春熙路', '太古里', '环球中心', '来福士'] },
  { city: '重庆', region: 'WEST', malls: ['解放碑', '观音桥', '龙湖时代天街'] },
  { city: '昆明', region: 'WEST', malls: ['南屏街', '顺城'] },
  { city: '武汉', region: 'CENTRAL', malls: ['江汉路', '武商广场', '光谷步行街', '楚河汉街'] },
  { city: '长沙', region: 'CENTRAL', malls: ['五一广场', '德思勤', '步步高'] },
  { city: '郑州', region: 'CENTRAL', malls: ['二七万达', '正弘城', '丹尼斯'] },
];

export type Category = 'shoes' | 'tops' | 'bottoms' | 'kids';

export const SIZE_RUNS: Record<Category, string[]> = {
  shoes: ['35', '36', '37', '38', '39', '40', '41', '42', '43', '44'],
  tops: ['XS', 'S', 'M', 'L', 'XL', 'XXL'],
  bottoms: ['25', '26', '27', '28', '29', '30', '31', '32', '33', '34'],
  kids: ['73', '80', '90', '100', '110', '120'],
};

/**
 * What makes a broken run (断码) per category in the demo tenant: at most `brokenMaxLeft` sizes
 * left, or any core size sold out (core/guide/fit.ts).
 */
export const SIZE_RUN_RULES: Record<Category, { brokenMaxLeft: number; coreSizes: string[] }> = {
  shoes: { brokenMaxLeft: 3, coreSizes: ['37', '38', '39', '40', '41'] },
  tops: { brokenMaxLeft: 2, coreSizes: ['S', 'M', 'L'] },
  bottoms: { brokenMaxLeft: 3, coreSizes: ['27', '28', '29', '30'] },
  kids: { brokenMaxLeft: 2, coreSizes: ['80', '90', '100'] },
};

/** Items only made for women; other adult items are women's, men's (named 男款) or unisex. */
export const WOMEN_ONLY_ITEMS = ['玛丽珍鞋', '穆勒鞋', '半身裙', '打底裤'];

export const CATEGORY_LABEL: Record<Category, string> = { shoes: '鞋履', tops: '上装', bottoms: '下装', kids: '童装' };

export const PRODUCT_PARTS: Record<Category, { prefix: string[]; item: string[]; priceYuan: [number, number] }> = {
  shoes: {
    prefix: ['轻盈网面', '真皮', '复古', '厚底', '软底', '云朵', '法式', '一脚蹬', '增高', '透气飞织'],
    item: ['跑鞋', '乐福鞋', '德训鞋', '小白鞋', '玛丽珍鞋', '切尔西靴', '老爹鞋', '帆布鞋', '穆勒鞋', '短靴'],
    priceYuan: [299, 1299],
  },
  tops: {
    prefix: ['醋酸', '桑蚕丝', '纯棉', '羊毛', '法式', '宽松', '修身', '短款', '廓形', '针织'],
    item: ['衬衫', '开衫', '卫衣', 'T恤', '毛衣', '西装外套', '风衣', '羽绒服', '马甲', 'polo衫'],
    priceYuan: [159, 1599],
  },
  bottoms: {
    prefix: ['高腰', '直筒', '阔腿', '烟管', '垂感', '弹力', '九分', '微喇', '工装', '百褶'],
    item: ['牛仔裤', '西裤', '休闲裤', '半身裙', '运动裤', '短裤', '阔腿裤', '打底裤'],
    priceYuan: [199, 899],
  },
  kids: {
    prefix: ['A类纯棉', '婴儿', '宝宝', '儿童', '亲肤', '新生儿', '加绒', '抗菌'],
    item: ['连体衣', '爬服', '套装', '卫衣', '外套', '睡袋', '哈衣', '打底衫'],
    priceYuan: [79, 459],
  },
};

export const COLORS = [
  '黑色',
  '白色',
  '米白',
  '燕麦色',
  '雾霾蓝',
  '酒红',
  '卡其',
  '奶茶色',
  '浅灰',
  '藏青',
  '樱花粉',
  '牛油果绿',
];

export const TAG_GROUPS: {
  key: string;
  name: string;
  kind: 'value' | 'stage' | 'preference' | 'size' | 'channel';
  tags: string[];
}[] = [
  { key: 'value', name: '客户价值', kind: 'value', tags: ['超级VIP', '重点培养', '重点促活'] },
  {
    key: 'stage',
    name: '人生阶段',
    kind: 'stage',
    tags: ['孕期', '宝宝0-6个月', '宝宝6-12个月', '宝宝1-2岁', '宝宝2-3岁'],
  },
  {
    key: 'pref',
    name: '购物偏好',
    kind: 'preference',
    tags: ['偏好大促', '偏好新款', '偏好黑白灰', '偏好亮色', '偏好运动风', '偏好通勤'],
  },
  { key: 'size', name: '尺码', kind: 'size', tags: ['鞋码偏小', '鞋码偏大', '上装宽松', '下装修身'] },
  {
    key: 'channel',
    name: '来源渠道',
    kind: 'channel',
    tags: ['门店扫码', '618活动', '双11活动', '母婴节', '导购名片'],
  },
];

export const CAMPAIGNS: { state: string; name: string; channelTag: string }[] = [
  { state: 'cp_618', name: '618 年中大促', channelTag: '618活动' },
  { state: 'cp_1111', name: '双 11 会员日', channelTag: '双11活动' },
  { state: 'cp_mombaby', name: '母婴节', channelTag: '母婴节' },
];

export const COUPON_TEMPLATES = [
  {
    code: 'NEW50',
    name: '新客立减50元',
    kind: 'cash' as const,
    valueFen: 5000,
    minSpendFen: 29900,
    validDays: 30,
    audience: 'new' as const,
    minTier: null,
    oncePerCustomer: true,
  },
  {
    code: 'VIP100',
    name: 'VIP满800减100',
    kind: 'cash' as const,
    valueFen: 10000,
    minSpendFen: 80000,
    validDays: 14,
    audience: 'any' as const,
    minTier: '重点培养',
    oncePerCustomer: false,
  },
  {
    code: 'BDAY88',
    name: '生日礼券88元',
    kind: 'cash' as const,
    valueFen: 8800,
    minSpendFen: 0,
    validDays: 30,
    audience: 'birthday' as const,
    minTier: null,
    oncePerCustomer: false,
  },
  {
    code: 'BACK30',
    name: '老友回归30元',
    kind: 'cash' as const,
    valueFen: 3000,
    minSpendFen: 19900,
    validDays: 7,
    audience: 'lapsed' as const,
    minTier: null,
    oncePerCustomer: false,
  },
  {
    code: 'OFF85',
    name: '新品85折',
    kind: 'discount' as const,
    discountBp: 8500,
    minSpendFen: 0,
    validDays: 10,
    audience: 'any' as const,
    minTier: null,
    oncePerCustomer: false,
  },
];

export type ScriptPart =
  | { type: 'text'; text: string }
  | { type: 'image'; assetKey: string; title: string }
  | { type: 'news'; title: string; desc: string; link: string; imgUrl: string }
  | { type: 'miniprogram'; appid: string; title: string; page: string; imgUrl: string };

export interface ScriptDef {
  title: string;
  category: string;
  scenario: string;
  occasion?: string;
  stages?: string[];
  targetTags?: string[];
  /** The code of the coupon template it offers: {{优惠券}}, {{券有效期}} and {{券面额}} come from it. */
  coupon?: string;
  parts: ScriptPart[];
}

/** The demo brand's mini-program (script cards, and product cards through the tenant's settings). */
export const MP = { appid: 'wx0d1e2f3a4b5c6d7e', imgUrl: 'https://static.guidepost.example/mp/cover.png' };

/**
 * The script library (话术). Variables: {{称呼}} form of address, {{导购}} the guide's name,
 * {{门店}} the store, {{尺码}} the customer's own size in the product's category, {{宝宝月龄}} and
 * {{宝宝尺码}} her baby's age and kids' size, {{商品}} the product, {{优惠券}} the name of the coupon
 * template the script offers (`coupon`), {{券有效期}} and {{券面额}} that coupon's own expiry and value
 * (core/contracts/script-vars.ts). Broken-size pitches say the piece suits her size; they never call
 * stock leftovers.
 */
export const SCRIPTS: ScriptDef[] = [
  // 欢迎语 welcome
  {
    title: '扫码欢迎',
    category: '欢迎语',
    scenario: 'welcome',
    occasion: 'welcome',
    parts: [
      {
        type: 'text',
        text: '{{称呼}}您好，我是{{门店}}的导购{{导购}}，很高兴认识您！以后上新、尺码、搭配有任何问题，随时在这里找我就好～',
      },
    ],
  },
  {
    title: '新客礼券',
    coupon: 'NEW50',
    category: '欢迎语',
    scenario: 'welcome',
    occasion: 'welcome',
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，欢迎加入悦享会员！送您一张{{优惠券}}，下次到店或线上下单都能用，{{券有效期}}前有效哦。',
      },
    ],
  },
  {
    title: '会员权益介绍',
    category: '欢迎语',
    scenario: 'welcome',
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，给您简单介绍下会员权益：生日月双倍积分、免费修改裤长、30天无理由退换。有需要随时叫我～',
      },
      { type: 'miniprogram', title: '悦享会员中心', page: 'pages/member/index', ...MP },
    ],
  },
  {
    title: '门店位置',
    category: '欢迎语',
    scenario: 'welcome',
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，我们{{门店}}营业时间是10:00-22:00，来之前跟我说一声，我提前把您的尺码备好，到店直接试穿。',
      },
    ],
  },
  {
    title: '宝妈欢迎',
    category: '欢迎语',
    scenario: 'welcome',
    occasion: 'welcome',
    stages: ['孕期', '宝宝0-6个月'],
    parts: [
      {
        type: 'text',
        text: '{{称呼}}您好，我是{{导购}}～我们母婴区有专门的哺乳衣和新生儿A类纯棉系列，宝宝的尺码不确定也没关系，我帮您按月龄挑。',
      },
    ],
  },
  {
    title: '欢迎+尺码登记',
    category: '欢迎语',
    scenario: 'welcome',
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，方便告诉我一下您平时穿的鞋码和衣服尺码吗？我帮您记下来，以后有合适的款第一时间通知您。',
      },
    ],
  },
  // 新品上市 new arrivals
  {
    title: '新品到店通知',
    category: '新品上市',
    scenario: 'new_arrival',
    targetTags: ['偏好新款'],
    parts: [{ type: 'text', text: '{{称呼}}，本周新款{{商品}}刚到店，我看了下有您的{{尺码}}码，要不要先帮您留一件？' }],
  },
  {
    title: '新品图文',
    category: '新品上市',
    scenario: 'new_arrival',
    targetTags: ['偏好新款'],
    parts: [
      { type: 'text', text: '{{称呼}}，给您看看这季的新品，面料和版型都升级了：' },
      {
        type: 'news',
        title: '悦享 · 秋冬新品上市',
        desc: '通勤、周末、亲子出游，一衣多穿',
        link: 'https://m.guidepost.example/new',
        imgUrl: 'https://static.guidepost.example/news/new.png',
      },
    ],
  },
  {
    title: '新品小程序下单',
    category: '新品上市',
    scenario: 'new_arrival',
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，不方便到店的话，可以直接在小程序下单，我这边帮您安排门店发货，{{尺码}}码有货。',
      },
      { type: 'miniprogram', title: '{{商品}}', page: 'pages/goods/detail', ...MP },
    ],
  },
  {
    title: '黑白灰新款',
    category: '新品上市',
    scenario: 'new_arrival',
    targetTags: ['偏好黑白灰'],
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，知道您喜欢黑白灰，这次上的{{商品}}颜色特别高级，通勤很好搭，您穿{{尺码}}码应该刚好。',
      },
    ],
  },
  {
    title: '亮色新款',
    category: '新品上市',
    scenario: 'new_arrival',
    targetTags: ['偏好亮色'],
    parts: [
      { type: 'text', text: '{{称呼}}，新到的{{商品}}颜色很亮眼，上身显气色，特别适合您～{{尺码}}码给您留着呢。' },
    ],
  },
  {
    title: '运动系列上新',
    category: '新品上市',
    scenario: 'new_arrival',
    targetTags: ['偏好运动风'],
    parts: [
      { type: 'text', text: '{{称呼}}，运动系列上新啦，{{商品}}脚感很软，周末带娃出去玩穿正合适，有您的{{尺码}}码。' },
    ],
  },
  {
    title: '新品试穿邀约',
    category: '新品上市',
    scenario: 'new_arrival',
    parts: [{ type: 'text', text: '{{称呼}}，这周末店里新品试穿，到店试穿就送小礼物，我帮您约个时间？' }],
  },
  // 断码推荐 broken-size pitch (suits her size; never "leftovers")
  {
    title: '您的尺码刚好有',
    category: '尺码推荐',
    scenario: 'broken_size',
    occasion: 'broken_size',
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，您之前喜欢的这款{{商品}}，店里正好还有您穿的{{尺码}}码，我第一个就想到您了，要不要给您留一双？',
      },
    ],
  },
  {
    title: '专属尺码提醒',
    category: '尺码推荐',
    scenario: 'broken_size',
    occasion: 'broken_size',
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，{{商品}}的{{尺码}}码特别抢手，我们店里刚好还有一件是您的尺码，先帮您预留到周日好吗？',
      },
    ],
  },
  {
    title: '按尺码挑的好物',
    category: '尺码推荐',
    scenario: 'broken_size',
    occasion: 'broken_size',
    parts: [
      { type: 'text', text: '{{称呼}}，我按您的{{尺码}}码专门挑了这款{{商品}}，版型很适合您，到店试穿一下？' },
      { type: 'miniprogram', title: '{{商品}} · {{尺码}}码', page: 'pages/goods/detail', ...MP },
    ],
  },
  {
    title: '合脚提醒',
    category: '尺码推荐',
    scenario: 'broken_size',
    occasion: 'broken_size',
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，您穿{{尺码}}码，这款{{商品}}我们店里正好有，脚感软、不磨脚，要不要先拍给您看看上脚效果？',
      },
    ],
  },
  {
    title: '会员优先',
    category: '尺码推荐',
    scenario: 'broken_size',
    occasion: 'broken_size',
    targetTags: ['超级VIP'],
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，作为我们的VIP，{{商品}}的{{尺码}}码我先给您留着，您方便的时候来试，不合适也没关系。',
      },
    ],
  },
  {
    title: '宝宝尺码刚好',
    category: '尺码推荐',
    scenario: 'broken_size',
    occasion: 'broken_size',
    stages: ['宝宝6-12个月', '宝宝1-2岁', '宝宝2-3岁'],
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，宝宝现在穿{{宝宝尺码}}，这款{{商品}}正好有这个码，面料是A类纯棉的，给宝宝留一件？',
      },
    ],
  },
  {
    title: '一键下单您的尺码',
    category: '尺码推荐',
    scenario: 'broken_size',
    occasion: 'broken_size',
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，{{商品}}您的{{尺码}}码我已经帮您找好了，不方便到店的话点下面直接下单，我安排门店发货。',
      },
      { type: 'miniprogram', title: '{{商品}}', page: 'pages/goods/detail', ...MP },
    ],
  },
  // 生日关怀 birthday
  {
    title: '生日祝福',
    category: '生日关怀',
    scenario: 'birthday',
    occasion: 'birthday',
    parts: [{ type: 'text', text: '{{称呼}}，生日快乐！🎂 {{导购}}和{{门店}}的小伙伴祝您新的一岁美美的、开开心心！' }],
  },
  {
    title: '生日礼券',
    coupon: 'BDAY88',
    category: '生日关怀',
    scenario: 'birthday',
    occasion: 'birthday',
    parts: [{ type: 'text', text: '{{称呼}}，生日月专属礼物已经放进您的账户啦：{{优惠券}}，本月到店还有双倍积分哦～' }],
  },
  {
    title: '生日到店礼',
    category: '生日关怀',
    scenario: 'birthday',
    occasion: 'birthday',
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，生日这周来店里，我给您准备了一份小礼物，顺便试试新到的{{商品}}，有您的{{尺码}}码。',
      },
    ],
  },
  {
    title: '宝宝生日',
    category: '生日关怀',
    scenario: 'birthday',
    occasion: 'baby_birthday',
    stages: ['宝宝1-2岁', '宝宝2-3岁'],
    parts: [{ type: 'text', text: '{{称呼}}，宝宝快过生日啦！我们童装区新到了一批生日礼服和套装，要不要看看？' }],
  },
  {
    title: 'VIP生日',
    category: '生日关怀',
    scenario: 'birthday',
    occasion: 'birthday',
    targetTags: ['超级VIP'],
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，生日快乐！感谢您一直以来的支持，VIP生日礼包已经准备好，来店里的时候跟我说一声就好。',
      },
    ],
  },
  // 唤醒回访 re-activation
  {
    title: '好久不见',
    coupon: 'BACK30',
    category: '唤醒回访',
    scenario: 'reactivation',
    occasion: 'reactivation',
    targetTags: ['重点促活'],
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，好久没见您啦～最近店里上了不少新款，{{尺码}}码都有，有空来逛逛，我给您留了张{{优惠券}}。',
      },
    ],
  },
  {
    title: '老友回归礼',
    coupon: 'BACK30',
    category: '唤醒回访',
    scenario: 'reactivation',
    occasion: 'reactivation',
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，我是{{门店}}的{{导购}}，给老朋友准备了{{优惠券}}，{{券有效期}}前有效，别错过哦～',
      },
    ],
  },
  {
    title: '换季提醒',
    category: '唤醒回访',
    scenario: 'reactivation',
    parts: [{ type: 'text', text: '{{称呼}}，换季了，衣柜该更新啦！我按您的尺码挑了几件，给您发图看看？' }],
  },
  {
    title: '上次购买回访',
    category: '唤醒回访',
    scenario: 'reactivation',
    parts: [
      { type: 'text', text: '{{称呼}}，上次买的{{商品}}穿着还舒服吗？这季有同系列的新色，感兴趣的话我发给您看。' },
    ],
  },
  {
    title: '重点培养关怀',
    category: '唤醒回访',
    scenario: 'reactivation',
    targetTags: ['重点培养'],
    parts: [{ type: 'text', text: '{{称呼}}，最近有您喜欢的通勤款到店，我帮您搭了两套，方便的话发给您参考一下？' }],
  },
  {
    title: '大促预告',
    category: '唤醒回访',
    scenario: 'reactivation',
    targetTags: ['偏好大促'],
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，下周会员日全场满减，提前告诉您，想要的款可以先加购，{{尺码}}码我帮您盯着库存。',
      },
    ],
  },
  // 售后关怀 after-sale
  {
    title: '穿着回访',
    category: '售后关怀',
    scenario: 'after_sale',
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，{{商品}}穿了几天感觉怎么样？尺码合不合适？有任何问题随时找我，30天内都可以换。',
      },
    ],
  },
  {
    title: '洗护提醒',
    category: '售后关怀',
    scenario: 'after_sale',
    parts: [{ type: 'text', text: '{{称呼}}，温馨提醒：{{商品}}建议冷水手洗、平铺晾干，这样能穿得更久哦～' }],
  },
  {
    title: '换码服务',
    category: '售后关怀',
    scenario: 'after_sale',
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，如果尺码不太合适，带上小票来{{门店}}就能换，或者告诉我您的地址，我安排快递上门取件。',
      },
    ],
  },
  {
    title: '改裤长服务',
    category: '售后关怀',
    scenario: 'after_sale',
    parts: [{ type: 'text', text: '{{称呼}}，会员可以免费改裤长，裤子拿来店里，两天就能取～' }],
  },
  {
    title: '退款到账说明',
    category: '售后关怀',
    scenario: 'after_sale',
    parts: [{ type: 'text', text: '{{称呼}}，您的退款已经提交，原路退回一般1-3个工作日到账，到账前有问题随时找我。' }],
  },
  {
    title: '好评邀请',
    category: '售后关怀',
    scenario: 'after_sale',
    parts: [
      { type: 'text', text: '{{称呼}}，感谢您的支持！如果觉得{{导购}}服务还不错，方便的话帮我在小程序里点个好评呀～' },
    ],
  },
  // 母婴育儿 baby stage
  {
    title: '孕期穿搭',
    category: '母婴育儿',
    scenario: 'baby',
    stages: ['孕期'],
    targetTags: ['孕期'],
    parts: [{ type: 'text', text: '{{称呼}}，孕期穿衣舒服最重要，我们的孕妇系列腰围可调节，产后也能穿，有空来试试～' }],
  },
  {
    title: '新生儿清单',
    category: '母婴育儿',
    scenario: 'baby',
    stages: ['孕期', '宝宝0-6个月'],
    parts: [
      { type: 'text', text: '{{称呼}}，给您整理了一份新生儿衣物清单，按季节和月龄分好了，需要的话发给您。' },
      {
        type: 'news',
        title: '新生儿衣物准备清单',
        desc: '0-6个月宝宝需要的衣物，一份就够',
        link: 'https://m.guidepost.example/baby-list',
        imgUrl: 'https://static.guidepost.example/news/baby.png',
      },
    ],
  },
  {
    title: '宝宝换季尺码',
    category: '母婴育儿',
    scenario: 'baby',
    stages: ['宝宝6-12个月', '宝宝1-2岁'],
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，宝宝{{宝宝月龄}}了，长得快，现在穿{{宝宝尺码}}，换季的衣服可以提前备一下，我帮您挑几件？',
      },
    ],
  },
  {
    title: '学步鞋推荐',
    category: '母婴育儿',
    scenario: 'baby',
    stages: ['宝宝1-2岁'],
    parts: [{ type: 'text', text: '{{称呼}}，宝宝开始学走路了吧？我们的学步鞋鞋底软、包头防踢，来店里可以免费量脚。' }],
  },
  {
    title: '亲子装',
    category: '母婴育儿',
    scenario: 'baby',
    stages: ['宝宝1-2岁', '宝宝2-3岁'],
    parts: [{ type: 'text', text: '{{称呼}}，新到了亲子款，您和宝宝一起穿特别可爱，拍照很出片，要不要看看？' }],
  },
  // 活动促销 promotions
  {
    title: '会员日',
    coupon: 'OFF85',
    category: '活动促销',
    scenario: 'promotion',
    targetTags: ['偏好大促'],
    parts: [
      {
        type: 'text',
        text: '{{称呼}}，本周六会员日，全场满800减100，还能叠加您账户里的{{优惠券}}，想要的款告诉我，我帮您算最划算的买法。',
      },
    ],
  },
  {
    title: '满减叠券',
    category: '活动促销',
    scenario: 'promotion',
    parts: [{ type: 'text', text: '{{称呼}}，这期活动可以叠券，{{商品}}到手价很合适，{{尺码}}码还有，要不要给您留？' }],
  },
  {
    title: '618预热',
    category: '活动促销',
    scenario: 'promotion',
    parts: [
      { type: 'text', text: '{{称呼}}，618预热开始啦，提前加购、付定金还有额外礼品，点这里直接看活动：' },
      { type: 'miniprogram', title: '618 会员专场', page: 'pages/campaign/618', ...MP },
    ],
  },
  {
    title: '双11清单',
    category: '活动促销',
    scenario: 'promotion',
    parts: [{ type: 'text', text: '{{称呼}}，双11快到了，我按您的尺码和喜好整理了一份清单，到时候直接下单不用抢～' }],
  },
  {
    title: '积分兑换',
    category: '活动促销',
    scenario: 'promotion',
    parts: [
      { type: 'text', text: '{{称呼}}，您的积分可以兑换礼品和优惠券了，月底清零前记得用哦，我帮您查一下能换什么？' },
    ],
  },
  {
    title: '门店活动邀约',
    category: '活动促销',
    scenario: 'promotion',
    parts: [
      { type: 'text', text: '{{称呼}}，这周日下午{{门店}}有穿搭分享会，现场还有抽奖，给您留个名额？' },
      { type: 'image', assetKey: 'event-poster', title: '穿搭分享会海报' },
    ],
  },
];
