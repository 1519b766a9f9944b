import { z } from 'zod';
import { actionConfig, defineResponseAction } from '../../action.js';

const Tag = z.string().trim().min(1).max(100).regex(/^[^\u0000-\u001f]+$/, 'no control characters');

export const AddTagInput = z.strictObject({
  /** One tag or a list. */
  tags: z.union([Tag, z.array(Tag).min(1).max(50)]).transform((t) => (Array.isArray(t) ? t : [t])),
});

export default defineResponseAction({
  id: 'add-tag',
  description: 'Add tags to the case (a `tag.added` trigger can start other playbooks).',
  destructive: false,
  internal: true,
  inputSchema: AddTagInput,
  configSchema: actionConfig({}),
  outputs: { added: 'tags the case did not have yet', tags: 'every tag of the case afterwards' },
  target: (i) => [...i.tags].sort().join(', '),
  async run(input, ctx) {
    const have = new Set(ctx.case.tags);
    const added = [...new Set(input.tags)].filter((t) => !have.has(t));
    const tags = [...ctx.case.tags, ...added];
    if (!added.length) return { status: 'skipped', reason: `the case already has ${input.tags.join(', ')}`, details: { tags }, outputs: { added, tags } };
    if (ctx.dryRun) return { status: 'simulated', reason: `would tag the case ${added.join(', ')}`, details: { added }, outputs: { added, tags } };
    return { status: 'executed', reason: `case tagged ${added.join(', ')}`, details: { added }, outputs: { added, tags }, changes: { addTags: added } };
  },
});
