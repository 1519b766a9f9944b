import { z } from 'zod';

/** A TCP/UDP port; 0 asks the system for a free one (tests). */
export const port = z.number().int().min(0).max(65535);
