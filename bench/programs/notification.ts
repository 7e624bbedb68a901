// The far side of the cross-CPU notification benchmark: waits for "ping" (a notification homed on
// this host CPU) and answers each with a signal on "pong" (homed on the CPU of the one who pinged).

import type { Sys } from '../../src/kernel/syscalls.js';

export async function notificationEcho(sys: Sys): Promise<void> {
  const ping = sys.capability('ping');
  const pong = sys.capability('pong');
  for (;;) {
    const bits = await sys.wait(ping);
    if (!bits.ok) return;
    if ((await sys.signal(pong)) !== null) return;
  }
}
