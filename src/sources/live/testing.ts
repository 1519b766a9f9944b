import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import type { InputRecord } from '../reader.js';
import type { LiveBatch, LiveSink, LiveSourceContext } from './source.js';

/** Test helpers for live sources: an in-memory sink and polling until a condition holds. */

export class MemorySink implements LiveSink {
  readonly items: InputRecord[] = [];
  readonly errors: Error[] = [];
  position: unknown;
  batches = 0;

  deliver(b: LiveBatch): void {
    this.batches++;
    this.items.push(...b.items);
    if (b.position !== undefined) this.position = b.position;
  }

  error(err: Error): void {
    this.errors.push(err);
  }

  get records(): Array<Record<string, unknown>> {
    return this.items.flatMap((i) => ('record' in i ? [i.record] : []));
  }

  get issues(): Array<{ file: string; line: number; reason: string }> {
    return this.items.flatMap((i) => ('issue' in i ? [i.issue] : []));
  }
}

export function context(over: Partial<LiveSourceContext> = {}): LiveSourceContext {
  return { name: 'test', clock: systemClock, log: silentLogger, maxLineBytes: 1_048_576, env: {}, checkpoint: undefined, ...over };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
