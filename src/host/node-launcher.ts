// Host CPUs as Node worker_threads: one worker per host CPU beyond the main thread.

import { MessageChannel, Worker } from 'node:worker_threads';
import type { PortLike } from '../kernel/interconnect.js';
import type { HostCpuInit, HostCpuLauncher } from '../kernel/system.js';

export class NodeWorkerLauncher implements HostCpuLauncher {
  channel(): [PortLike, PortLike] {
    const { port1, port2 } = new MessageChannel();
    return [port1 as unknown as PortLike, port2 as unknown as PortLike];
  }

  async launch(init: HostCpuInit, ports: (PortLike | null)[]): Promise<{ terminate(): Promise<void> }> {
    const transfer = ports.filter((p): p is PortLike => p !== null) as unknown as import('node:worker_threads').MessagePort[];
    const worker = new Worker(new URL('./node-worker.js', import.meta.url), {
      workerData: { init, ports },
      transferList: transfer,
    });
    worker.on('error', (error) => console.error(`host CPU ${init.cpu} (worker) failed: ${error.stack ?? error.message}`));
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (message: unknown) => (message === 'ready' ? resolve() : reject(new Error(String(message)))));
      worker.once('error', reject);
    });
    worker.unref();
    return {
      terminate: async () => {
        await worker.terminate();
      },
    };
  }
}
