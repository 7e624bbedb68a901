// Notifications (a word of event bits) and interrupts (delivered as IPC to the bound thread, masked
// until acknowledged).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelLabel, Rights, ZERO, milliseconds } from '../../src/kernel/types.js';
import { assertAllFinished, assertIpcError, assertIpcOk, deriveInto, newKernel, runKernel, tagOf, unwrap } from './helpers.js';

test('NTFN0001 signal then wait returns the ORed bits', async () => {
  const { kernel } = newKernel();
  const owner = kernel.createTask('owner');
  const other = kernel.createTask('other');
  const notification = kernel.createObject(owner, 'notification');
  const second = kernel.createObject(owner, 'notification');
  const signalSlot = deriveInto(kernel, owner, notification, other, Rights.write);
  const results: string[] = [];
  const signaller = kernel.createThread(
    other,
    'signaller',
    async (sys) => {
      for (const bits of [0b0001, 0b0100, 0b0001]) assert.equal(await sys.signal(signalSlot, bits), null);
    },
    { priority: 60 },
  );
  const waiter = kernel.createThread(
    owner,
    'waiter',
    async (sys) => {
      const start = sys.now();
      results.push(`bits ${unwrap(await sys.wait(notification, ZERO)).toString(2)}`);
      // Waiting took the bits: none are left.
      assertIpcError(await sys.wait(notification, ZERO), 'timeout', 'second wait');
      // The other notification was never signalled.
      assertIpcError(await sys.wait(second, ZERO), 'timeout', 'other notification');
      // The top bit survives as an unsigned word.
      assert.equal(await sys.signal(second, 0x8000_0000), null);
      assert.equal(await sys.signal(second, 0x1), null);
      results.push(`high ${unwrap(await sys.wait(second, ZERO)).toString(16)}`);
      assert.equal(sys.now(), start, 'nothing blocked');
    },
    { priority: 50 },
  );
  await runKernel(kernel);
  assertAllFinished(signaller, waiter);
  assert.deepEqual(results, ['bits 101', 'high 80000001']);
});

test('NTFN0002 wait blocks until signalled', async () => {
  const { kernel } = newKernel();
  const task = kernel.createTask('task');
  const notification = kernel.createObject(task, 'notification');
  const events: string[] = [];
  const waiters = ['first', 'second'].map((name) =>
    kernel.createThread(
      task,
      name,
      async (sys) => {
        const bits = unwrap(await sys.wait(notification));
        events.push(`${name} woke at ${sys.now() / 1e6} ms with ${bits}`);
      },
      { priority: 60 },
    ),
  );
  const timed = kernel.createThread(
    task,
    'timed',
    async (sys) => {
      assertIpcError(await sys.wait(notification, milliseconds(1)), 'timeout', 'wait with a timeout');
      events.push(`timed gave up at ${sys.now() / 1e6} ms`);
    },
    { priority: 60 },
  );
  const signaller = kernel.createThread(
    task,
    'signaller',
    async (sys) => {
      await sys.sleep(milliseconds(3));
      assert.equal(await sys.signal(notification, 2), null);
      events.push('signalled 2'); // after the waiter it woke ran: it has the higher priority
      await sys.sleep(milliseconds(2));
      assert.equal(await sys.signal(notification, 8), null);
      events.push('signalled 8');
    },
    { priority: 10 },
  );
  await runKernel(kernel);
  assertAllFinished(signaller, timed, ...waiters);
  assert.deepEqual(events, [
    'timed gave up at 1 ms',
    'first woke at 3 ms with 2',
    'signalled 2',
    'second woke at 5 ms with 8',
    'signalled 8',
  ]);
});

