// `l4vm user --arch x86` against qemu-i386 on real static programs built with the i686 cross
// compiler: the same stdout and the same exit status. Needs i686-linux-gnu-gcc and qemu-i386
// (Debian: gcc-i686-linux-gnu, qemu-user; .ci/run installs them); a test fails and names the
// tool when one is missing. The busybox test runs when Debian's busybox-static:i386 is unpacked
// where L4VM_BUSYBOX (default /tmp/bb/bin/busybox) points, as .ci/run does.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BUSYBOX_APPLETS, BUSYBOX_SCRIPTS, BUSYBOX_SCRIPTS_WITH_INPUT, compareBusyboxScripts } from './busybox-scripts.js';
import { requireTool, run, type Run } from './helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const programs = path.join(root, 'test/user/programs');
const bin = path.join(root, 'bin/l4vm');
const busybox = process.env.L4VM_BUSYBOX ?? '/tmp/bb/bin/busybox';
let scratch = '';

before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'l4vm-qemu-'));
});

after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function compile(source: string, ...flags: string[]): string {
  requireTool('i686-linux-gnu-gcc', ['--version'], 'gcc-i686-linux-gnu');
  const output = path.join(scratch, path.basename(source, '.c') + (flags.includes('-static') ? '' : '-dynamic'));
  const result = spawnSync('i686-linux-gnu-gcc', ['-O2', '-D_FILE_OFFSET_BITS=64', ...flags, '-o', output, path.join(programs, source)], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return output;
}

function qemu(program: string, args: string[], cwd: string, input = ''): Run {
  requireTool('qemu-i386', ['--version'], 'qemu-user');
  return run('qemu-i386', ['-cpu', 'pentium3', program, ...args], cwd, input);
}

function l4vm(program: string, args: string[], cwd: string, input = ''): Run {
  return run(bin, ['user', '--arch', 'x86', '--cwd', cwd, program, ...args], cwd, input);
}

/** A fresh directory for one run (the programs write into their working directory). */
function freshDirectory(name: string): string {
  const directory = path.join(scratch, name);
  fs.mkdirSync(directory, { recursive: true });
  return directory;
}

test('QEMU0001 hello.c: the same output and exit status as qemu-i386, guest options passed through', () => {
  const hello = compile('hello.c', '-static');
  const args = ['first', '--second', '-x'];
  const expected = qemu(hello, args, scratch);
  const actual = l4vm(hello, args, scratch);
  assert.equal(expected.status, 42);
  assert.equal(actual.stdout, expected.stdout);
  assert.equal(actual.status, expected.status, actual.stderr);
  assert.equal(actual.stderr, '');
});

test('QEMU0002 syscalls.c: files, directories, pipes, memory, time, signals and TLS as under qemu-i386', () => {
  const program = compile('syscalls.c', '-static');
  const expected = qemu(program, ['one'], freshDirectory('qemu-syscalls'));
  const actual = l4vm(program, ['one'], freshDirectory('l4vm-syscalls'));
  assert.equal(expected.status, 7, expected.stderr);
  assert.equal(actual.stdout, expected.stdout);
  assert.equal(actual.status, expected.status, actual.stderr);
});

test('QEMU0003 a dynamically linked program is refused in one sentence with status 1', () => {
  const program = compile('hello.c');
  const actual = l4vm(program, [], scratch);
  assert.equal(actual.status, 1);
  assert.equal(actual.stdout, '');
  assert.match(actual.stderr, /^l4vm: .*hello-dynamic is dynamically linked \(it asks for the interpreter \/lib\/ld-linux\.so\.2\); l4vm user runs static executables only: link with -static\.\n$/);
});

test('QEMU0004 a 64-bit host program is refused in one sentence with status 1', () => {
  const actual = l4vm(process.execPath, [], scratch);
  assert.equal(actual.status, 1);
  assert.match(actual.stderr, /^l4vm: .* is a 64-bit ELF for [\w-]+ \(e_machine \d+\), not a 32-bit one\.\n$/);
});

test('QEMU0005 busybox echo, md5sum, sort, ls, sh -c, seq, awk and cat as under qemu-i386', (t) => {
  if (!fs.existsSync(busybox)) {
    t.skip(`no busybox at ${busybox}: unpack Debian's busybox-static:i386 there (see .ci/run) or set L4VM_BUSYBOX`);
    return;
  }
  const directory = freshDirectory('busybox');
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
    [['cat', 'in.txt', 'missing'], ''],
  ];
  for (const [args, input] of cases) {
    const expected = qemu(busybox, args, directory, input);
    const actual = l4vm(busybox, args, directory, input);
    assert.equal(actual.stdout, expected.stdout, `busybox ${args.join(' ')}`);
    assert.equal(actual.status, expected.status, `busybox ${args.join(' ')}: ${actual.stderr}`);
  }
});

