// The root task: the first task of a system. It validates a configuration, creates the objects
// each task declares on that task's host CPU, and starts every task with exactly the capabilities
// the configuration names (its "environment"), on the host CPU and at the priority given.

import type { System } from '../../kernel/system.js';
import type { Sys } from '../../kernel/syscalls.js';
import type { CapabilityGrant, ControlRequest } from '../../kernel/hostcpu.js';
import { formatRights } from '../../kernel/types.js';
import { validateConfig, type Program, type ResolvedTask } from './config.js';

export interface BootReport {
  /** What the root task did, one line per step. */
  steps: string[];
  /** Task name → host CPU and task id there. */
  tasks: Map<string, { cpu: number; id: number }>;
}

export interface Booting {
  tasks: ResolvedTask[];
  /** Settles when the root task has started every task (the kernel of host CPU 0 must be running). */
  done: Promise<BootReport>;
}

const ROOT_PRIORITY = 255;

/**
 * Validates `config` (throwing ConfigError before anything is created) and starts the root task on
 * host CPU 0, which then builds the system. Run host CPU 0's kernel for it to proceed.
 */
export function boot(system: System, config: unknown, programs: ReadonlyMap<string, Program>): Booting {
  const tasks = validateConfig(config, programs, system.cpus);
  for (const [name, program] of programs) if (typeof program === 'function') system.cpu0.registerProgram(name, program);
  let settle: { resolve: (report: BootReport) => void; reject: (error: unknown) => void } | null = null;
  const done = new Promise<BootReport>((resolve, reject) => (settle = { resolve, reject }));
  const kernel = system.cpu0.kernel;
  const rootTask = kernel.createTask('root', ROOT_PRIORITY);
  kernel.createThread(
    rootTask,
    'main',
    async (sys: Sys) => {
      try {
        const report = await build(sys, system, tasks, programs);
        settle?.resolve(report);
      } catch (error) {
        settle?.reject(error);
      }
    },
    { priority: ROOT_PRIORITY },
  );
  return { tasks, done };
}

async function build(sys: Sys, system: System, tasks: ResolvedTask[], programs: ReadonlyMap<string, Program>): Promise<BootReport> {
  const steps: string[] = [];
  const control = (cpu: number, request: ControlRequest): Promise<unknown> => sys.hostAwait(system.control(cpu, request));
  const homes = new Map<string, { cpu: number; id: number }>();

  // Objects live on the host CPU of the task that declares them.
  for (const task of tasks) {
    for (const object of task.objects) {
      const { id } = (await control(task.cpu, { op: 'create-object', kind: object.kind, size: object.size, content: object.content })) as { id: number };
      homes.set(`${task.name}.${object.name}`, { cpu: task.cpu, id });
      steps.push(`created ${object.kind} ${task.name}.${object.name}${object.kind === 'dataspace' ? ` (${object.size} bytes)` : ''} on host CPU ${task.cpu}`);
    }
  }

  // Dataspace memory must reach every other host CPU that maps it before its task starts.
  for (const task of tasks) {
    for (const cap of task.capabilities) {
      const home = homes.get(`${cap.task}.${cap.object}`);
      if (cap.kind === 'dataspace' && home !== undefined && home.cpu !== task.cpu) {
        await control(home.cpu, { op: 'share-dataspace', id: home.id, to: task.cpu });
      }
    }
  }

  const started = new Map<string, { cpu: number; id: number }>();
  for (const task of tasks) {
    const grants: CapabilityGrant[] = [];
    for (const cap of task.capabilities) {
      const home = homes.get(`${cap.task}.${cap.object}`);
      if (home === undefined) throw new Error(`root: object ${cap.task}.${cap.object} was not created`);
      const grant: CapabilityGrant = { name: cap.name, kind: cap.kind, cpu: home.cpu, id: home.id, rights: cap.rights, badge: cap.badge, size: cap.size, original: cap.original };
      if (home.cpu !== task.cpu) {
        // Derived across host CPUs: the home records it so revoking the original reaches it.
        const { transferId } = (await control(home.cpu, { op: 'derive-remote', id: home.id, to: task.cpu })) as { transferId: number };
        grant.transferId = transferId;
      }
      grants.push(grant);
    }
    const program = programs.get(task.program);
    const { taskId } = (await control(task.cpu, {
      op: 'start-task',
      name: task.name,
      maxPriority: task.maxPriority,
      priority: task.priority,
      program: program === undefined || typeof program === 'function' ? task.program : program,
      capabilities: grants,
      faultHandler: task.faultHandler,
    })) as { taskId: number };
    started.set(task.name, { cpu: task.cpu, id: taskId });
    const held = task.capabilities
      .map((c) => `${c.name}=${c.original ? 'own ' : ''}${c.kind} ${c.task}.${c.object} ${formatRights(c.rights)}${c.badge !== 0 ? ` badge ${c.badge}` : ''}`)
      .join(', ');
    steps.push(`started task ${task.name} (program ${task.program}) on host CPU ${task.cpu} at priority ${task.priority} with ${held || 'no capabilities'}`);
  }
  return { steps, tasks: started };
}
