// Shared by the block server tests and the crash-test program: a kernel with the block server and
// client tasks, each client holding the capabilities a VMM has for one block session (the names a
// VMM uses: disk, events, block, block-doorbell), and a way to wait for one request.

import type { Kernel } from '../../../src/kernel/kernel.js';
import type { Sys } from '../../../src/kernel/syscalls.js';
import type { Thread } from '../../../src/kernel/thread.js';
import { Rights } from '../../../src/kernel/types.js';
import type { BlockDone } from '../../../src/hw/block.js';
import { BLOCK_SESSION_BYTES, BlockSessionClient } from '../../../src/protocols/block.js';
import { blockServer, type BlockServerOptions, type BlockServerProgram, type BlockSessionConfig, type BlockSessionMode } from '../../../src/servers/block/main.js';
import { deriveInto } from '../../kernel/helpers.js';

export interface BlockClientSpec {
  /** Task name; the server's capabilities to its session are ring-<name> and notify-<name>. */
  name: string;
  /** Its badge at the server's endpoint (the session's badge). */
  badge: number;
  /** Its bit in the server's doorbell (a mask; the session's doorbellBit). */
  doorbellBit: number;
  ringSize?: number;
  body: (sys: Sys, client: BlockSessionClient, events: number) => Promise<void>;
}

export interface BlockSystem {
  server: BlockServerProgram;
  clients: Thread[];
  serverThread: Thread;
}

/** The bit the server sets in a client's `events` notification. */
export const BLOCK_EVENT_BIT = 1 << 3;

/** Builds the server (which reads the images now) and the clients on `kernel`; run the kernel next. */
export function blockSystem(kernel: Kernel, options: BlockServerOptions, clients: BlockClientSpec[]): BlockSystem {
  const server = blockServer(options);
  const serverTask = kernel.createTask('block');
  const requests = kernel.createObject(serverTask, 'endpoint');
  const doorbell = kernel.createObject(serverTask, 'notification');
  serverTask.environment.set('requests', requests);
  serverTask.environment.set('doorbell', doorbell);
  if (options.controlBadge !== undefined) serverTask.environment.set('control', deriveInto(kernel, serverTask, requests, serverTask, Rights.write, options.controlBadge));
  const threads: Thread[] = [];
  for (const spec of clients) {
    const task = kernel.createTask(spec.name);
    const disk = kernel.createObject(task, 'dataspace', spec.ringSize ?? BLOCK_SESSION_BYTES);
    const events = kernel.createObject(task, 'notification');
    task.environment.set('disk', disk);
    task.environment.set('events', events);
    task.environment.set('block', deriveInto(kernel, serverTask, requests, task, Rights.write, spec.badge));
    task.environment.set('block-doorbell', deriveInto(kernel, serverTask, doorbell, task, Rights.write, spec.doorbellBit));
    serverTask.environment.set(`ring-${spec.name}`, deriveInto(kernel, task, disk, serverTask, Rights.read | Rights.write));
    serverTask.environment.set(`notify-${spec.name}`, deriveInto(kernel, task, events, serverTask, Rights.write));
    threads.push(
      kernel.createThread(task, 'main', async (sys) => {
        const client = await BlockSessionClient.open(sys, { server: sys.capability('block'), ring: sys.capability('disk'), doorbell: sys.capability('block-doorbell') });
        await spec.body(sys, client, sys.capability('events'));
      }),
    );
  }
  const serverThread = kernel.createThread(serverTask, 'main', server);
  return { server, clients: threads, serverThread };
}

/** Starts a request and polls (waiting on the notification between polls) until its done came. */
export async function complete(sys: Sys, client: BlockSessionClient, events: number, start: (done: BlockDone) => void): Promise<string | null> {
  let result: string | null | undefined;
  start((error) => (result = error));
  for (;;) {
    await client.poll();
    if (result !== undefined) return result;
    await sys.wait(events);
  }
}

/** Polls until every request given to the client is done. */
export async function settle(sys: Sys, client: BlockSessionClient, events: number): Promise<void> {
  for (;;) {
    await client.poll();
    if (client.outstanding === 0) return;
    await sys.wait(events);
  }
}

/** A session of client `name` over `file`, as the harness names its capabilities. */
export function session(name: string, badge: number, file: string, mode: BlockSessionMode = 'copy-on-write', disk = 'hda'): BlockSessionConfig {
  return { badge, vm: name, disk, file, mode, ringCap: `ring-${name}`, clientNotificationCap: `notify-${name}`, clientNotificationBit: BLOCK_EVENT_BIT };
}
