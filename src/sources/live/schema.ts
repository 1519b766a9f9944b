import { z } from 'zod';
import { parseDuration } from '../../core/clock.js';

/** `30s`, `5m`, `1h` or milliseconds, into milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    const ms = parseDuration(v);
    if (!(ms >= 0)) throw new Error(`"${v}" is not a duration`);
    return ms;
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

/** A TCP/UDP port; 0 asks the system for a free one (tests). */
export const port = z.number().int().min(0).max(65535);
