import { describeIndexer, indexerConfig, IndexerPoller } from '../indexer.js';
import { defineLiveSource } from '../source.js';

/**
 * Elastic Security alerts by default (`.alerts-security.alerts-default`, ECS documents). Elasticsearch 8
 * refuses to sort on `_id`, so the tiebreaker is the alert's own unique `kibana.alert.uuid`.
 */
export const ElasticsearchConfig = indexerConfig({ index: '.alerts-security.alerts-default', timestampField: '@timestamp', tiebreaker: 'kibana.alert.uuid' });

export default defineLiveSource({
  id: 'elasticsearch',
  description: 'Polls an Elasticsearch index (Elastic Security alerts, or Wazuh alerts shipped to Elasticsearch) with a search_after cursor',
  resumable: true,
  configSchema: ElasticsearchConfig,
  pathFields: ['tls.caFile'],
  create: (config, ctx) => new IndexerPoller('Elasticsearch', config, ctx),
  describe: async (_config, checkpoint, now) => describeIndexer(checkpoint, now),
});