test('IRQ0001 an interrupt is delivered as IPC to its bound thread', async () => {
  const { kernel } = newKernel();
  const driverTask = kernel.createTask('driver');
  const { slot, irq } = kernel.createIrq(driverTask, 7);
  const deliveries: string[] = [];
  const driver = kernel.createThread(driverTask, 'main', async (sys) => {
    assertIpcError(await sys.receive(slot, ZERO), 'no-right', 'receive before attaching');
    assert.equal(sys.irqAttach(slot), null);
    for (let i = 0; i < 2; i++) {
      const result = await sys.receive(slot);
      assertIpcOk(result);
      assert.deepEqual(result.tag, tagOf(KernelLabel.irq, 1));
      assert.equal(result.badge, 0);
      deliveries.push(`line ${sys.mr[0]} at ${sys.now() / 1e6} ms`);
      assert.equal(sys.irqAck(slot), null);
    }
  });
  // The host raises the line while the kernel idles, as a host adapter would.
  await runKernel(kernel);
  assert.equal(driver.state, 'blocked-receive');
  assert.deepEqual(deliveries, []);
  kernel.raiseIrq(irq);
  await runKernel(kernel);
  assert.deepEqual(deliveries, ['line 7 at 0 ms']);
  // Raised from a thread (a device model) at a later virtual time.
  const device = kernel.createThread(kernel.createTask('device'), 'main', async (sys) => {
    await sys.sleep(milliseconds(4));
    kernel.raiseIrq(irq);
  });
  await runKernel(kernel);
  assertAllFinished(driver, device);
  assert.deepEqual(deliveries, ['line 7 at 0 ms', 'line 7 at 4 ms']);
  assert.equal(irq.raised, 2);
});

test('IRQ0002 masked until acknowledged', async () => {
  const { kernel } = newKernel();
  const driverTask = kernel.createTask('driver');
  const { slot, irq } = kernel.createIrq(driverTask, 3);
  const events: string[] = [];
  const driver = kernel.createThread(
    driverTask,
    'main',
    async (sys) => {
      assert.equal(sys.irqAttach(slot), null);
      assertIpcOk(await sys.receive(slot));
      events.push(`first at ${sys.now() / 1e6} ms`);
      // Not acknowledged: the three raises at 1, 2 and 3 ms are held back.
      assertIpcError(await sys.receive(slot, milliseconds(5)), 'timeout', 'receive while masked');
      events.push(`still masked at ${sys.now() / 1e6} ms`);
      assert.equal(sys.irqAck(slot), null);
      // Delivered at once after the acknowledgement, as one interrupt.
      const held = await sys.receive(slot, ZERO);
      assertIpcOk(held, 'the held interrupt');
      assert.equal(sys.mr[0], 3);
      events.push(`held one at ${sys.now() / 1e6} ms`);
      assert.equal(sys.irqAck(slot), null);
      assertIpcError(await sys.receive(slot, ZERO), 'timeout', 'the raises were merged');
      // A raise while unmasked but not waiting is kept until the next receive.
      await sys.sleep(milliseconds(2));
      assertIpcOk(await sys.receive(slot, ZERO), 'raised while not waiting');
      events.push(`pending one at ${sys.now() / 1e6} ms`);
    },
    { priority: 50 },
  );
  const device = kernel.createThread(
    kernel.createTask('device'),
    'main',
    async (sys) => {
      kernel.raiseIrq(irq);
      for (let i = 0; i < 3; i++) {
        await sys.sleep(milliseconds(1));
        kernel.raiseIrq(irq);
      }
      await sys.sleep(milliseconds(3.5)); // 6.5 ms, while the driver sleeps from 5 to 7 ms
      kernel.raiseIrq(irq);
    },
    { priority: 40 },
  );
  await runKernel(kernel);
  assertAllFinished(driver, device);
  assert.deepEqual(events, ['first at 0 ms', 'still masked at 5 ms', 'held one at 5 ms', 'pending one at 7 ms']);
  assert.equal(irq.raised, 5);
});

