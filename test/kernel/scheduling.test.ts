// Scheduling on one host CPU: fixed priorities, round robin with time slices inside a priority,
// preemption at kernel calls, and sleeping, all measured on the virtual clock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../../src/kernel/kernel.js';
import type { Sys } from '../../src/kernel/syscalls.js';
import { Rights, microseconds, milliseconds } from '../../src/kernel/types.js';
import { assertAllFinished, assertIpcError, assertIpcOk, deriveInto, newKernel, runKernel, unwrap } from './helpers.js';

/** A thread body that charges `work` and reaches a preemption point, forever. */
function spinner(work: number, counter?: { iterations: number }): (sys: Sys) => Promise<void> {
  return async (sys) => {
    while (true) {
      sys.work(work);
      if (counter !== undefined) counter.iterations++;
      await sys.yield();
    }
  };
}

test('SCHED0001 a ready higher-priority thread always runs before a lower one', async () => {
  const { kernel } = newKernel();
  const highTask = kernel.createTask('high');
  const lowTask = kernel.createTask('low');
  const endpoint = kernel.createObject(highTask, 'endpoint');
  const notification = kernel.createObject(highTask, 'notification');
  const lowEndpoint = deriveInto(kernel, highTask, endpoint, lowTask, Rights.write);
  const lowNotification = deriveInto(kernel, highTask, notification, lowTask, Rights.write);
  const order: string[] = [];
  const high = kernel.createThread(
    highTask,
    'main',
    async (sys) => {
      order.push('high waits for a message');
      assertIpcOk(await sys.receive(endpoint));
      order.push('high got the message');
      unwrap(await sys.wait(notification));
      order.push('high got the signal');
      assertIpcOk(await sys.receive(endpoint));
      order.push('high got the call');
      assertIpcOk(await sys.reply(sys.message(0, [])));
      order.push('high replied');
      await sys.sleep(milliseconds(1));
      order.push(`high woke at ${sys.now()}`);
    },
    { priority: 20 },
  );
  const low = kernel.createThread(
    lowTask,
    'main',
    async (sys) => {
      order.push('low sends');
      assertIpcOk(await sys.send(lowEndpoint, sys.message(1, [])));
      order.push('low signals');
      assert.equal(await sys.signal(lowNotification), null);
      order.push('low calls');
      assertIpcOk(await sys.call(lowEndpoint, sys.message(2, [])));
      order.push('low got the reply');
      // The high thread's timer fires while the low one computes: it runs at the next preemption point.
      for (let i = 0; i < 30; i++) {
        sys.work(microseconds(100));
        await sys.yield();
      }
      order.push(`low done at ${sys.now()}`);
    },
    { priority: 10 },
  );
  await runKernel(kernel);
  assertAllFinished(high, low);
  assert.deepEqual(order, [
    'high waits for a message',
    'low sends',
    'high got the message',
    'low signals',
    'high got the signal',
    'low calls',
    'high got the call',
    'high replied',
    'low got the reply',
    `high woke at ${milliseconds(1)}`,
    `low done at ${milliseconds(3)}`,
  ]);
});

// delete and revoke are not preemption points (docs/kernel.md, "Scheduling"): a higher-priority
// thread they make ready runs at the deleter's next preemption point, and not later.
test('SCHED0001b a higher-priority thread made ready by delete runs before delete returns', async () => {
  const { kernel } = newKernel();
  const highTask = kernel.createTask('high');
  const lowTask = kernel.createTask('low');
  const endpoint = kernel.createObject(lowTask, 'endpoint');
  const highSlot = deriveInto(kernel, lowTask, endpoint, highTask, Rights.read);
  const order: string[] = [];
  const high = kernel.createThread(
    highTask,
    'main',
    async (sys) => {
      assertIpcError(await sys.receive(highSlot), 'cancelled', 'receive on a destroyed endpoint');
      order.push('high cancelled');
    },
    { priority: 20 },
  );
  const low = kernel.createThread(
    lowTask,
    'main',
    async (sys) => {
      assert.equal(await sys.delete(endpoint), null);
      order.push('low after delete');
      await sys.yield();
      order.push('low after yield');
    },
    { priority: 10 },
  );
  await runKernel(kernel);
  assertAllFinished(high, low);
  assert.deepEqual(order, ['high cancelled', 'low after delete', 'low after yield']);
});

