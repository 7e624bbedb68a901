// The device interface every device model implements: a name, a reset, and its state as plain data
// so a machine can be saved and restored (snapshots). Nothing here knows any architecture.

/** A device's state: plain JSON-serialisable data (numbers, strings, arrays, nested objects). */
export type DeviceState = { [key: string]: DeviceStateValue };
export type DeviceStateValue = number | string | boolean | null | DeviceStateValue[] | { [key: string]: DeviceStateValue };

export interface Device {
  readonly name: string;
  /** Puts the device into its power-on state. */
  reset(): void;
  saveState(): DeviceState;
  /** Restores what saveState returned; throws an Error naming the field when it does not fit. */
  restoreState(state: DeviceState): void;
}

/** Reads a number field of a saved state, or throws naming the device and the field. */
export function stateNumber(state: DeviceState, device: string, field: string): number {
  const value = state[field];
  if (typeof value !== 'number') throw new Error(`saved state of ${device}: field ${field} is not a number`);
  return value;
}

/** Bytes as a string of hex digits, and back: how device memories go into saved state. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

export function hexToBytes(hex: string, into: Uint8Array, what: string): void {
  if (hex.length !== into.length * 2) throw new Error(`saved state of ${what}: ${hex.length / 2} bytes where ${into.length} are needed`);
  for (let i = 0; i < into.length; i++) into[i] = parseInt(hex.substr(i * 2, 2), 16);
}
