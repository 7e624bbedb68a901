// Capabilities: nothing is reachable without one; badges identify clients; copy, mint and map
// items build a derivation tree that revoke removes (recursively, across tasks) and delete keeps.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernel } from '../../src/kernel/kernel.js';
import type { Region } from '../../src/kernel/dataspace.js';
import type { Task } from '../../src/kernel/task.js';
import { NEVER, Rights, ZERO, milliseconds, type IpcResult, type Result } from '../../src/kernel/types.js';
import {
  assertAllFinished,
  assertIpcError,
  assertIpcOk,
  capabilityAt,
  deriveInto,
  newKernel,
  runKernel,
  unwrap,
} from './helpers.js';

test('CAP0001 IPC without a capability is refused and never delivered', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const notification = kernel.createObject(serverTask, 'notification');
  const dataspace = kernel.createObject(serverTask, 'dataspace', 64);
  const readOnlyEndpoint = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.read | Rights.grant);
  const writeOnlyEndpoint = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write);
  const notificationCap = deriveInto(kernel, serverTask, notification, clientTask, Rights.write);
  const waitOnlyNotification = deriveInto(kernel, serverTask, notification, clientTask, Rights.read);
  const dataspaceCap = deriveInto(kernel, serverTask, dataspace, clientTask, Rights.read | Rights.write);
  const emptySlot = 99;
  const refused: string[] = [];
  const client = kernel.createThread(
    clientTask,
    'main',
    async (sys) => {
      const attempts: [string, Promise<IpcResult>][] = [
        ['send through an empty slot', sys.send(emptySlot, sys.message(1, [1]))],
        ['call through an empty slot', sys.call(emptySlot, sys.message(1, [1]))],
        ['send through a notification capability', sys.send(notificationCap, sys.message(1, [1]))],
        ['send through a dataspace capability', sys.send(dataspaceCap, sys.message(1, [1]))],
        ['send without the write right', sys.send(readOnlyEndpoint, sys.message(1, [1]))],
        ['call without the write right', sys.call(readOnlyEndpoint, sys.message(1, [1]))],
        ['receive without the read right', sys.receive(writeOnlyEndpoint, NEVER)],
        ['receive through an empty slot', sys.receive(emptySlot, NEVER)],
        ['receive through a dataspace capability', sys.receive(dataspaceCap, NEVER)],
        ['wait without the read right', sys.receive(notificationCap, NEVER)],
        ['replyTo through an endpoint capability', sys.replyTo(writeOnlyEndpoint, sys.message(1, [1]))],
      ];
      for (const [what, attempt] of attempts) {
        assertIpcError(await attempt, 'no-right', what);
        refused.push(what);
      }
      assert.equal(await sys.signal(writeOnlyEndpoint, 1), 'no-right', 'signal through an endpoint capability');
      assert.equal(await sys.signal(waitOnlyNotification, 1), 'no-right', 'signal without the write right');
      assert.equal(await sys.signal(emptySlot, 1), 'no-right', 'signal through an empty slot');
      assertIpcError(sys.identify(emptySlot), 'no-right', 'identify an empty slot');
      assertIpcError(sys.mint(emptySlot, Rights.all, null), 'no-right', 'mint from an empty slot');
      assertIpcError(sys.region(writeOnlyEndpoint), 'no-right', 'region of an endpoint');
      assertIpcError(sys.region(emptySlot), 'no-right', 'region of an empty slot');
      assert.equal(await sys.revoke(emptySlot), 'no-right');
      assert.equal(await sys.delete(emptySlot), 'no-right');
      assert.equal(sys.irqAttach(notificationCap), 'no-right', 'irqAttach to a notification');
      // A map item of a capability the sender does not have.
      assertIpcError(await sys.send(writeOnlyEndpoint, sys.message(1, [], [{ kind: 'map', slot: emptySlot }])), 'no-right', 'map of an empty slot');
    },
    { priority: 50 },
  );
  let serverOutcome: IpcResult | null = null;
  let notificationOutcome: string | null = null;
  const server = kernel.createThread(
    serverTask,
    'main',
    async (sys) => {
      // Waits (at higher priority, so it is waiting before any attempt) and must get nothing.
      serverOutcome = await sys.receive(endpoint, milliseconds(10));
      const bits = await sys.wait(notification, ZERO);
      notificationOutcome = bits.ok ? `bits ${bits.value}` : bits.error;
    },
    { priority: 60 },
  );
  await runKernel(kernel);
  assertAllFinished(client, server);
  assert.equal(refused.length, 11);
  assert.deepEqual(serverOutcome, { ok: false, error: 'timeout' }, 'the server never received anything');
  assert.equal(notificationOutcome, 'timeout', 'the notification was never signalled');
  assert.equal(kernel.stats.ipcs, 0, 'no refused IPC was counted as sent');
});

