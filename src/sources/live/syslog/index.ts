import { defineLiveSource } from '../source.js';
import { SyslogConfig } from './config.js';
import { SyslogListener } from './listen.js';

export default defineLiveSource({
  id: 'syslog',
  description: 'Receives syslog (RFC 5424 / RFC 3164) over UDP and TCP, optionally TLS; JSON messages (Wazuh syslog_output, Suricata EVE) become records',
  resumable: false,
  configSchema: SyslogConfig,
  pathFields: ['tls.certFile', 'tls.keyFile', 'tls.caFile'],
  create: (config, ctx) => new SyslogListener(config, ctx),
  describe: async () => ({ position: 'none (syslog is not resumable)', lag: 'n/a' }),
});
