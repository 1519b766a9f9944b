import { describeIndexer, indexerConfig, IndexerPoller } from '../indexer.js';
import { defineLiveSource } from '../source.js';

/** The Wazuh indexer is OpenSearch: its `wazuh-alerts-*` documents are Wazuh alerts, sorted by `timestamp`. */
export const OpenSearchConfig = indexerConfig({ index: 'wazuh-alerts-*', timestampField: 'timestamp', tiebreaker: '_id' });

export default defineLiveSource({
  id: 'opensearch',
  description: 'Polls an OpenSearch index pattern (the Wazuh indexer: wazuh-alerts-*) with a search_after cursor',
  resumable: true,
  configSchema: OpenSearchConfig,
  pathFields: ['tls.caFile'],
  create: (config, ctx) => new IndexerPoller('OpenSearch', config, ctx),
  describe: async (_config, checkpoint, now) => describeIndexer(checkpoint, now),
});
