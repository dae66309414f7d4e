/**
 * Corp tags in the brand admin console (api/routes/admin-tags.routes.ts, core/admin/tags.ts):
 * groups and tags live in WeCom; ours is the mirror plus each group's family.
 */
import * as z from 'zod/mini';

/** How Guidepost reads a group (sidebar, 断码找人, segments): size, value tier, life stage, preference, channel, other. */
export const tagFamily = z.enum(['size', 'value', 'stage', 'preference', 'channel', 'custom']);
export type TagFamily = z.infer<typeof tagFamily>;

/** WeCom: group and tag names are at most 30 characters (counted as characters, not bytes). */
export const TAG_NAME_MAX = 30;
const name = () =>
  z.string().check(
    z.trim(),
    z.minLength(1),
    z.refine((s) => [...s].length <= TAG_NAME_MAX, `at most ${TAG_NAME_MAX} characters (WeCom's limit)`),
  );

export const tagView = z.object({
  id: z.number(),
  name: z.string(),
  order: z.number(),
  /** Made through this app: WeCom lets an app rename and remove only its own tags. */
  ownedByApp: z.boolean(),
  /** Customers carrying it (any guide's relation). */
  customers: z.number(),
});
export const tagGroupView = z.object({
  id: z.number(),
  name: z.string(),
  family: tagFamily,
  order: z.number(),
  ownedByApp: z.boolean(),
  tags: z.array(tagView),
});
export type TagGroupView = z.infer<typeof tagGroupView>;
export const tagLibrary = z.object({ groups: z.array(tagGroupView) });
export type TagLibrary = z.infer<typeof tagLibrary>;

/** A new group with its first tags (WeCom creates no empty group). */
export const createTagGroupBody = z.object({
  name: name(),
  family: tagFamily,
  tags: z.array(name()).check(z.minLength(1), z.maxLength(100)),
});
export const editTagGroupBody = z.object({ name: z.optional(name()), family: z.optional(tagFamily) });
export const addTagsBody = z.object({ tags: z.array(name()).check(z.minLength(1), z.maxLength(100)) });
export const renameTagBody = z.object({ name: name() });