test('QEMU0006 --strace prints each system call with its result on stderr, like strace', () => {
  const hello = compile('hello.c', '-static');
  const result = run(bin, ['user', '--arch', 'x86', '--strace', hello], scratch);
  assert.equal(result.status, 42);
  assert.equal(result.stdout, 'hello, world\n');
  assert.match(result.stderr, /^\d+ brk\(0x0\) = 0x[0-9a-f]+$/m);
  assert.match(result.stderr, /^\d+ set_thread_area\(0x[0-9a-f]+\) = 0$/m);
  assert.match(result.stderr, /^\d+ write\(1,0x[0-9a-f]+,13\) = 13$/m);
  assert.match(result.stderr, /^\d+ exit_group\(42\) = \?$/m);
});

test('QEMU0007 processes.c: fork, wait statuses, pipes between processes, SIGPIPE, kill, vfork and process groups as under qemu-i386', () => {
  const program = compile('processes.c', '-static');
  const expected = qemu(program, [], scratch);
  const actual = l4vm(program, [], scratch);
  assert.equal(expected.status, 0, expected.stderr);
  assert.match(expected.stdout, /pipe carried 200000 bytes/);
  assert.equal(actual.stdout, expected.stdout);
  assert.equal(actual.status, expected.status, actual.stderr);
  assert.equal(actual.stderr, '');
});

test('QEMU0008 processes.c exec: execve of /proc/self/exe replaces the image; its output comes through a pipe', () => {
  // qemu-i386 cannot do this without binfmt_misc (the host kernel refuses an i386 execve), so the
  // expected text is written out.
  const program = compile('processes.c', '-static');
  const actual = l4vm(program, ['exec'], scratch);
  assert.equal(actual.stdout, "from the exec'd child: exec'd child: argc 4, last two\nexec'd child: exited 9\n");
  assert.equal(actual.status, 0, actual.stderr);
});

test('QEMU0009 busybox sh: pipelines, loops, $(...), && and ||, redirections, gzip round trips, as under qemu-i386', (t) => {
  if (!fs.existsSync(busybox)) {
    t.skip(`no busybox at ${busybox}: unpack Debian's busybox-static:i386 there (see .ci/run) or set L4VM_BUSYBOX`);
    return;
  }
  requireTool('qemu-i386', ['--version'], 'qemu-user');
  // Each script forks and execs several busybox processes: about 1-3 s each under l4vm today.
  compareBusyboxScripts(t, {
    busybox,
    arch: 'x86',
    qemu: ['qemu-i386', '-cpu', 'pentium3'],
    scratch,
    applets: BUSYBOX_APPLETS,
    scripts: [...BUSYBOX_SCRIPTS.map((script): [string, string] => [script, '']), ...BUSYBOX_SCRIPTS_WITH_INPUT],
    name: 'sh',
  });
});

test('QEMU0010 protect.c: page protections (text, PROT_READ, PROT_NONE, munmap, mprotect), EFAULT from read() and a SIGSEGV handler with siglongjmp, as under qemu-i386', () => {
  const program = compile('protect.c', '-static');
  const expected = qemu(program, [], scratch);
  const actual = l4vm(program, [], scratch);
  assert.equal(expected.status, 139, expected.stderr);
  assert.match(expected.stdout, /^write to text: signal 11$/m);
  assert.match(expected.stdout, /^read into PROT_READ: -1 Bad address$/m);
  assert.match(expected.stdout, /^caught SIGSEGV at offset 1, ro\[1\] = a$/m);
  assert.equal(actual.stdout, expected.stdout);
  assert.equal(actual.status, expected.status, actual.stderr);
  assert.match(actual.stderr, /^l4vm: uncaught target signal 11 \(Segmentation fault\): #PF page fault: write to protected address 0x[0-9a-f]+ at eip 0x[0-9a-f]+\n$/);
});
