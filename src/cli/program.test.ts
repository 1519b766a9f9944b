import { describe, expect, it } from 'vitest';
import { buildProgram, commandsFor } from './program.js';

const argv = (...args: string[]) => ['node', 'vigil', ...args];

describe('the vigil program loads only the command it runs', () => {
  it('loads the named command, also behind options and for `help NAME`', () => {
    expect(commandsFor(argv('ioc', 'extract', '--json'))).toEqual(['ioc']);
    expect(commandsFor(argv('--no-color', 'run', 'alerts.json'))).toEqual(['run']);
    expect(commandsFor(argv('help', 'phish'))).toEqual(['phish']);
    expect(commandsFor(argv('detect', '--help'))).toEqual(['detect']);
  });

  it('loads none for --version, and all for the command list or an unknown name', () => {
    expect(commandsFor(argv('--version'))).toEqual([]);
    expect(commandsFor(argv('-V'))).toEqual([]);
    const all = commandsFor(argv());
    expect(all).toContain('run');
    expect(all).toContain('worker');
    expect(commandsFor(argv('--help'))).toEqual(all);
    expect(commandsFor(argv('help'))).toEqual(all);
    expect(commandsFor(argv('rnu'))).toEqual(all);
  });

  it('lists every command in help, each with its description', async () => {
    const program = await buildProgram(argv('--help'));
    const help = program.helpInformation();
    for (const name of commandsFor(argv())) expect(help).toMatch(new RegExp(`\\n  ${name}\\b`));
    expect(program.commands.every((c) => c.description().length > 10)).toBe(true);
  });
});
