// The `l4vm` command. Subcommands are added by later issues: run, user, images.

import { Command, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { NodeWorkerLauncher } from '../host/node-launcher.js';
import { selfCheck } from '../selfcheck/selfcheck.js';

const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

function wholeNumber(low: number, high: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < low || value > high) throw new InvalidArgumentError(`expected a whole number from ${low} to ${high}, got "${text}"`);
    return value;
  };
}

const program = new Command();
program
  .name('l4vm')
  .description('Several virtual machines of different guest architectures at once, as tasks on a small L4-style microkernel written in TypeScript.')
  .version(packageJson.version, '-V, --version', 'print the version of l4vm')
  .showHelpAfterError();

program
  .command('selfcheck')
  .description("run the kernel's self-check: boot a small system through the root task on one host CPU in virtual time, then across host CPUs (workers), and print what each step did")
  .option('--cpus <n>', 'host CPUs for the second run (1 skips it)', wholeNumber(1, 16), 2)
  .action(async (options: { cpus: number }) => {
    let failures = 0;
    const first = await selfCheck(1, undefined, (line) => console.log(line));
    failures += first.failures;
    if (options.cpus > 1) {
      const second = await selfCheck(options.cpus, new NodeWorkerLauncher(), (line) => console.log(line));
      failures += second.failures;
    }
    console.log(failures === 0 ? 'self-check passed' : `self-check FAILED: ${failures} step${failures === 1 ? '' : 's'} went wrong`);
    process.exitCode = failures === 0 ? 0 : 1;
  });

await program.parseAsync(process.argv);
