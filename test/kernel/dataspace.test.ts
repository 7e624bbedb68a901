// Dataspaces: shared memory mapped between tasks with read/write rights, windows of it, and
// recursive unmap.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernel } from '../../src/kernel/kernel.js';
import type { Region } from '../../src/kernel/dataspace.js';
import type { Sys } from '../../src/kernel/syscalls.js';
import type { Task } from '../../src/kernel/task.js';
import { Rights, ZERO, milliseconds, type RightsMask } from '../../src/kernel/types.js';
import { assertAllFinished, assertIpcError, assertIpcOk, deriveInto, newKernel, runKernel, unwrap } from './helpers.js';

function read(region: Region, offset: number, length: number): number[] {
  const bytes = new Uint8Array(length);
  assert.equal(region.read(offset, bytes), null);
  return [...bytes];
}

test('DS0001 a read-only mapping cannot be written through', async () => {
  const { kernel } = newKernel();
  const owner = kernel.createTask('owner');
  const reader = kernel.createTask('reader');
  const dataspace = kernel.createObject(owner, 'dataspace', 256);
  const readOnly = deriveInto(kernel, owner, dataspace, reader, Rights.read);
  const writeOnly = deriveInto(kernel, owner, dataspace, reader, Rights.write);
  const ownerThread = kernel.createThread(
    owner,
    'main',
    async (sys) => {
      const region = unwrap(sys.region(dataspace));
      assert.equal(region.write(0, Uint8Array.of(1, 2, 3, 4)), null);
      await sys.sleep(milliseconds(1));
      assert.deepEqual(read(region, 0, 4), [1, 2, 3, 4], 'unchanged by the reader');
      assert.deepEqual(read(region, 100, 2), [0, 0]);
    },
    { priority: 60 },
  );
  const readerThread = kernel.createThread(
    reader,
    'main',
    async (sys) => {
      const region = unwrap(sys.region(readOnly));
      assert.equal(region.readable, true);
      assert.equal(region.writable, false);
      assert.deepEqual(read(region, 0, 4), [1, 2, 3, 4]);
      assert.equal(region.write(0, Uint8Array.of(9, 9)), 'no-right');
      assert.equal(region.write(100, Uint8Array.of(9)), 'no-right');
      assert.equal(region.write8(1, 9), 'no-right');
      assert.equal(region.write8(100, 9), 'no-right');
      assert.equal(region.view(), null, 'no raw view of a read-only mapping');
      assert.deepEqual(read(region, 0, 4), [1, 2, 3, 4]);
      // A write-only mapping reads nothing and has no raw view either.
      const writeOnlyRegion = unwrap(sys.region(writeOnly));
      assert.equal(writeOnlyRegion.read(0, new Uint8Array(1)), 'no-right');
      assert.equal(writeOnlyRegion.read8(0), -1);
      assert.equal(writeOnlyRegion.view(), null);
      assert.equal(writeOnlyRegion.write8(200, 5), null);
    },
    { priority: 50 },
  );
  await runKernel(kernel);
  assertAllFinished(ownerThread, readerThread);
});

test('DS0002 writes through a read/write mapping are seen by every mapping of the dataspace', async () => {
  const { kernel } = newKernel();
  const owner = kernel.createTask('owner');
  const b = kernel.createTask('b');
  const c = kernel.createTask('c');
  const dataspace = kernel.createObject(owner, 'dataspace', 1024);
  const rw = Rights.read | Rights.write;
  const windowB = deriveInto(kernel, owner, dataspace, b, rw, undefined, { offset: 100, size: 100 }); // 100..199
  const windowC = deriveInto(kernel, owner, dataspace, c, rw, undefined, { offset: 150, size: 100 }); // 150..249
  const readOnlyC = deriveInto(kernel, owner, dataspace, c, Rights.read);
  const steps: string[] = [];
  const threadB = kernel.createThread(b, 'main', async (sys) => {
    const region = unwrap(sys.region(windowB));
    assert.equal(region.size, 100);
    assert.equal(region.write(60, Uint8Array.of(0xa1, 0xa2, 0xa3)), null); // dataspace 160..162
    steps.push('b wrote');
    await sys.sleep(milliseconds(2));
    assert.deepEqual(read(region, 50, 3), [0xc1, 0xc2, 0], "c's write at its offset 0 is b's offset 50");
    const view = region.view();
    assert.ok(view !== null);
    assert.equal(view.length, 100);
    view[99] = 0xbb; // dataspace 199
    steps.push('b wrote through its view');
  });
  const threadC = kernel.createThread(c, 'main', async (sys) => {
    await sys.sleep(milliseconds(1));
    const region = unwrap(sys.region(windowC));
    assert.deepEqual(read(region, 10, 3), [0xa1, 0xa2, 0xa3], "b's write at its offset 60 is c's offset 10");
    assert.equal(region.write8(0, 0xc1), null);
    assert.equal(region.write8(1, 0xc2), null);
    steps.push('c wrote');
    await sys.sleep(milliseconds(2));
    assert.equal(region.read8(49), 0xbb);
    assert.equal(unwrap(sys.region(readOnlyC)).read8(199), 0xbb);
  });
  const ownerThread = kernel.createThread(owner, 'main', async (sys) => {
    await sys.sleep(milliseconds(5));
    const region = unwrap(sys.region(dataspace));
    const expected = new Array<number>(1024).fill(0);
    expected[150] = 0xc1;
    expected[151] = 0xc2;
    expected[160] = 0xa1;
    expected[161] = 0xa2;
    expected[162] = 0xa3;
    expected[199] = 0xbb;
    assert.deepEqual(read(region, 0, 1024), expected);
  });
  await runKernel(kernel);
  assertAllFinished(threadB, threadC, ownerThread);
  assert.deepEqual(steps, ['b wrote', 'c wrote', 'b wrote through its view']);
});

