// The serial protocol: how a VMM hands the bytes its UARTs sent to the serial server, and how the
// input server passes on bytes typed into a VM's serial pane. The serial server connects each port
// to its host destination (src/servers/serial/).
//
// Requests to the serial server's endpoint; the badge says who calls:
//   SerialLabel.output  words [port],      one string item: the bytes    from a VMM (its own badge)
//   SerialLabel.input   words [vm, port],  one string item: the bytes    from the input server (SERIAL_INPUT_BADGE)
// A port is a UART's index in its machine: 0 = COM1 / the first UART. `vm` is the VM's number n,
// as in the console protocol, whose VM n has badge n + 1 (vmBadge in src/protocols/console.ts).
//
// Bytes for a VM travel back through its `serial-in` ring (src/protocols/input.ts, EVENT_SERIAL
// records) and the NOTIFY_SERIAL bit of its `events` notification; they do not come by IPC.
//
// The reply is label 0 with no words (done), or label SERIAL_REPLY_ERROR with one word, an error
// code from SERIAL_ERROR_CODES.

import type { Sys } from '../kernel/syscalls.js';
import { STRING_ITEM_MAX_BYTES, type IpcResult, type KernelError, type ReceivedItem, type SendItem, type Tag } from '../kernel/types.js';

export const SerialLabel = {
  output: 1,
  input: 2,
} as const;

/** The reply label that carries an error word. */
export const SERIAL_REPLY_ERROR = 1;

/** The badge of the input server's capability to the serial server: above every VM's badge. */
export const SERIAL_INPUT_BADGE = 0xffff_0001;

/** The highest port number: an EVENT_SERIAL record holds the port in one byte. */
export const SERIAL_MAX_PORT = 255;

/** Why the serial server refused a request. */
export type SerialErrorName =
  /** wrong label, number of words or items, or an item that is not a string */
  | 'malformed'
  /** the badge is neither a configured VM nor the input server */
  | 'unknown-sender'
  /** a VM sent `input`, or the input server sent `output` */
  | 'not-allowed'
  /** `input` names a VM the serial server does not serve */
  | 'unknown-vm'
  /** the port is not configured for that VM */
  | 'unknown-port'
  /** the VM's input queue is full: try again later */
  | 'busy'
  /** the destination failed (a file write, the console server) */
  | 'io'
  /** the serial server was shut down */
  | 'stopped';

export const SERIAL_ERROR_CODES: Readonly<Record<SerialErrorName, number>> = {
  malformed: 1,
  'unknown-sender': 2,
  'not-allowed': 3,
  'unknown-vm': 4,
  'unknown-port': 5,
  busy: 6,
  io: 7,
  stopped: 8,
};

const ERROR_NAMES: ReadonlyMap<number, SerialErrorName> = new Map(Object.entries(SERIAL_ERROR_CODES).map(([name, code]) => [code, name as SerialErrorName]));

export type SerialRequest = { kind: 'output'; port: number; bytes: Uint8Array } | { kind: 'input'; vm: number; port: number; bytes: Uint8Array };

export type SerialReply = { kind: 'ok' } | { kind: 'error'; error: SerialErrorName };

/** A message ready for `sys.message(label, words, items)`. */
export interface SerialMessage {
  label: number;
  words: number[];
  items: SendItem[];
}

export function encodeSerialRequest(request: SerialRequest): SerialMessage {
  const items: SendItem[] = [{ kind: 'string', bytes: request.bytes }];
  switch (request.kind) {
    case 'output':
      return { label: SerialLabel.output, words: [request.port], items };
    case 'input':
      return { label: SerialLabel.input, words: [request.vm, request.port], items };
  }
}

/** The request a received message carries, or null when it is malformed. */
export function decodeSerialRequest(tag: Tag, mr: Uint32Array, received: readonly ReceivedItem[]): SerialRequest | null {
  if (tag.items !== 1) return null;
  const item = received[0];
  if (item === undefined || item.kind !== 'string') return null;
  if (tag.label === SerialLabel.output && tag.words === 1) return { kind: 'output', port: mr[0], bytes: item.bytes };
  if (tag.label === SerialLabel.input && tag.words === 2) return { kind: 'input', vm: mr[0], port: mr[1], bytes: item.bytes };
  return null;
}

export function encodeSerialReply(reply: SerialReply): SerialMessage {
  return reply.kind === 'ok' ? { label: 0, words: [], items: [] } : { label: SERIAL_REPLY_ERROR, words: [SERIAL_ERROR_CODES[reply.error]], items: [] };
}

/** The reply a call returned, or null when it is not one of this protocol's. */
export function decodeSerialReply(tag: Tag, mr: Uint32Array): SerialReply | null {
  if (tag.label === 0) return { kind: 'ok' };
  if (tag.label !== SERIAL_REPLY_ERROR || tag.words < 1) return null;
  const error = ERROR_NAMES.get(mr[0]);
  return error === undefined ? null : { kind: 'error', error };
}

async function callSerial(sys: Sys, slot: number, request: SerialRequest): Promise<SerialErrorName | KernelError | null> {
  const message = encodeSerialRequest(request);
  const result: IpcResult = await sys.call(slot, sys.message(message.label, message.words, message.items));
  if (!result.ok) return result.error;
  const reply = decodeSerialReply(result.tag, sys.mr);
  if (reply === null) return 'malformed';
  return reply.kind === 'ok' ? null : reply.error;
}

/** Splits `bytes` into pieces a string item can carry. */
function* pieces(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += STRING_ITEM_MAX_BYTES) yield bytes.subarray(at, at + STRING_ITEM_MAX_BYTES);
}

/**
 * The VMM's side: sends what a UART transmitted (in pieces of at most a string item each).
 * Returns null when the serial server took it all, or the first error (the serial server's or the kernel's).
 */
export async function sendSerialOutput(sys: Sys, slot: number, port: number, bytes: Uint8Array): Promise<SerialErrorName | KernelError | null> {
  for (const piece of pieces(bytes)) {
    const error = await callSerial(sys, slot, { kind: 'output', port, bytes: piece });
    if (error !== null) return error;
  }
  return null;
}

/** The input server's side: passes bytes typed into VM `vm`'s serial port `port`. */
export async function sendSerialInput(sys: Sys, slot: number, vm: number, port: number, bytes: Uint8Array): Promise<SerialErrorName | KernelError | null> {
  for (const piece of pieces(bytes)) {
    const error = await callSerial(sys, slot, { kind: 'input', vm, port, bytes: piece });
    if (error !== null) return error;
  }
  return null;
}
