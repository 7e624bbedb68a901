// Synchronous IPC on one host CPU: rendezvous, timeouts measured on the virtual clock, replies,
// typed items (strings, map, grant) and message limits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  KernelLabel,
  MESSAGE_ITEMS,
  MESSAGE_WORDS,
  NEVER,
  Rights,
  STRING_ITEM_MAX_BYTES,
  ZERO,
  milliseconds,
  type IpcResult,
  type SendItem,
} from '../../src/kernel/types.js';
import {
  assertAllFinished,
  assertIpcError,
  assertIpcOk,
  capabilityAt,
  deriveInto,
  fromText,
  newKernel,
  runKernel,
  tagOf,
  text,
  unwrap,
} from './helpers.js';

test('IPC0001 call/reply rendezvous', async () => {
  // Both orders of arrival: the server waits first (higher priority), or the client waits first
  // (the server sleeps 1 ms before receiving).
  for (const serverFirst of [true, false]) {
    const { kernel } = newKernel();
    const serverTask = kernel.createTask('server');
    const clientTask = kernel.createTask('client');
    const endpoint = kernel.createObject(serverTask, 'endpoint');
    const clientSlot = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write, 42);
    const events: string[] = [];
    let replyTime = -1;

    const server = kernel.createThread(
      serverTask,
      'main',
      async (sys) => {
        if (!serverFirst) await sys.sleep(milliseconds(1));
        events.push('server receives');
        const request = await sys.receive(endpoint);
        assertIpcOk(request, 'receive');
        events.push('server got the call');
        assert.deepEqual(request.tag, tagOf(7, 2));
        assert.equal(request.badge, 42);
        assert.deepEqual([...sys.mr.subarray(0, 3)], [3, 4, 0], 'only the words the tag counts are copied');
        const reply = await sys.reply(sys.message(8, [sys.mr[0] + sys.mr[1], request.badge]));
        assertIpcOk(reply, 'reply');
      },
      { priority: serverFirst ? 100 : 50 },
    );
    const client = kernel.createThread(
      clientTask,
      'main',
      async (sys) => {
        events.push('client calls');
        const tag = sys.message(7, [3, 4]);
        sys.mr[2] = 99; // beyond the tag's word count: must not reach the server
        const answer = await sys.call(clientSlot, tag);
        assertIpcOk(answer, 'call');
        replyTime = sys.now();
        events.push('client got the reply');
        assert.deepEqual(answer.tag, tagOf(8, 2));
        assert.deepEqual([...sys.mr.subarray(0, 2)], [7, 42]);
      },
      { priority: serverFirst ? 50 : 100 },
    );
    await runKernel(kernel);
    assertAllFinished(server, client);
    if (serverFirst) {
      assert.deepEqual(events, ['server receives', 'client calls', 'server got the call', 'client got the reply']);
      assert.equal(replyTime, 0);
    } else {
      assert.deepEqual(events, ['client calls', 'server receives', 'server got the call', 'client got the reply']);
      assert.equal(replyTime, milliseconds(1), 'the call waited for the server to receive at 1 ms');
    }
  }
});

test('IPC0002 replyWait serves many clients in turn', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const badgesSeen: number[] = [];
  const answers = new Map<number, number[]>();
  const clients = [];
  for (let client = 1; client <= 3; client++) {
    const task = kernel.createTask(`client${client}`);
    const slot = deriveInto(kernel, serverTask, endpoint, task, Rights.write, 0x100 + client);
    answers.set(client, []);
    clients.push(
      kernel.createThread(
        task,
        'main',
        async (sys) => {
          for (let request = 0; request < 3; request++) {
            const result = await sys.call(slot, sys.message(1, [client * 10 + request]));
            assertIpcOk(result, `client ${client} call ${request}`);
            assert.equal(result.tag.words, 2);
            answers.get(client)?.push(sys.mr[0]);
            assert.equal(sys.mr[1], 0x100 + client, 'the server answered with this client badge');
            await sys.sleep(milliseconds(client)); // interleave the clients differently
          }
        },
        { priority: 50 },
      ),
    );
  }
  const server = kernel.createThread(
    serverTask,
    'main',
    async (sys) => {
      let result = await sys.receive(endpoint);
      while (result.ok) {
        badgesSeen.push(result.badge);
        result = await sys.replyWait(endpoint, sys.message(2, [sys.mr[0] * 2, result.badge]));
      }
    },
    { priority: 60 },
  );
  await runKernel(kernel);
  assertAllFinished(...clients);
  assert.equal(server.state, 'blocked-receive');
  for (let client = 1; client <= 3; client++) {
    assert.deepEqual(answers.get(client), [0, 1, 2].map((request) => (client * 10 + request) * 2));
    assert.equal(badgesSeen.filter((badge) => badge === 0x100 + client).length, 3);
  }
  assert.equal(badgesSeen.length, 9);
});