/** A task with an inbox endpoint (its original) that `sender` may send map items to; returns both slots. */
function inbox(kernel: Kernel, owner: Task, sender: Task): { inbox: number; senderSlot: number } {
  const slot = kernel.createObject(owner, 'endpoint');
  return { inbox: slot, senderSlot: deriveInto(kernel, owner, slot, sender, Rights.write | Rights.grant) };
}

test('CAP0002 a minted badge is what the server sees', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const service = kernel.createObject(serverTask, 'endpoint');
  const events = kernel.createObject(serverTask, 'notification');
  const seen: string[] = [];
  const clients = [
    { name: 'alice', badge: 0x1234 },
    { name: 'bob', badge: 0x8000_0001 },
  ].map(({ name, badge }) => {
    const task = kernel.createTask(name);
    const box = inbox(kernel, task, serverTask);
    const thread = kernel.createThread(
      task,
      'main',
      async (sys) => {
        assertIpcOk(await sys.receive(box.inbox));
        const [endpointItem, notificationItem] = sys.received;
        assert.ok(endpointItem.kind === 'map' && notificationItem.kind === 'map');
        assert.equal(unwrap(sys.identify(endpointItem.slot)).badge, badge);
        // The badge comes along on copies, and the server sees it on every call.
        const copy = unwrap(sys.copy(endpointItem.slot));
        for (const slot of [endpointItem.slot, copy]) {
          const answer = await sys.call(slot, sys.message(1, []));
          assertIpcOk(answer);
          assert.equal(sys.mr[0], badge);
        }
        // A signal without bits sends the badge.
        assert.equal(await sys.signal(notificationItem.slot), null);
      },
      { priority: 50 },
    );
    return { badge, box, thread };
  });
  const server = kernel.createThread(
    serverTask,
    'main',
    async (sys) => {
      for (const client of clients) {
        const endpointCap = unwrap(sys.mint(service, Rights.write, client.badge));
        const notificationCap = unwrap(sys.mint(events, Rights.write, client.badge));
        assertIpcOk(await sys.send(client.box.senderSlot, sys.message(0, [], [
          { kind: 'map', slot: endpointCap },
          { kind: 'map', slot: notificationCap },
        ])));
      }
      for (let i = 0; i < 4; i++) {
        const request = await sys.receive(service);
        assertIpcOk(request);
        seen.push(request.badge.toString(16));
        assertIpcOk(await sys.reply(sys.message(2, [request.badge])));
      }
      const bits = unwrap(await sys.wait(events));
      seen.push(`bits ${bits.toString(16)}`);
    },
    { priority: 40 },
  );
  await runKernel(kernel);
  assertAllFinished(server, ...clients.map((client) => client.thread));
  // The server answers in arrival order: alice's second call queues behind bob's first.
  assert.deepEqual(seen, ['1234', '80000001', '1234', '80000001', 'bits 80001235']);
});

