// The busybox comparison shared by the i386 (qemu.test.ts) and ARM (arm-busybox.test.ts) user-mode
// tests: `busybox sh -c` scripts (pipelines, loops, $(...), redirections, applets) run under l4vm
// and under qemu-user on the same binary, in fresh directories holding the same files; stdout,
// stderr and the exit status must be the same.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/l4vm', import.meta.url));

/** Applets the scripts run as commands (given to qemu through the PATH wrappers below). */
export const BUSYBOX_APPLETS = ['seq', 'sort', 'head', 'tail', 'md5sum', 'sha256sum', 'awk', 'sed', 'od', 'gzip', 'gunzip', 'wc', 'tr', 'cat', 'xargs', 'sleep', 'yes'];

/** The shell scripts: each forks and execs several busybox processes. */
export const BUSYBOX_SCRIPTS: readonly string[] = [
  'seq 1 100 | sort -r | head -3',
  'for f in a b c; do echo $f | md5sum; done',
  'n=$(seq 5 | wc -l); echo "lines: $n"; echo "$(echo inner $(echo nested))"',
  'true && echo yes; false && echo no; false || echo fallback; test -f in.txt && echo file',
  'echo one > out.txt; echo two >> out.txt; sort -r < out.txt; cat missing 2>/dev/null || echo "no missing"; wc -l < out.txt',
  'printf abc | md5sum; sha256sum in.txt; cat in.txt | sha256sum',
  'sort -n nums.txt | tail -2; sort -u in.txt; sort -rn nums.txt | head -1',
  "awk '{ s += $1 } END { print s, NR }' nums.txt; seq 5 | awk 'NR % 2'",
  'sed -n 2p in.txt; sed s/p/P/g in.txt | sort',
  "printf 'hi\\n' | od -c; od -An -tx1 in.txt",
  'gzip -c in.txt | gunzip | md5sum; seq 200 | gzip | gunzip | tail -1; gzip -c in.txt | od -An -tx1 | head -1',
  "sh -c 'exit 7'; echo \"status $?\"; seq 3 | false; echo $?; ! false; echo $?",
  'yes | head -2; seq 100000 | head -1',
  'seq 3 | while read x; do echo "got $x"; done',
  'echo a b c | xargs -n1 echo',
  'sleep 0.1 & echo started; wait; echo done',
  "(cd /; pwd); for i in 1 2 3; do seq $i | tail -1; done | sort -r | tr '\\n' ' '; echo; exit 4",
];

/** Scripts reading the host's standard input (shared: read by whichever process reads it, here through a pipe), with that input. */
export const BUSYBOX_SCRIPTS_WITH_INPUT: readonly (readonly [string, string])[] = [
  ['cat | tr a-z A-Z; read x; echo "x=$x"', 'abc\ndef\n'],
  ['read first; echo "first: $first"; sort -r', 'one\ntwo\nthree\n'],
];

export interface BusyboxComparison {
  /** The busybox binary. */
  readonly busybox: string;
  /** `l4vm user --arch <arch>`. */
  readonly arch: 'x86' | 'arm';
  /** qemu-user's command and its options before the program (`qemu-i386 -cpu pentium3`). */
  readonly qemu: readonly string[];
  /** Where the fresh directories go. */
  readonly scratch: string;
  /** Applets the scripts use (PATH wrappers for qemu). */
  readonly applets: readonly string[];
  /** [script, standard input] pairs. */
  readonly scripts: readonly (readonly [string, string])[];
  /** A name for the directories of this comparison. */
  readonly name: string;
}

/** The directory a script starts in: in.txt, nums.txt and floats.txt. */
function scriptDirectory(scratch: string, name: string): string {
  const directory = path.join(scratch, name);
  fs.mkdirSync(directory, { recursive: true });
  fs.writeFileSync(path.join(directory, 'in.txt'), 'pear\napple\nfig\napple\n');
  fs.writeFileSync(path.join(directory, 'nums.txt'), '10\n2\n33\n4\n');
  fs.writeFileSync(path.join(directory, 'floats.txt'), '1.5\n-7.25\n3.125\n1e3\n0.1\n');
  return directory;
}

/**
 * For qemu-user, a directory of `sort`, `md5sum`… scripts that run busybox's applet under qemu.
 * busybox sh runs most applets by execve("/proc/self/exe"), which fails under qemu-user without
 * binfmt_misc; it then searches PATH and would run the host's own programs. With this directory
 * first in PATH, both sides run busybox's applets. (Under l4vm /proc/self/exe works, so PATH is
 * not used.)
 */
function appletDirectory(comparison: BusyboxComparison): string {
  const directory = path.join(comparison.scratch, `${comparison.name}-applets`);
  fs.mkdirSync(directory, { recursive: true });
  for (const applet of comparison.applets) {
    const file = path.join(directory, applet);
    fs.writeFileSync(file, `#!/bin/sh\nexec ${comparison.qemu.join(' ')} ${comparison.busybox} ${applet} "$@"\n`);
    fs.chmodSync(file, 0o755);
  }
  return directory;
}

/** Runs every script under qemu-user and under l4vm; asserts the same stdout, stderr and status; returns the outputs. */
export function compareBusyboxScripts(t: TestContext, comparison: BusyboxComparison): string[] {
  const wrappers = appletDirectory(comparison);
  const env = { ...process.env, PATH: `${wrappers}:${process.env.PATH ?? ''}`, L4VM_TEST: 'yes' };
  const [qemuCommand, ...qemuOptions] = comparison.qemu;
  return comparison.scripts.map(([script, input], i) => {
    const args = ['sh', '-c', script];
    const qemuDirectory = scriptDirectory(comparison.scratch, `${comparison.name}-qemu-${i}`);
    const expected = spawnSync(qemuCommand, [...qemuOptions, comparison.busybox, ...args], { cwd: qemuDirectory, encoding: 'utf8', env, input, timeout: 60_000 });
    const l4vmDirectory = scriptDirectory(comparison.scratch, `${comparison.name}-l4vm-${i}`);
    const started = performance.now();
    const actual = spawnSync(bin, ['user', '--arch', comparison.arch, '--cwd', l4vmDirectory, comparison.busybox, ...args], { cwd: l4vmDirectory, encoding: 'utf8', env, input, timeout: 60_000 });
    t.diagnostic(`${((performance.now() - started) / 1000).toFixed(2)} s: ${script}`);
    assert.equal(actual.stdout, expected.stdout.replaceAll(qemuDirectory, l4vmDirectory), `stdout of: ${script}`);
    assert.equal(actual.stderr, expected.stderr, `stderr of: ${script}`);
    assert.equal(actual.status, expected.status, `status of: ${script}`);
    return actual.stdout;
  });
}
