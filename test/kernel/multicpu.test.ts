// Multi-host-CPU tests: systems of a main thread and Node workers, booted through the root task,
// with IPC both ways, string and map items, revocation, timeouts and notifications across CPUs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NodeWorkerLauncher } from '../../src/host/node-launcher.js';
import type { Sys } from '../../src/kernel/syscalls.js';
import { System } from '../../src/kernel/system.js';
import { Rights } from '../../src/kernel/types.js';
import type { Program } from '../../src/servers/root/config.js';
import { boot } from '../../src/servers/root/root.js';

const programsModule = new URL('./programs/echo.js', import.meta.url).href;
const fromModule = (name: string): Program => ({ module: programsModule, export: name });
const decoder = new TextDecoder();
const encoder = new TextEncoder();

interface Collected {
  lines: string[];
}

/** Boots `config` on `cpus` host CPUs with a "collector" task on CPU 0, until `expected` lines were reported. */
async function runSystem(cpus: number, tasks: unknown[], local: Record<string, Program>, expected: number): Promise<Collected> {
  const lines: string[] = [];
  let enough: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => (enough = resolve));
  const collector = async (sys: Sys): Promise<void> => {
    const endpoint = sys.capability('lines');
    let r = await sys.receive(endpoint);
    while (r.ok) {
      for (const item of sys.received) if (item.kind === 'string') lines.push(decoder.decode(item.bytes));
      if (lines.length >= expected) enough();
      r = await sys.replyWait(endpoint, sys.message(0));
    }
  };
  const programs = new Map<string, Program>([
    ['collector', collector],
    ['echo', fromModule('echoServer')],
    ['mappingClient', fromModule('mappingClient')],
    ['stringClient', fromModule('stringClient')],
    ['deaf', fromModule('deaf')],
    ['impatientClient', fromModule('impatientClient')],
    ['ringer', fromModule('ringer')],
    ...Object.entries(local),
  ]);
  const system = await System.start({ cpus, launcher: new NodeWorkerLauncher(), log: () => undefined });
  const config = { tasks: [{ name: 'collector', program: 'collector', priority: 200, objects: { lines: { kind: 'endpoint' } } }, ...tasks] };
  const booting = boot(system, config, programs);
  const running = system.cpu0.kernel.run();
  const timeout = setTimeout(() => enough(), 15_000);
  try {
    await booting.done;
    await reached;
  } finally {
    clearTimeout(timeout);
    await system.shutdown();
    await running;
  }
  return { lines };
}

const report = { report: { task: 'collector', object: 'lines' } };

test('MCPU0001 call/reply from host CPU 0 to a server on a worker, with a string item', async () => {
  const { lines } = await runSystem(
    2,
    [
      { name: 'server', program: 'echo', cpu: 1, objects: { requests: { kind: 'endpoint' } } },
      { name: 'client', program: 'stringClient', cpu: 0, caps: { ...report, server: { task: 'server', object: 'requests', badge: 11 } } },
    ],
    {},
    1,
  );
  assert.deepEqual(lines, ['reply words 3 2 1 11 strings HELLO FROM CPU0']);
});

test('MCPU0002 call/reply from a worker to a server on host CPU 0, with a map item both ways through', async () => {
  const { lines } = await runSystem(
    2,
    [
      { name: 'server', program: 'echo', cpu: 0, objects: { requests: { kind: 'endpoint' } } },
      {
        name: 'client',
        program: 'mappingClient',
        cpu: 1,
        objects: { page: { kind: 'dataspace', size: 4096 } },
        caps: { ...report, server: { task: 'server', object: 'requests', rights: 'wg', badge: 5 } },
      },
    ],
    {},
    1,
  );
  // The server on CPU 0 read the worker's page through the mapping and wrote into it; the worker sees the write.
  assert.deepEqual(lines, ['reply label 8 words 20 10 5 strings mapped:from cpu1 page seen on cpu0']);
});

