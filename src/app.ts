import { Assessor } from './assess/index.js';
import type { VigilConfig } from './config.js';
import { systemClock, type Clock } from './core/clock.js';
import { formatIssue, VigilError, type InputIssue } from './core/errors.js';
import { createLogger, type Logger } from './core/log.js';
import { ApiKeys } from './auth/keys.js';
import type { DetectionStage, DetectSnapshot } from './detect/stage.js';
import type { SigmaIssue } from './detect/sigma/types.js';
import { IntelCache } from './intel/cache.js';
import { IntelEngine } from './intel/engine.js';
import { Warninglists } from './intel/warninglists.js';
import { importFeeds, type FeedImportResult } from './intel/feed-import.js';
import { LocalIndex } from './intel/local-index.js';
import type { IntelContext } from './intel/provider.js';
import { INTEL_PROVIDERS } from './intel/providers/registry.js';
import { extractForPipeline } from './pipeline/extract.js';
import { completeObservables } from './pipeline/observables.js';
import { HostIdentities } from './core/identity.js';
import type { Notifier } from './notify/dispatcher.js';
import { createNotifier } from './notify/setup.js';
import { Pipeline, type IngestItem, type IngestOptions, type RunOptions, type RunSummary } from './pipeline/run.js';
import { loadPlaybooks } from './playbooks/loader.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCaseReport } from './cases/report.js';
import { caseUrlFor } from './notify/payload.js';
import { ResponseLedger } from './playbooks/ledger.js';
import { ReportRefresher } from './reports/refresh.js';
import { renderReportHtml, renderReportMarkdown, reportFileName } from './reports/index.js';
import { createPlaybookEngine } from './playbooks/setup.js';
import type { Playbook } from './playbooks/schema.js';
import { openStore, type StoreHandle } from './store/db.js';
import { Repo } from './store/repo.js';
import type { SourceRunner } from './sources/live/runner.js';
import type { Bus } from './bus/types.js';
import type { Publisher } from './workers/publisher.js';

export interface BuildOptions {
  clock?: Clock;
  log?: Logger;
  fetch?: typeof fetch;
  /** What the process is for, shown to a second process that finds the embedded store locked. */
  purpose?: string;
  /** Put the embedded store on a thread of its own, so statements run beside request handling (servers). */
  storeThread?: boolean;
}

const CORRELATION_STATE_KEY = 'detect.correlation.state';

/** Problems found at start that do not stop Vigil (a bad playbook file, a bad feed line). */
export interface StartupReport {
  playbookIssues: InputIssue[];
  /** Sigma rules that could not be loaded, each with file:line and the reason. */
  ruleIssues: SigmaIssue[];
  feeds: FeedImportResult[];
  disabledProviders: Array<{ id: string; reason: string }>;
}

/** The one composition root: config in, every service wired. CLI, API and workers are thin layers over it. */
export class App {
  localIndex: LocalIndex = LocalIndex.empty();
  intel!: IntelEngine;
  playbooks: Playbook[] = [];
  readonly startup: StartupReport = { playbookIssues: [], ruleIssues: [], feeds: [], disabledProviders: [] };
  /** Sigma over raw events, when `detect.rules` is configured. */
  detector: DetectionStage | undefined;
  readonly keys: ApiKeys;
  /** The estate's canonical host identities (`assets.domains` plus what alerts teach); one per process. */
  readonly hosts: HostIdentities;

  private constructor(
    readonly config: VigilConfig,
    readonly store: StoreHandle,
    readonly repo: Repo,
    readonly clock: Clock,
    readonly log: Logger,
    private readonly fetchFn: typeof fetch,
  ) {
    this.keys = new ApiKeys(repo.db, () => clock.now());
    this.hosts = new HostIdentities(config.assets.domains);
  }

