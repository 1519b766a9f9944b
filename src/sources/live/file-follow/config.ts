import { z } from 'zod';
import { Duration } from '../../../core/clock.js';

export const FileFollowConfig = z.strictObject({
  /** The file to follow, e.g. `/var/ossec/logs/alerts/alerts.json`. */
  path: z.string().min(1),
  /** Where to begin when there is no checkpoint: the whole file, or only lines written from now on. */
  startAt: z.enum(['beginning', 'end']).default('beginning'),
  /** How often the file is checked besides change notifications (catches rotation, network filesystems). */
  pollInterval: Duration.default(1000),
  /** Longest line in bytes (default `input.maxLineBytes`); longer lines are reported and skipped. */
  maxLineBytes: z.number().int().positive().optional(),
});
export type FileFollowConfig = z.infer<typeof FileFollowConfig>;

/** The checkpoint: which file (by inode) and the byte offset just after the last complete line read. */
export const FilePosition = z.object({
  inode: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  /** Lines before `offset`, so messages keep pointing at the right line after a restart. */
  line: z.number().int().nonnegative().default(0),
});
export type FilePosition = z.infer<typeof FilePosition>;
