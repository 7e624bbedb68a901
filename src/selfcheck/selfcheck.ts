// The kernel self-check behind `l4vm selfcheck`: boots a small system through the root task —
// an echo server, a client, a task that faults and its supervisor — once on one host CPU in
// virtual time and once across host CPUs, and prints what each step did.

import { boot } from '../servers/root/root.js';
import type { Program } from '../servers/root/config.js';
import { System, type HostCpuLauncher } from '../kernel/system.js';
import type { Sys } from '../kernel/syscalls.js';

const decoder = new TextDecoder();

function configuration(cpus: number): unknown {
  const serverCpu = cpus > 1 ? 1 : 0;
  return {
    tasks: [
      { name: 'reporter', program: 'reporter', priority: 200, objects: { lines: { kind: 'endpoint' } } },
      { name: 'echo', program: 'echo', cpu: serverCpu, priority: 120, objects: { requests: { kind: 'endpoint' } } },
      { name: 'supervisor', program: 'supervisor', priority: 110, objects: { faults: { kind: 'endpoint' } }, caps: { report: { task: 'reporter', object: 'lines' } } },
      { name: 'faulty', program: 'faulty', priority: 90, caps: { handler: { task: 'supervisor', object: 'faults', badge: 9 } }, faultHandler: 'handler' },
      {
        name: 'client',
        program: 'client',
        priority: 100,
        objects: { buffer: { kind: 'dataspace', size: 4096 }, timer: { kind: 'notification' } },
        caps: { echo: { task: 'echo', object: 'requests', rights: 'wg', badge: 7 }, report: { task: 'reporter', object: 'lines' } },
      },
    ],
  };
}

export interface SelfCheckResult {
  lines: string[];
  failures: number;
}

/** Runs the self-check on `cpus` host CPUs (1: virtual time), printing through `print`. */
export async function selfCheck(cpus: number, launcher: HostCpuLauncher | undefined, print: (line: string) => void): Promise<SelfCheckResult> {
  const lines: string[] = [];
  const out = (line: string): void => {
    lines.push(line);
    print(line);
  };
  const module = new URL('./programs.js', import.meta.url).href;
  let clientDone: (() => void) | null = null;
  const finished = new Promise<void>((resolve) => (clientDone = resolve));
  const reporter = async (sys: Sys): Promise<void> => {
    const endpoint = sys.capability('lines');
    let r = await sys.receive(endpoint);
    while (r.ok) {
      if (r.tag.label === 0) clientDone?.();
      for (const item of sys.received) if (item.kind === 'string') out(`  ${decoder.decode(item.bytes)}`);
      r = await sys.replyWait(endpoint, sys.message(0));
    }
  };
  const programs = new Map<string, Program>([
    ['reporter', reporter],
    ['echo', { module, export: 'echoServer' }],
    ['client', { module, export: 'client' }],
    ['faulty', { module, export: 'faulty' }],
    ['supervisor', { module, export: 'supervisor' }],
  ]);
  const faultLog: string[] = [];
  const system = await System.start({ cpus, launcher, log: (line) => faultLog.push(line) });
  const clock = cpus === 1 ? 'virtual time' : 'host time';
  out(`self-check on ${cpus} host CPU${cpus === 1 ? '' : 's'} (${cpus === 1 ? 'main thread' : `main thread + ${cpus - 1} worker${cpus > 2 ? 's' : ''}`}), ${clock}`);
  const booting = boot(system, configuration(cpus), programs);
  const kernel = system.cpu0.kernel;
  const running = kernel.run();
  const report = await booting.done;
  for (const step of report.steps) out(`  root: ${step}`);
  await finished;
  // Let the supervisor's report arrive before stopping.
  await new Promise((resolve) => setTimeout(resolve, cpus === 1 ? 0 : 50));
  for (const line of faultLog) out(`  kernel log: ${line}`);
  await system.shutdown();
  await running;
  out(`  kernel of host CPU 0: ${kernel.stats.contextSwitches} context switches, ${kernel.stats.ipcs} IPCs, ${kernel.stats.faults} faults, ${kernel.stats.timeouts} timeouts`);
  const failures = lines.filter((line) => line.trimStart().startsWith('FAIL')).length;
  return { lines, failures };
}
