// The programs of the kernel self-check (`l4vm selfcheck`). They run as tasks started by the root
// task, on whichever host CPU the configuration places them, so they are loaded by module URL.
// Each reports what it saw to the "report" endpoint as one string item per line.

import type { Sys } from '../kernel/syscalls.js';
import { KernelLabel, NEVER, Rights, milliseconds } from '../kernel/types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const Label = {
  echo: 1,
  readMapping: 2,
  report: 3,
} as const;

async function report(sys: Sys, line: string): Promise<void> {
  await sys.call(sys.capability('report'), sys.message(Label.report, [], [{ kind: 'string', bytes: encoder.encode(line) }]));
}

/**
 * Answers Label.echo with the words reversed and the caller's badge appended, and string items
 * upper-cased; keeps mappings it receives and answers Label.readMapping with their first bytes
 * (or the error when the mapping was revoked meanwhile).
 */
export async function echoServer(sys: Sys): Promise<void> {
  const requests = sys.capability('requests');
  const mappings: number[] = [];
  let result = await sys.receive(requests);
  while (result.ok) {
    const label = result.tag.label;
    for (const item of sys.received) if (item.kind === 'map' && item.slot >= 0) mappings.push(item.slot);
    if (label === Label.readMapping) {
      const texts = mappings.map((slot) => {
        const region = sys.region(slot);
        if (!region.ok) return `(${region.error})`;
        const bytes = new Uint8Array(Math.min(16, region.value.size));
        const error = region.value.read(0, bytes);
        return error ?? decoder.decode(bytes).replace(/\0+$/, '');
      });
      result = await sys.replyWait(requests, sys.message(label, [mappings.length], [{ kind: 'string', bytes: encoder.encode(texts.join(',')) }]));
      continue;
    }
    const words = Array.from(sys.mr.subarray(0, result.tag.words)).reverse();
    const strings = sys.received.flatMap((item) =>
      item.kind === 'string' ? [{ kind: 'string' as const, bytes: encoder.encode(decoder.decode(item.bytes).toUpperCase()) }] : [],
    );
    result = await sys.replyWait(requests, sys.message(label, [...words, result.badge], strings));
  }
}

/** Exercises IPC, timeouts, map items and revocation against the echo server, and reports. */
export async function client(sys: Sys): Promise<void> {
  const echo = sys.capability('echo');
  const where = sys.identify(echo);
  const echoCpu = where.ok ? where.value.cpu : -1;
  await report(sys, `client on host CPU ${sys.cpu}, echo server on host CPU ${echoCpu}`);

  let r = await sys.call(echo, sys.message(Label.echo, [1, 2, 3]));
  const words = r.ok ? Array.from(sys.mr.subarray(0, r.tag.words)).join(' ') : r.error;
  await report(sys, `${words === '3 2 1 7' ? 'ok  ' : 'FAIL'} call/reply: sent 1 2 3, got ${words} (reversed, then the badge 7 the server saw)`);

  r = await sys.call(echo, sys.message(Label.echo, [], [{ kind: 'string', bytes: encoder.encode('hello') }]));
  const text = r.ok && sys.received[0]?.kind === 'string' ? decoder.decode(sys.received[0].bytes) : '(none)';
  await report(sys, `${text === 'HELLO' ? 'ok  ' : 'FAIL'} string item: sent "hello", got "${text}"`);

  const buffer = sys.capability('buffer');
  const region = sys.region(buffer);
  if (region.ok) region.value.write(0, encoder.encode('shared page'));
  r = await sys.call(echo, sys.message(Label.echo, [], [{ kind: 'map', slot: buffer, offset: 0, size: 4096, rights: Rights.read }]));
  r = await sys.call(echo, sys.message(Label.readMapping, []));
  const seen = r.ok && sys.received[0]?.kind === 'string' ? decoder.decode(sys.received[0].bytes) : '(none)';
  await report(sys, `${seen === 'shared page' ? 'ok  ' : 'FAIL'} map item: the server reads "${seen}" through its read-only mapping`);

  await sys.revoke(buffer);
  r = await sys.call(echo, sys.message(Label.readMapping, []));
  const after = r.ok && sys.received[0]?.kind === 'string' ? decoder.decode(sys.received[0].bytes) : '(none)';
  await report(sys, `${after === '(no-right)' ? 'ok  ' : 'FAIL'} revoke: after unmapping, the server's read gives ${after}`);

  const timer = sys.capability('timer');
  const before = sys.now();
  const waited = await sys.receive(timer, milliseconds(5));
  const elapsed = (sys.now() - before) / 1e6;
  const timedOut = !waited.ok && waited.error === 'timeout' && elapsed >= 5;
  await report(sys, `${timedOut ? 'ok  ' : 'FAIL'} timeout: receive with a 5 ms timeout returned ${waited.ok ? 'a message' : waited.error} after ${elapsed.toFixed(3)} ms`);

  const zero = await sys.receive(timer, 0);
  await report(sys, `${!zero.ok && zero.error === 'timeout' ? 'ok  ' : 'FAIL'} ZERO timeout: fails at once with ${zero.ok ? 'a message' : zero.error}`);

  const refused = await sys.send(4000, sys.message(Label.echo, [1]));
  await report(sys, `${!refused.ok && refused.error === 'no-right' ? 'ok  ' : 'FAIL'} no capability: send through an empty slot gives ${refused.ok ? 'success' : refused.error}`);

  const rounds = 2000;
  const start = performance.now();
  for (let i = 0; i < rounds; i++) await sys.call(echo, sys.message(Label.echo, [i]));
  const micros = ((performance.now() - start) * 1000) / rounds;
  await report(sys, `ok   ${rounds} call/reply round trips to host CPU ${echoCpu}: ${micros.toFixed(2)} µs each (host time)`);
  await sys.call(sys.capability('report'), sys.message(0));
}

/** Throws on purpose, so the supervisor gets its fault. */
export async function faulty(sys: Sys): Promise<void> {
  await sys.sleep(milliseconds(1));
  throw new Error('deliberate fault of the self-check');
}

/** Receives one fault message and reports it. */
export async function supervisor(sys: Sys): Promise<void> {
  const faults = sys.capability('faults');
  const r = await sys.receive(faults, NEVER);
  const text = sys.received[0]?.kind === 'string' ? decoder.decode(sys.received[0].bytes).split('\n')[0] : '';
  const good = r.ok && r.tag.label === KernelLabel.fault && r.badge === 9 && text.includes('deliberate fault');
  await report(sys, `${good ? 'ok  ' : 'FAIL'} fault: the handler got "${text}" from thread ${sys.mr[0]} (badge ${r.ok ? r.badge : r.error}); the others kept running`);
}