test('IPC0003 send to a thread not receiving blocks until the timeout', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const clientSlot = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write);
  let start = -1;
  let failedAt = -1;
  let late: IpcResult | null = null;
  const client = kernel.createThread(clientTask, 'main', async (sys) => {
    await sys.sleep(milliseconds(2)); // start at a time other than 0
    start = sys.now();
    const result = await sys.send(clientSlot, sys.message(1, [5]), milliseconds(3));
    failedAt = sys.now();
    assertIpcError(result, 'timeout', 'send');
  });
  const server = kernel.createThread(serverTask, 'main', async (sys) => {
    await sys.sleep(milliseconds(10)); // long after the sender gave up
    late = await sys.receive(endpoint, ZERO);
  });
  await runKernel(kernel);
  assertAllFinished(client, server);
  assert.equal(start, milliseconds(2));
  assert.equal(failedAt, start + milliseconds(3));
  assert.deepEqual(late, { ok: false, error: 'timeout' }, 'a send that timed out is withdrawn from the endpoint');
});

test('IPC0004 ZERO send timeout fails at once', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const clientSlot = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write);
  let late: IpcResult | null = null;
  const client = kernel.createThread(clientTask, 'main', async (sys) => {
    await sys.sleep(milliseconds(1));
    const before = sys.now();
    assertIpcError(await sys.send(clientSlot, sys.message(1, [5]), ZERO), 'timeout', 'send');
    assertIpcError(await sys.call(clientSlot, sys.message(1, [5]), { send: ZERO }), 'timeout', 'call');
    assert.equal(sys.now(), before, 'time did not advance');
  });
  const server = kernel.createThread(serverTask, 'main', async (sys) => {
    await sys.sleep(milliseconds(2));
    late = await sys.receive(endpoint, ZERO);
    // A ZERO receive with nothing queued fails at once too.
    const before = sys.now();
    assertIpcError(await sys.receive(endpoint, ZERO), 'timeout', 'receive');
    assert.equal(sys.now(), before);
  });
  await runKernel(kernel);
  assertAllFinished(client, server);
  assert.deepEqual(late, { ok: false, error: 'timeout' }, 'nothing was left queued');
});

test('IPC0005 receive timeout fires at the right virtual time', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const clientSlot = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write);
  const times: number[] = [];
  const server = kernel.createThread(serverTask, 'main', async (sys) => {
    await sys.sleep(milliseconds(1));
    assertIpcError(await sys.receive(endpoint, milliseconds(4)), 'timeout', 'first receive');
    times.push(sys.now()); // 5 ms
    // A receive that gets its message (at 6 ms) before its timeout (at 15 ms) ...
    const got = await sys.receive(endpoint, milliseconds(10));
    assertIpcOk(got, 'second receive');
    times.push(sys.now());
    // ... leaves no stale timer behind: this one waits past 15 ms for the message sent at 20 ms.
    const again = await sys.receive(endpoint, NEVER);
    assertIpcOk(again, 'third receive');
    times.push(sys.now());
    assert.equal(sys.mr[0], 2);
  });
  const client = kernel.createThread(clientTask, 'main', async (sys) => {
    await sys.sleep(milliseconds(6));
    assertIpcOk(await sys.send(clientSlot, sys.message(1, [1])));
    await sys.sleep(milliseconds(14));
    assertIpcOk(await sys.send(clientSlot, sys.message(1, [2])));
  });
  await runKernel(kernel);
  assertAllFinished(server, client);
  assert.deepEqual(times, [milliseconds(5), milliseconds(6), milliseconds(20)]);
});

