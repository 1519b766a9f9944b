// Reports on disk follow the case. The pipeline writes a case's report when alerts change it; an
// analyst's work (a status, an approval, a task, a comment) changes it too, and a report that still
// says "New" after the case was closed, or "waiting for approval" after it was approved, misleads
// whoever reads it. Renders are coalesced per case: a burst of changes is one render, a moment
// after the last, and one case's render never runs twice at once.
import type { Logger } from '../core/log.js';

export class ReportRefresher {
  private readonly due = new Map<string, NodeJS.Timeout>();
  private chain: Promise<void> = Promise.resolve();
  /** Renders done, for tests and the log. */
  renders = 0;

  constructor(
    private readonly render: (caseId: string) => Promise<void>,
    private readonly delayMs = 500,
    private readonly log?: Logger,
  ) {}

  /** The case changed: render its report after `delayMs` without a further change. */
  schedule(caseId: string): void {
    const t = this.due.get(caseId);
    if (t) clearTimeout(t);
    const timer = setTimeout(() => this.start(caseId), this.delayMs);
    timer.unref();
    this.due.set(caseId, timer);
  }

  private start(caseId: string): void {
    this.due.delete(caseId);
    // One after another: renders read the store, and the embedded store runs one statement at a time anyway.
    this.chain = this.chain.then(async () => {
      try {
        await this.render(caseId);
        this.renders++;
      } catch (e) {
        this.log?.error({ err: e, caseId }, 'could not write the case report again');
      }
    });
  }

  /** Renders everything scheduled now and waits for it (process exit, tests). */
  async settled(): Promise<void> {
    for (const [id, t] of [...this.due]) {
      clearTimeout(t);
      this.start(id);
    }
    await this.chain;
  }
}
