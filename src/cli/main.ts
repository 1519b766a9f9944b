import { buildProgram } from './program.js';

// `vigil … | head` closes the pipe early: that is the reader's choice, not an error to report.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

await (await buildProgram(process.argv)).parseAsync(process.argv);
