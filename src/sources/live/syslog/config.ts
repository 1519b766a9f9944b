import { z } from 'zod';
import { port } from '../schema.js';

export const SyslogConfig = z.strictObject({
  /** Address to listen on; the loopback by default, so nothing is exposed until you say so. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Port for both UDP and TCP (514 needs root; 5514 does not). */
  port: port.default(5514),
  /** Transports to listen on. */
  protocols: z.array(z.enum(['udp', 'tcp'])).min(1).default(['udp', 'tcp']),
  /** Makes the TCP listener TLS (RFC 5425). */
  tls: z
    .strictObject({
      /** PEM certificate (chain) the listener presents. */
      certFile: z.string().min(1),
      /** PEM private key of that certificate. */
      keyFile: z.string().min(1),
      /** PEM CA bundle client certificates must chain to (with `requireClientCert`). */
      caFile: z.string().min(1).optional(),
      /** Only accept senders presenting a certificate signed by `caFile`. */
      requireClientCert: z.boolean().default(false),
    })
    .optional(),
  /** Longest message in bytes (default `input.maxLineBytes`); longer ones are reported and dropped. */
  maxMessageBytes: z.number().int().positive().optional(),
  /** UDP receive buffer asked of the kernel (capped by net.core.rmem_max): absorbs bursts while a batch is stored. */
  udpBufferBytes: z.number().int().min(65_536).max(1 << 30).default(4 * 1024 * 1024),
  /** Most TCP connections open at once. */
  maxConnections: z.number().int().min(1).max(65_535).default(256),
});
export type SyslogConfig = z.infer<typeof SyslogConfig>;
