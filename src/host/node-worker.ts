// Entry point of a Node worker that is one host CPU: builds its kernel and runs it forever.

import { parentPort, workerData } from 'node:worker_threads';
import { HostCpu } from '../kernel/hostcpu.js';
import type { PortLike } from '../kernel/interconnect.js';
import type { HostCpuInit } from '../kernel/system.js';

const { init, ports } = workerData as { init: HostCpuInit; ports: (PortLike | null)[] };
const hostCpu = new HostCpu({ cpu: init.cpu, clock: 'host', layout: init.layout, ports, log: (line) => console.error(line) });
parentPort?.postMessage('ready');
await hostCpu.kernel.run();
process.exit(0);
