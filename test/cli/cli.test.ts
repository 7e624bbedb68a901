// The l4vm command, run as a user runs it: ./bin/l4vm from the repository.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = `${root}bin/l4vm`;

function l4vm(...args: string[]) {
  const result = spawnSync(bin, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('CLI0001 --help describes l4vm and lists the selfcheck subcommand', () => {
  const { status, stdout } = l4vm('--help');
  assert.equal(status, 0);
  assert.match(stdout, /Usage: l4vm/);
  assert.match(stdout, /selfcheck/);
  assert.match(stdout, /microkernel/);
});

test('CLI0002 --version prints the package version', () => {
  const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
  const { status, stdout } = l4vm('--version');
  assert.equal(status, 0);
  assert.equal(stdout.trim(), version);
});

test('CLI0003 selfcheck boots through the root task on one and on two host CPUs and prints each step', () => {
  const { status, stdout } = l4vm('selfcheck', '--cpus', '2');
  assert.equal(status, 0, stdout);
  assert.match(stdout, /self-check on 1 host CPU \(main thread\), virtual time/);
  assert.match(stdout, /self-check on 2 host CPUs \(main thread \+ 1 worker\), host time/);
  assert.match(stdout, /root: started task echo \(program echo\) on host CPU 1/);
  assert.match(stdout, /ok {3}call\/reply: sent 1 2 3, got 3 2 1 7/);
  assert.match(stdout, /ok {3}timeout: receive with a 5 ms timeout returned timeout after 5\.000 ms/, 'virtual time is exact');
  assert.match(stdout, /ok {3}revoke/);
  assert.doesNotMatch(stdout, /FAIL/);
  assert.match(stdout, /self-check passed\n$/);
});

test('CLI0004 a bad option value is refused with a sentence and a non-zero status', () => {
  const { status, stderr } = l4vm('selfcheck', '--cpus', 'many');
  assert.notEqual(status, 0);
  assert.match(stderr, /--cpus/);
  assert.match(stderr, /whole number from 1 to 16, got "many"/);
});

test('CLI0005 an unknown subcommand is refused', () => {
  const { status, stderr } = l4vm('frobnicate');
  assert.notEqual(status, 0);
  assert.match(stderr, /unknown command 'frobnicate'/);
});