test('CAP0003 revoke removes every derived capability and mapping', async () => {
  const { kernel } = newKernel();
  const a = kernel.createTask('a');
  const b = kernel.createTask('b');
  const c = kernel.createTask('c');
  const endpoint = kernel.createObject(a, 'endpoint');
  const dataspace = kernel.createObject(a, 'dataspace', 4096);
  const toB = inbox(kernel, b, a);
  const toC = inbox(kernel, c, b);
  const derivedIn = { b: [] as number[], c: [] as number[] };
  const regions: Region[] = [];
  const afterRevoke: string[] = [];

  const threadA = kernel.createThread(
    a,
    'main',
    async (sys) => {
      assert.equal(unwrap(sys.region(dataspace)).write8(1536, 0x11), null); // c's window starts here
      const badged = unwrap(sys.mint(endpoint, Rights.write | Rights.grant, 5));
      assertIpcOk(await sys.send(toB.senderSlot, sys.message(0, [], [
        { kind: 'map', slot: badged },
        { kind: 'map', slot: dataspace, offset: 1024, size: 1024 },
      ])));
      // C calls through the capability that went A -> B -> C, at 1 ms.
      const request = await sys.receive(endpoint);
      assertIpcOk(request);
      assert.equal(request.badge, 5);
      assert.equal(sys.mr[0], 0xc);
      await sys.sleep(milliseconds(1)); // 2 ms
      assert.equal(await sys.revoke(endpoint), null);
      assert.equal(await sys.revoke(dataspace), null);
      assertIpcError(sys.identify(badged), 'no-right', "a's own minted capability is revoked too");
      // The originals stay, with nothing derived from them.
      assert.equal(unwrap(sys.identify(endpoint)).rights, Rights.all);
      assert.equal(capabilityAt(a, endpoint).children.size, 0);
      assert.equal(capabilityAt(a, dataspace).children.size, 0);
      assert.equal(unwrap(sys.region(dataspace)).write8(1536, 0xee), null);
      // Nothing sent through the revoked capabilities arrives.
      assertIpcError(await sys.receive(endpoint, milliseconds(5)), 'timeout', 'receive after revoke');
    },
    { priority: 30 },
  );
  const threadB = kernel.createThread(
    b,
    'main',
    async (sys) => {
      assertIpcOk(await sys.receive(toB.inbox));
      const [endpointItem, dataspaceItem] = sys.received;
      assert.ok(endpointItem.kind === 'map' && dataspaceItem.kind === 'map');
      const copy = unwrap(sys.copy(endpointItem.slot));
      const writeOnly = unwrap(sys.mint(copy, Rights.write, null));
      const window = unwrap(sys.mint(dataspaceItem.slot, Rights.read | Rights.write, null, { offset: 256, size: 512 }));
      derivedIn.b.push(endpointItem.slot, dataspaceItem.slot, copy, writeOnly, window);
      regions.push(unwrap(sys.region(dataspaceItem.slot)), unwrap(sys.region(window)));
      assertIpcOk(await sys.send(toC.senderSlot, sys.message(0, [], [
        { kind: 'map', slot: copy },
        { kind: 'map', slot: window, offset: 256, size: 256, rights: Rights.read },
      ])));
      await sys.sleep(milliseconds(3)); // until after the revoke at 2 ms
      for (const slot of derivedIn.b) assertIpcError(sys.identify(slot), 'no-right', `b slot ${slot} after revoke`);
      assertIpcError(await sys.send(writeOnly, sys.message(1, [0xb]), ZERO), 'no-right', 'b sends after revoke');
      assertIpcError(await sys.send(endpointItem.slot, sys.message(1, [0xb]), ZERO), 'no-right');
      assert.deepEqual(b.mappings(), [], "b's address space has no mapping left");
      afterRevoke.push('b checked');
    },
    { priority: 20 },
  );
  const threadC = kernel.createThread(
    c,
    'main',
    async (sys) => {
      assertIpcOk(await sys.receive(toC.inbox));
      const [endpointItem, dataspaceItem] = sys.received;
      assert.ok(endpointItem.kind === 'map' && dataspaceItem.kind === 'map');
      assert.equal(dataspaceItem.size, 256);
      const mine = unwrap(sys.mint(endpointItem.slot, Rights.write, null));
      derivedIn.c.push(endpointItem.slot, dataspaceItem.slot, mine);
      const region = unwrap(sys.region(dataspaceItem.slot));
      regions.push(region);
      await sys.sleep(milliseconds(1));
      assertIpcOk(await sys.send(mine, sys.message(1, [0xc])));
      // b's window starts at 1024 + 256, c's at 256 into it: dataspace offset 1536.
      assert.equal(region.read8(0), 0x11);
      assert.equal(region.write8(0, 1), 'no-right', 'mapped read-only to c');
      await sys.sleep(milliseconds(2)); // 3 ms
      for (const slot of derivedIn.c) assertIpcError(sys.identify(slot), 'no-right', `c slot ${slot} after revoke`);
      assertIpcError(await sys.send(mine, sys.message(1, [0xc]), ZERO), 'no-right', 'c sends after revoke');
      assertIpcError(await sys.call(endpointItem.slot, sys.message(1, [0xc])), 'no-right', 'c calls after revoke');
      assert.equal(region.read8(0), -1, 'an unmapped region reads nothing');
      assert.deepEqual(c.mappings(), []);
      afterRevoke.push('c checked');
    },
    { priority: 10 },
  );
  await runKernel(kernel);
  assertAllFinished(threadA, threadB, threadC);
  assert.equal(regions.length, 3);
  for (const region of regions) assert.equal(region.valid, false);
  assert.deepEqual(afterRevoke.sort(), ['b checked', 'c checked']);
  assert.equal(derivedIn.b.length + derivedIn.c.length, 8);
});

