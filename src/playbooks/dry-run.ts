// `vigil playbooks test FILE --case FIXTURE.json`: one playbook over a case fixture, every action
// in dry run, nothing stored, no network: the rendered inputs and simulated outputs of each step.
import { readFileSync } from 'node:fs';
import { describeZodIssues, VigilError, type InputIssue } from '../core/errors.js';
import { systemClock, type Clock } from '../core/clock.js';
import { silentLogger } from '../core/log.js';
import { PlaybookCaseSchema, type PlaybookCase } from './action.js';
import { eventsBetween } from './case.js';
import { PlaybookEngine, type RunView } from './engine.js';
import { createGuards } from './guards.js';
import { loadPlaybookText } from './loader.js';
import { TriggerEvent, type Playbook } from './schema.js';
import type { PlaybookSettings } from './settings.js';
import { evaluateTrigger, type RunEvent } from './triggers.js';

const MAX_FIXTURE_BYTES = 4 * 1024 * 1024;

export interface DryRunResult {
  playbook: Playbook;
  case: PlaybookCase;
  trigger: { matched: boolean; reason?: string; events: string[] };
  /** Absent when the trigger did not match and `force` was not set. */
  run?: RunView;
}

/** Reads a case fixture (the `PlaybookCase` shape; most fields optional); problems name the field. */
export function readCaseFixture(file: string): PlaybookCase {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new VigilError('VIGIL_INPUT_NOT_FOUND', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  if (text.length > MAX_FIXTURE_BYTES) throw new VigilError('VIGIL_INPUT_TOO_LARGE', `case fixture over ${MAX_FIXTURE_BYTES} bytes`, { file });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new VigilError('VIGIL_INPUT_PARSE', `not valid JSON: ${(e as Error).message}`, { file, line: 1 });
  }
  const r = PlaybookCaseSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0]!;
    const path = first.code === 'unrecognized_keys' ? [...first.path, (first as { keys: string[] }).keys[0]!] : first.path;
    throw new VigilError('VIGIL_INPUT_INVALID', `not a case fixture: ${describeZodIssues(r.error.issues)}`, { file, field: path.map(String).join('.') });
  }
  return r.data;
}

/**
 * Runs one playbook file over a case in dry run. Playbook problems come back as issues (file:line);
 * `event` picks one trigger event (default: every event a new case like this one has).
 */
export async function dryRunPlaybook(o: {
  file: string;
  case: PlaybookCase;
  settings: PlaybookSettings;
  event?: string;
  force?: boolean;
  clock?: Clock;
}): Promise<{ issues: InputIssue[]; result?: DryRunResult }> {
  let text: string;
  try {
    text = readFileSync(o.file, 'utf8');
  } catch (e) {
    throw new VigilError('VIGIL_INPUT_NOT_FOUND', `cannot read ${o.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: o.file });
  }
  const loaded = loadPlaybookText(o.file, text);
  if (!loaded.playbook) return { issues: loaded.issues };
  const pb = loaded.playbook;
  if (o.event !== undefined && !TriggerEvent.safeParse(o.event).success) {
    throw new VigilError('VIGIL_INPUT_INVALID', `unknown event "${o.event}" (one of ${TriggerEvent.options.join(', ')})`, { field: 'event' });
  }
  // A fresh copy: steps change the case (tags, severity) as they would in a real run.
  const c: PlaybookCase = structuredClone(o.case);
  let events = eventsBetween(undefined, c, true);
  if (o.event !== undefined) events = events.filter((e) => e.kind === o.event);
  if (o.event !== undefined && !events.length) events = [{ kind: o.event as TriggerEvent }];
  const t = evaluateTrigger({ ...pb, enabled: true }, c, events);
  const trigger = { matched: t.matched, ...(!t.matched && { reason: t.reason }), events: events.map((e) => e.kind) };
  if (!t.matched && !o.force) return { issues: [], result: { playbook: pb, case: o.case, trigger } };
  const noNetwork: typeof fetch = () => Promise.reject(new Error('dry run: no network'));
  const engine = new PlaybookEngine({
    playbooks: [pb],
    settings: o.settings,
    guards: createGuards(o.settings),
    clock: o.clock ?? systemClock,
    log: silentLogger,
    services: { fetch: noNetwork, env: {}, log: silentLogger },
    dryRunAll: true,
  });
  const event: RunEvent = t.matched ? t.event : { kind: events[0]?.kind ?? pb.trigger.on[0]!, kinds: ['forced'] };
  const run = await engine.start(pb, c, event, new Set());
  return { issues: [], result: { playbook: pb, case: o.case, trigger, run } };
}