test('MCPU0003 IPC between two workers, both ways, with string and map items', async () => {
  const { lines } = await runSystem(
    3,
    [
      { name: 'server', program: 'echo', cpu: 2, objects: { requests: { kind: 'endpoint' } } },
      { name: 'strings', program: 'stringClient', cpu: 1, caps: { ...report, server: { task: 'server', object: 'requests', badge: 21 } } },
      {
        name: 'mapper',
        program: 'mappingClient',
        cpu: 1,
        objects: { page: { kind: 'dataspace', size: 8192 } },
        caps: { ...report, server: { task: 'server', object: 'requests', rights: 'wg', badge: 22 } },
      },
    ],
    {},
    2,
  );
  assert.deepEqual(lines.sort(), ['reply label 8 words 20 10 22 strings mapped:from cpu1 page seen on cpu2', 'reply words 3 2 1 21 strings HELLO FROM CPU1']);
});

test('MCPU0004 revoking a mapping reaches the worker it was mapped to', async () => {
  const owner = async (sys: Sys): Promise<void> => {
    const page = sys.capability('page');
    const server = sys.capability('server');
    const region = sys.region(page);
    assert.ok(region.ok);
    region.value.write(0, encoder.encode('secret'));
    await sys.call(server, sys.message(1, [], [{ kind: 'map', slot: page, rights: Rights.read }]));
    const before = await sys.call(server, sys.message(2));
    const seenBefore = sys.received.flatMap((item) => (item.kind === 'string' ? [decoder.decode(item.bytes)] : []));
    assert.equal(await sys.revoke(page), null);
    const after = await sys.call(server, sys.message(2));
    const seenAfter = sys.received.flatMap((item) => (item.kind === 'string' ? [decoder.decode(item.bytes)] : []));
    await sys.call(
      sys.capability('report'),
      sys.message(1, [], [{ kind: 'string', bytes: encoder.encode(`${before.ok} ${seenBefore.join('|')} / ${after.ok} ${seenAfter.join('|')}`) }]),
    );
  };
  const { lines } = await runSystem(
    2,
    [
      { name: 'server', program: 'echo', cpu: 1, objects: { requests: { kind: 'endpoint' } } },
      {
        name: 'owner',
        program: 'owner',
        cpu: 0,
        objects: { page: { kind: 'dataspace', size: 4096 } },
        caps: { ...report, server: { task: 'server', object: 'requests', rights: 'wg' } },
      },
    ],
    { owner },
    1,
  );
  assert.deepEqual(lines, ['true secret / true no-right']);
});

test('MCPU0005 send timeouts across host CPUs: ZERO fails at once, a duration after it passed', async () => {
  const { lines } = await runSystem(
    2,
    [
      { name: 'deaf', program: 'deaf', cpu: 1, objects: { requests: { kind: 'endpoint' } } },
      { name: 'client', program: 'impatientClient', cpu: 0, caps: { ...report, server: { task: 'deaf', object: 'requests' } } },
    ],
    {},
    1,
  );
  assert.deepEqual(lines, ['zero timeout timed timeout after at least 30 ms']);
});

test('MCPU0006 a worker signals a notification on host CPU 0', async () => {
  const waiter = async (sys: Sys): Promise<void> => {
    const bits = await sys.wait(sys.capability('bell'));
    await sys.call(sys.capability('report'), sys.message(1, [], [{ kind: 'string', bytes: encoder.encode(`bits ${bits.ok ? bits.value : bits.error}`) }]));
  };
  const { lines } = await runSystem(
    2,
    [
      { name: 'waiter', program: 'waiter', cpu: 0, objects: { bell: { kind: 'notification' } }, caps: report },
      { name: 'ringer', program: 'ringer', cpu: 1, caps: { bell: { task: 'waiter', object: 'bell' } } },
    ],
    { waiter },
    1,
  );
  assert.deepEqual(lines, ['bits 5']);
});
