// The log protocol: tasks send lines of text to the log server, which stamps them with the
// sender's name and the time and passes them to the front end's sink (src/servers/log/).
//
// Requests to the log server's endpoint; the badge says who sends (the root configuration gives
// each task its own):
//   LogLabel.line  no words, one string item: the text, UTF-8 (one line; a text with line breaks
//                  is logged as several lines)
// The reply is label 0 with no words (logged), or label LOG_REPLY_ERROR with one word, an error
// code from LOG_ERROR_CODES.

import type { Sys } from '../kernel/syscalls.js';
import { STRING_ITEM_MAX_BYTES, type KernelError, type ReceivedItem, type SendItem, type Tag } from '../kernel/types.js';

export const LogLabel = {
  line: 1,
} as const;

/** The reply label that carries an error word. */
export const LOG_REPLY_ERROR = 1;

/** Why the log server refused a request: a wrong label, or not exactly one string item. */
export type LogErrorName = 'malformed';

export const LOG_ERROR_CODES: Readonly<Record<LogErrorName, number>> = { malformed: 1 };

export type LogRequest = { kind: 'line'; text: Uint8Array };

export type LogReply = { kind: 'ok' } | { kind: 'error'; error: LogErrorName };

/** A message ready for `sys.message(label, words, items)`. */
export interface LogMessage {
  label: number;
  words: number[];
  items: SendItem[];
}

export function encodeLogRequest(request: LogRequest): LogMessage {
  return { label: LogLabel.line, words: [], items: [{ kind: 'string', bytes: request.text }] };
}

/** The request a received message carries, or null when it is malformed. */
export function decodeLogRequest(tag: Tag, received: readonly ReceivedItem[]): LogRequest | null {
  if (tag.label !== LogLabel.line || tag.items !== 1) return null;
  const item = received[0];
  return item !== undefined && item.kind === 'string' ? { kind: 'line', text: item.bytes } : null;
}

export function encodeLogReply(reply: LogReply): LogMessage {
  return reply.kind === 'ok' ? { label: 0, words: [], items: [] } : { label: LOG_REPLY_ERROR, words: [LOG_ERROR_CODES[reply.error]], items: [] };
}

/** The reply a call returned, or null when it is not one of this protocol's. */
export function decodeLogReply(tag: Tag, mr: Uint32Array): LogReply | null {
  if (tag.label === 0) return { kind: 'ok' };
  if (tag.label === LOG_REPLY_ERROR && tag.words >= 1 && mr[0] === LOG_ERROR_CODES.malformed) return { kind: 'error', error: 'malformed' };
  return null;
}

const encoder = new TextEncoder();

/**
 * Logs one line through the log server's endpoint in `slot`. A text longer than a string item is
 * cut to fit. Returns null once logged, or the error (the log server's or the kernel's).
 */
export async function logLine(sys: Sys, slot: number, text: string): Promise<LogErrorName | KernelError | null> {
  let bytes = encoder.encode(text);
  if (bytes.length > STRING_ITEM_MAX_BYTES) bytes = bytes.subarray(0, STRING_ITEM_MAX_BYTES);
  const message = encodeLogRequest({ kind: 'line', text: bytes });
  const result = await sys.call(slot, sys.message(message.label, message.words, message.items));
  if (!result.ok) return result.error;
  const reply = decodeLogReply(result.tag, sys.mr);
  if (reply === null) return 'malformed';
  return reply.kind === 'ok' ? null : reply.error;
}
