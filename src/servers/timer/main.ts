// The timer server: answers TimerLabel.now (src/protocols/timer.ts) with the host's calendar time.
// Tasks may not read the host's clock themselves (a VMM's RTC asks here), so that a test or a
// replayed run can give the whole system one fixed or shifted date. README.md has the policy.

import type { Sys } from '../../kernel/syscalls.js';
import type { ThreadBody } from '../../kernel/thread.js';
import type { Tag } from '../../kernel/types.js';
import { decodeTimerRequest, encodeTimerReply, type TimerReply } from '../../protocols/timer.js';

export interface TimerServerOptions {
  /** Milliseconds since 1970-01-01 UTC; default Date.now. */
  clock?: () => number;
  /** The capability name of this server's own endpoint; default 'requests'. */
  requestsCap?: string;
}

/** The timer server's program. */
export function timerServer(options: TimerServerOptions = {}): ThreadBody {
  const clock = options.clock ?? Date.now;
  const requestsCap = options.requestsCap ?? 'requests';
  return async (sys: Sys): Promise<void> => {
    const requests = sys.capability(requestsCap);
    if (requests < 0) throw new Error(`timer server: no capability named "${requestsCap}" (its own endpoint); the task has ${sys.capabilityNames().join(', ') || 'none'}`);
    let reply: Tag | null = null;
    for (;;) {
      const result = await sys.replyWait(requests, reply);
      if (!result.ok) throw new Error(`timer server: receiving on its endpoint failed (${result.error})`);
      const answer: TimerReply = decodeTimerRequest(result.tag) === null ? { kind: 'error', error: 'malformed' } : { kind: 'now', milliseconds: clock() };
      const message = encodeTimerReply(answer);
      reply = sys.message(message.label, message.words, message.items);
    }
  };
}