// Revoking a capability cancels a send queued through it, so the server never gets a message with
// a badge it has revoked (and may have handed out again).
test('CAP0003b a send blocked on a capability that is then revoked is not delivered', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const clientSlot = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write, 5);
  let senderOutcome: IpcResult | null = null;
  let serverOutcome: IpcResult | null = null;
  const client = kernel.createThread(clientTask, 'main', async (sys) => {
    senderOutcome = await sys.send(clientSlot, sys.message(1, [77])); // blocks: nobody receives yet
  });
  const server = kernel.createThread(serverTask, 'main', async (sys) => {
    await sys.sleep(milliseconds(1));
    assert.equal(await sys.revoke(endpoint), null); // e.g. the client's VM is torn down
    serverOutcome = await sys.receive(endpoint, milliseconds(1));
  });
  await runKernel(kernel);
  assertAllFinished(client, server);
  assert.deepEqual(serverOutcome, { ok: false, error: 'timeout' }, 'a message sent with the revoked badge 5 arrived after the revoke');
  assert.deepEqual(senderOutcome, { ok: false, error: 'cancelled' });
});

test('CAP0004 delete keeps derived capabilities', async () => {
  const { kernel } = newKernel();
  const a = kernel.createTask('a');
  const b = kernel.createTask('b');
  const c = kernel.createTask('c');
  const endpoint = kernel.createObject(a, 'endpoint');
  const dataspace = kernel.createObject(a, 'dataspace', 256);
  const toB = inbox(kernel, b, a);
  const toC = inbox(kernel, c, b);
  const log: string[] = [];
  const threadA = kernel.createThread(
    a,
    'main',
    async (sys) => {
      const badged = unwrap(sys.mint(endpoint, Rights.write | Rights.grant, 3));
      assertIpcOk(await sys.send(toB.senderSlot, sys.message(0, [], [{ kind: 'map', slot: badged }, { kind: 'map', slot: dataspace }])));
      // Deleting a's own derived capability keeps what was derived from it (b's and c's).
      assert.equal(await sys.delete(badged), null);
      const request = await sys.receive(endpoint);
      assertIpcOk(request);
      log.push(`a got ${sys.mr[0]} with badge ${request.badge}`);
      assert.equal(unwrap(sys.region(dataspace)).read8(7), 0x77, 'what c wrote through its mapping');
      assert.equal(await sys.revoke(endpoint), null);
      assert.equal(await sys.revoke(dataspace), null);
      log.push('a revoked');
    },
    { priority: 30 },
  );
  const threadB = kernel.createThread(
    b,
    'main',
    async (sys) => {
      assertIpcOk(await sys.receive(toB.inbox));
      const [endpointItem, dataspaceItem] = sys.received;
      assert.ok(endpointItem.kind === 'map' && dataspaceItem.kind === 'map');
      assertIpcOk(await sys.send(toC.senderSlot, sys.message(0, [], [{ kind: 'map', slot: endpointItem.slot }, { kind: 'map', slot: dataspaceItem.slot }])));
      assert.equal(await sys.delete(endpointItem.slot), null);
      assert.equal(await sys.delete(dataspaceItem.slot), null);
      assertIpcError(sys.identify(endpointItem.slot), 'no-right', 'deleted in b');
      log.push('b deleted');
    },
    { priority: 20 },
  );
  const threadC = kernel.createThread(
    c,
    'main',
    async (sys) => {
      assertIpcOk(await sys.receive(toC.inbox));
      const [endpointItem, dataspaceItem] = sys.received;
      assert.ok(endpointItem.kind === 'map' && dataspaceItem.kind === 'map');
      await sys.sleep(milliseconds(1)); // after b deleted its capabilities
      assert.equal(unwrap(sys.identify(endpointItem.slot)).badge, 3, "c's capability survived b's delete");
      const region = unwrap(sys.region(dataspaceItem.slot));
      assert.equal(region.write8(7, 0x77), null);
      assertIpcOk(await sys.send(endpointItem.slot, sys.message(1, [0xc])));
      // a revoked its originals: c's capabilities (re-parented up the tree) are gone.
      assertIpcError(sys.identify(endpointItem.slot), 'no-right', 'c after revoke');
      assert.equal(region.valid, false);
      log.push('c saw the revoke');
    },
    { priority: 10 },
  );
  await runKernel(kernel);
  assertAllFinished(threadA, threadB, threadC);
  assert.deepEqual(log, ['b deleted', 'a got 12 with badge 3', 'a revoked', 'c saw the revoke']);
});