test('IPC0006 call receive timeout', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const lonely = kernel.createObject(serverTask, 'endpoint');
  const clientSlot = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write);
  const lonelySlot = deriveInto(kernel, serverTask, lonely, clientTask, Rights.write);
  let receivedAt = -1;
  let gaveUpAt = -1;
  let sendGaveUpAt = -1;
  const client = kernel.createThread(clientTask, 'main', async (sys) => {
    // The receive timeout starts when the server takes the call (at 5 ms), not when the call begins.
    const result = await sys.call(clientSlot, sys.message(1, [1]), { receive: milliseconds(2) });
    gaveUpAt = sys.now();
    assertIpcError(result, 'timeout', 'call');
    // Nobody ever receives on `lonely`: the send phase times out.
    const start = sys.now();
    assertIpcError(await sys.call(lonelySlot, sys.message(1, [1]), { send: milliseconds(3), receive: milliseconds(100) }), 'timeout');
    sendGaveUpAt = sys.now() - start;
  });
  const server = kernel.createThread(serverTask, 'main', async (sys) => {
    await sys.sleep(milliseconds(5));
    assertIpcOk(await sys.receive(endpoint));
    receivedAt = sys.now();
    // never replies
  });
  await runKernel(kernel);
  assertAllFinished(client, server);
  assert.equal(receivedAt, milliseconds(5));
  assert.equal(gaveUpAt, milliseconds(7));
  assert.equal(sendGaveUpAt, milliseconds(3));
});

test('IPC0007 reply to a caller that gave up is no-partner', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const clientSlot = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write);
  const outcomes: string[] = [];
  const client = kernel.createThread(
    clientTask,
    'main',
    async (sys) => {
      assertIpcError(await sys.call(clientSlot, sys.message(1, [1]), { receive: milliseconds(1) }), 'timeout', 'first call');
      outcomes.push(`call 1 timed out at ${sys.now()}`);
      // A second call from the same thread: the stale reply to the first must not answer it.
      const second = await sys.call(clientSlot, sys.message(2, [2]));
      assertIpcOk(second, 'second call');
      outcomes.push(`call 2 answered with label ${second.tag.label} word ${sys.mr[0]}`);
    },
    { priority: 50 },
  );
  const server = kernel.createThread(
    serverTask,
    'main',
    async (sys) => {
      assertIpcOk(await sys.receive(endpoint));
      await sys.sleep(milliseconds(2));
      // The caller gave up at 1 ms and is now blocked sending its second call.
      assertIpcError(await sys.reply(sys.message(10, [10])), 'no-partner', 'late reply');
      outcomes.push('late reply refused');

      // Same with a saved reply capability, while the caller waits for the reply to another call.
      const second = await sys.receive(endpoint);
      assertIpcOk(second);
      assert.equal(second.tag.label, 2);
      const saved = unwrap(sys.saveReply());
      assertIpcError(await sys.reply(sys.message(11, [11])), 'no-partner', 'reply after saveReply');
      assertIpcOk(await sys.replyTo(saved, sys.message(12, [12])), 'reply through the saved capability');
      // Nothing pending any more.
      assertIpcError(await sys.reply(sys.message(13, [13])), 'no-partner', 'reply with no caller');
      assertIpcError(sys.saveReply(), 'no-partner', 'saveReply with no caller');
    },
    { priority: 60 },
  );
  await runKernel(kernel);
  assertAllFinished(client, server);
  assert.deepEqual(outcomes, [`call 1 timed out at ${milliseconds(1)}`, 'late reply refused', 'call 2 answered with label 12 word 12']);
});

