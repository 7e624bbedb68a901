// The host tools the differential tests need, and building the test programs with them into a
// temporary directory. A missing tool is an error that names it and says how to install it: the
// tests fail then, they do not skip (CI installs the tools in .ci/run).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/cpu/x86/differential/). */
export const REPOSITORY = fileURLToPath(new URL('../../../../../', import.meta.url));
export const PROGRAMS_DIRECTORY = join(REPOSITORY, 'test/cpu/x86/programs');

const TOOLS: { command: string; versionFlag: string; debianPackage: string }[] = [
  { command: 'qemu-i386', versionFlag: '--version', debianPackage: 'qemu-user' },
  { command: 'nasm', versionFlag: '-v', debianPackage: 'nasm' },
  { command: 'i686-linux-gnu-ld', versionFlag: '--version', debianPackage: 'binutils-i686-linux-gnu (with gcc-i686-linux-gnu)' },
  { command: 'i686-linux-gnu-gcc', versionFlag: '--version', debianPackage: 'gcc-i686-linux-gnu' },
];

/** Throws, naming every missing tool and its Debian package, unless all tools run. */
export function requireTools(): void {
  const missing: string[] = [];
  for (const tool of TOOLS) {
    const result = spawnSync(tool.command, [tool.versionFlag], { encoding: 'utf8' });
    if (result.error !== undefined || result.status !== 0) missing.push(`${tool.command} (Debian package ${tool.debianPackage})`);
  }
  if (missing.length > 0) {
    throw new Error(
      `the x86 differential tests need ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed or did not run; ` +
        'install them with `apt-get install -y qemu-user gcc-i686-linux-gnu nasm` (CI does this in .ci/run)',
    );
  }
}

function run(command: string, args: string[], directory: string): void {
  const result = spawnSync(command, args, { cwd: directory, encoding: 'utf8', timeout: 60_000 });
  if (result.error !== undefined) throw new Error(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed with status ${result.status}:\n${result.stderr}${result.stdout}`);
  }
}

/** A scratch directory for one test file's builds and logs; `remove` deletes it. */
export function scratchDirectory(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'l4vm-x86-differential-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

// -N: one writable and executable segment, so programs may modify their own code; the linker
// warns about the RWX segment, which is what we want here.
const LINK_FLAGS = ['-m', 'elf_i386', '-nostdlib', '-static', '-N', '--no-warn-rwx-segments'];

/** Assembles and links a nasm source file (a path) into `directory`; returns the executable's path. */
export function buildAssembly(source: string, directory: string): string {
  const name = basename(source).replace(/\.asm$/, '');
  const object = join(directory, `${name}.o`);
  const executable = join(directory, name);
  run('nasm', ['-f', 'elf32', '-I', `${PROGRAMS_DIRECTORY}/`, '-o', object, source], directory);
  run('i686-linux-gnu-ld', [...LINK_FLAGS, '-o', executable, object], directory);
  return executable;
}

/** Writes nasm source text to `directory` and builds it. */
export function buildAssemblyText(name: string, text: string, directory: string): string {
  const source = join(directory, `${name}.asm`);
  writeFileSync(source, text);
  return buildAssembly(source, directory);
}

/**
 * Compiles a freestanding C program (it brings its own _start and exit system call) for a
 * Pentium III without libc. -fno-pie: plain absolute addresses, no GOT set-up before main.
 */
export function buildC(source: string, directory: string): string {
  const name = basename(source).replace(/\.c$/, '');
  const executable = join(directory, name);
  run(
    'i686-linux-gnu-gcc',
    ['-O2', '-march=pentium3', '-mfpmath=387', '-ffreestanding', '-fno-pie', '-no-pie', '-fno-stack-protector',
      '-fno-asynchronous-unwind-tables', '-nostdlib', '-static', '-Wl,-N', '-Wl,--no-warn-rwx-segments', '-o', executable, source, '-lgcc'],
    directory,
  );
  return executable;
}
