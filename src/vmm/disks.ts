// A VMM's disks: one block session per disk (src/protocols/block.ts), opened from the capabilities
// the root task gave it — disk<i> (the session dataspace), block<i> (the server's endpoint, badged
// with the session) and block-doorbell<i> (the server's notification, badged with the session's bit).
// A request from the disk controller ends the CPU slice (`onRequest`), so the VMM rings the
// doorbell at once instead of at the slice's end: disk latency is then a round trip, not a slice.

import type { BlockBackend, BlockDone } from '../hw/block.js';
import type { Sys } from '../kernel/syscalls.js';
import { BlockSessionClient } from '../protocols/block.js';

export interface VmDisk {
  backend: BlockBackend;
  /** Passes requests on and delivers completions to the disk controller (after each slice, and when NOTIFY_BLOCK fires). */
  poll(): Promise<void>;
}

/** A block backend that tells `onRequest` about every request it passes to the session. */
class SignallingBackend implements BlockBackend {
  constructor(
    private readonly client: BlockSessionClient,
    private readonly onRequest: () => void,
  ) {}

  get name(): string {
    return this.client.name;
  }
  get sectorCount(): number {
    return this.client.sectorCount;
  }
  get readOnly(): boolean {
    return this.client.readOnly;
  }

  read(sector: number, count: number, into: Uint8Array, offset: number, done: BlockDone): void {
    this.client.read(sector, count, into, offset, done);
    this.onRequest();
  }

  write(sector: number, count: number, from: Uint8Array, offset: number, done: BlockDone): void {
    this.client.write(sector, count, from, offset, done);
    this.onRequest();
  }

  flush(done: BlockDone): void {
    this.client.flush(done);
    this.onRequest();
  }
}

export async function openBlockSessions(sys: Sys, count: number, onRequest: () => void): Promise<VmDisk[]> {
  const disks: VmDisk[] = [];
  for (let i = 0; i < count; i++) {
    const client = await BlockSessionClient.open(sys, {
      server: sys.capability(`block${i}`),
      ring: sys.capability(`disk${i}`),
      doorbell: sys.capability(`block-doorbell${i}`),
    });
    disks.push({ backend: new SignallingBackend(client, onRequest), poll: () => client.poll() });
  }
  return disks;
}