  static async build(config: VigilConfig, opts: BuildOptions = {}): Promise<App> {
    const log = opts.log ?? createLogger({ level: config.log.level });
    const store = await openStore({
      databaseUrl: config.database.url,
      dataDir: config.dataDir,
      purpose: opts.purpose ?? 'vigil',
      thread: opts.storeThread ?? false,
      onIdleError: (err) => log.warn({ err }, 'PostgreSQL closed an idle connection; the next query opens a new one'),
      onMaintenanceError: (err) => log.warn({ err }, 'the embedded store could not analyse or vacuum its tables; it tries again shortly'),
    });
    const app = new App(config, store, new Repo(store.db), opts.clock ?? systemClock, log, opts.fetch ?? globalThis.fetch);
    try {
      await app.reloadFeeds();
      app.reloadPlaybooks();
      await app.loadRules();
    } catch (e) {
      await store.close();
      throw e;
    }
    return app;
  }

  /** Imports changed feed files from config and rebuilds the in-memory index and the intel engine. */
  async reloadFeeds(opts: { force?: boolean } = {}): Promise<FeedImportResult[]> {
    const results = await importFeeds(this.repo, this.clock, this.config.feeds, { ...opts, limits: this.config.feedLimits });
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
    const intel = this.config.intel;
    const risk = {
      weights: intel.weights,
      agreementBonus: intel.agreementBonus,
      freshness: intel.freshness,
      warninglists: Warninglists.build({ lists: intel.warninglists, allowlist: intel.allowlist }),
    };
    // The previous engine hands over its remote runtimes: a feed reload must not reset quota use.
    const previous = this.intel as IntelEngine | undefined;
    this.intel = new IntelEngine(INTEL_PROVIDERS, intel.providers, ctx, risk, this.log, { cache: new IntelCache(this.repo.db, this.clock), ...(previous && { previous }) });
    await this.intel.restoreState();
    this.startup.disabledProviders = this.intel.disabled;
    this.pipelines.clear();
  }

  /** Loads the configured Sigma rules and resumes the correlation windows saved by the last process. */
  async loadRules(): Promise<void> {
    const d = this.config.detect;
    this.pipelines.clear();
    if (!d.rules.length) {
      this.detector = undefined;
      return;
    }
    // The Sigma engine loads only when rules are configured.
    const { DetectionStage } = await import('./detect/stage.js');
    this.detector = DetectionStage.fromConfig(d);
    this.startup.ruleIssues = this.detector.issues;
    const saved = await this.repo.getKv(CORRELATION_STATE_KEY);
    if (saved) {
      const n = this.detector.restore(saved as DetectSnapshot);
      if (n) this.log.info({ groups: n }, 'correlation windows resumed');
    }
  }

  private timer: NodeJS.Timeout | undefined;