test('CAP0005 deleting the original destroys the object and cancels blocked threads', async () => {
  const { kernel } = newKernel();
  const owner = kernel.createTask('owner');
  const user = kernel.createTask('user');
  const receiveEndpoint = kernel.createObject(owner, 'endpoint');
  const sendEndpoint = kernel.createObject(owner, 'endpoint');
  const notification = kernel.createObject(owner, 'notification');
  const userReceive = deriveInto(kernel, owner, receiveEndpoint, user, Rights.read);
  const userSend = deriveInto(kernel, owner, sendEndpoint, user, Rights.write);
  const userNotification = deriveInto(kernel, owner, notification, user, Rights.read | Rights.write);
  const objectIds = [receiveEndpoint, sendEndpoint, notification].map((slot) => capabilityAt(owner, slot).object.id);
  const outcomes = new Map<string, string>();
  const record = (name: string, result: IpcResult | Result<number>, at: number): void => {
    outcomes.set(name, `${result.ok ? 'ok' : result.error} at ${at / 1e6} ms`);
  };
  const blocked = [
    kernel.createThread(owner, 'receiver', async (sys) => record('owner receiver', await sys.receive(receiveEndpoint), sys.now())),
    kernel.createThread(user, 'receiver', async (sys) => record('user receiver', await sys.receive(userReceive, milliseconds(50)), sys.now())),
    kernel.createThread(user, 'sender', async (sys) => record('user sender', await sys.send(userSend, sys.message(1, [])), sys.now())),
    kernel.createThread(user, 'caller', async (sys) => record('user caller', await sys.call(userSend, sys.message(1, [])), sys.now())),
    kernel.createThread(user, 'waiter', async (sys) => record('user waiter', await sys.wait(userNotification), sys.now())),
  ];
  const deleter = kernel.createThread(
    owner,
    'deleter',
    async (sys) => {
      await sys.sleep(milliseconds(2));
      assert.equal(await sys.delete(receiveEndpoint), null);
      assert.equal(await sys.delete(sendEndpoint), null);
      assert.equal(await sys.delete(notification), null);
      assertIpcError(sys.identify(receiveEndpoint), 'no-right', 'the original itself is gone');
    },
    { priority: 10 },
  );
  await runKernel(kernel);
  assertAllFinished(deleter, ...blocked);
  assert.deepEqual(Object.fromEntries(outcomes), {
    'owner receiver': 'cancelled at 2 ms',
    'user receiver': 'cancelled at 2 ms',
    'user sender': 'cancelled at 2 ms',
    'user caller': 'cancelled at 2 ms',
    'user waiter': 'cancelled at 2 ms',
  });
  // The derived capabilities went with the object.
  for (const slot of [userReceive, userSend, userNotification]) assert.equal(user.capabilities.get(slot), null);
  assert.equal(owner.capabilities.entries().length, 0);
  for (const id of objectIds) assert.equal(kernel.objects.has(id), false, `object ${id} is destroyed`);
});

test('CAP0005b IPC through a capability to a destroyed object fails at once', async () => {
  // The root task hands out capabilities with Kernel.grantCapability, outside the derivation tree:
  // deleting the object's original cannot revoke them, so the kernel must refuse IPC on the dead object.
  const { kernel } = newKernel();
  const owner = kernel.createTask('owner');
  const user = kernel.createTask('user');
  const endpoint = kernel.createObject(owner, 'endpoint');
  const notification = kernel.createObject(owner, 'notification');
  const grantedEndpoint = kernel.grantCapability(user, capabilityAt(owner, endpoint).object, Rights.read | Rights.write, 0);
  const grantedNotification = kernel.grantCapability(user, capabilityAt(owner, notification).object, Rights.read | Rights.write, 0);
  const outcomes: string[] = [];
  const deleter = kernel.createThread(owner, 'main', async (sys) => {
    assert.equal(await sys.delete(endpoint), null);
    assert.equal(await sys.delete(notification), null);
  });
  const userThread = kernel.createThread(user, 'main', async (sys) => {
    await sys.sleep(milliseconds(1));
    const start = sys.now();
    const describe = (result: IpcResult | Result<number>): string =>
      result.ok ? 'ok' : result.error === 'timeout' ? 'timeout' : 'refused';
    outcomes.push(`send ${describe(await sys.send(grantedEndpoint, sys.message(1, []), milliseconds(5)))}`);
    outcomes.push(`receive ${describe(await sys.receive(grantedEndpoint, milliseconds(5)))}`);
    outcomes.push(`signal ${(await sys.signal(grantedNotification, 1)) === null ? 'ok' : 'refused'}`);
    outcomes.push(`wait ${describe(await sys.wait(grantedNotification, milliseconds(5)))}`);
    outcomes.push(`took ${(sys.now() - start) / 1e6} ms`);
  });
  await runKernel(kernel);
  assertAllFinished(deleter, userThread);
  assert.deepEqual(outcomes, ['send refused', 'receive refused', 'signal refused', 'wait refused', 'took 0 ms']);
});

