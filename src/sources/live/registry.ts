import elasticsearch from './elasticsearch/index.js';
import fileFollow from './file-follow/index.js';
import opensearch from './opensearch/index.js';
import type { LiveSourceDefinition } from './source.js';
import syslog from './syslog/index.js';

/** Every live source kind; `sources[].type` in config names one of these. */
export const LIVE_SOURCES: readonly LiveSourceDefinition[] = [fileFollow, opensearch, elasticsearch, syslog];

export function getLiveSource(id: string): LiveSourceDefinition | undefined {
  return LIVE_SOURCES.find((s) => s.id === id);
}
