import type { Delivery } from './types.js';

/** Where a subscription's messages come from: one pull of at most one message. */
export interface Source {
  /** The next message, or null when none came within `waitMs`. */
  pull(waitMs: number): Promise<Delivery | null>;
}

/**
 * One stage partition's messages, pulled one at a time: nothing is requested ahead of processing,
 * so a stopped subscription leaves no message stranded with it and the next owner gets the
 * partition's next message at once.
 */
export class Subscription {
  private stopped = false;

  constructor(
    private readonly source: Source,
    private readonly onStop: () => void = () => {},
  ) {}

  get closed(): boolean {
    return this.stopped;
  }

  /** The next message, waiting up to `waitMs`; undefined when none came or the subscription stopped. */
  async take(waitMs: number): Promise<Delivery | undefined> {
    if (this.stopped) return undefined;
    const d = await this.source.pull(waitMs);
    if (!d) return undefined;
    if (this.stopped) {
      // Stopped while the pull was out: hand the message straight back.
      d.nak();
      return undefined;
    }
    return d;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.onStop();
  }
}
