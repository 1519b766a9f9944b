import { Command } from 'commander';
import { maskSecrets } from '../../config.js';
import { printJson, rel, reportError } from '../output.js';
import { loadConfigFrom } from '../startup.js';

export function configCommand(): Command {
  const configCmd = new Command('config').description('Inspect the configuration');
  configCmd
    .command('check')
    .description('Validate the config and print the effective settings, secrets masked')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action((opts: { config?: string; json?: boolean }) => {
      try {
        const loaded = loadConfigFrom(opts);
        const shown = { file: loaded.file ?? null, env: loaded.env, config: maskSecrets(loaded.config) };
        if (opts.json) printJson(shown);
        else {
          process.stdout.write(`config ${loaded.file ? rel(loaded.file) : '(defaults, no vigil.yaml)'} is valid${loaded.env.length ? `; environment overrides: ${loaded.env.join(', ')}` : ''}\n`);
          process.stdout.write(`${JSON.stringify(shown.config, null, 2)}\n`);
        }
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });
  return configCmd;
}
