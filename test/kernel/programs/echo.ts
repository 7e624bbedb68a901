// Test programs that run on other host CPUs (workers): loaded by module URL.

import type { Sys } from '../../../src/kernel/syscalls.js';

/** Answers every call on "requests" with the words reversed, plus any string items upper-cased. */
export async function echoServer(sys: Sys): Promise<void> {
  const requests = sys.capability('requests');
  let result = await sys.receive(requests);
  while (result.ok) {
    const words = Array.from(sys.mr.subarray(0, result.tag.words)).reverse();
    const strings = sys.received.flatMap((item) =>
      item.kind === 'string' ? [{ kind: 'string' as const, bytes: new TextEncoder().encode(new TextDecoder().decode(item.bytes).toUpperCase()) }] : [],
    );
    result = await sys.replyWait(requests, sys.message(result.tag.label + 1, [...words, result.badge], strings));
  }
}
