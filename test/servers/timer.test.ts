// The timer server: the host's calendar time for tasks, from the clock the front end gives it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rights } from '../../src/kernel/types.js';
import { TIMER_ERROR_CODES, TIMER_REPLY_ERROR, TimerLabel, calendarTime, decodeTimerReply, encodeTimerReply } from '../../src/protocols/timer.js';
import { timerServer } from '../../src/servers/timer/main.js';
import { assertAllFinished, assertIpcOk, deriveInto, newKernel, runKernel, tagOf } from '../kernel/helpers.js';

function timerSystem(clock: () => number) {
  const { kernel, log } = newKernel();
  const server = kernel.createTask('timer');
  const client = kernel.createTask('vm1');
  const requests = kernel.createObject(server, 'endpoint');
  server.environment.set('requests', requests);
  const gate = deriveInto(kernel, server, requests, client, Rights.write, 1);
  kernel.createThread(server, 'main', timerServer({ clock }));
  return { kernel, log, client, gate };
}

test('TIM0001 calendarTime returns the time of the clock the server was given', async () => {
  // A date after 2038, so the high word matters: 2106-02-07T06:28:16.000Z is exactly 2^32 seconds.
  const fixed = Date.UTC(2106, 1, 7, 6, 28, 16, 123);
  const { kernel, client, gate } = timerSystem(() => fixed);
  const seen: (string | null)[] = [];
  const thread = kernel.createThread(client, 'main', async (sys) => {
    seen.push((await calendarTime(sys, gate))?.toISOString() ?? null);
    seen.push((await calendarTime(sys, gate))?.toISOString() ?? null);
  });
  await runKernel(kernel);
  assertAllFinished(thread);
  assert.deepEqual(seen, ['2106-02-07T06:28:16.123Z', '2106-02-07T06:28:16.123Z']);
});

test('TIM0002 the reply is [low 32 bits, high bits] of the milliseconds; each call reads the clock', async () => {
  let now = 0x1_2345_6789;
  const { kernel, client, gate } = timerSystem(() => now++);
  const words: number[][] = [];
  const thread = kernel.createThread(client, 'main', async (sys) => {
    for (let i = 0; i < 2; i++) {
      const result = await sys.call(gate, sys.message(TimerLabel.now));
      assertIpcOk(result);
      assert.deepEqual(result.tag, tagOf(0, 2));
      words.push([sys.mr[0], sys.mr[1]]);
    }
  });
  await runKernel(kernel);
  assertAllFinished(thread);
  assert.deepEqual(words, [
    [0x2345_6789, 1],
    [0x2345_678a, 1],
  ]);
});

test('TIM0003 an unknown label or a request with words is refused with an error word', async () => {
  const { kernel, client, gate } = timerSystem(() => 0);
  const replies: number[][] = [];
  const thread = kernel.createThread(client, 'main', async (sys) => {
    for (const tag of [sys.message(99), sys.message(TimerLabel.now, [1])]) {
      const result = await sys.call(gate, tag);
      assertIpcOk(result);
      replies.push([result.tag.label, sys.mr[0]]);
    }
  });
  await runKernel(kernel);
  assertAllFinished(thread);
  assert.deepEqual(replies, [
    [TIMER_REPLY_ERROR, TIMER_ERROR_CODES.malformed],
    [TIMER_REPLY_ERROR, TIMER_ERROR_CODES.malformed],
  ]);
});

test('TIM0004 encoding clamps times before 1970 and fractions; decoding inverts it', () => {
  const decode = (milliseconds: number) => {
    const message = encodeTimerReply({ kind: 'now', milliseconds });
    return decodeTimerReply({ label: message.label, words: message.words.length, items: 0 }, Uint32Array.from(message.words));
  };
  assert.deepEqual(decode(-5), { kind: 'now', milliseconds: 0 });
  assert.deepEqual(decode(1.9), { kind: 'now', milliseconds: 1 });
  assert.deepEqual(decode(2 ** 45 + 7), { kind: 'now', milliseconds: 2 ** 45 + 7 });
});