test('SCHED0002 two equal-priority spinning threads share time within 10% over a long run', async () => {
  // The same work per step, and different steps (each well below the 10 ms slice).
  for (const [workA, workB] of [
    [microseconds(100), microseconds(100)],
    [microseconds(100), microseconds(700)],
    [microseconds(30), microseconds(1000)],
  ]) {
    const { kernel } = newKernel();
    const task = kernel.createTask('spinners');
    const counterA = { iterations: 0 };
    const counterB = { iterations: 0 };
    const a = kernel.createThread(task, 'a', spinner(workA, counterA), { priority: 10 });
    const b = kernel.createThread(task, 'b', spinner(workB, counterB), { priority: 10 });
    const runFor = milliseconds(1000);
    await runKernel(kernel, { until: runFor });
    const total = a.cpuTime + b.cpuTime;
    // The run stops at the first preemption point at or after `until`.
    assert.ok(kernel.clock.now() >= runFor && kernel.clock.now() < runFor + Math.max(workA, workB), `stopped at ${kernel.clock.now()}`);
    assert.equal(total, kernel.clock.now(), 'all time went to the two threads');
    assert.ok(Math.abs(a.cpuTime - b.cpuTime) <= 0.1 * Math.max(a.cpuTime, b.cpuTime), `a ran ${a.cpuTime} ns, b ${b.cpuTime} ns (work ${workA}/${workB})`);
    assert.equal(counterA.iterations * workA, a.cpuTime);
    assert.equal(counterB.iterations * workB, b.cpuTime);
  }
});

test('SCHED0003 a lower priority never runs while a higher one is ready', async () => {
  const { kernel } = newKernel();
  const task = kernel.createTask('task');
  const log: { who: string; at: number }[] = [];
  const high = kernel.createThread(
    task,
    'high',
    async (sys) => {
      await sys.sleep(milliseconds(1));
      log.push({ who: 'high', at: sys.now() });
      for (let i = 0; i < 200; i++) {
        sys.work(microseconds(100));
        await sys.yield();
        log.push({ who: 'high', at: sys.now() });
      }
    },
    { priority: 30 },
  );
  const middle = kernel.createThread(
    task,
    'middle',
    async (sys) => {
      await sys.sleep(milliseconds(5)); // wakes while high computes
      log.push({ who: 'middle', at: sys.now() });
      for (let i = 0; i < 20; i++) {
        sys.work(microseconds(100));
        await sys.yield();
        log.push({ who: 'middle', at: sys.now() });
      }
    },
    { priority: 20 },
  );
  const low = kernel.createThread(
    task,
    'low',
    async (sys) => {
      for (let i = 0; i < 300; i++) {
        sys.work(microseconds(100));
        await sys.yield();
        log.push({ who: 'low', at: sys.now() });
      }
    },
    { priority: 10 },
  );
  await runKernel(kernel);
  assertAllFinished(high, middle, low);
  const times = (who: string): number[] => log.filter((entry) => entry.who === who).map((entry) => entry.at);
  // high: 1 ms to 21 ms; middle woke at 5 ms but runs from 21 ms to 23 ms; low fills the rest.
  assert.deepEqual([times('high')[0], times('high').at(-1)], [milliseconds(1), milliseconds(21)]);
  assert.deepEqual([times('middle')[0], times('middle').at(-1)], [milliseconds(21), milliseconds(23)]);
  const lowTimes = times('low');
  assert.equal(lowTimes.length, 300);
  assert.ok(lowTimes.every((at) => at < milliseconds(1) || at >= milliseconds(23)), 'low ran while a higher thread was ready');
  assert.equal(lowTimes.at(-1), milliseconds(52)); // 30 ms of its own work, 20 ms of high, 2 ms of middle
  // And the log is in time order: nobody ran "in between".
  for (let i = 1; i < log.length; i++) assert.ok(log[i].at >= log[i - 1].at);
});

test('SCHED0004 sleep wakes at the right virtual time', async () => {
  const { kernel } = newKernel();
  const task = kernel.createTask('task');
  const wakes: string[] = [];
  const sleepers = [3, 1, 2, 1].map((ms, index) =>
    kernel.createThread(task, `sleeper${index}`, async (sys) => {
      await sys.sleep(milliseconds(ms));
      wakes.push(`${index}@${sys.now() / 1e6}`);
      await sys.sleep(milliseconds(ms));
      wakes.push(`${index}@${sys.now() / 1e6}`);
    }),
  );
  const zero = kernel.createThread(task, 'zero', async (sys) => {
    await sys.sleep(0);
    wakes.push(`zero@${sys.now() / 1e6}`);
  });
  await runKernel(kernel);
  assertAllFinished(...sleepers, zero);
  assert.deepEqual(wakes, ['zero@0', '1@1', '3@1', '2@2', '1@2', '3@2', '0@3', '2@4', '0@6']);
  assert.equal(kernel.clock.now(), milliseconds(6));
});

test('SCHED0004b a sleeper of higher priority wakes on time while others compute', async () => {
  const { kernel } = newKernel();
  const task = kernel.createTask('task');
  const wakes: number[] = [];
  const sleeper = kernel.createThread(
    task,
    'sleeper',
    async (sys) => {
      for (const ms of [1, 2.5, 0.3]) {
        const start = sys.now();
        await sys.sleep(milliseconds(ms));
        wakes.push(sys.now() - start);
      }
    },
    { priority: 50 },
  );
  kernel.createThread(task, 'spinner', spinner(microseconds(50)), { priority: 10 });
  await runKernel(kernel, { until: milliseconds(20) });
  assertAllFinished(sleeper);
  assert.deepEqual(wakes, [milliseconds(1), milliseconds(2.5), milliseconds(0.3)]);
});

