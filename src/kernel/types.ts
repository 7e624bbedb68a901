// Shared kernel vocabulary: time, rights, message tags, IPC results and the named errors.
// Every kernel call that can fail returns one of these values; none throws for a guest-visible
// condition (STYLE.md: errors are values on the hot path).

/** Nanoseconds, virtual or host, depending on the kernel's clock. */
export type Nanoseconds = number;

/** Timeouts are durations in nanoseconds; NEVER waits forever, ZERO never waits. */
export const NEVER: Nanoseconds = Number.POSITIVE_INFINITY;
export const ZERO: Nanoseconds = 0;

export const microseconds = (n: number): Nanoseconds => n * 1_000;
export const milliseconds = (n: number): Nanoseconds => n * 1_000_000;

/**
 * The named errors of kernel calls (docs/kernel.md lists which call returns which):
 * - timeout:    the partner was not ready before the timeout ran out (ZERO: not ready at once);
 * - cancelled:  the operation was aborted while blocked (the object was destroyed, the
 *               capability a send waits on was revoked, or the thread was stopped);
 * - no-partner: the partner no longer exists or no longer waits (reply to a caller that gave up);
 * - no-right:   the capability slot is empty, names the wrong kind of object, or lacks the right;
 * - invalid:    the arguments are malformed (too many words, a range outside a dataspace, ...).
 */
export type KernelError = 'timeout' | 'cancelled' | 'no-partner' | 'no-right' | 'invalid';

/** Rights on a capability. Their meaning per object type is in docs/kernel.md. */
export const Rights = {
  none: 0,
  /** endpoint: receive; notification: wait; dataspace: read; irq: receive and acknowledge */
  read: 1,
  /** endpoint: send and call; notification: signal; dataspace: write */
  write: 2,
  /** endpoint: may carry map and grant items (capability transfer) */
  grant: 4,
  all: 7,
} as const;
export type RightsMask = number;

/** Parses "r", "rw", "rwg", "w", ... into a rights mask; returns null on an unknown letter. */
export function parseRights(text: string): RightsMask | null {
  let mask = 0;
  for (const letter of text) {
    if (letter === 'r') mask |= Rights.read;
    else if (letter === 'w') mask |= Rights.write;
    else if (letter === 'g') mask |= Rights.grant;
    else return null;
  }
  return mask;
}

export function formatRights(mask: RightsMask): string {
  return (mask & Rights.read ? 'r' : '-') + (mask & Rights.write ? 'w' : '-') + (mask & Rights.grant ? 'g' : '-');
}

/** Limits of one message. */
export const MESSAGE_WORDS = 64;
export const MESSAGE_ITEMS = 8;
export const STRING_ITEM_MAX_BYTES = 1 << 20;

/** A message tag: a protocol label and how many untyped words and typed items follow. */
export interface Tag {
  label: number;
  words: number;
  items: number;
}

/**
 * A typed item as the sender writes it into its UTCB:
 * map: derive a capability (for a dataspace, a sub-range of it) into the receiver's capability space;
 * grant: the same, but the sender's capability moves to the receiver;
 * string: bytes copied into the receiver.
 */
export type SendItem =
  | { kind: 'map' | 'grant'; slot: number; offset?: number; size?: number; rights?: RightsMask }
  | { kind: 'string'; bytes: Uint8Array };

/** A typed item as the receiver finds it in its UTCB after the transfer. */
export type ReceivedItem =
  | { kind: 'map' | 'grant'; slot: number; size: number; rights: RightsMask }
  | { kind: 'string'; bytes: Uint8Array };

/** The outcome of an IPC: the received tag and the badge of the capability the sender used. */
export type IpcResult = { ok: true; tag: Tag; badge: number } | { ok: false; error: KernelError };

export type Result<T> = { ok: true; value: T } | { ok: false; error: KernelError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (error: KernelError): { ok: false; error: KernelError } => ({ ok: false, error });

/** Labels the kernel itself puts on messages it originates. */
export const KernelLabel = {
  /** a thread faulted; words: [thread id]; one string item with the error text */
  fault: 0xfff0,
  /** an interrupt; words: [irq line] */
  irq: 0xfff1,
  /** a notification delivered through receive(); words: [bits] */
  notification: 0xfff2,
} as const;

export type ObjectKind = 'endpoint' | 'notification' | 'irq' | 'dataspace' | 'reply' | 'task' | 'thread';
