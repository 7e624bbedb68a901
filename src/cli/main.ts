// The `l4vm` command: selfcheck, user (static Linux programs), run (a machine), images (firmware).

import { Command, InvalidArgumentError } from 'commander';
import { applyV8Flags } from '../host/v8-flags.js';
import { readFileSync } from 'node:fs';
import { X86Cpu } from '../cpu/x86/cpu.js';
import { NodeWorkerLauncher } from '../host/node-launcher.js';
import { selfCheck } from '../selfcheck/selfcheck.js';
import { runArmProgram } from '../user/arm-runner.js';
import { runX86Program } from '../user/runner.js';
import { registerImagesCommand } from './images.js';
import { registerRunCommand } from './run.js';

applyV8Flags();

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
  .showHelpAfterError()
  // Options after a subcommand belong to it, so `user` can pass a guest's own options through.
  .enablePositionalOptions();

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

program
  .command('user')
  .description('run a static Linux program for another CPU, as qemu-user does: its system calls go to the host (docs/user-mode.md)')
  .requiredOption('--arch <arch>', 'the program\'s CPU: x86 (i386) or arm (armhf: ARM and Thumb-2 code, VFP and NEON)', (text: string): string => {
    if (text === 'x86' || text === 'i386') return 'x86';
    if (text === 'arm' || text === 'armhf') return 'arm';
    throw new InvalidArgumentError(`the user-mode runner has x86 and arm, not "${text}"`);
  })
  .option('--cwd <dir>', 'the directory the program starts in; it may write only below it (default: the current directory)')
  .option('--strace', 'print every system call and its result to stderr, like strace')
  .argument('<program>', 'a static ELF executable (link with -static)')
  .argument('[args...]', 'the program\'s arguments, passed on unchanged, options and -- included')
  .passThroughOptions()
  .action((programPath: string, args: string[], options: { arch: string; cwd?: string; strace?: boolean }) => {
    const log = (line: string): void => {
      process.stderr.write(`${line}\n`);
    };
    const env = Object.entries(process.env).flatMap(([name, value]) => (value === undefined ? [] : [`${name}=${value}`]));
    const runOptions = { program: programPath, args, env, cwd: options.cwd ?? process.cwd(), strace: options.strace === true, log };
    process.exitCode =
      options.arch === 'arm' ? runArmProgram(runOptions) : runX86Program(runOptions, (memory, io, cpuLog) => new X86Cpu(memory, io, { log: cpuLog }));
  });

registerRunCommand(program);
registerImagesCommand(program);

await program.parseAsync(process.argv);
