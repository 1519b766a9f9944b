// The Node.js versions Vigil says it runs on (package.json `engines`) are ones every package npm
// installs for it accepts: otherwise `npm ci` prints EBADENGINE warnings, and the package may
// really fail there (@nats-io/nuid 3 needs Node 22). .ci/run checks `npm ci`'s own output too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';

const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[]; os?: string[]; cpu?: string[] }>;
};

describe('the Node.js versions Vigil states', () => {
  const lowest = semver.minVersion(pkg.engines.node)!.version;

  it('are accepted by every package in the lock file, from the lowest stated version up', () => {
    const refused: string[] = [];
    for (const [path, p] of Object.entries(lock.packages)) {
      const wants = p.engines && !Array.isArray(p.engines) ? p.engines.node : undefined;
      if (!path || !wants) continue;
      for (const node of [lowest, process.versions.node]) {
        if (semver.satisfies(node, pkg.engines.node) && !semver.satisfies(node, wants)) refused.push(`${path.replace(/^.*node_modules\//, '')}@${p.version} wants node ${wants}, not ${node}`);
      }
    }
    expect(refused).toEqual([]);
  });

  it('include the Node.js running the tests (CI runs the stated version)', () => {
    expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
  });
});
