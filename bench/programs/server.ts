// The server side of the call+reply benchmark: answers each call at once, the way a device server's
// replyWait loop does. Loaded by module URL on worker host CPUs; used directly on CPU 0.

import type { Sys } from '../../src/kernel/syscalls.js';
import type { Tag } from '../../src/kernel/types.js';
import { BenchLabel } from './measure.js';

const REPLY: Tag = { label: BenchLabel.reply, words: 1, items: 0 };

/** Serves the endpoint "requests": replies with the request's word plus one. */
export async function replyServer(sys: Sys): Promise<void> {
  const requests = sys.capability('requests');
  let result = await sys.receive(requests);
  while (result.ok) {
    sys.mr[0] = (sys.mr[0] + 1) >>> 0;
    result = await sys.replyWait(requests, REPLY);
  }
}
