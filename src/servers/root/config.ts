// The root task's configuration: which tasks to start, on which host CPU, at which priority, the
// objects each declares (it receives their original capabilities) and the capabilities each gets
// to other tasks' objects. validateConfig checks everything before anything is created, and names
// the offending field in its error.

import type { ThreadBody } from '../../kernel/thread.js';
import type { ProgramModule } from '../../kernel/hostcpu.js';
import { parseRights, Rights, type RightsMask } from '../../kernel/types.js';

export type ObjectKindName = 'endpoint' | 'notification' | 'dataspace';

export interface ObjectConfig {
  kind: ObjectKindName;
  /** Bytes, for a dataspace. */
  size?: number;
  /**
   * For a dataspace made by the host program that boots the system (not from JSON): its first
   * bytes, for example a firmware image the VMM maps read-only. `size` defaults to its length.
   */
  content?: Uint8Array;
}

export interface CapabilityConfig {
  /** The task that declares the object. */
  task: string;
  object: string;
  /** Letters r, w, g (see docs/kernel.md); default w, or r for a dataspace. */
  rights?: string;
  /** For endpoints and notifications: what the receiver learns about the sender. */
  badge?: number;
}

export interface TaskConfig {
  name: string;
  /** A program name from the registry the root task is given. */
  program: string;
  cpu?: number;
  priority?: number;
  maxPriority?: number;
  objects?: Record<string, ObjectConfig>;
  caps?: Record<string, CapabilityConfig>;
  /** Name of one of this task's capabilities: the endpoint its faults are sent to. */
  faultHandler?: string;
}

export interface RootConfig {
  tasks: TaskConfig[];
}

export type Program = ThreadBody | ProgramModule;

/** A capability after validation, ready to hand out. */
export interface ResolvedCapability {
  name: string;
  task: string;
  object: string;
  kind: ObjectKindName;
  rights: RightsMask;
  badge: number;
  size: number;
  original: boolean;
}

export interface ResolvedTask {
  name: string;
  program: string;
  cpu: number;
  priority: number;
  maxPriority: number;
  objects: { name: string; kind: ObjectKindName; size: number; content?: Uint8Array }[];
  capabilities: ResolvedCapability[];
  faultHandler: string | null;
}

export class ConfigError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'ConfigError';
  }
}

const TASK_FIELDS = ['name', 'program', 'cpu', 'priority', 'maxPriority', 'objects', 'caps', 'faultHandler'];
const OBJECT_FIELDS = ['kind', 'size', 'content'];
const CAP_FIELDS = ['task', 'object', 'rights', 'badge'];
const NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const KINDS: ObjectKindName[] = ['endpoint', 'notification', 'dataspace'];
/** Priority 255 is the root task's own. */
const MAX_TASK_PRIORITY = 254;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkFields(value: Record<string, unknown>, known: string[], field: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new ConfigError(`${field}.${key}`, `unknown field; the known fields are ${known.join(', ')}`);
  }
}

function integer(value: unknown, field: string, low: number, high: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < low || value > high) {
    throw new ConfigError(field, `${JSON.stringify(value)} is not a whole number from ${low} to ${high}`);
  }
  return value;
}

function name(value: unknown, field: string): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new ConfigError(field, `${JSON.stringify(value)} is not a name (a letter, then letters, digits, _ . -)`);
  }
  return value;
}

/**
 * Checks a configuration against the programs available and the number of host CPUs, and resolves
 * it. Throws ConfigError naming the first field that is wrong; creates nothing.
 */
