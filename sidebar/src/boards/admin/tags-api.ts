import * as z from 'zod/mini';
import * as c from '../../../../core/contracts/admin-tags';
import { request } from '../http';

/** The tags page's API client, over the consoles' one fetch (http.ts). */
export const tagsApi = {
  library: () => request(c.tagLibrary, '/api/admin/tags'),
  createGroup: (body: { name: string; family: c.TagFamily; tags: string[] }) =>
    request(c.tagGroupView, '/api/admin/tag-groups', { body }),
  editGroup: (id: number, body: { name?: string; family?: c.TagFamily }) =>
    request(c.tagGroupView, `/api/admin/tag-groups/${id}`, { method: 'PATCH', body }),
  removeGroup: (id: number) =>
    request(z.object({ tagsRemoved: z.number() }), `/api/admin/tag-groups/${id}`, { method: 'DELETE' }),
  addTags: (groupId: number, tags: string[]) =>
    request(c.tagGroupView, `/api/admin/tag-groups/${groupId}/tags`, { body: { tags } }),
  renameTag: (id: number, name: string) =>
    request(c.tagGroupView, `/api/admin/tags/${id}`, { method: 'PATCH', body: { name } }),
  removeTag: (id: number) =>
    request(z.object({ groupRemoved: z.boolean() }), `/api/admin/tags/${id}`, { method: 'DELETE' }),
};
export const TAG_FAMILIES = c.tagFamily.options;
export const TAG_NAME_MAX = c.TAG_NAME_MAX;
export type { TagFamily, TagGroupView } from '../../../../core/contracts/admin-tags';
