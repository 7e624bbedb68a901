// The log server: tasks send it lines (LogLabel.line, src/protocols/log.ts); it prefixes each with
// the time and the sender's name, which it knows from the badge of the sender's capability, and
// passes it to the sink the front end chose (a file, stderr, a list in memory). README.md has the
// policy.

import type { Sys } from '../../kernel/syscalls.js';
import type { ThreadBody } from '../../kernel/thread.js';
import type { Nanoseconds, Tag } from '../../kernel/types.js';
import { decodeLogRequest, encodeLogReply, type LogReply } from '../../protocols/log.js';

export interface LogServerOptions {
  /** Badge → the sender's name, as the root configuration gave the badges. */
  names: ReadonlyMap<number, string>;
  /** Where each finished line goes (host side); called in the order the lines arrived. */
  sink: (line: string) => void;
  /** The capability name of this server's own endpoint; default 'requests'. */
  requestsCap?: string;
}

/** "[   12.345] vm1: text": seconds on the kernel's clock, three decimals. */
export function formatLogLine(now: Nanoseconds, name: string, text: string): string {
  return `[${(now / 1e9).toFixed(3).padStart(8)}] ${name}: ${text}`;
}

// C0 controls other than tab, and DEL: a line must not move a terminal's cursor or start an escape
// sequence in whatever shows the log.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** The lines of a text: split at line breaks (one trailing break ignored), control characters shown as U+FFFD. */
export function splitLogText(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => line.replace(CONTROL, '\ufffd'));
}

/**
 * The log server's program. A badge missing from `names` is logged as "badge N", so that a
 * configuration mistake loses no lines.
 */
export function logServer(options: LogServerOptions): ThreadBody {
  const requestsCap = options.requestsCap ?? 'requests';
  const decoder = new TextDecoder('utf-8');
  return async (sys: Sys): Promise<void> => {
    const requests = sys.capability(requestsCap);
    if (requests < 0) throw new Error(`log server: no capability named "${requestsCap}" (its own endpoint); the task has ${sys.capabilityNames().join(', ') || 'none'}`);
    let reply: Tag | null = null;
    for (;;) {
      const result = await sys.replyWait(requests, reply);
      if (!result.ok) throw new Error(`log server: receiving on its endpoint failed (${result.error})`);
      const request = decodeLogRequest(result.tag, sys.received);
      let answer: LogReply = { kind: 'ok' };
      if (request === null) answer = { kind: 'error', error: 'malformed' };
      else {
        const name = options.names.get(result.badge) ?? `badge ${result.badge}`;
        const now = sys.now();
        for (const line of splitLogText(decoder.decode(request.text))) options.sink(formatLogLine(now, name, line));
      }
      const message = encodeLogReply(answer);
      reply = sys.message(message.label, message.words, message.items);
    }
  };
}