test('SCHED0005 round robin order within a priority', async () => {
  const { kernel } = newKernel({ timeSlice: milliseconds(2) });
  const task = kernel.createTask('task');
  const order: string[] = [];
  const threads = ['a', 'b', 'c'].map((name) =>
    kernel.createThread(
      task,
      name,
      async (sys) => {
        for (let turn = 0; turn < 3; turn++) {
          order.push(`${name}@${sys.now() / 1e6}`);
          // Two steps of 1 ms: the first preemption point keeps the CPU (slice not spent), the second gives it up.
          sys.work(milliseconds(1));
          await sys.yield();
          sys.work(milliseconds(1));
          await sys.yield();
        }
      },
      { priority: 10 },
    ),
  );
  await runKernel(kernel);
  assertAllFinished(...threads);
  assert.deepEqual(order, ['a@0', 'b@2', 'c@4', 'a@6', 'b@8', 'c@10', 'a@12', 'b@14', 'c@16']);
});

test('SCHED0006 a preempted thread keeps the rest of its slice and its place at the head', async () => {
  const { kernel } = newKernel({ timeSlice: milliseconds(10) });
  const task = kernel.createTask('task');
  const runs: string[] = [];
  let lastA = '';
  const record = (name: string, at: number): void => {
    if (lastA !== name) runs.push(`${name}@${at / 1e6}`);
    lastA = name;
  };
  const high = kernel.createThread(
    task,
    'high',
    async (sys) => {
      await sys.sleep(milliseconds(4));
      record('high', sys.now());
      sys.work(milliseconds(1));
    },
    { priority: 20 },
  );
  for (const name of ['a', 'b']) {
    kernel.createThread(
      task,
      name,
      async (sys) => {
        while (true) {
          record(name, sys.now());
          sys.work(milliseconds(1));
          await sys.yield();
        }
      },
      { priority: 10 },
    );
  }
  await runKernel(kernel, { until: milliseconds(30) });
  assertAllFinished(high);
  // a: 0-4 ms, high: 4-5 ms, a again (6 ms left of its slice): 5-11 ms, then b: 11-21 ms, a: 21-31 ms.
  assert.deepEqual(runs, ['a@0', 'high@4', 'a@5', 'b@11', 'a@21']);
});

test('SCHED0007 priorities above the task maximum are refused', async () => {
  const { kernel } = newKernel();
  const task = kernel.createTask('limited', 40);
  assert.throws(() => kernel.createThread(task, 'too high', async () => {}, { priority: 41 }), RangeError);
  let spawned = -1;
  const outcomes: string[] = [];
  const main = kernel.createThread(
    task,
    'main',
    async (sys) => {
      assertIpcError(sys.spawn('too high', async () => {}, 41), 'no-right', 'spawn above the maximum');
      assertIpcError(sys.spawn('negative', async () => {}, -1), 'no-right', 'negative priority');
      spawned = unwrap(sys.spawn('child', async () => {
        outcomes.push('child ran');
      }, 40));
      outcomes.push('main continues');
      await sys.yield(); // the higher-priority child runs here at the latest
      outcomes.push('main after yield');
    },
    { priority: 30 },
  );
  assert.equal(main.priority, 30);
  await runKernel(kernel);
  assertAllFinished(main);
  assert.ok(spawned > 0);
  assert.deepEqual(outcomes, ['main continues', 'child ran', 'main after yield']);
  assert.equal(kernel.threads.get(spawned)?.state, 'dead');
});

test('SCHED0008 run({ until }) stops at the virtual time and a later run continues', async () => {
  // A thread alone at its priority never has to switch away at a preemption point, except to let
  // the run loop return at `until`.
  const { kernel } = newKernel();
  const task = kernel.createTask('task');
  const counter = { iterations: 0 };
  const lone = kernel.createThread(task, 'spinner', spinner(milliseconds(1), counter));
  await runKernel(kernel, { until: milliseconds(25) });
  assert.equal(counter.iterations, 25);
  assert.equal(kernel.clock.now(), milliseconds(25));
  assert.equal(lone.state, 'ready');
  await runKernel(kernel, { until: milliseconds(50) });
  assert.equal(counter.iterations, 50);
  assert.equal(lone.cpuTime, milliseconds(50));
});

test('SCHED0009 host events get their turn while threads keep the CPU busy', async () => {
  // Two threads that never block would otherwise keep the host's timers and I/O out forever.
  const kernel = new Kernel({ clock: 'host', log: () => undefined });
  const task = kernel.createTask('busy');
  let rounds = 0;
  for (const name of ['a', 'b']) {
    kernel.createThread(task, name, async (sys) => {
      for (;;) {
        rounds++;
        await sys.sleep(0);
      }
    });
  }
  let fired = 0;
  const timer = setTimeout(() => {
    fired = performance.now();
    kernel.stop();
  }, 50);
  const started = performance.now();
  await kernel.run();
  clearTimeout(timer);
  assert.ok(fired > 0, 'the host timer fired and stopped the kernel');
  assert.ok(fired - started < 2000, 'promptly');
  assert.ok(rounds > 100, 'the threads ran meanwhile');
});
