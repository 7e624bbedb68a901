// `l4vm user --arch arm` against qemu-arm: the same stdout (and stderr, for busybox) and exit status.
// ARMQEMU: the i386 runner's C programs (test/user/programs: system calls, fork/exec/wait/pipes/
// signals, page protections and SIGSEGV handlers) built static with arm-linux-gnueabihf-gcc (glibc's
// Thumb-2 code, VFP). ARMBB: Debian's busybox-static:armhf — single applets, the `sh -c` scripts of
// the i386 busybox test (busybox-scripts.ts: pipelines, loops, $(...), redirections), and scripts
// whose work is floating point in glibc (awk's and printf's number formatting, seq with fractional
// steps, dc and bc). The busybox tests run when it is unpacked where L4VM_BUSYBOX_ARM (default
// /tmp/bb-armhf/bin/busybox) points, as .ci/run does. Needs qemu-arm (qemu-user) and
// arm-linux-gnueabihf-gcc (gcc-arm-linux-gnueabihf).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BUSYBOX_APPLETS, BUSYBOX_SCRIPTS, BUSYBOX_SCRIPTS_WITH_INPUT, compareBusyboxScripts } from './busybox-scripts.js';
import { requireTool, run, type Run } from './helpers.js';

const bin = fileURLToPath(new URL('../../../bin/l4vm', import.meta.url));
const programs = fileURLToPath(new URL('../../../test/user/programs/', import.meta.url));
const busybox = process.env.L4VM_BUSYBOX_ARM ?? '/tmp/bb-armhf/bin/busybox';
const QEMU = ['qemu-arm', '-cpu', 'cortex-a15'];
let scratch = '';

before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'l4vm-arm-busybox-'));
});

