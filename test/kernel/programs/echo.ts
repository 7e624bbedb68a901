// Test programs that run on other host CPUs (workers): loaded by module URL, configured by the
// root task. Each reports what it saw to its "report" endpoint as string items.

import type { Sys } from '../../../src/kernel/syscalls.js';
import { NEVER, Rights, milliseconds } from '../../../src/kernel/types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function text(bytes: Uint8Array): string {
  return decoder.decode(bytes).replace(/\0+$/, '');
}

export async function report(sys: Sys, line: string): Promise<void> {
  await sys.call(sys.capability('report'), sys.message(1, [], [{ kind: 'string', bytes: encoder.encode(line) }]));
}

/**
 * Answers every call on "requests" with the words reversed and the caller's badge appended; string
 * items come back upper-cased; a mapped dataspace is read ("mapped:<text>") and, if writable,
 * overwritten with "seen on cpu<N>". Label 2 asks it to read every mapping it keeps.
 */
export async function echoServer(sys: Sys): Promise<void> {
  const requests = sys.capability('requests');
  const kept: number[] = [];
  let result = await sys.receive(requests);
  while (result.ok) {
    const words = Array.from(sys.mr.subarray(0, result.tag.words)).reverse();
    const strings: { kind: 'string'; bytes: Uint8Array }[] = [];
    for (const item of sys.received) {
      if (item.kind === 'string') strings.push({ kind: 'string', bytes: encoder.encode(text(item.bytes).toUpperCase()) });
      if (item.kind !== 'map' || item.slot < 0) continue;
      kept.push(item.slot);
      const region = sys.region(item.slot);
      if (!region.ok) continue;
      const bytes = new Uint8Array(Math.min(32, region.value.size));
      region.value.read(0, bytes);
      strings.push({ kind: 'string', bytes: encoder.encode(`mapped:${text(bytes)}`) });
      if (region.value.writable) region.value.write(0, encoder.encode(`seen on cpu${sys.cpu}\0\0\0\0\0\0`));
    }
    if (result.tag.label === 2) {
      for (const slot of kept) {
        const region = sys.region(slot);
        const bytes = new Uint8Array(8);
        const error = region.ok ? region.value.read(0, bytes) : region.error;
        strings.push({ kind: 'string', bytes: encoder.encode(error ?? text(bytes)) });
      }
    }
    result = await sys.replyWait(requests, sys.message(result.tag.label + 1, [...words, result.badge], strings));
  }
}

/** Maps its "page" (written "from cpu<N>") read/write to "server", then reports the answer and the page. */
export async function mappingClient(sys: Sys): Promise<void> {
  const page = sys.capability('page');
  const region = sys.region(page);
  if (!region.ok) throw new Error(`no page: ${region.error}`);
  region.value.write(0, encoder.encode(`from cpu${sys.cpu}`));
  const r = await sys.call(sys.capability('server'), sys.message(7, [10, 20], [{ kind: 'map', slot: page, rights: Rights.read | Rights.write }]));
  const strings = sys.received.flatMap((item) => (item.kind === 'string' ? [text(item.bytes)] : []));
  const after = new Uint8Array(16);
  region.value.read(0, after);
  const words = r.ok ? Array.from(sys.mr.subarray(0, r.tag.words)).join(' ') : r.error;
  await report(sys, `reply label ${r.ok ? r.tag.label : '-'} words ${words} strings ${strings.join('|')} page ${text(after)}`);
}

/** Calls "server" with a string item and reports the answer. */
export async function stringClient(sys: Sys): Promise<void> {
  const r = await sys.call(sys.capability('server'), sys.message(3, [1, 2, 3], [{ kind: 'string', bytes: encoder.encode(`hello from cpu${sys.cpu}`) }]));
  const strings = sys.received.flatMap((item) => (item.kind === 'string' ? [text(item.bytes)] : []));
  const words = r.ok ? Array.from(sys.mr.subarray(0, r.tag.words)).join(' ') : r.error;
  await report(sys, `reply words ${words} strings ${strings.join('|')}`);
}

/** Owns an endpoint and never receives on it. */
export async function deaf(sys: Sys): Promise<void> {
  await sys.sleep(NEVER);
}

/** Sends to "server" (a deaf one) with a ZERO and a 30 ms timeout, and reports both outcomes. */
export async function impatientClient(sys: Sys): Promise<void> {
  const server = sys.capability('server');
  const zero = await sys.send(server, sys.message(1, [1]), 0);
  const start = sys.now();
  const later = await sys.send(server, sys.message(1, [1]), milliseconds(30));
  const waited = (sys.now() - start) / 1e6;
  await report(sys, `zero ${zero.ok ? 'ok' : zero.error} timed ${later.ok ? 'ok' : later.error} after ${waited >= 30 ? 'at least 30 ms' : `${waited} ms`}`);
}

/** Signals the "bell" notification with bits 5. */
export async function ringer(sys: Sys): Promise<void> {
  await sys.signal(sys.capability('bell'), 5);
}
