// One host CPU: a kernel, its end of the interconnect, and the control requests by which the root
// task creates objects and starts tasks on it. The main thread and every worker run one of these;
// nothing here knows whether it is Node or a browser.

import { Capability } from './capability.js';
import { HostClock, VirtualClock } from './clock.js';
import { Dataspace } from './dataspace.js';
import { Interconnect, type InterconnectLayout, type PortLike } from './interconnect.js';
import { Kernel, type CreatableKind } from './kernel.js';
import { RemoteRef, type KernelObject } from './object.js';
import type { ThreadBody } from './thread.js';
import type { ObjectKind, RightsMask } from './types.js';

/** A program a task runs: an exported async function of a module any host CPU can import. */
export interface ProgramModule {
  module: string;
  export: string;
}

/** A capability as the root task describes it to the host CPU of the task that gets it. */
export interface CapabilityGrant {
  name: string;
  kind: ObjectKind;
  /** Home host CPU and id of the object there. */
  cpu: number;
  id: number;
  rights: RightsMask;
  badge: number;
  size: number;
  /** The task that declared the object gets its original capability. */
  original: boolean;
  /** For an object of another host CPU: the transfer id its home recorded (control 'derive-remote'). */
  transferId?: number;
}

export type ControlRequest =
  | { op: 'create-object'; kind: CreatableKind; size: number; content?: Uint8Array }
  | { op: 'share-dataspace'; id: number; to: number }
  | { op: 'derive-remote'; id: number; to: number }
  | {
      op: 'start-task';
      name: string;
      maxPriority: number;
      priority: number;
      /** A ProgramModule, or the name of a program registered on this host CPU. */
      program: ProgramModule | string;
      capabilities: CapabilityGrant[];
      faultHandler: string | null;
    }
  | { op: 'describe' }
  | { op: 'stop' };

export interface HostCpuOptions {
  cpu: number;
  clock: 'virtual' | 'host';
  layout: InterconnectLayout | null;
  ports: (PortLike | null)[];
  log?: (line: string) => void;
  /** Programs given as functions; they can run only on this host CPU. */
  programs?: Map<string, ThreadBody>;
}

export class HostCpu {
  readonly kernel: Kernel;
  readonly interconnect: Interconnect | null;
  private readonly programs: Map<string, ThreadBody>;

  constructor(options: HostCpuOptions) {
    const clock = options.clock === 'virtual' ? new VirtualClock() : new HostClock(options.layout?.epoch);
    this.kernel = new Kernel({ cpu: options.cpu, clock, log: options.log });
    this.interconnect = options.layout === null ? null : new Interconnect(this.kernel, options.layout, options.ports);
    if (this.interconnect !== null) this.interconnect.onControl = (_from, request) => this.control(request as ControlRequest);
    this.programs = options.programs ?? new Map();
  }

  /** Makes a program given as a function available to tasks started on this host CPU. */
  registerProgram(name: string, body: ThreadBody): void {
    this.programs.set(name, body);
  }

  /** Carries out one control request (from the root task, locally or from another host CPU). */
  async control(request: ControlRequest): Promise<unknown> {
    const kernel = this.kernel;
    switch (request.op) {
      case 'create-object': {
        const holder = this.holder();
        const slot = kernel.createObject(holder, request.kind, request.size);
        const cap = holder.capabilities.get(slot);
        if (cap === null) throw new Error(`host CPU ${kernel.cpu} could not create a ${request.kind}`);
        const object = cap.object;
        if (request.content !== undefined && object instanceof Dataspace) object.bytes.set(request.content.subarray(0, object.bytes.length));
        this.originals.set(cap.object.id, cap);
        return { id: cap.object.id };
      }
      case 'share-dataspace':
        this.interconnect?.shareLocalDataspace(request.id, request.to);
        return null;
      case 'derive-remote': {
        // A capability to a local object is about to be given to a task on host CPU `to`: record it
        // under the original so that revoking the original reaches it.
        const original = this.originals.get(request.id);
        if (original === undefined || this.interconnect === null) throw new Error(`host CPU ${kernel.cpu} has no object ${request.id}`);
        const transferId = this.interconnect.nextTransferId();
        original.remoteChildren.push({ cpu: request.to, transferId });
        return { transferId };
      }
      case 'start-task':
        return { taskId: await this.startTask(request) };
      case 'describe':
        return { cpu: kernel.cpu, threads: kernel.describe(), stats: kernel.stats, interconnect: this.interconnect?.stats ?? null };
      case 'stop':
        kernel.stop();
        return null;
    }
  }

  /** Original capabilities of the objects created here for the root task, by object id. */
  private readonly originals = new Map<number, Capability>();

  /** The kernel-internal task that holds the original capabilities of objects the root creates here. */
  private holderTask: ReturnType<Kernel['createTask']> | null = null;
  private holder(): ReturnType<Kernel['createTask']> {
    this.holderTask ??= this.kernel.createTask('objects', 0);
    return this.holderTask;
  }

  private async resolveProgram(program: ProgramModule | string, task: string): Promise<ThreadBody> {
    if (typeof program === 'string') {
      const body = this.programs.get(program);
      if (body === undefined) throw new Error(`task ${task}: host CPU ${this.kernel.cpu} has no program named "${program}"`);
      return body;
    }
    const module = (await import(program.module)) as Record<string, unknown>;
    const body = module[program.export];
    if (typeof body !== 'function') throw new Error(`task ${task}: module ${program.module} exports no function "${program.export}"`);
    return body as ThreadBody;
  }

  private async startTask(request: Extract<ControlRequest, { op: 'start-task' }>): Promise<number> {
    const kernel = this.kernel;
    const body = await this.resolveProgram(request.program, request.name);
    const task = kernel.createTask(request.name, request.maxPriority);
    for (const grant of request.capabilities) {
      const object = await this.objectFor(grant);
      let cap: Capability;
      const original = grant.cpu === kernel.cpu ? this.originals.get(grant.id) : undefined;
      if (grant.original) {
        // Move the original capability from the holder into its declaring task.
        if (original === undefined || original.space === null) {
          throw new Error(`task ${request.name}: object ${grant.name} is not held on host CPU ${kernel.cpu}`);
        }
        original.space.clear(original);
        cap = original;
      } else {
        cap = new Capability(object, grant.rights, grant.badge, 0, grant.size);
        original?.adopt(cap);
        if (grant.transferId !== undefined) this.interconnect?.registerImport(cap, grant.cpu, grant.transferId);
      }
      const slot = task.capabilities.insert(cap);
      task.environment.set(grant.name, slot);
    }
    const faultSlot = request.faultHandler === null ? undefined : task.environment.get(request.faultHandler);
    kernel.createThread(task, 'main', body, { priority: request.priority, faultHandlerSlot: faultSlot });
    return task.id;
  }

  private async objectFor(grant: CapabilityGrant): Promise<KernelObject | RemoteRef> {
    if (grant.cpu === this.kernel.cpu) {
      const object = this.kernel.objects.get(grant.id);
      if (object === undefined) throw new Error(`host CPU ${this.kernel.cpu} has no object ${grant.id} (${grant.name})`);
      return object;
    }
    if (grant.kind === 'dataspace') {
      if (this.interconnect === null) throw new Error('a dataspace of another host CPU needs the interconnect');
      const mirror: Dataspace = await this.interconnect.dataspace(grant.cpu, grant.id);
      return mirror;
    }
    return new RemoteRef(grant.kind, grant.cpu, grant.id);
  }
}