export function validateConfig(config: unknown, programs: ReadonlyMap<string, Program>, cpus: number): ResolvedTask[] {
  if (!isRecord(config)) throw new ConfigError('configuration', 'is not an object');
  checkFields(config, ['tasks'], 'configuration');
  const tasks = config.tasks;
  if (!Array.isArray(tasks) || tasks.length === 0) throw new ConfigError('tasks', 'must be a non-empty list of tasks');

  // First pass: names, placement and declared objects, so capabilities can refer to any task.
  const resolved: ResolvedTask[] = [];
  const byName = new Map<string, ResolvedTask>();
  tasks.forEach((raw: unknown, index) => {
    const field = `tasks[${index}]`;
    if (!isRecord(raw)) throw new ConfigError(field, 'is not an object');
    checkFields(raw, TASK_FIELDS, field);
    const taskName = name(raw.name, `${field}.name`);
    if (byName.has(taskName)) throw new ConfigError(`${field}.name`, `task "${taskName}" is named twice`);
    if (typeof raw.program !== 'string') throw new ConfigError(`${field}.program`, 'must be the name of a program');
    const program = programs.get(raw.program);
    if (program === undefined) {
      throw new ConfigError(`${field}.program`, `no program named "${raw.program}"; the programs are ${[...programs.keys()].join(', ') || '(none)'}`);
    }
    const cpu = integer(raw.cpu, `${field}.cpu`, 0, cpus - 1, 0);
    if (typeof program === 'function' && cpu !== 0) {
      throw new ConfigError(`${field}.cpu`, `program "${raw.program}" is a function of the main thread and can run only on host CPU 0, not ${cpu}`);
    }
    const priority = integer(raw.priority, `${field}.priority`, 0, MAX_TASK_PRIORITY, 100);
    const maxPriority = integer(raw.maxPriority, `${field}.maxPriority`, priority, MAX_TASK_PRIORITY, priority);
    const objects: ResolvedTask['objects'] = [];
    if (raw.objects !== undefined) {
      if (!isRecord(raw.objects)) throw new ConfigError(`${field}.objects`, 'is not an object of named objects');
      for (const [objectName, spec] of Object.entries(raw.objects)) {
        const objectField = `${field}.objects.${objectName}`;
        name(objectName, objectField);
        if (!isRecord(spec)) throw new ConfigError(objectField, 'is not an object');
        checkFields(spec, OBJECT_FIELDS, objectField);
        if (typeof spec.kind !== 'string' || !KINDS.includes(spec.kind as ObjectKindName)) {
          throw new ConfigError(`${objectField}.kind`, `${JSON.stringify(spec.kind)} is not one of ${KINDS.join(', ')}`);
        }
        const kind = spec.kind as ObjectKindName;
        let size = 0;
        const content = spec.content;
        if (content !== undefined && (!(content instanceof Uint8Array) || kind !== 'dataspace')) {
          throw new ConfigError(`${objectField}.content`, 'is only for a dataspace, as a Uint8Array');
        }
        if (kind === 'dataspace') size = integer(spec.size, `${objectField}.size`, 1, 0x8000_0000, content instanceof Uint8Array && content.length > 0 ? content.length : -1);
        else if (spec.size !== undefined) throw new ConfigError(`${objectField}.size`, `a ${kind} has no size`);
        if (size < 0) throw new ConfigError(`${objectField}.size`, 'a dataspace needs its size in bytes');
        if (content instanceof Uint8Array && content.length > size) throw new ConfigError(`${objectField}.content`, `is ${content.length} bytes, more than the dataspace's ${size}`);
        if (content instanceof Uint8Array && cpu !== 0) throw new ConfigError(`${objectField}.content`, 'is only for objects of tasks on host CPU 0 (others share them from there)');
        objects.push(content instanceof Uint8Array ? { name: objectName, kind, size, content } : { name: objectName, kind, size });
      }
    }
    const task: ResolvedTask = { name: taskName, program: raw.program, cpu, priority, maxPriority, objects, capabilities: [], faultHandler: null };
    resolved.push(task);
    byName.set(taskName, task);
  });

  // Second pass: capabilities and fault handlers.
  tasks.forEach((raw: Record<string, unknown>, index) => {
    const field = `tasks[${index}]`;
    const task = resolved[index];
    for (const object of task.objects) {
      task.capabilities.push({ name: object.name, task: task.name, object: object.name, kind: object.kind, rights: Rights.all, badge: 0, size: object.size, original: true });
    }
    if (raw.caps !== undefined) {
      if (!isRecord(raw.caps)) throw new ConfigError(`${field}.caps`, 'is not an object of named capabilities');
      for (const [capName, spec] of Object.entries(raw.caps)) {
        const capField = `${field}.caps.${capName}`;
        name(capName, capField);
        if (task.capabilities.some((c) => c.name === capName)) {
          throw new ConfigError(capField, `task "${task.name}" already has a capability or object named "${capName}"`);
        }
        if (!isRecord(spec)) throw new ConfigError(capField, 'is not an object');
        checkFields(spec, CAP_FIELDS, capField);
        if (typeof spec.task !== 'string') throw new ConfigError(`${capField}.task`, 'must name a task');
        const owner = byName.get(spec.task);
        if (owner === undefined) {
          throw new ConfigError(`${capField}.task`, `no task named "${spec.task}"; the tasks are ${[...byName.keys()].join(', ')}`);
        }
        if (typeof spec.object !== 'string') throw new ConfigError(`${capField}.object`, 'must name an object');
        const object = owner.objects.find((o) => o.name === spec.object);
        if (object === undefined) {
          const declared = owner.objects.map((o) => o.name).join(', ') || '(none)';
          throw new ConfigError(`${capField}.object`, `task "${owner.name}" declares no object named "${spec.object}"; it declares ${declared}`);
        }
        const rightsText = spec.rights ?? (object.kind === 'dataspace' ? 'r' : 'w');
        const rights = typeof rightsText === 'string' ? parseRights(rightsText) : null;
        if (rights === null || rights === 0) {
          throw new ConfigError(`${capField}.rights`, `${JSON.stringify(spec.rights)} is not a set of the letters r, w, g`);
        }
        if (object.kind !== 'dataspace' && rights & Rights.read && owner.cpu !== task.cpu) {
          throw new ConfigError(
            `${capField}.rights`,
            `"r" would let task "${task.name}" on host CPU ${task.cpu} receive on ${object.kind} ${owner.name}.${object.name}, which lives on host CPU ${owner.cpu}; only tasks on the same host CPU can receive`,
          );
        }
        let badge = 0;
        if (spec.badge !== undefined) {
          if (object.kind === 'dataspace') throw new ConfigError(`${capField}.badge`, 'a dataspace capability has no badge');
          badge = integer(spec.badge, `${capField}.badge`, 1, 0xffff_ffff, 0);
        }
        task.capabilities.push({ name: capName, task: owner.name, object: object.name, kind: object.kind, rights, badge, size: object.size, original: false });
      }
    }
    if (raw.faultHandler !== undefined) {
      const handler = task.capabilities.find((c) => c.name === raw.faultHandler);
      if (handler === undefined) {
        throw new ConfigError(`${field}.faultHandler`, `task "${task.name}" has no capability named ${JSON.stringify(raw.faultHandler)}`);
      }
      if (handler.kind !== 'endpoint' || !(handler.rights & Rights.write)) {
        throw new ConfigError(`${field}.faultHandler`, `capability "${handler.name}" is not an endpoint this task may send to`);
      }
      task.faultHandler = handler.name;
    }
  });
  return resolved;
}