test('IPC0007b reply to the first call cannot answer a later call of the same caller', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const clientSlot = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write);
  const answers: number[] = [];
  const client = kernel.createThread(clientTask, 'main', async (sys) => {
    assertIpcError(await sys.call(clientSlot, sys.message(1, [1]), { receive: milliseconds(1) }), 'timeout');
    const second = await sys.call(clientSlot, sys.message(2, [2]));
    assertIpcOk(second);
    answers.push(sys.mr[0]);
  });
  const server = kernel.createThread(serverTask, 'main', async (sys) => {
    assertIpcOk(await sys.receive(endpoint));
    const first = unwrap(sys.saveReply());
    // Take the second call: the client is now blocked waiting for ITS reply.
    assertIpcOk(await sys.receive(endpoint));
    assert.equal(sys.mr[0], 2);
    assertIpcError(await sys.replyTo(first, sys.message(1, [111])), 'no-partner', 'the reply to call 1');
    assertIpcOk(await sys.reply(sys.message(2, [222])));
  });
  await runKernel(kernel);
  assertAllFinished(client, server);
  assert.deepEqual(answers, [222]);
});

test('IPC0008 string items are copied', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const clientSlot = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write); // no grant right: strings need none
  const seen: string[] = [];
  const client = kernel.createThread(
    clientTask,
    'main',
    async (sys) => {
      const buffer = text('hello');
      const empty = new Uint8Array(0);
      // The send blocks until the (lower-priority) server takes it; the client then changes its buffer
      // before the server looks at its copy.
      assertIpcOk(await sys.send(clientSlot, sys.message(1, [], [{ kind: 'string', bytes: buffer }, { kind: 'string', bytes: empty }])));
      buffer.set(text('HELLO'));
      // A call whose reply carries a string back.
      const ping = text('ping');
      const call = await sys.call(clientSlot, sys.message(2, [], [{ kind: 'string', bytes: ping }]));
      assertIpcOk(call);
      assert.equal(fromText(ping), 'ping', 'the server changing its copy did not change the sender');
      assert.equal(call.tag.items, 1);
      const item = sys.received[0];
      assert.equal(item.kind, 'string');
      if (item.kind === 'string') seen.push(`client got ${fromText(item.bytes)}`);
      // Too long a string is refused.
      const huge = new Uint8Array(STRING_ITEM_MAX_BYTES + 1);
      assertIpcError(await sys.send(clientSlot, sys.message(3, [], [{ kind: 'string', bytes: huge }]), ZERO), 'invalid', 'huge string');
    },
    { priority: 60 },
  );
  const server = kernel.createThread(
    serverTask,
    'main',
    async (sys) => {
      const first = await sys.receive(endpoint);
      assertIpcOk(first);
      assert.deepEqual(first.tag, tagOf(1, 0, 2));
      assert.equal(sys.received.length, 2);
      const [item, empty] = sys.received;
      assert.ok(item.kind === 'string' && empty.kind === 'string');
      seen.push(`server got ${fromText(item.bytes)}`); // runs after the client changed its buffer
      assert.equal(empty.bytes.length, 0);
      const second = await sys.receive(endpoint);
      assertIpcOk(second);
      const ping = sys.received[0];
      assert.ok(ping.kind === 'string');
      seen.push(`server got ${fromText(ping.bytes)}`);
      ping.bytes.set(text('PING')); // the server's copy is its own
      assertIpcOk(await sys.reply(sys.message(4, [], [{ kind: 'string', bytes: text('pong') }])));
      assertIpcError(await sys.receive(endpoint, ZERO), 'timeout', 'the refused huge string');
    },
    { priority: 50 },
  );
  await runKernel(kernel);
  assertAllFinished(client, server);
  assert.deepEqual(seen, ['server got hello', 'server got ping', 'client got pong']);
});

