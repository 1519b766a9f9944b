import { stat } from 'node:fs/promises';
import { hasPosition } from '../checkpoints.js';
import { defineLiveSource, formatBytes } from '../source.js';
import { FileFollowConfig, FilePosition } from './config.js';
import { FileFollower } from './follow.js';

export default defineLiveSource({
  id: 'file-follow',
  description: 'Follows a growing JSON-lines file (Wazuh alerts.json, Suricata eve.json) like tail -F, through rotation and truncation',
  resumable: true,
  configSchema: FileFollowConfig,
  pathFields: ['path'],
  create: (config, ctx) => new FileFollower(config, ctx),
  async describe(config, checkpoint) {
    const p = hasPosition(checkpoint.position) ? FilePosition.safeParse(checkpoint.position) : undefined;
    if (!p?.success) return { position: 'not started' };
    const position = `inode ${p.data.inode}, byte ${p.data.offset} (line ${p.data.line})`;
    try {
      const st = await stat(config.path);
      if (st.ino !== p.data.inode) return { position, lag: `file rotated since; the new file holds ${formatBytes(st.size)}`, lagBytes: st.size };
      if (st.size < p.data.offset) return { position, lag: `file truncated since; it will be read again from the start (${formatBytes(st.size)})`, lagBytes: st.size };
      const behind = st.size - p.data.offset;
      return { position, lag: behind ? `${formatBytes(behind)} unread` : 'caught up', lagBytes: behind };
    } catch {
      return { position, lag: `${config.path} does not exist` };
    }
  },
});