test('DS0003 a window outside the dataspace is invalid', async () => {
  const { kernel } = newKernel();
  const owner = kernel.createTask('owner');
  const other = kernel.createTask('other');
  const dataspace = kernel.createObject(owner, 'dataspace', 256);
  const otherInbox = kernel.createObject(other, 'endpoint');
  const toOther = deriveInto(kernel, other, otherInbox, owner, Rights.write | Rights.grant);
  const ownerThread = kernel.createThread(
    owner,
    'main',
    async (sys) => {
      for (const [offset, size] of [
        [0, 257],
        [200, 57],
        [256, 1],
        [-1, 10],
        [0, 0],
        [10, -1],
        [0.5, 10],
      ]) {
        assertIpcError(sys.mint(dataspace, Rights.read, null, { offset, size }), 'invalid', `window ${offset}+${size}`);
        assertIpcError(
          await sys.send(toOther, sys.message(1, [], [{ kind: 'map', slot: dataspace, offset, size }]), ZERO),
          'invalid',
          `map item ${offset}+${size}`,
        );
      }
      // Windows are relative to the sender's own window: 50+60 does not fit in a 100-byte window.
      const window = unwrap(sys.mint(dataspace, Rights.read | Rights.write, null, { offset: 100, size: 100 }));
      assertIpcError(sys.mint(window, Rights.read, null, { offset: 50, size: 60 }), 'invalid', 'sub-window past its parent');
      assertIpcError(await sys.send(toOther, sys.message(1, [], [{ kind: 'map', slot: window, offset: 50, size: 60 }]), ZERO), 'invalid');
      assertIpcError(await sys.send(toOther, sys.message(1, [], [{ kind: 'map', slot: window, offset: 100 }]), ZERO), 'invalid', 'empty remainder');
      const inner = unwrap(sys.mint(window, Rights.read | Rights.write, null, { offset: 50, size: 50 }));
      assert.equal(unwrap(sys.identify(inner)).size, 50);
      // Accesses outside a region's window.
      const region = unwrap(sys.region(window));
      assert.equal(region.write(99, Uint8Array.of(1, 2)), 'invalid');
      assert.equal(region.read(-1, new Uint8Array(1)), 'invalid');
      assert.equal(region.read(0.5, new Uint8Array(1)), 'invalid');
      assert.equal(region.write8(100, 1), 'invalid');
      assert.equal(region.read8(100), -1);
      assert.equal(unwrap(sys.region(dataspace)).read8(200), 0, 'the refused write at 199..200 wrote nothing');
      // Dataspaces must have a size.
      for (const size of [0, -1, 1.5, 0x8000_0001]) assertIpcError(sys.create('dataspace', size), 'invalid', `dataspace of ${size} bytes`);
      assert.equal(unwrap(sys.identify(unwrap(sys.create('dataspace', 4096)))).size, 4096);
      // A valid window still goes through, and is the only message that arrives.
      assertIpcOk(await sys.send(toOther, sys.message(2, [], [{ kind: 'map', slot: dataspace, offset: 255, size: 1 }])));
    },
    { priority: 60 },
  );
  const otherThread = kernel.createThread(
    other,
    'main',
    async (sys) => {
      const result = await sys.receive(otherInbox);
      assertIpcOk(result);
      assert.equal(result.tag.label, 2);
      const item = sys.received[0];
      assert.ok(item.kind === 'map');
      assert.equal(item.size, 1);
      assertIpcError(await sys.receive(otherInbox, ZERO), 'timeout');
    },
    { priority: 50 },
  );
  await runKernel(kernel);
  assertAllFinished(ownerThread, otherThread);
});

/** Maps a window of `slot` to the task behind `inbox`, through a map item. */
async function mapTo(sys: Sys, inbox: number, slot: number, offset: number, size: number, rights: RightsMask): Promise<void> {
  assertIpcOk(await sys.send(inbox, sys.message(0, [], [{ kind: 'map', slot, offset, size, rights }])), 'map');
}