test('IPC0009 map item of a dataspace window', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const inbox = kernel.createObject(clientTask, 'endpoint'); // the client receives here
  const serverInbox = deriveInto(kernel, clientTask, inbox, serverTask, Rights.write | Rights.grant);
  const serverInboxNoGrant = deriveInto(kernel, clientTask, inbox, serverTask, Rights.write);
  const dataspace = kernel.createObject(serverTask, 'dataspace', 4096);
  let step = 0;
  const server = kernel.createThread(
    serverTask,
    'main',
    async (sys) => {
      const region = unwrap(sys.region(dataspace));
      for (let i = 0; i < 4096; i++) assert.equal(region.write8(i, i & 0xff), null);
      const mapItem: SendItem = { kind: 'map', slot: dataspace, offset: 1024, size: 256, rights: Rights.read };
      // Without the grant right on the endpoint capability a map item is refused, and nothing is sent.
      assertIpcError(await sys.send(serverInboxNoGrant, sys.message(1, [], [mapItem]), ZERO), 'no-right', 'map without grant right');
      // More rights than the sender has in the item: refused.
      const readOnly = unwrap(sys.mint(dataspace, Rights.read, null));
      assertIpcError(await sys.send(serverInbox, sys.message(1, [], [{ kind: 'map', slot: readOnly, rights: Rights.all }]), ZERO), 'no-right');
      assertIpcOk(await sys.send(serverInbox, sys.message(2, [], [mapItem])));
      step = 1;
      region.write8(1024, 0xab); // seen by the client's mapping: same memory
      assertIpcOk(await sys.send(serverInbox, sys.message(3, [])));
      // Revoking the server's capability unmaps the client's mapping derived from it.
      assert.equal(await sys.revoke(dataspace), null);
      assertIpcOk(await sys.send(serverInbox, sys.message(4, [])));
    },
    { priority: 50 },
  );
  const client = kernel.createThread(
    clientTask,
    'main',
    async (sys) => {
      const result = await sys.receive(inbox);
      assertIpcOk(result);
      assert.deepEqual(result.tag, tagOf(2, 0, 1), 'the refused messages never arrived');
      const item = sys.received[0];
      assert.ok(item.kind === 'map');
      assert.equal(item.size, 256);
      assert.equal(item.rights, Rights.read);
      const info = unwrap(sys.identify(item.slot));
      assert.equal(info.kind, 'dataspace');
      assert.equal(info.size, 256);
      assert.equal(info.rights, Rights.read);
      const region = unwrap(sys.region(item.slot));
      const bytes = new Uint8Array(256);
      assert.equal(region.read(0, bytes), null);
      assert.deepEqual([...bytes], Array.from({ length: 256 }, (_, i) => (1024 + i) & 0xff), 'the window starts at offset 1024');
      assert.equal(region.read(1, new Uint8Array(256)), 'invalid', 'reading past the window');
      assert.equal(region.read8(256), -1);
      assert.equal(region.write8(0, 1), 'no-right');
      assertIpcOk(await sys.receive(inbox));
      assert.equal(step, 1);
      assert.equal(region.read8(0), 0xab);
      assertIpcOk(await sys.receive(inbox));
      assert.equal(region.valid, false, 'unmapped by the revoke');
      assert.equal(region.read8(0), -1);
      assertIpcError(sys.identify(item.slot), 'no-right', 'identify after revoke');
    },
    { priority: 60 },
  );
  await runKernel(kernel);
  assertAllFinished(server, client);
});

test('IPC0010 grant item moves the capability', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const inbox = kernel.createObject(clientTask, 'endpoint');
  const serverInbox = deriveInto(kernel, clientTask, inbox, serverTask, Rights.write | Rights.grant);
  const dataspace = kernel.createObject(serverTask, 'dataspace', 64);
  const service = kernel.createObject(serverTask, 'endpoint');
  let granted = -1;
  let grantedEndpoint = -1;
  const server = kernel.createThread(
    serverTask,
    'main',
    async (sys) => {
      const mapping = unwrap(sys.mint(dataspace, Rights.read | Rights.write, null));
      const serviceCap = unwrap(sys.mint(service, Rights.write, 9));
      assertIpcOk(
        await sys.send(serverInbox, sys.message(1, [], [
          { kind: 'grant', slot: mapping },
          { kind: 'grant', slot: serviceCap },
        ])),
      );
      assertIpcError(sys.identify(mapping), 'no-right', 'the granted mapping left the server');
      assertIpcError(sys.identify(serviceCap), 'no-right', 'the granted endpoint capability left the server');
      // The client calls through the granted capability: the badge came along.
      const call = await sys.receive(service);
      assertIpcOk(call);
      assert.equal(call.badge, 9);
      assertIpcOk(await sys.reply(sys.message(0, [])));
      // The granted capability took the place of the server's in the derivation tree: revoking the
      // dataspace's original removes it from the client.
      assert.equal(await sys.revoke(dataspace), null);
      assertIpcOk(await sys.send(serverInbox, sys.message(2, [])));
    },
    { priority: 50 },
  );
  const client = kernel.createThread(
    clientTask,
    'main',
    async (sys) => {
      assertIpcOk(await sys.receive(inbox));
      assert.equal(sys.received.length, 2);
      const [memory, endpoint] = sys.received;
      assert.ok(memory.kind === 'grant' && endpoint.kind === 'grant');
      granted = memory.slot;
      grantedEndpoint = endpoint.slot;
      assert.equal(unwrap(sys.identify(granted)).rights, Rights.read | Rights.write);
      assert.equal(unwrap(sys.identify(grantedEndpoint)).badge, 9);
      const region = unwrap(sys.region(granted));
      assert.equal(region.write8(3, 77), null);
      assertIpcOk(await sys.call(grantedEndpoint, sys.message(5, [])));
      assertIpcOk(await sys.receive(inbox));
      assertIpcError(sys.identify(granted), 'no-right', 'revoked with its new parent');
      assert.equal(region.valid, false);
    },
    { priority: 60 },
  );
  await runKernel(kernel);
  assertAllFinished(server, client);
  // The original stays (capabilityAt throws otherwise), with nothing derived from it.
  assert.equal(capabilityAt(serverTask, dataspace).children.size, 0);
});

