// A system of host CPUs: CPU 0 runs in the calling thread (Node's main thread, or a page), the
// others in workers started by a host-specific launcher (src/host/). With one host CPU and the
// virtual clock it is the deterministic mode the tests use.

import { wallMilliseconds } from './clock.js';
import { HostCpu, type ControlRequest } from './hostcpu.js';
import { createLayout, type InterconnectLayout, type PortLike } from './interconnect.js';
import type { ThreadBody } from './thread.js';

/** What a worker needs to start its host CPU; must survive structured cloning. */
export interface HostCpuInit {
  cpu: number;
  layout: InterconnectLayout;
}

/** Starts workers and message channels: Node's worker_threads or the browser's Web Workers. */
export interface HostCpuLauncher {
  /** Creates a pair of connected message ports. */
  channel(): [PortLike, PortLike];
  /** Starts a worker running a host CPU with the given ports (index = peer CPU). */
  launch(init: HostCpuInit, ports: (PortLike | null)[]): Promise<{ terminate(): Promise<void> }>;
}

export interface SystemOptions {
  cpus?: number;
  /** 'virtual' is allowed only with one host CPU. */
  clock?: 'virtual' | 'host';
  launcher?: HostCpuLauncher;
  log?: (line: string) => void;
  /** Programs given as functions: they run on host CPU 0 only. */
  programs?: Map<string, ThreadBody>;
}

export class System {
  private constructor(
    readonly cpus: number,
    readonly cpu0: HostCpu,
    private readonly workers: { terminate(): Promise<void> }[],
  ) {}

  static async start(options: SystemOptions = {}): Promise<System> {
    const cpus = options.cpus ?? 1;
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > 64) throw new RangeError(`cpus: ${cpus} is not a whole number of host CPUs from 1 to 64`);
    const clock = options.clock ?? (cpus === 1 ? 'virtual' : 'host');
    if (clock === 'virtual' && cpus > 1) throw new RangeError('clock: the virtual clock runs on one host CPU only; use clock "host" for several');
    if (cpus === 1) {
      const cpu0 = new HostCpu({ cpu: 0, clock, layout: null, ports: [], log: options.log, programs: options.programs });
      return new System(1, cpu0, []);
    }
    const launcher = options.launcher;
    if (launcher === undefined) throw new Error(`a system of ${cpus} host CPUs needs a launcher for its workers`);
    const layout = createLayout(cpus, wallMilliseconds());
    const ports: (PortLike | null)[][] = Array.from({ length: cpus }, () => Array<PortLike | null>(cpus).fill(null));
    for (let a = 0; a < cpus; a++) {
      for (let b = a + 1; b < cpus; b++) {
        const [pa, pb] = launcher.channel();
        ports[a][b] = pa;
        ports[b][a] = pb;
      }
    }
    const cpu0 = new HostCpu({ cpu: 0, clock, layout, ports: ports[0], log: options.log, programs: options.programs });
    const workers = await Promise.all(Array.from({ length: cpus - 1 }, (_, i) => launcher.launch({ cpu: i + 1, layout }, ports[i + 1])));
    return new System(cpus, cpu0, workers);
  }

  /** Sends a control request to a host CPU (CPU 0 handles it directly). */
  control(cpu: number, request: ControlRequest): Promise<unknown> {
    if (cpu === 0) return this.cpu0.control(request);
    const interconnect = this.cpu0.interconnect;
    if (interconnect === null || cpu >= this.cpus) return Promise.reject(new RangeError(`no host CPU ${cpu} in a system of ${this.cpus}`));
    return interconnect.control(cpu, request);
  }

  /** Stops every host CPU and ends the workers. */
  async shutdown(): Promise<void> {
    for (let cpu = 1; cpu < this.cpus; cpu++) {
      await Promise.race([this.control(cpu, { op: 'stop' }), new Promise((resolve) => setTimeout(resolve, 200))]).catch(() => undefined);
    }
    this.cpu0.kernel.stop();
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
