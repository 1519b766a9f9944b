import { Command, Option } from 'commander';

/**
 * Every command, in the order help lists them, each loaded only when asked for: a command's module
 * pulls in what it needs (the store, the Sigma engine, Fastify, NATS, the phishing analyser), and
 * `vigil ioc extract` or `vigil --version` should not pay for the others. One line per command.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.js')).runCommand(),
  serve: async () => (await import('./commands/serve.js')).serveCommand(),
  demo: async () => (await import('./commands/run.js')).demoCommand(),
  config: async () => (await import('./commands/config.js')).configCommand(),
  feeds: async () => (await import('./commands/feeds.js')).feedsCommand(),
  enrich: async () => (await import('./commands/enrich.js')).enrichCommand(),
  intel: async () => (await import('./commands/intel.js')).intelCommand(),
  notify: async () => (await import('./commands/notify.js')).notifyCommand(),
  ioc: async () => (await import('./commands/ioc.js')).iocCommand(),
  detect: async () => (await import('./commands/detect.js')).detectCommand(),
  rules: async () => (await import('./commands/detect.js')).rulesCommand(),
  keys: async () => (await import('./commands/keys.js')).keysCommand(),
  sources: async () => (await import('./commands/sources.js')).sourcesCommand(),
  phish: async () => (await import('./commands/phish.js')).phishCommand(),
  playbooks: async () => (await import('./commands/playbooks.js')).playbooksCommand(),
  response: async () => (await import('./commands/response.js')).responseCommand(),
  worker: async () => (await import('./commands/worker.js')).workerCommand(),
  dlq: async () => (await import('./commands/dlq.js')).dlqCommand(),
  backup: async () => (await import('./commands/backup.js')).backupCommand(),
};

/**
 * The commands `argv` needs: the one it names (`vigil help NAME` too), none for `--version`, and all
 * of them when help is listed or the name is unknown (commander then suggests the closest).
 */
export function commandsFor(argv: string[]): string[] {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  if (name !== undefined && Object.hasOwn(COMMANDS, name)) return [name];
  if (name === undefined && words[0] !== 'help' && argv.slice(2).some((a) => a === '-V' || a === '--version')) return [];
  return Object.keys(COMMANDS);
}

export async function buildProgram(argv: string[] = process.argv): Promise<Command> {
  const program = new Command('vigil')
    .description('SOC automation: alerts in, indicators enriched, severity explained, cases opened, response run, people told, reports written.')
    .version('0.1.0')
    .showHelpAfterError();
  const loaded = await Promise.all(commandsFor(argv).map((name) => COMMANDS[name]!()));
  for (const c of loaded) program.addCommand(c);
  program.addOption(new Option('--no-color', 'plain output').hideHelp());
  return program;
}