after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Builds test/user/programs/<source> static for armhf (glibc, Thumb-2). */
function compile(source: string): string {
  requireTool('arm-linux-gnueabihf-gcc', ['--version'], 'gcc-arm-linux-gnueabihf');
  const output = path.join(scratch, `${path.basename(source, '.c')}-arm`);
  const result = spawnSync('arm-linux-gnueabihf-gcc', ['-O2', '-static', '-D_FILE_OFFSET_BITS=64', '-o', output, path.join(programs, source)], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return output;
}

/** The program under qemu-arm and under l4vm, each in a fresh directory (the programs write there). */
function compare(program: string, args: string[], name: string): { expected: Run; actual: Run } {
  requireTool('qemu-arm', ['--version'], 'qemu-user');
  const qemuDirectory = path.join(scratch, `${name}-qemu`);
  const l4vmDirectory = path.join(scratch, `${name}-l4vm`);
  fs.mkdirSync(qemuDirectory);
  fs.mkdirSync(l4vmDirectory);
  const expected = run(QEMU[0], [...QEMU.slice(1), program, ...args], qemuDirectory);
  const actual = run(bin, ['user', '--arch', 'arm', '--cwd', l4vmDirectory, program, ...args], l4vmDirectory);
  return { expected, actual };
}

test('ARMQEMU0001 syscalls.c: files, directories, pipes, memory, time, signals and TLS as under qemu-arm', () => {
  const { expected, actual } = compare(compile('syscalls.c'), ['one'], 'syscalls');
  assert.equal(expected.status, 7, expected.stderr);
  assert.equal(actual.stdout, expected.stdout);
  assert.equal(actual.status, expected.status, actual.stderr);
});

test('ARMQEMU0002 processes.c: fork, wait statuses, pipes between processes, SIGPIPE, kill, vfork, process groups and VFP state across a handler as under qemu-arm; execve of /proc/self/exe', () => {
  const program = compile('processes.c');
  const { expected, actual } = compare(program, [], 'processes');
  assert.equal(expected.status, 0, expected.stderr);
  assert.match(expected.stdout, /pipe carried 200000 bytes/);
  assert.equal(actual.stdout, expected.stdout);
  assert.equal(actual.status, expected.status, actual.stderr);
  assert.equal(actual.stderr, '');
  // qemu-arm cannot execve an ARM program without binfmt_misc: the expected text is written out.
  const exec = run(bin, ['user', '--arch', 'arm', program, 'exec'], scratch);
  assert.equal(exec.stdout, "from the exec'd child: exec'd child: argc 4, last two\nexec'd child: exited 9\n");
  assert.equal(exec.status, 0, exec.stderr);
});

test('ARMQEMU0003 protect.c: page protections, EFAULT, and SIGSEGV handlers on ARM signal frames with siglongjmp, as under qemu-arm', () => {
  const { expected, actual } = compare(compile('protect.c'), [], 'protect');
  assert.equal(expected.status, 139, expected.stderr);
  assert.match(expected.stdout, /^caught SIGSEGV at offset 1, ro\[1\] = a$/m);
  assert.equal(actual.stdout, expected.stdout);
  assert.equal(actual.status, expected.status, actual.stderr);
  assert.match(actual.stderr, /^l4vm: uncaught target signal 11 \(Segmentation fault\): write to 0x[0-9a-f]+ at 0x[0-9a-f]+\n$/);
});

/** False (and the test skipped with the reason) when the armhf busybox is not unpacked. */
function haveBusybox(t: TestContext): boolean {
  if (fs.existsSync(busybox)) {
    requireTool('qemu-arm', ['--version'], 'qemu-user');
    return true;
  }
  t.skip(`no busybox at ${busybox}: unpack Debian's busybox-static:armhf there (see .ci/run) or set L4VM_BUSYBOX_ARM`);
  return false;
}

/** Scripts whose applets format and parse floating point (glibc's printf/strtod on VFP), and the applets they use. */
const FLOAT_APPLETS = ['seq', 'awk', 'dc', 'bc', 'tr', 'sort', 'factor', 'expr', 'md5sum'];
const FLOAT_SCRIPTS: readonly string[] = [
  `awk 'BEGIN { printf "%.3f %.10f %e %g\\n", 2/3, 1/7, 12345.678, 0.0001234; x = 1.1; for (i = 0; i < 40; i++) x = x * 1.7 - 0.3; printf "%.6f %.17g\\n", x, x; print 1e300*1e10, -1e300*1e10, -1/3, int(-3.7), 2^0.5, 7 % 2.5 }'`,
  `awk '{ s += $1; p = p == "" ? $1 : p * $1 } END { printf "%.3f %.6e %g %d\\n", s, p, s / NR, s }' floats.txt; sort -g floats.txt | tr '\\n' ' '; echo`,
  `awk 'BEGIN { for (i = 1; i <= 12; i++) printf "%.15g %.4e %08.3f\\n", 1 / i, i * 1e-5 / 3, -i / 7 }'`,
  `seq 0 0.25 2 | tr '\\n' ' '; echo; seq -w 1 0.5 3; seq 1.5 -0.7 -1; seq -s, 1e-3 1e-3 5e-3`,
  `printf '%.3f %e %g %10.4f %a\\n' 3.14159 2.5e-7 1e20 -0.000049 1; printf '%5.1f|%-8.2e|%G\\n' 99.95 -0.00123 1e-10`,
  `echo '20 k 1 3 / p 2 v p 3 7 ^ p 16 o 255 p 10 i 5.5 2 * p' | dc`,
  `echo 'scale=20; 4*a(1); sqrt(2); e(1); l(10); s(1)+c(1); 2^64; 1/7' | bc -l; echo '3.1 * 2.7 - 1 / 8' | bc`,
  `factor 600851475143 4294967297 1000000007; expr 7 \\* 6 / 4 % 5; expr length 'hello world'`,
  `seq 0.1 0.1 30 | awk '{ s += $1 * $1 } END { printf "%.9f\\n", s }'; seq 1000 | awk '{ x = x + 1 / $1 } END { print x }' | md5sum`,
  `awk 'BEGIN { print sqrt(2) }'; echo "status $?"`,
];

test('ARMBB0001 busybox applets run directly: echo, md5sum, sort, ls, sh -c, wc, sha256sum, od, seq, awk, cat as under qemu-arm', (t) => {
  if (!haveBusybox(t)) return;
  const directory = path.join(scratch, 'applets');
  fs.mkdirSync(directory);
  fs.writeFileSync(path.join(directory, 'in.txt'), 'pear\napple\nfig\n');
  const cases: [string[], string][] = [
    [['echo', 'hi', '-n'], ''],
    [['md5sum', 'in.txt'], ''],
    [['sort'], 'b\nc\na\n'],
    [['sort', '-r', 'in.txt'], ''],
    [['ls', '-a'], ''],
    [['sh', '-c', 'echo one; test -f in.txt && echo two; exit 3'], ''],
    [['wc', 'in.txt'], ''],
    [['sha256sum', 'in.txt'], ''],
    [['od', '-x', 'in.txt'], ''],
    [['seq', '3'], ''],
    [['awk', 'BEGIN { printf "%.4f\\n", 1 / 3 }'], ''],
    [['gzip', '-c', 'in.txt'], ''],
    [['cat', 'in.txt', 'missing'], ''],
  ];
  for (const [args, input] of cases) {
    const expected = spawnSync(QEMU[0], [...QEMU.slice(1), busybox, ...args], { cwd: directory, encoding: 'latin1', input, timeout: 60_000 });
    const actual = spawnSync(bin, ['user', '--arch', 'arm', '--cwd', directory, busybox, ...args], { cwd: directory, encoding: 'latin1', input, timeout: 60_000 });
    assert.equal(actual.stdout, expected.stdout, `busybox ${args.join(' ')}`);
    assert.equal(actual.stderr, expected.stderr, `busybox ${args.join(' ')}: stderr`);
    assert.equal(actual.status, expected.status, `busybox ${args.join(' ')}: ${actual.stderr}`);
  }
});

test('ARMBB0002 busybox sh: the i386 test scripts (pipelines, loops, $(...), redirections, gzip, signals) as under qemu-arm', (t) => {
  if (!haveBusybox(t)) return;
  compareBusyboxScripts(t, {
    busybox,
    arch: 'arm',
    qemu: QEMU,
    scratch,
    applets: BUSYBOX_APPLETS,
    scripts: [...BUSYBOX_SCRIPTS.map((script): [string, string] => [script, '']), ...BUSYBOX_SCRIPTS_WITH_INPUT],
    name: 'sh',
  });
});

test('ARMBB0003 busybox floating point: awk and printf formatting, seq with fractional steps, dc and bc, as under qemu-arm', (t) => {
  if (!haveBusybox(t)) return;
  const outputs = compareBusyboxScripts(t, {
    busybox,
    arch: 'arm',
    qemu: QEMU,
    scratch,
    applets: FLOAT_APPLETS,
    scripts: FLOAT_SCRIPTS.map((script): [string, string] => [script, '']),
    name: 'float',
  });
  // Both sides ran busybox's applets (not the host's, nor "not found"):
  assert.match(outputs[0], /^0\.667 0\.1428571429 1\.234568e\+04 0\.0001234$/m);
  assert.match(outputs[3], /^0\.00 0\.25 0\.50 0\.75 1\.00 1\.25 1\.50 1\.75 2\.00 $/m);
  assert.match(outputs[5], /^\.33333333333333333333$/m);
  assert.match(outputs[6], /^3\.14159265358979323844$/m);
  assert.match(outputs[7], /^600851475143: 71 839 1471 6857$/m);
});
