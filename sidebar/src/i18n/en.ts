import type zh from './zh-CN';

const en: typeof zh = {
  app: { title: 'Guide assistant', lang: '中文', langLabel: 'Language', retry: 'Retry', loading: 'Loading…', listSep: ', ' },
  start: {
    notWecomTitle: 'Open this in WeCom',
    notWecomBody: 'The guide assistant is a WeCom chat-toolbar app: open it beside a chat with a customer.',
    configTitle: 'WeCom authorisation failed',
    configBody: 'Please check that:',
    configChecks: ['the app’s trusted domain includes this domain', 'you are in the app’s visible scope', 'your computer’s or phone’s clock is right'],
    apiTitle: 'Could not load',
    noContextTitle: 'Open it in a customer chat',
    noContextBody: 'Open the assistant in a 1:1 chat, a customer group or a customer profile to see the profile, scripts and sizes in stock.',
  },
  nav: { customer: 'Customer', broken: 'Broken sizes', credits: 'My credits' },
  tabs: { profile: 'Profile', scripts: 'Scripts', matches: 'In stock', coupons: 'Coupons' },
  errors: {
    NOT_FOLLOWED: 'You do not follow this customer, so their profile is not shown',
    NOT_FOLLOWED_HINT: 'To look after her, ask your store manager to assign her to you.',
    NOT_FOUND: 'This customer is still syncing; try again shortly',
    NETWORK: 'Network error; check the connection and retry',
    FORBIDDEN: 'This account is not a store guide; the assistant shows a guide’s own customers',
    BAD_RESPONSE: 'The server sent unexpected data; retry, and if it persists tell your admin',
    CONFLICT: 'Things changed meanwhile; refresh and try again',
    generic: 'Something went wrong: {msg}',
  },
  profile: {
    exclusive: 'Exclusive guide: {name}', exclusiveMe: 'Your exclusive customer', addedAt: 'Added {date}', via: 'via {channel}', phone: 'Phone', member: 'Member no.', birthday: 'Birthday', baby: 'Baby',
    babyAge: '{n} months', wechat: "{'@'}WeChat", spend180: 'Spend, 180 days', orders: 'Orders', tags: 'Tags', sizes: 'Sizes', edit: 'Edit', derived: 'system', lastPurchases: 'Last purchases',
    openCoupons: 'Open coupons', timeline: 'Timeline', none: 'None', noSizes: 'No sizes yet; tap Edit to add them',
    sizeSource: { purchase: 'purchases', guide: 'confirmed' }, confidence: '{p}% sure', sizeFrom: '{source} {p}%', tapToEdit: 'Tap a size to correct it', tapToAdd: 'tap to add', tagsSaved: 'Tags updated', tagsFailed: 'Could not save the tag; undone',
    sizeSaved: 'Size updated', chooseSize: 'Choose a size: {cat}', byMe: 'mine',
    bind: {
      link: 'Link', cancel: 'Cancel', confirm: 'Link',
      title: { member_no: 'Link a member number', phone: 'Link a mobile number' },
      hint: { member_no: 'Her store purchases with this member number will count as hers', phone: 'Her store purchases with this mobile number will count as hers; only the masked number is shown' },
      placeholder: { member_no: 'Number on the member card', phone: '11-digit mobile number' },
      done: { member_no: 'Member number linked', phone: 'Mobile number linked' },
      reattributed: {
        member_no: 'Linked; {n} earlier order will be re-attributed | Linked; {n} earlier orders will be re-attributed',
        phone: 'Linked; {n} earlier order will be re-attributed | Linked; {n} earlier orders will be re-attributed',
      },
      invalid: { member_no: 'Letters, digits and dashes only, up to 32 characters', phone: 'Enter a valid mainland China mobile number' },
      conflict: { member_no: 'This member number is already linked to another customer', phone: 'This mobile number is already linked to another customer' },
    },
  },
  family: { value: 'Value tier', stage: 'Life stage', preference: 'Preferences', size: 'Size', channel: 'Source channel', custom: 'Other' },
  addWay: { 0: 'Unknown', 1: 'QR code', 2: 'Phone search', 3: 'Card shared', 4: 'Group chat', 5: 'Phone contacts', 6: 'WeChat contact', 8: 'Third-party app', 9: 'Email search', 10: 'Channels', 201: 'Shared by colleague', 202: 'Assigned by admin' },
  category: { shoes: 'Shoes', tops: 'Tops', bottoms: 'Bottoms', kids: 'Kids' },
  timeline: {
    order: 'Bought {title}', refund: 'Refund {title}', coupon_issued: 'Coupon {title}', coupon_redeemed: 'Redeemed {title}', interaction: '{title}',
    kinds: { script_send: 'Script sent', product_share: 'Product shared', coupon_issue: 'Coupon sent', message: 'Chat', customer_added: 'Added', call: 'Call', transfer: 'Payment', archive_message: 'Chat', behavior: 'Chat' },
  },
  scripts: {
    search: 'Search scripts', recommended: 'For her', all: 'All', favorites: 'Favourites', sent: 'sent {n}× by all', mine: 'you sent {n}×', send: 'Send', preview: 'Preview & send', edit: 'Edit before sending',
    missing: 'Fill in first: {vars}', sentOk: 'Sent', notRecorded: 'Sent into the chat, but the send could not be recorded (network)', cancelled: 'Send cancelled', failed: 'Send failed: {msg}', empty: 'No scripts match', forProduct: 'Scripts · {name}',
    reason: { tag: 'Tag · {v}', stage: '{v}', birthday: 'Birthday in {v} days', birthdayToday: 'Birthday today', new_customer: 'New customer', lapsed: '{v} days since last buy', lapsedNever: 'Never bought', recent_purchase: 'Bought {v} days ago', broken_size: 'Broken run · her size in stock', new_arrival: 'New in', favorite: 'Favourite' },
    part: { image: 'Image', news: 'Link', miniprogram: 'Mini program' },
  },
  matches: {
    herSize: 'Her size', herSizes: 'Her sizes: {list}', cardDesc: 'Your size {size} is in stock · ¥{price}', all: 'All', broken: 'Broken run', sizesLeft: 'only {n} sizes left', onHand: 'size {size}: {n}', share: 'Send to her', noSize: 'No size for her yet; add it under Profile',
    empty: 'Nothing in her size in your store right now', pitch: '{name}, your size {size} is in stock', price: '¥{v}',
    pitchLine: 'Size {size} · ¥{price}', textOnly: 'Text only', noCard: 'Your company has not set up product cards, so only the text above is sent.',
  },
  broken: {
    title: 'Broken size runs', fits: 'fits {n} customers', customers: 'Customers it fits', empty: 'No broken runs in your store', none: 'None of your customers has a matching size',
    reason: { size: 'size {v}', prefers_new: 'likes new in', prefers_sale: 'likes promotions', colour: 'likes {v}', active: 'active {v} days ago', activeToday: 'active today', bought_category: 'bought this category' },
  },
  coupons: { dateFormat: 'MMM D', title: 'Issue a coupon', issue: 'Issue and send', valid: 'valid {n} days', minSpend: 'min. spend ¥{v}', noMin: 'no minimum', cash: '¥{v} off', discount: '{off}% off', issued: 'Issued {code}', message: '{name}, here is a {coupon} for you (code {code}), valid in store or online until {date}.' },
  group: { customers: 'Customers in this group · {n}', others: '{n} more members are not customers or not synced yet', notMine: 'not your customer', empty: 'No synced customers in this group yet', hint: 'Tap a customer for her profile; scripts sent from here go to the group' },
  credits: {
    today: 'Today', month: 'This month', orders: '{n} orders', rule: { transfer: 'Transfers', coupon: 'Coupons', interaction: '7-day chats' }, latest: 'Latest credited', empty: 'No credits yet', unknownCustomer: 'Unidentified customer',
    why: { interaction: '{kind} on {date}, bought within 7 days', coupon: 'redeemed your coupon {code}', transfer: 'paid you through WeCom' },
  },
};
export default en;
