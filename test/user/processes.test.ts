// The process table and scheduler without a CPU: stand-in process bodies that end, wait and
// receive signals when told. Real programs fork and wait in qemu.test.ts (processes.c, busybox sh).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { Errno } from '../../src/user/linux-errno.js';
import { LinuxFiles } from '../../src/user/linux-files.js';
import { encodeWaitStatus, ProcessTable, WNOHANG, type LinuxProcess, type ProcessBody, type ProcessEnd } from '../../src/user/linux-processes.js';

/** A process body that runs `steps` slices and then exits with `status`, or waits when told. */
class StandIn implements ProcessBody {
  end: ProcessEnd | null = null;
  waiting = false;
  wakeAt: number | null = null;
  waitingOnHost = false;
  slices = 0;
  signals: number[] = [];
  /** Retried while waiting: true finishes the wait. */
  ready: () => boolean = () => true;

  constructor(
    private readonly steps: number,
    private readonly status: number,
  ) {}

  retry(): boolean {
    if (!this.ready()) return false;
    this.waiting = false;
    return true;
  }

  runSlice(): void {
    this.slices++;
    if (this.slices >= this.steps) this.end = { kind: 'exit', status: this.status };
  }

  receiveSignal(signal: number, reason: string): void {
    this.signals.push(signal);
    if (signal !== 17) this.end = { kind: 'signal', signal, reason };
  }
}

let directory = '';
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'l4vm-processes-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

function spawn(table: ProcessTable, parent: LinuxProcess | null, body: StandIn): LinuxProcess {
  const files = parent === null ? new LinuxFiles(directory, '/bin/prog') : parent.files.fork();
  const process = table.create(parent, files);
  process.body = body;
  return process;
}

test('PROC0001 wait statuses use Linux encoding: exit code << 8, or the signal number', () => {
  assert.equal(encodeWaitStatus({ kind: 'exit', status: 3 }), 0x300);
  assert.equal(encodeWaitStatus({ kind: 'signal', signal: 13, reason: '' }), 13);
});

test('PROC0002 wait4 waits for a live child, returns a zombie once, then ECHILD; WNOHANG says 0', () => {
  const table = new ProcessTable(1000, 999);
  const parentBody = new StandIn(1_000, 0);
  const parent = spawn(table, null, parentBody);
  const childBody = new StandIn(2, 7);
  const child = spawn(table, parent, childBody);
  assert.equal(child.pid, 1001);
  assert.equal(table.parentPid(child), 1000);
  assert.equal(table.parentPid(parent), 999);
  assert.equal(table.wait(parent, -1, 0), null, 'a live child: the caller must wait');
  assert.equal(table.wait(parent, -1, WNOHANG), 0);
  assert.equal(table.wait(parent, 4242, 0), -Errno.ECHILD, 'no such child');
  // The parent waits until the child has ended.
  parentBody.waiting = true;
  parentBody.ready = () => child.waitStatus !== null;
  let rounds = 0;
  const original = parentBody.runSlice.bind(parentBody);
  parentBody.runSlice = () => {
    rounds++;
    // Once the child is reaped, the parent ends too.
    const result = table.wait(parent, -1, WNOHANG);
    if (typeof result === 'object' && result !== null) {
      assert.deepEqual(result, { pid: 1001, status: 0x700 });
      parentBody.end = { kind: 'exit', status: 0 };
    } else original();
  };
  table.run(1000, () => assert.fail('no deadlock expected'));
  assert.ok(rounds >= 1);
  assert.deepEqual(parentBody.signals, [17], 'the parent got SIGCHLD');
  assert.equal(table.wait(parent, -1, 0), -Errno.ECHILD, 'reaped once');
});

test('PROC0003 kill reaches one pid, a process group, or everyone else; setpgid and setsid', () => {
  const table = new ProcessTable(10, 1);
  const shell = spawn(table, null, new StandIn(100, 0));
  const a = spawn(table, shell, new StandIn(100, 0));
  const b = spawn(table, shell, new StandIn(100, 0));
  assert.equal(table.setProcessGroup(shell, a.pid, 0), 0);
  assert.equal(table.setProcessGroup(shell, b.pid, a.pid), 0);
  assert.equal(a.processGroup, a.pid);
  assert.equal(table.kill(shell, -a.pid, 15), 0);
  assert.deepEqual((a.body as StandIn).signals, [15]);
  assert.deepEqual((b.body as StandIn).signals, [15]);
  assert.deepEqual((shell.body as StandIn).signals, []);
  assert.equal(table.kill(shell, 4242, 0), -Errno.ESRCH);
  assert.equal(table.kill(a, -1, 1), 0);
  assert.deepEqual((a.body as StandIn).signals, [15], 'kill(-1) spares the sender');
  assert.deepEqual((shell.body as StandIn).signals, [1]);
  assert.equal(table.setSession(shell), -Errno.EPERM, 'a group leader cannot start a session');
});

test('PROC0004 when every process waits for another, the scheduler says so and ends them all', () => {
  const table = new ProcessTable(50, 1);
  const one = new StandIn(100, 0);
  const two = new StandIn(100, 0);
  const first = spawn(table, null, one);
  spawn(table, first, two);
  one.waiting = two.waiting = true;
  one.ready = two.ready = () => false;
  let named: number[] = [];
  table.run(1000, (pids) => (named = pids));
  assert.deepEqual(named, [50, 51]);
  assert.equal(one.end?.kind, 'signal');
});
