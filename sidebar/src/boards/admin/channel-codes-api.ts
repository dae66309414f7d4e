import * as c from '../../../../core/contracts/admin';
import { request } from '../http';

/** Channel codes (渠道码): the admin console's client over the consoles' one fetch. */
export const channelCodesApi = {
  list: (range: { from: string; to: string }) =>
    request(c.channelCodeList, `/api/admin/channel-codes?${new URLSearchParams(range).toString()}`),
  options: () => request(c.channelCodeOptions, '/api/admin/channel-codes/options'),
  create: (input: c.CreateChannelCode) => request(c.channelCode, '/api/admin/channel-codes', { body: input }),
  remove: (id: number) => request(c.channelCode, `/api/admin/channel-codes/${id}`, { method: 'DELETE' }),
  /** The QR image through our API (WeCom's CDN is another origin): shown, and downloaded as a file. */
  qrUrl: (id: number) => `/api/admin/channel-codes/${id}/qr`,
};