test('IRQ0003 only the bound thread may receive it', async () => {
  const { kernel } = newKernel();
  const driverTask = kernel.createTask('driver');
  const otherTask = kernel.createTask('other');
  const { slot, irq } = kernel.createIrq(driverTask, 9);
  const otherSlot = deriveInto(kernel, driverTask, slot, otherTask, Rights.read);
  const events: string[] = [];
  const bound = kernel.createThread(
    driverTask,
    'bound',
    async (sys) => {
      assert.equal(sys.irqAttach(slot), null);
      assertIpcOk(await sys.receive(slot));
      events.push('bound got it');
      assert.equal(sys.irqAck(slot), null);
    },
    { priority: 60 },
  );
  const sameTask = kernel.createThread(
    driverTask,
    'same-task',
    async (sys) => {
      assertIpcError(await sys.receive(slot, ZERO), 'no-right', 'receive by another thread of the task');
      assert.equal(sys.irqAttach(slot), 'no-right', 'attach while bound to a live thread');
      assert.equal(sys.irqAck(slot), 'no-right', 'ack by a thread not bound');
      kernel.raiseIrq(irq);
      await sys.sleep(milliseconds(1));
      // The bound thread has ended: the line may be taken over.
      assert.equal(sys.irqAttach(slot), null);
      kernel.raiseIrq(irq);
      assertIpcOk(await sys.receive(slot, ZERO));
      events.push('same-task got it after taking over');
    },
    { priority: 50 },
  );
  const other = kernel.createThread(
    otherTask,
    'main',
    async (sys) => {
      assertIpcError(await sys.receive(otherSlot, ZERO), 'no-right', 'receive from another task');
      assert.equal(sys.irqAttach(otherSlot), 'no-right');
      assert.equal(sys.irqAck(otherSlot), 'no-right');
    },
    { priority: 55 },
  );
  await runKernel(kernel);
  assertAllFinished(bound, sameTask, other);
  assert.deepEqual(events, ['bound got it', 'same-task got it after taking over']);
});

test('IRQ0004 an interrupt raised after its bound thread was killed is not lost', async () => {
  const { kernel } = newKernel();
  const driverTask = kernel.createTask('driver');
  const { slot, irq } = kernel.createIrq(driverTask, 4);
  const first = kernel.createThread(driverTask, 'first', async (sys) => {
    assert.equal(sys.irqAttach(slot), null);
    await sys.receive(slot);
    assert.fail('the killed thread must not run again');
  });
  await runKernel(kernel);
  assert.equal(first.state, 'blocked-receive');
  kernel.kill(first);
  kernel.raiseIrq(irq);
  let outcome = '';
  const second = kernel.createThread(driverTask, 'second', async (sys) => {
    assert.equal(sys.irqAttach(slot), null);
    const result = await sys.receive(slot, milliseconds(1));
    outcome = result.ok ? `line ${sys.mr[0]}` : result.error;
  });
  await runKernel(kernel);
  assertAllFinished(second);
  assert.equal(first.state, 'dead');
  assert.equal(outcome, 'line 4');
});

test('NTFN0003 a signal of no bits wakes nobody', async () => {
  const { kernel } = newKernel();
  const task = kernel.createTask('t');
  const bell = kernel.createObject(task, 'notification');
  const seen: string[] = [];
  const waiter = kernel.createThread(
    task,
    'waiter',
    async (sys) => {
      const bits = await sys.wait(bell, milliseconds(2));
      seen.push(bits.ok ? `bits ${bits.value}` : bits.error);
    },
    { priority: 20 },
  );
  const signaller = kernel.createThread(
    task,
    'signaller',
    async (sys) => {
      assert.equal(await sys.signal(bell, 0), null);
      await sys.sleep(milliseconds(1));
      assert.equal(await sys.signal(bell, 6), null);
    },
    { priority: 10 },
  );
  await runKernel(kernel);
  assertAllFinished(waiter, signaller);
  assert.deepEqual(seen, ['bits 6']);
});