test('IPC0011 saved reply answers out of order', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const order: string[] = [];
  const clients = ['a', 'b', 'c'].map((name, index) => {
    const task = kernel.createTask(name);
    const slot = deriveInto(kernel, serverTask, endpoint, task, Rights.write, index + 1);
    return kernel.createThread(
      task,
      'main',
      async (sys) => {
        const result = await sys.call(slot, sys.message(1, [index * 100]));
        assertIpcOk(result);
        order.push(name);
        assert.equal(sys.mr[0], index * 100 + 1, `client ${name} got its own answer`);
      },
      { priority: 50 },
    );
  });
  const server = kernel.createThread(
    serverTask,
    'main',
    async (sys) => {
      const saved: { slot: number; word: number; badge: number }[] = [];
      for (let i = 0; i < 3; i++) {
        const result = await sys.receive(endpoint);
        assertIpcOk(result);
        saved.push({ slot: unwrap(sys.saveReply()), word: sys.mr[0], badge: result.badge });
      }
      assert.deepEqual(saved.map((entry) => entry.badge), [1, 2, 3]);
      for (const entry of [saved[2], saved[0], saved[1]]) {
        assertIpcOk(await sys.replyTo(entry.slot, sys.message(2, [entry.word + 1])));
      }
      // A reply capability is used up.
      assertIpcError(await sys.replyTo(saved[0].slot, sys.message(2, [0])), 'no-right', 'reusing a reply capability');
      // No further caller.
      const result = await sys.receive(endpoint, ZERO);
      assertIpcError(result, 'timeout');
    },
    { priority: 40 },
  );
  await runKernel(kernel);
  assertAllFinished(server, ...clients);
  assert.deepEqual(order, ['c', 'a', 'b']);
});

test('IPC0011b a copy of a reply capability answers only once', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const slot = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write);
  let replies = 0;
  const client = kernel.createThread(clientTask, 'main', async (sys) => {
    assertIpcOk(await sys.call(slot, sys.message(1, [])));
    replies++;
  });
  const server = kernel.createThread(serverTask, 'main', async (sys) => {
    assertIpcOk(await sys.receive(endpoint));
    const saved = unwrap(sys.saveReply());
    const copy = unwrap(sys.copy(saved));
    assertIpcOk(await sys.replyTo(copy, sys.message(2, [])));
    assertIpcError(await sys.replyTo(saved, sys.message(3, [])), 'no-partner', 'second use through the other copy');
  });
  await runKernel(kernel);
  assertAllFinished(client, server);
  assert.equal(replies, 1);
});

