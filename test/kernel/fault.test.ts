// Faults: a thread that throws stops alone; its fault goes as IPC to its handler, or to the log.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Thread } from '../../src/kernel/thread.js';
import { KernelLabel, Rights, milliseconds } from '../../src/kernel/types.js';
import { assertAllFinished, assertIpcError, assertIpcOk, deriveInto, fromText, newKernel, runKernel, tagOf, unwrap } from './helpers.js';

test('FAULT0001 a thread that throws: the others keep running and its handler receives the fault', async () => {
  const { kernel, log } = newKernel();
  const handlerTask = kernel.createTask('handler');
  const worker = kernel.createTask('worker');
  const faults = kernel.createObject(handlerTask, 'endpoint');
  const handlerSlot = deriveInto(kernel, handlerTask, faults, worker, Rights.write, 0x77);
  const received: { thread: number; badge: number; text: string; at: number }[] = [];
  let bystanderSteps = 0;
  let childId = -1;

  // Throws before any kernel call, while the (lower-priority) handler is not yet receiving.
  const early = kernel.createThread(
    worker,
    'early',
    async () => {
      throw new Error('early failure');
    },
    { priority: 60, faultHandlerSlot: handlerSlot },
  );
  // Throws after blocking a while, and spawns a thread that inherits its handler and throws a string.
  const late = kernel.createThread(
    worker,
    'late',
    async (sys) => {
      await sys.sleep(milliseconds(2));
      childId = unwrap(sys.spawn('child', async (child) => {
        await child.sleep(milliseconds(1));
        throw 'child gave up';
      }));
      throw new RangeError('late failure');
    },
    { priority: 40, faultHandlerSlot: handlerSlot },
  );
  const bystander = kernel.createThread(
    worker,
    'bystander',
    async (sys) => {
      // Steps of 0.2 ms, so that its timers and the others' fall on the same instants.
      for (let i = 0; i < 100; i++) {
        sys.work(milliseconds(0.1));
        bystanderSteps++;
        await sys.sleep(milliseconds(0.1));
      }
    },
    { priority: 30 },
  );
  const handler = kernel.createThread(
    handlerTask,
    'main',
    async (sys) => {
      for (let i = 0; i < 3; i++) {
        const result = await sys.receive(faults);
        assertIpcOk(result, 'receive a fault');
        assert.deepEqual(result.tag, tagOf(KernelLabel.fault, 1, 1));
        const item = sys.received[0];
        assert.ok(item.kind === 'string');
        received.push({ thread: sys.mr[0], badge: result.badge, text: fromText(item.bytes), at: sys.now() });
        // A fault is a send, not a call: there is nobody to reply to.
        assertIpcError(await sys.reply(sys.message(0, [])), 'no-partner', 'reply to a fault');
      }
    },
    { priority: 50 },
  );
  await runKernel(kernel, { expectedFaults: (thread) => thread.task === worker && thread !== bystander });
  assertAllFinished(handler, bystander);
  assert.equal(bystanderSteps, 100);
  const child = kernel.threads.get(childId);
  assert.ok(child !== undefined);
  for (const thread of [early, late, child] as Thread[]) assert.equal(thread.state, 'faulted', `${thread.name} is faulted`);
  assert.ok(early.fault instanceof Error && early.fault.message === 'early failure');
  assert.equal(received.length, 3);
  assert.deepEqual(
    received.map(({ thread, badge, at }) => [thread, badge, at]),
    [
      [early.id, 0x77, 0],
      [late.id, 0x77, milliseconds(2)],
      [childId, 0x77, milliseconds(3)],
    ],
  );
  assert.match(received[0].text, /^Error: early failure/);
  assert.match(received[1].text, /^RangeError: late failure/);
  assert.equal(received[2].text, 'child gave up');
  assert.equal(kernel.stats.faults, 3);
  assert.equal(log.length, 3, 'faults are logged even when a handler takes them');
  assert.match(log[0], /worker\/early faulted: Error: early failure/);
});

test('FAULT0002 a fault without handler is logged and nothing else stops', async () => {
  const { kernel, log } = newKernel();
  const task = kernel.createTask('task');
  const serverTask = kernel.createTask('server');
  const endpoint = kernel.createObject(serverTask, 'endpoint');
  const clientSlot = deriveInto(kernel, serverTask, endpoint, task, Rights.write);
  // A handler capability that goes away before the fault, and one without the write right.
  const handlerEndpoint = kernel.createObject(serverTask, 'endpoint');
  const deletedHandler = deriveInto(kernel, serverTask, handlerEndpoint, task, Rights.write);
  const readOnlyHandler = deriveInto(kernel, serverTask, handlerEndpoint, task, Rights.read);
  const answers: number[] = [];
  const crasher = kernel.createThread(
    task,
    'crasher',
    async (sys) => {
      await sys.sleep(milliseconds(1));
      throw new TypeError('no handler here');
    },
    { priority: 90 },
  );
  const orphan = kernel.createThread(
    task,
    'orphan',
    async (sys) => {
      assert.equal(await sys.delete(deletedHandler), null);
      await sys.sleep(milliseconds(2));
      throw new Error('handler deleted');
    },
    { priority: 90, faultHandlerSlot: deletedHandler },
  );
  const readOnly = kernel.createThread(
    task,
    'read-only',
    async (sys) => {
      await sys.sleep(milliseconds(3));
      throw new Error('handler read-only');
    },
    { priority: 90, faultHandlerSlot: readOnlyHandler },
  );
  const client = kernel.createThread(task, 'client', async (sys) => {
    for (let i = 0; i < 5; i++) {
      const answer = await sys.call(clientSlot, sys.message(1, [i]));
      assertIpcOk(answer);
      answers.push(sys.mr[0]);
      await sys.sleep(milliseconds(1));
    }
  });
  let faultsSeen = 0;
  const server = kernel.createThread(serverTask, 'main', async (sys) => {
    let result = await sys.receive(endpoint);
    while (result.ok) {
      result = await sys.replyWait(endpoint, sys.message(2, [sys.mr[0] * 3]));
    }
  });
  const handler = kernel.createThread(serverTask, 'handler', async (sys) => {
    while ((await sys.receive(handlerEndpoint)).ok) faultsSeen++;
  });
  await runKernel(kernel, { expectedFaults: [crasher, orphan, readOnly] });
  assertAllFinished(client);
  assert.equal(server.state, 'blocked-receive', 'the server still serves');
  assert.equal(handler.state, 'blocked-receive');
  assert.deepEqual(answers, [0, 3, 6, 9, 12]);
  for (const thread of [crasher, orphan, readOnly]) assert.equal(thread.state, 'faulted');
  assert.equal(faultsSeen, 0, 'no fault went to an endpoint');
  assert.equal(kernel.stats.faults, 3);
  assert.deepEqual(log, [
    'cpu0: thread task/crasher faulted: TypeError: no handler here',
    'cpu0: thread task/orphan faulted: Error: handler deleted',
    'cpu0: thread task/read-only faulted: Error: handler read-only',
  ]);
});