  /**
   * Periodic work of a long-running process (`vigil serve`): correlation windows that ended with no
   * event to close them are judged, and their state is saved so a crash loses little.
   */
  startBackground(everyMs = 30_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick().catch((e: unknown) => this.log.error({ err: e }, 'background work failed')), everyMs);
    this.timer.unref();
  }

  async tick(): Promise<void> {
    // Distributed: correlation windows live in the workers that own their partitions.
    if (this.detector && !this.publisher) {
      const closed = this.detector.close(this.clock.now().getTime());
      if (closed.alerts.length) {
        await this.ingest(closed.alerts.map((n, i) => ({ file: 'correlation', line: i + 1, alert: completeObservables(n, extractForPipeline, this.hosts) })));
      }
      await this.saveDetectState();
    }
    await createPlaybookEngine(this, { fetch: this.fetchFn }).sweepExpired(this.clock.now()).catch((e: unknown) => this.log.error({ err: e }, 'playbook sweep failed'));
    await (await import('./connectors/thehive/index.js')).drainTheHive(this);
    // Scheduled notification retries, quiet-hours holds and timed digests.
    await this.retryDue().catch((e: unknown) => this.log.error({ err: e }, 'notification retries failed'));
  }

  /**
   * A case closed as a false positive stops holding its blocks and containments (the response
   * ledger); an effect no other case holds any more is undone at once, the rest end with their
   * remaining holders.
   */
  async releaseFalsePositive(c: { id: string; number: number }, by: string): Promise<void> {
    const now = this.clock.now();
    const due = await new ResponseLedger(this.repo.db).releaseCase(c.id, `case #${c.number} closed as FalsePositive by ${by}`, now.toISOString());
    if (due.length) await createPlaybookEngine(this, { fetch: this.fetchFn }).releaseDue(now);
  }

  private refresher: ReportRefresher | undefined;

  /**
   * An analyst changed the case (status, approval, task, comment): its report files under
   * `<out>/reports/` are written again shortly, coalesced per case (src/reports/refresh.ts).
   */
  caseChanged(caseId: string): void {
    (this.refresher ??= new ReportRefresher((id) => this.writeCaseReport(id), 500, this.log)).schedule(caseId);
  }

  /** Writes the report files of the changes scheduled so far, now. */
  async reportsSettled(): Promise<void> {
    await this.refresher?.settled();
  }

  /** Writes one case's HTML and Markdown report from the store, as the pipeline does after alerts. */
  async writeCaseReport(caseId: string, outDir: string = this.config.out): Promise<void> {
    const report = await buildCaseReport(this.repo, caseId, this.clock);
    if (!report) return;
    const dir = join(outDir, 'reports');
    report.reportFiles = { html: join(dir, reportFileName(report, 'html')), markdown: join(dir, reportFileName(report, 'md')) };
    report.url = caseUrlFor(this.config.notify.caseUrl, report.case);
    await mkdir(dir, { recursive: true });
    await writeFile(report.reportFiles.html!, renderReportHtml(report));
    await writeFile(report.reportFiles.markdown!, renderReportMarkdown(report));
  }

  /** Saves the open correlation windows, so the next process resumes them. */
  async saveDetectState(): Promise<void> {
    if (this.detector && this.detector.correlation.rules.length) {
      await this.repo.setKv(CORRELATION_STATE_KEY, this.detector.snapshot(), this.clock.now().toISOString());
    }
  }

  reloadPlaybooks(): void {
    const { playbooks, issues } = loadPlaybooks(this.config.playbooks.dir);
    this.playbooks = playbooks;
    this.startup.playbookIssues = issues;
    for (const i of issues) this.log.warn(`playbook problem: ${formatIssue(i)}`);
    this.pipelines.clear();
  }

  private pipelines = new Map<string, Pipeline>();

  /** Cases changed outside the pipeline (the TheHive API): grouping re-reads open cases before its next alert. */
  resetCases(): void {
    for (const p of this.pipelines.values()) p.resetCases();
  }

  /**
   * The pipeline writing into `outDir`, kept for the life of the process so every input (files,
   * webhooks, live sources) shares one case state; rebuilt when feeds or playbooks change.
   */
  pipeline(outDir: string = this.config.out): Pipeline {
    let p = this.pipelines.get(outDir);
    if (!p) this.pipelines.set(outDir, (p = this.newPipeline(outDir)));
    return p;
  }

  private notifiers = new Map<string, Notifier>();

  /**
   * The notification dispatcher for `outDir`: channels from `notify` config (secrets from the
   * environment or `notify.secretsFile`), routing, retries and dead letters. Built once per folder;
   * a channel that cannot be built (a missing secret) throws a config error naming the setting.
   */
  notifier(outDir: string = this.config.out): Notifier {
    let n = this.notifiers.get(outDir);
    if (!n) {
      n = createNotifier({ repo: this.repo, notify: this.config.notify, outDir, clock: this.clock, fetch: this.fetchFn, log: this.log });
      this.notifiers.set(outDir, n);
    }
    return n;
  }

  /**
   * Sends what is due: scheduled retries, messages held for quiet hours, digests whose interval has
   * passed. `vigil serve` calls it periodically (or `app.notifier().startRetryLoop()` does).
   */
  retryDue(): ReturnType<Notifier['retryDue']> {
    return this.notifier().retryDue();
  }

  private newPipeline(outDir: string): Pipeline {
    const notifier = this.notifier(outDir);
    return new Pipeline({
      repo: this.repo,
      intel: this.intel,
      assessor: new Assessor(this.config.assess),
      grouping: this.config.cases,
      playbooks: createPlaybookEngine(this, { outDir, fetch: this.fetchFn }),
      notifier,
      extractText: extractForPipeline,
      hosts: this.hosts,
      ...(this.detector && { detector: this.detector }),
      maxLineBytes: this.config.input.maxLineBytes,
      caseUrl: this.config.notify.caseUrl,
      clock: this.clock,
      log: this.log,
    });
  }

  /** `vigil run`: alert files or folders through the whole flow into `outDir`. */
  async run(paths: string[], outDir: string = this.config.out, opts: Omit<RunOptions, 'paths' | 'outDir'> = {}): Promise<RunSummary> {
    const summary = await this.pipeline(outDir).run({ paths, outDir, ...opts });
    // The run is over: digests go now instead of waiting for their interval.
    await this.notifier(outDir)
      .endOfRun()
      .catch((e: unknown) => this.log.error({ err: e }, 'could not send the notification digests'));
    return summary;
  }

  /** Records, alerts or rejected input from anywhere (webhooks, live sources, Sigma, phishing) through the whole flow. */
  async ingest(items: Iterable<IngestItem> | AsyncIterable<IngestItem>, opts: Partial<IngestOptions> = {}): Promise<RunSummary> {
    const outDir = opts.outDir ?? this.config.out;
    if (this.publisher) return this.publisher.ingest(items, outDir);
    return this.pipeline(outDir).ingest(items, { ...opts, outDir });
  }

  /** Finishes the case responses that streaming input deferred (playbooks, reports, notifications). */
  async flushResponses(): Promise<void> {
    for (const p of this.pipelines.values()) await p.flushResponses();
  }

  /** The bus, once `startDistributed` connected it (`vigil serve` with `bus.url` set). */
  bus: Bus | undefined;
  /** Set in the distributed mode: `ingest` publishes to the workers instead of running the pipeline here. */
  publisher: Publisher | undefined;

  /** `bus.url` is set: `vigil serve` and `vigil worker` run distributed (docs/scaling.md). */
  get distributed(): boolean {
    return Boolean(this.config.bus.url);
  }

  /**
   * Switches this process to the distributed mode: connects the bus (creating its streams and
   * consumers), and from then on `ingest` hands input to the workers and returns once it is durable.
   */
  async startDistributed(): Promise<Publisher> {
    if (this.publisher) return this.publisher;
    if (!this.config.database.url) {
      throw new VigilError('VIGIL_CONFIG_INVALID', 'the distributed mode (bus.url / VIGIL_NATS_URL) needs PostgreSQL shared by every process: set database.url or VIGIL_DATABASE_URL', { field: 'database.url' });
    }
    const [{ openBus }, { Publisher }] = await Promise.all([import('./bus/index.js'), import('./workers/publisher.js')]);
    this.bus = await openBus(this.config.bus, { name: 'vigil-serve' });
    this.publisher = new Publisher({ bus: this.bus, batchRecords: this.config.bus.batchRecords, maxIngestBytes: this.config.bus.maxIngestBytes, log: this.log, repo: this.repo });
    return this.publisher;
  }

  /** The live sources (`sources:` in config) once `startSources` ran. */
  sources: SourceRunner | undefined;

  /**
   * Starts every enabled live source; their records go through `ingest` in small batches and each
   * source's position is committed after its batch is stored. Throws a config error naming the field
   * when a source cannot start (nothing is left running then).
   */
  async startSources(): Promise<SourceRunner> {
    const { SourceRunner } = await import('./sources/live/runner.js');
    this.sources ??= new SourceRunner(
      { ingest: (items) => this.ingest(items, { deferResponse: true }), db: this.repo.db, clock: this.clock, log: this.log, maxLineBytes: this.config.input.maxLineBytes },
      this.config.sources,
    );
    await this.sources.start();
    return this.sources;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // Sources first: what they read is stored (and their positions committed) before the store closes.
    await this.sources?.stop();
    await this.flushResponses().catch((e: unknown) => this.log.error({ err: e }, 'case responses not finished'));
    await this.refresher?.settled().catch((e: unknown) => this.log.error({ err: e }, 'case reports not written'));
    try {
      if (!this.publisher) await this.saveDetectState();
    } catch (e) {
      this.log.error({ err: e }, 'could not save the correlation state');
    }
    await this.bus?.close().catch((e: unknown) => this.log.error({ err: e }, 'could not close the bus'));
    await this.store.close();
  }
}
