// The timer protocol: the host's calendar time, which a VM's real-time clock needs and which tasks
// may not read from the host themselves (src/servers/timer/). Time within the system (timeouts,
// sleeping, a VM's timers) is the kernel's clock, `sys.now()`; this is only the date and time of day.
//
// Requests to the timer server's endpoint:
//   TimerLabel.now  no words, no items
// The reply is label 0 with words [milliseconds since 1970-01-01 UTC, low 32 bits; the bits above],
// or label TIMER_REPLY_ERROR with one word, an error code from TIMER_ERROR_CODES.

import type { Sys } from '../kernel/syscalls.js';
import type { SendItem, Tag } from '../kernel/types.js';

export const TimerLabel = {
  now: 1,
} as const;

/** The reply label that carries an error word. */
export const TIMER_REPLY_ERROR = 1;

/** Why the timer server refused a request: a label it does not know, or words or items it does not expect. */
export type TimerErrorName = 'malformed';

export const TIMER_ERROR_CODES: Readonly<Record<TimerErrorName, number>> = { malformed: 1 };

export type TimerRequest = { kind: 'now' };

export type TimerReply = { kind: 'now'; milliseconds: number } | { kind: 'error'; error: TimerErrorName };

/** A message ready for `sys.message(label, words, items)`. */
export interface TimerMessage {
  label: number;
  words: number[];
  items: SendItem[];
}

const HIGH = 0x1_0000_0000;

export function encodeTimerRequest(request: TimerRequest): TimerMessage {
  switch (request.kind) {
    case 'now':
      return { label: TimerLabel.now, words: [], items: [] };
  }
}

/** The request a received message carries, or null when it is malformed. */
export function decodeTimerRequest(tag: Tag): TimerRequest | null {
  return tag.label === TimerLabel.now && tag.words === 0 && tag.items === 0 ? { kind: 'now' } : null;
}

/** Milliseconds are whole and not before 1970 (a clock that says otherwise is clamped to 0). */
export function encodeTimerReply(reply: TimerReply): TimerMessage {
  if (reply.kind === 'error') return { label: TIMER_REPLY_ERROR, words: [TIMER_ERROR_CODES[reply.error]], items: [] };
  const milliseconds = Number.isFinite(reply.milliseconds) ? Math.max(0, Math.floor(reply.milliseconds)) : 0;
  return { label: 0, words: [milliseconds % HIGH >>> 0, Math.floor(milliseconds / HIGH) >>> 0], items: [] };
}

/** The reply a call returned, or null when it is not one of this protocol's. */
export function decodeTimerReply(tag: Tag, mr: Uint32Array): TimerReply | null {
  if (tag.label === 0 && tag.words >= 2) return { kind: 'now', milliseconds: mr[1] * HIGH + mr[0] };
  if (tag.label === TIMER_REPLY_ERROR && tag.words >= 1 && mr[0] === TIMER_ERROR_CODES.malformed) return { kind: 'error', error: 'malformed' };
  return null;
}

/** The calendar time from the timer server's endpoint in `slot`, or null when the call or the reply failed. */
export async function calendarTime(sys: Sys, slot: number): Promise<Date | null> {
  const message = encodeTimerRequest({ kind: 'now' });
  const result = await sys.call(slot, sys.message(message.label, message.words, message.items));
  if (!result.ok) return null;
  const reply = decodeTimerReply(result.tag, sys.mr);
  return reply !== null && reply.kind === 'now' ? new Date(reply.milliseconds) : null;
}