/** A task that receives one mapping on its inbox, keeps its region, and maps part of it onward. */
function link(
  kernel: Kernel,
  task: Task,
  inbox: number,
  onward: { inbox: number; offset: number; size: number } | null,
  regions: Map<string, Region>,
): void {
  kernel.createThread(task, 'main', async (sys) => {
    assertIpcOk(await sys.receive(inbox));
    const item = sys.received[0];
    assert.ok(item.kind === 'map');
    regions.set(task.name, unwrap(sys.region(item.slot)));
    if (onward !== null) await mapTo(sys, onward.inbox, item.slot, onward.offset, onward.size, Rights.read | Rights.write);
    // Keep running until told: the revoke happens meanwhile.
    assertIpcOk(await sys.receive(inbox));
    if (task.name === 'b') assert.equal(await sys.revoke(item.slot), null);
  });
}

test('DS0004 unmap (revoke) is recursive', async () => {
  const { kernel } = newKernel();
  const owner = kernel.createTask('owner');
  const names = ['b', 'c', 'd', 'e'];
  const tasks = new Map(names.map((name) => [name, kernel.createTask(name)]));
  const inboxes = new Map<string, { own: number; fromOwner: number }>();
  const regions = new Map<string, Region>();
  const dataspace = kernel.createObject(owner, 'dataspace', 4096);
  for (const [name, task] of tasks) {
    const own = kernel.createObject(task, 'endpoint');
    inboxes.set(name, { own, fromOwner: deriveInto(kernel, task, own, owner, Rights.write | Rights.grant) });
  }
  // owner -> b (0..2047) -> c (b's 1024..2047) -> d (c's 0..511); owner -> e, a sibling branch.
  const inboxOf = (name: string): { own: number; fromOwner: number } => {
    const entry = inboxes.get(name);
    if (entry === undefined) throw new Error(`no inbox ${name}`);
    return entry;
  };
  const taskOf = (name: string): Task => {
    const task = tasks.get(name);
    if (task === undefined) throw new Error(`no task ${name}`);
    return task;
  };
  const cFromB = deriveInto(kernel, taskOf('c'), inboxOf('c').own, taskOf('b'), Rights.write | Rights.grant);
  const dFromC = deriveInto(kernel, taskOf('d'), inboxOf('d').own, taskOf('c'), Rights.write | Rights.grant);
  link(kernel, taskOf('b'), inboxOf('b').own, { inbox: cFromB, offset: 1024, size: 1024 }, regions);
  link(kernel, taskOf('c'), inboxOf('c').own, { inbox: dFromC, offset: 0, size: 512 }, regions);
  link(kernel, taskOf('d'), inboxOf('d').own, null, regions);
  link(kernel, taskOf('e'), inboxOf('e').own, null, regions);
  const validity: string[] = [];
  const snapshot = (): string => names.map((name) => `${name}:${regions.get(name)?.valid === true ? 'mapped' : 'unmapped'}`).join(' ');
  const ownerThread = kernel.createThread(
    owner,
    'main',
    async (sys) => {
      const region = unwrap(sys.region(dataspace));
      region.write8(1024 + 100, 0x42);
      await mapTo(sys, inboxOf('b').fromOwner, dataspace, 0, 2048, Rights.read | Rights.write);
      await mapTo(sys, inboxOf('e').fromOwner, dataspace, 1024, 1024, Rights.read);
      await sys.sleep(milliseconds(1));
      validity.push(snapshot());
      assert.equal(regions.get('d')?.read8(100), 0x42, 'd sees the owner memory through three mappings');
      // b revokes its mapping: c and d (derived from it) go, b and e stay.
      assertIpcOk(await sys.send(inboxOf('b').fromOwner, sys.message(1, [])));
      await sys.sleep(milliseconds(1));
      validity.push(snapshot());
      // The owner revokes its original: everything goes, the owner's own access stays.
      assert.equal(await sys.revoke(dataspace), null);
      validity.push(snapshot());
      for (const name of ['c', 'd', 'e']) assertIpcOk(await sys.send(inboxOf(name).fromOwner, sys.message(1, [])));
      assert.equal(region.read8(1024 + 100), 0x42);
      assert.equal(region.valid, true);
    },
    { priority: 10 },
  );
  await runKernel(kernel);
  assertAllFinished(ownerThread);
  assert.deepEqual(validity, [
    'b:mapped c:mapped d:mapped e:mapped',
    'b:mapped c:unmapped d:unmapped e:mapped',
    'b:unmapped c:unmapped d:unmapped e:unmapped',
  ]);
  for (const name of names) assert.deepEqual(taskOf(name).mappings(), [], `${name} has no mapping left`);
});
