// `l4vm user` as a user types it: argument handling and refusals, without the i686 toolchain.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeElf32 } from './helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = `${root}bin/l4vm`;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'l4vm-cli-user-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function l4vm(...args: string[]) {
  const result = spawnSync(bin, args, { cwd: scratch, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('CLI0101 l4vm --help lists user; user --help shows --arch, --cwd and --strace', () => {
  assert.match(l4vm('--help').stdout, /user \[options\] <program> \[args\.\.\.\]/);
  const help = l4vm('user', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--arch <arch>/);
  assert.match(help.stdout, /--cwd <dir>/);
  assert.match(help.stdout, /--strace/);
});

test('CLI0102 --arch is required; x86 and arm are accepted, others refused with a sentence', () => {
  const missing = l4vm('user', 'prog');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /required option '--arch <arch>' not specified/);
  const sparc = l4vm('user', '--arch', 'sparc', 'prog');
  assert.equal(sparc.status, 1);
  assert.match(sparc.stderr, /the user-mode runner has x86 and arm, not "sparc"/);
  const arm = l4vm('user', '--arch', 'arm', 'prog');
  assert.equal(arm.status, 1);
  assert.match(arm.stderr, /prog does not exist/, 'arm goes on to load the program');
});

test('CLI0103 a file that is not a runnable ELF: one sentence on stderr, status 1, no stack trace', () => {
  fs.writeFileSync(path.join(scratch, 'notes.txt'), 'text\n');
  fs.writeFileSync(path.join(scratch, 'arm-prog'), makeElf32({ machine: 40, segments: [{ vaddr: 0x10000, data: new Uint8Array(4) }] }));
  const cases: [string, string][] = [
    ['./notes.txt', 'l4vm: ./notes.txt is not an ELF executable.\n'],
    ['./arm-prog', 'l4vm: ./arm-prog is an ELF for ARM (e_machine 40), not i386.\n'],
    ['./missing', 'l4vm: ./missing does not exist.\n'],
  ];
  for (const [file, message] of cases) {
    const result = l4vm('user', '--arch', 'x86', file, '--verbose');
    assert.equal(result.status, 1, file);
    assert.equal(result.stderr, message);
    assert.equal(result.stdout, '');
  }
});

test('CLI0104 a --cwd that does not exist is named in one sentence', () => {
  fs.writeFileSync(path.join(scratch, 'tiny'), makeElf32({ segments: [{ vaddr: 0x08049000, data: new Uint8Array([0xf4]) }] }));
  const result = l4vm('user', '--arch', 'x86', '--cwd', path.join(scratch, 'nowhere'), './tiny');
  assert.equal(result.status, 1);
  assert.equal(result.stderr, `l4vm: the working directory ${path.join(scratch, 'nowhere')} is not usable (ENOENT).\n`);
});