test('IPC0012 message of more than 64 words is invalid', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const slot = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write);
  const received: number[][] = [];
  const client = kernel.createThread(
    clientTask,
    'main',
    async (sys) => {
      assertIpcError(await sys.send(slot, { label: 1, words: MESSAGE_WORDS + 1, items: 0 }), 'invalid', '65 words');
      assertIpcError(await sys.send(slot, { label: 1, words: -1, items: 0 }), 'invalid', '-1 words');
      assertIpcError(await sys.send(slot, { label: 1, words: 1.5, items: 0 }), 'invalid', '1.5 words');
      assertIpcError(await sys.send(slot, { label: -1, words: 0, items: 0 }), 'invalid', 'negative label');
      assertIpcError(await sys.call(slot, { label: 1, words: MESSAGE_WORDS + 1, items: 0 }), 'invalid', 'call with 65 words');
      // More items in the tag than the UTCB holds, or more than a message may carry.
      assertIpcError(await sys.send(slot, { label: 1, words: 0, items: 1 }), 'invalid', 'items not in the UTCB');
      const strings: SendItem[] = Array.from({ length: MESSAGE_ITEMS + 1 }, () => ({ kind: 'string', bytes: text('x') }));
      assertIpcError(await sys.send(slot, sys.message(1, [], strings)), 'invalid', 'too many items');
      // Exactly 64 words go through, all of them.
      const full = Array.from({ length: MESSAGE_WORDS }, (_, i) => 1000 + i);
      assertIpcOk(await sys.send(slot, sys.message(2, full)));
    },
    { priority: 60 },
  );
  const server = kernel.createThread(
    serverTask,
    'main',
    async (sys) => {
      let result = await sys.receive(endpoint);
      while (result.ok) {
        received.push([result.tag.label, ...sys.mr.subarray(0, result.tag.words)]);
        result = await sys.receive(endpoint);
      }
    },
    { priority: 50 },
  );
  await runKernel(kernel);
  assertAllFinished(client);
  assert.equal(server.state, 'blocked-receive');
  assert.deepEqual(received, [[2, ...Array.from({ length: MESSAGE_WORDS }, (_, i) => 1000 + i)]]);
});

test('IPC0012b Sys.message with more than 64 words gives an invalid send, not an exception', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const slot = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write);
  let outcome = '';
  const client = kernel.createThread(clientTask, 'main', async (sys) => {
    const result = await sys.send(slot, sys.message(1, new Array<number>(MESSAGE_WORDS + 1).fill(7)), ZERO);
    outcome = result.ok ? 'sent' : result.error;
  });
  await runKernel(kernel);
  assertAllFinished(client);
  assert.equal(outcome, 'invalid');
});

test('IPC0013 senders queued on an endpoint are served in arrival order', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const order: number[] = [];
  const senders = [3, 1, 2].map((delay) => {
    const task = kernel.createTask(`sender${delay}`);
    const slot = deriveInto(kernel, serverTask, endpoint, task, Rights.write, delay);
    return kernel.createThread(task, 'main', async (sys) => {
      await sys.sleep(milliseconds(delay));
      assertIpcOk(await sys.send(slot, sys.message(1, [delay])));
    });
  });
  const server = kernel.createThread(serverTask, 'main', async (sys) => {
    await sys.sleep(milliseconds(10));
    for (let i = 0; i < 3; i++) {
      const result = await sys.receive(endpoint, ZERO);
      assertIpcOk(result);
      assert.equal(result.badge, sys.mr[0]);
      order.push(result.badge);
    }
  });
  await runKernel(kernel);
  assertAllFinished(server, ...senders);
  assert.deepEqual(order, [1, 2, 3]);
});

test('IPC0014 a plain send cannot be replied to; receiving drops an unanswered caller', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const slot = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write);
  const client = kernel.createThread(
    clientTask,
    'main',
    async (sys) => {
      assertIpcOk(await sys.send(slot, sys.message(1, [])));
      assertIpcError(await sys.call(slot, sys.message(2, []), { receive: milliseconds(5) }), 'timeout', 'call never answered');
    },
    { priority: 60 },
  );
  const server = kernel.createThread(
    serverTask,
    'main',
    async (sys) => {
      assertIpcOk(await sys.receive(endpoint));
      assertIpcError(await sys.reply(sys.message(1, [])), 'no-partner', 'reply to a send');
      assertIpcOk(await sys.receive(endpoint)); // the call
      // Receiving again forgets the caller, as in seL4: the reply right is gone.
      assertIpcError(await sys.receive(endpoint, milliseconds(1)), 'timeout');
      assertIpcError(await sys.reply(sys.message(1, [])), 'no-partner', 'reply after another receive');
    },
    { priority: 50 },
  );
  await runKernel(kernel);
  assertAllFinished(client, server);
});