test('CAP0006 mint cannot add rights or re-badge', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const notification = kernel.createObject(serverTask, 'notification');
  const dataspace = kernel.createObject(serverTask, 'dataspace', 128);
  const badgedWrite = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write, 7);
  const unbadgedRead = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.read);
  const readOnlyMemory = deriveInto(kernel, serverTask, dataspace, clientTask, Rights.read);
  const badgedNotification = deriveInto(kernel, serverTask, notification, clientTask, Rights.write, 1);
  const badgesSeen: number[] = [];
  const client = kernel.createThread(
    clientTask,
    'main',
    async (sys) => {
      // Rights are only ever reduced: asking for all gives what the source has.
      const widened = unwrap(sys.mint(unbadgedRead, Rights.all, null));
      assert.equal(unwrap(sys.identify(widened)).rights, Rights.read);
      assertIpcError(await sys.send(widened, sys.message(1, []), ZERO), 'no-right', 'send through a widened read-only capability');
      const widenedMemory = unwrap(sys.mint(readOnlyMemory, Rights.all, null));
      assert.equal(unwrap(sys.region(widenedMemory)).write8(0, 1), 'no-right');
      assert.equal(unwrap(sys.region(widenedMemory)).view(), null);
      const copied = unwrap(sys.copy(readOnlyMemory));
      assert.equal(unwrap(sys.identify(copied)).rights, Rights.read);
      // No grant right: no map items through it, even on a copy asking for all rights.
      const writeCopy = unwrap(sys.copy(badgedWrite));
      assert.equal(unwrap(sys.identify(writeCopy)).rights, Rights.write);
      assertIpcError(await sys.send(writeCopy, sys.message(1, [], [{ kind: 'map', slot: readOnlyMemory }]), ZERO), 'no-right');
      // A badge cannot be changed or added to a badged capability.
      assertIpcError(sys.mint(badgedWrite, Rights.write, 8), 'invalid', 're-badge an endpoint capability');
      assertIpcError(sys.mint(badgedNotification, Rights.write, 2), 'invalid', 're-badge a notification capability');
      assertIpcError(sys.mint(readOnlyMemory, Rights.read, 3), 'invalid', 'badge a dataspace capability');
      assertIpcError(sys.mint(unbadgedRead, Rights.read, 0), 'invalid', 'badge 0');
      assertIpcError(sys.mint(unbadgedRead, Rights.read, 0x1_0000_0000), 'invalid', 'badge above 32 bits');
      assertIpcError(sys.mint(unbadgedRead, Rights.read, 1.5), 'invalid', 'fractional badge');
      // A window only for dataspaces.
      assertIpcError(sys.mint(badgedWrite, Rights.write, null, { offset: 0, size: 1 }), 'invalid', 'window of an endpoint');
      // Minting without a badge keeps the source's badge.
      const kept = unwrap(sys.mint(badgedWrite, Rights.write, null));
      assert.equal(unwrap(sys.identify(kept)).badge, 7);
      assertIpcOk(await sys.send(kept, sys.message(1, [])));
      assert.equal(await sys.signal(badgedNotification), null);
    },
    { priority: 50 },
  );
  const server = kernel.createThread(
    serverTask,
    'main',
    async (sys) => {
      const message = await sys.receive(endpoint);
      assertIpcOk(message);
      badgesSeen.push(message.badge);
      badgesSeen.push(unwrap(await sys.wait(notification)));
      assertIpcError(await sys.receive(endpoint, ZERO), 'timeout', 'nothing else arrived');
    },
    { priority: 60 },
  );
  await runKernel(kernel);
  assertAllFinished(client, server);
  assert.deepEqual(badgesSeen, [7, 1]);
});
