export default {
  app: { title: '导购助手', lang: 'EN', retry: '重试', loading: '加载中…' },
  start: {
    notWecomTitle: '请在企业微信中打开',
    notWecomBody: '导购助手是企业微信聊天工具栏应用：在与客户的聊天窗口右侧打开它。',
    configTitle: '企业微信授权失败',
    configBody: '请检查：应用的可信域名包含当前域名；你在应用的可见范围内；电脑时间准确。',
    apiTitle: '加载失败',
    noContextTitle: '请在客户会话中打开',
    noContextBody: '在与客户的单聊、客户群或客户详情页中打开导购助手，就能看到客户画像、话术和尺码库存。',
  },
  nav: { customer: '客户', broken: '断码找人', credits: '我的业绩' },
  tabs: { profile: '画像', scripts: '话术', matches: '搭配库存', coupons: '优惠券' },
  errors: {
    NOT_FOLLOWED: '你不是该客户的跟进导购，无法查看其资料',
    NOT_FOUND: '客户资料同步中，稍后再打开看看',
    NETWORK: '网络异常，请检查网络后重试',
    generic: '出错了：{msg}',
  },
  profile: {
    exclusive: '专属导购', exclusiveMe: '我', addedAt: '添加于 {date}', via: '来自 {channel}', phone: '手机', member: '会员号', birthday: '生日', baby: '宝宝',
    babyAge: '{n}个月', spend180: '近180天消费', orders: '累计订单', tags: '标签', sizes: '尺码', edit: '编辑', derived: '系统', lastPurchases: '最近购买',
    openCoupons: '可用优惠券', timeline: '动态', none: '暂无', noSizes: '还没有尺码信息，点“编辑”补充',
    sizeSource: { purchase: '购买推断', guide: '导购确认' }, confidence: '把握 {p}%', tagsSaved: '标签已更新', tagsFailed: '标签保存失败，已恢复',
    sizeSaved: '尺码已更新', chooseSize: '选择{cat}尺码', byMe: '我发的',
  },
  family: { value: '客户价值', stage: '人生阶段', preference: '购物偏好', size: '尺码', channel: '来源渠道', custom: '其他' },
  addWay: { 0: '未知来源', 1: '扫描二维码', 2: '搜索手机号', 3: '名片分享', 4: '群聊', 5: '手机通讯录', 6: '微信联系人', 8: '第三方应用', 9: '搜索邮箱', 10: '视频号', 201: '内部成员共享', 202: '管理员分配' } as Record<number, string>,
  category: { shoes: '鞋履', tops: '上装', bottoms: '下装', kids: '童装' } as Record<string, string>,
  timeline: {
    order: '购买 {title}', refund: '退款 {title}', coupon_issued: '领券 {title}', coupon_redeemed: '核销 {title}', interaction: '{title}',
    kinds: { script_send: '发送话术', product_share: '分享商品', coupon_issue: '发券', message: '聊天', customer_added: '添加好友', call: '通话', transfer: '收款', archive_message: '会话', behavior: '聊天' } as Record<string, string>,
  },
  scripts: {
    search: '搜索话术', recommended: '为她推荐', all: '全部', favorites: '收藏', sent: '已发 {n} 次', send: '发送', preview: '预览并发送', edit: '发送前可修改',
    missing: '请先补充：{vars}', sentOk: '已发送', cancelled: '已取消发送', failed: '发送失败：{msg}', empty: '没有匹配的话术', forProduct: '推荐话术 · {name}',
    reason: { tag: '标签·{v}', stage: '{v}', birthday: '{v}天后生日', birthdayToday: '今天生日', new_customer: '新客', lapsed: '{v}天未购', lapsedNever: '未购买过', recent_purchase: '{v}天前购买', broken_size: '断码·她的尺码有货', new_arrival: '新品', favorite: '收藏' },
    part: { image: '图片', news: '图文', miniprogram: '小程序' },
  },
  matches: {
    herSize: '她的尺码', all: '全部', broken: '断码', sizesLeft: '仅剩 {n} 个尺码', onHand: '{size}码 {n}件', share: '发给她', noSize: '还没有她的尺码，先在“画像”里补充',
    empty: '门店暂时没有她尺码的库存', pitch: '{name}，您穿{size}码刚好有货', price: '¥{v}',
  },
  broken: {
    title: '断码款 · 我的门店', fits: '适合 {n} 位客户', customers: '适合的客户', empty: '门店暂无断码款', none: '你的客户里暂时没有合适的尺码',
    reason: { size: '{v}码', prefers_new: '偏好新款', prefers_sale: '偏好大促', colour: '喜欢{v}', active: '{v}天内互动', bought_category: '买过同类' },
  },
  coupons: { title: '发放优惠券', issue: '发放并发送', valid: '{n}天有效', minSpend: '满{v}元可用', noMin: '无门槛', cash: '{v}元', discount: '{v}折', issued: '已发放 {code}', message: '{name}，送您一张{coupon}（券码 {code}），{date}前到店或线上都能用～' },
  credits: {
    today: '今日业绩', month: '本月业绩', orders: '{n} 单', rule: { transfer: '对外收款', coupon: '券核销', interaction: '7天互动' } as Record<string, string>, latest: '最近计入的订单', empty: '还没有计入的业绩',
    why: { interaction: '{date}{kind}，7天内购买', coupon: '核销了你发的券 {code}', transfer: '客户通过企业微信向你付款' },
  },
};