test('IPC0015 a reply carries a map item back to the caller', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const slot = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write);
  const dataspace = kernel.createObject(serverTask, 'dataspace', 128);
  const client = kernel.createThread(clientTask, 'main', async (sys) => {
    const answer = await sys.call(slot, sys.message(1, []));
    assertIpcOk(answer);
    assert.equal(answer.tag.items, 1);
    const item = sys.received[0];
    assert.ok(item.kind === 'map');
    assert.equal(item.size, 64);
    const region = unwrap(sys.region(item.slot));
    assert.equal(region.read8(0), 0x5a);
    assert.equal(region.write8(1, 1), 'no-right');
  });
  const server = kernel.createThread(serverTask, 'main', async (sys) => {
    assertIpcOk(await sys.receive(endpoint));
    unwrap(sys.region(dataspace)).write8(64, 0x5a);
    assertIpcOk(await sys.reply(sys.message(2, [], [{ kind: 'map', slot: dataspace, offset: 64, size: 64, rights: Rights.read }])));
  });
  await runKernel(kernel);
  assertAllFinished(client, server);
});

test('IPC0016 notification bits through receive() carry the notification label', async () => {
  const { kernel } = newKernel();
  const task = kernel.createTask('task');
  const notification = kernel.createObject(task, 'notification');
  const waiter = kernel.createThread(task, 'waiter', async (sys) => {
    const result = await sys.receive(notification);
    assertIpcOk(result);
    assert.deepEqual(result.tag, tagOf(KernelLabel.notification, 1));
    assert.equal(sys.mr[0], 6);
  });
  const signaller = kernel.createThread(task, 'signaller', async (sys) => {
    assert.equal(await sys.signal(notification, 6), null);
  });
  await runKernel(kernel);
  assertAllFinished(waiter, signaller);
});

test('IPC0017 a malformed reply leaves the caller waiting for a good one', async () => {
  const { kernel } = newKernel();
  const serverTask = kernel.createTask('server');
  const clientTask = kernel.createTask('client');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const clientSlot = deriveInto(kernel, serverTask, endpoint, clientTask, Rights.write);
  const seen: string[] = [];
  const server = kernel.createThread(serverTask, 'main', async (sys) => {
    assertIpcOk(await sys.receive(endpoint));
    assertIpcError(await sys.reply({ label: 1, words: MESSAGE_WORDS + 1, items: 0 }), 'invalid', 'reply with 65 words');
    assertIpcError(await sys.reply(sys.message(1, [], [{ kind: 'map', slot: 999 }])), 'no-right', 'reply mapping an empty slot');
    assertIpcOk(await sys.reply(sys.message(2, [42])), 'the good reply');
  });
  const client = kernel.createThread(clientTask, 'main', async (sys) => {
    const result = await sys.call(clientSlot, sys.message(1, [1]), { receive: milliseconds(5) });
    seen.push(result.ok ? `label ${result.tag.label} word ${sys.mr[0]}` : result.error);
  });
  await runKernel(kernel);
  assertAllFinished(server, client);
  assert.deepEqual(seen, ['label 2 word 42']);
});

test('IPC0018 a timeout that is not a number of nanoseconds is invalid', async () => {
  const { kernel } = newKernel();
  const task = kernel.createTask('t');
  const endpoint = kernel.createObject(task, 'endpoint');
  const thread = kernel.createThread(task, 'main', async (sys) => {
    assertIpcError(await sys.receive(endpoint, Number.NaN), 'invalid', 'receive with NaN');
    assertIpcError(await sys.send(endpoint, sys.message(1), -1), 'invalid', 'send with a negative timeout');
    assertIpcError(await sys.call(endpoint, sys.message(1), { receive: Number.NaN }), 'invalid', 'call with a NaN receive timeout');
    assert.equal(sys.now(), 0, 'nothing waited');
  });
  await runKernel(kernel);
  assertAllFinished(thread);
});
