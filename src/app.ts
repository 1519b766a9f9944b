import { Assessor } from './assess/index.js';
import type { VigilConfig } from './config.js';
import { systemClock, type Clock } from './core/clock.js';
import { formatIssue, VigilError, type InputIssue } from './core/errors.js';
import { createLogger, type Logger } from './core/log.js';
import { IntelEngine } from './intel/engine.js';
import { importFeeds, type FeedImportResult } from './intel/feed-import.js';
import { LocalIndex } from './intel/local-index.js';
import type { IntelContext } from './intel/provider.js';
import { INTEL_PROVIDERS } from './intel/providers/registry.js';
import { extractForPipeline } from './pipeline/extract.js';
import { getChannel } from './notify/registry.js';
import { Pipeline, type RunOptions, type RunSummary } from './pipeline/run.js';
import { createGuards } from './playbooks/guards.js';
import { loadPlaybooks } from './playbooks/loader.js';
import { PlaybookRunner } from './playbooks/runner.js';
import type { Playbook } from './playbooks/schema.js';
import { openStore, type StoreHandle } from './store/db.js';
import { Repo } from './store/repo.js';

export interface BuildOptions {
  clock?: Clock;
  log?: Logger;
  fetch?: typeof fetch;
  /** What the process is for, shown to a second process that finds the embedded store locked. */
  purpose?: string;
}

/** Problems found at start that do not stop Vigil (a bad playbook file, a bad feed line). */
export interface StartupReport {
  playbookIssues: InputIssue[];
  feeds: FeedImportResult[];
  disabledProviders: Array<{ id: string; reason: string }>;
}

/** The one composition root: config in, every service wired. CLI, API and workers are thin layers over it. */
export class App {
  localIndex: LocalIndex = LocalIndex.empty();
  intel!: IntelEngine;
  playbooks: Playbook[] = [];
  readonly startup: StartupReport = { playbookIssues: [], feeds: [], disabledProviders: [] };

  private constructor(
    readonly config: VigilConfig,
    readonly store: StoreHandle,
    readonly repo: Repo,
    readonly clock: Clock,
    readonly log: Logger,
    private readonly fetchFn: typeof fetch,
  ) {}

  static async build(config: VigilConfig, opts: BuildOptions = {}): Promise<App> {
    const log = opts.log ?? createLogger({ level: config.log.level });
    const store = await openStore({ databaseUrl: config.database.url, dataDir: config.dataDir, purpose: opts.purpose ?? 'vigil' });
    const app = new App(config, store, new Repo(store.db), opts.clock ?? systemClock, log, opts.fetch ?? globalThis.fetch);
    try {
      await app.reloadFeeds();
      app.reloadPlaybooks();
    } catch (e) {
      await store.close();
      throw e;
    }
    return app;
  }

  /** Imports changed feed files from config and rebuilds the in-memory index and the intel engine. */
  async reloadFeeds(opts: { force?: boolean } = {}): Promise<FeedImportResult[]> {
    const results = await importFeeds(this.repo, this.clock, this.config.feeds, opts);
    this.startup.feeds = results;
    for (const r of results) {
      if (r.status === 'failed') this.log.warn({ file: r.file }, `feed not imported: ${r.error}`);
      for (const i of r.issues.slice(0, 5)) this.log.warn(`feed line skipped: ${formatIssue(i)}`);
    }
    await this.rebuildIndex();
    return results;
  }

  async rebuildIndex(): Promise<void> {
    this.localIndex = LocalIndex.build(await this.repo.loadFeedIndicators());
    const self = this;
    const ctx: IntelContext = {
      clock: this.clock,
      log: this.log,
      fetch: this.fetchFn,
      get localIndex() {
        return self.localIndex;
      },
    };
    this.intel = new IntelEngine(INTEL_PROVIDERS, this.config.intel.providers, ctx, { weights: this.config.intel.weights, agreementBonus: this.config.intel.agreementBonus }, this.log);
    this.startup.disabledProviders = this.intel.disabled;
  }

  reloadPlaybooks(): void {
    const { playbooks, issues } = loadPlaybooks(this.config.playbooks.dir);
    this.playbooks = playbooks;
    this.startup.playbookIssues = issues;
    for (const i of issues) this.log.warn(`playbook problem: ${formatIssue(i)}`);
  }

  pipeline(outDir: string): Pipeline {
    const channels = this.config.notify.channels.map((id) => {
      const def = getChannel(id);
      if (!def) throw new VigilError('VIGIL_PLUGIN_UNKNOWN', `unknown notification channel "${id}"`, { field: 'notify.channels' });
      const made = def.create(def.configSchema.parse({}), { outDir, clock: this.clock, fetch: this.fetchFn });
      if ('disabled' in made) throw new VigilError('VIGIL_CONFIG_INVALID', `channel ${id} is not configured: ${made.disabled}`, { field: 'notify.channels' });
      return { id, instance: made };
    });
    return new Pipeline({
      repo: this.repo,
      intel: this.intel,
      assessor: new Assessor(this.config.assess),
      grouping: this.config.cases,
      playbooks: new PlaybookRunner(this.playbooks, createGuards(this.config.playbooks), this.clock),
      channels,
      notifyMinSeverity: this.config.notify.minSeverity,
      extractText: extractForPipeline,
      maxLineBytes: this.config.input.maxLineBytes,
      clock: this.clock,
      log: this.log,
    });
  }

  /** `vigil run`: alert files or folders through the whole flow into `outDir`. */
  async run(paths: string[], outDir: string = this.config.out, opts: Omit<RunOptions, 'paths' | 'outDir'> = {}): Promise<RunSummary> {
    return this.pipeline(outDir).run({ paths, outDir, ...opts });
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
