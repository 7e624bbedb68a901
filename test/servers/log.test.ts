// The log server: each line stamped with the time and the sender's name (from its badge), in the
// order the lines arrived.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rights, milliseconds } from '../../src/kernel/types.js';
import { LOG_ERROR_CODES, LOG_REPLY_ERROR, LogLabel, logLine } from '../../src/protocols/log.js';
import { formatLogLine, logServer, splitLogText } from '../../src/servers/log/main.js';
import { assertAllFinished, assertIpcOk, deriveInto, newKernel, runKernel, text } from '../kernel/helpers.js';

function logSystem() {
  const { kernel } = newKernel();
  const lines: string[] = [];
  const server = kernel.createTask('log');
  const requests = kernel.createObject(server, 'endpoint');
  server.environment.set('requests', requests);
  kernel.createThread(server, 'main', logServer({ names: new Map([[1, 'vm1'], [2, 'block']]), sink: (line) => lines.push(line) }));
  const client = (name: string, badge: number) => {
    const task = kernel.createTask(name);
    return { task, gate: deriveInto(kernel, server, requests, task, Rights.write, badge) };
  };
  return { kernel, lines, client };
}

test('LOG0001 lines carry the time in seconds and the sender named by its badge, in arrival order', async () => {
  const { kernel, lines, client } = logSystem();
  const vm1 = client('vm1', 1);
  const block = client('block', 2);
  const a = kernel.createThread(vm1.task, 'main', async (sys) => {
    assert.equal(await logLine(sys, vm1.gate, 'booting'), null);
    await sys.sleep(milliseconds(1500));
    assert.equal(await logLine(sys, vm1.gate, 'booted'), null);
  });
  const b = kernel.createThread(block.task, 'main', async (sys) => {
    await sys.sleep(milliseconds(20));
    assert.equal(await logLine(sys, block.gate, 'disk.img: 1024 sectors'), null);
    await sys.sleep(milliseconds(2000));
    assert.equal(await logLine(sys, block.gate, 'flushed'), null);
  });
  await runKernel(kernel);
  assertAllFinished(a, b);
  assert.deepEqual(lines, ['[   0.000] vm1: booting', '[   0.020] block: disk.img: 1024 sectors', '[   1.500] vm1: booted', '[   2.020] block: flushed']);
});

test('LOG0002 an unknown badge is still logged, under "badge N"; line breaks make several lines', async () => {
  const { kernel, lines, client } = logSystem();
  const stranger = client('stranger', 9);
  const thread = kernel.createThread(stranger.task, 'main', async (sys) => {
    assert.equal(await logLine(sys, stranger.gate, 'first\r\nsecond\n'), null);
    assert.equal(await logLine(sys, stranger.gate, 'bell\x07 and \x1b[2J escape'), null);
  });
  await runKernel(kernel);
  assertAllFinished(thread);
  assert.deepEqual(lines, ['[   0.000] badge 9: first', '[   0.000] badge 9: second', '[   0.000] badge 9: bell\ufffd and \ufffd[2J escape']);
});

test('LOG0003 a request without its string item, or with another label, is refused and logs nothing', async () => {
  const { kernel, lines, client } = logSystem();
  const vm1 = client('vm1', 1);
  const replies: number[][] = [];
  const thread = kernel.createThread(vm1.task, 'main', async (sys) => {
    for (const tag of [sys.message(LogLabel.line), sys.message(7, [], [{ kind: 'string', bytes: text('x') }])]) {
      const result = await sys.call(vm1.gate, tag);
      assertIpcOk(result);
      replies.push([result.tag.label, sys.mr[0]]);
    }
  });
  await runKernel(kernel);
  assertAllFinished(thread);
  assert.deepEqual(replies, [
    [LOG_REPLY_ERROR, LOG_ERROR_CODES.malformed],
    [LOG_REPLY_ERROR, LOG_ERROR_CODES.malformed],
  ]);
  assert.deepEqual(lines, []);
});

test('LOG0004 formatting: three decimals, padded; an empty text is one empty line', () => {
  assert.equal(formatLogLine(123_456_789_012, 'timer', 'x'), '[ 123.457] timer: x');
  assert.deepEqual(splitLogText(''), ['']);
  assert.deepEqual(splitLogText('a\n\nb'), ['a', '', 'b']);
});
