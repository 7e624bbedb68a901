// From a system configuration (the VMs a person listed) to the root task's configuration: the
// servers, one VMM task per VM, the objects each declares and exactly the capabilities each gets.
// A VM can reach its own view, input ring, serial-in ring and disks and, through badged
// endpoints, the servers — nothing of another VM's (see docs/configuration.md, "Capabilities").
//
//   task      host CPU  declares                               gets
//   log       0         requests                               –
//   timer     0         requests                               –
//   console   0         requests                               view-<n> (r) of every VM
//   serial    0         requests                               serial-in-<n> (rw), events-<n> (w), console (badge serial)
//   block     0         requests, doorbell                     disk<d> (rw) and events-<n> (w) per disk session
//   input     0         –                                      input-<n> (rw), events-<n> (w), console, serial (input badges)
//   files     0         vm<n>-config, vm<n>-firmware-<role>     –
//   vm-<name> its cpu   view, input, serial-in, events,        console, serial, log (badge n + 1), timer,
//                       disk<i>                                block<i> (badge session), block-doorbell<i>,
//                                                              config and firmware-<role> (r, from files)

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { CONSOLE_INPUT_BADGE, CONSOLE_SERIAL_BADGE, VIEW_BYTES, vmBadge } from '../../protocols/console.js';
import { INPUT_RING_BYTES, NOTIFY_BLOCK } from '../../protocols/input.js';
import { SERIAL_INPUT_BADGE } from '../../protocols/serial.js';
import { BLOCK_SESSION_BYTES } from '../../protocols/block.js';
import { NEVER } from '../../kernel/types.js';
import type { VmTaskConfig } from '../../vmm/vmm.js';
import { blockServer, type BlockSessionConfig } from '../block/main.js';
import { consoleServer, type ConsoleFrontEnd } from '../console/main.js';
import { inputServer, type InputSource } from '../input/main.js';
import { logServer } from '../log/main.js';
import { serialServer } from '../serial/main.js';
import { timerServer } from '../timer/main.js';
import type { CapabilityConfig, ObjectConfig, Program, RootConfig, TaskConfig } from './config.js';
import { MACHINE_KINDS, type SystemConfig } from './vm-config.js';

/** The host side of a system: where the servers' host resources are. */
export interface SystemHost {
  console: ConsoleFrontEnd;
  input: InputSource;
  /** Where the log server's lines go. */
  log: (line: string) => void;
  /** Aborting it shuts the servers' host resources down (sockets, files). */
  stop: AbortSignal;
}

export interface BuiltSystem {
  root: RootConfig;
  programs: Map<string, Program>;
  /** Host-side shutdown, before the host CPUs stop: flushes every persisting disk. */
  shutdown(): void;
}

const SERVER_PRIORITY = 150;
const INPUT_PRIORITY = 160;
const VM_PRIORITY = 100;
const VMM_MODULE = new URL('../../vmm/vmm.js', import.meta.url).href;

/** A block session's bit in the server's doorbell notification, as an unsigned mask. */
function doorbellBit(session: number): number {
  return 2 ** (session % 32);
}

export function vmTaskName(name: string): string {
  return `vm-${name}`;
}

/** `paced`: VMs keep guest time in step with the clock (false only for benchmarks). */
export function buildSystem(config: SystemConfig, host: SystemHost, options: { paced: boolean }): BuiltSystem {
  const vms = config.vms;
  const programs = new Map<string, Program>();
  const tasks: TaskConfig[] = [];
  const cap = (task: string, object: string, rights?: string, badge?: number): CapabilityConfig => ({ task, object, rights, badge });

  // Log and timer: every VM gets a badged capability.
  const logNames = new Map<number, string>(vms.map((vm, index) => [vmBadge(index), vm.name]));
  programs.set('log-server', logServer({ names: logNames, sink: host.log }));
  tasks.push({ name: 'log', program: 'log-server', priority: SERVER_PRIORITY, objects: { requests: { kind: 'endpoint' } } });
  programs.set('timer-server', timerServer());
  tasks.push({ name: 'timer', program: 'timer-server', priority: SERVER_PRIORITY, objects: { requests: { kind: 'endpoint' } } });

  // Console: read-only views of every VM.
  programs.set(
    'console-server',
    consoleServer({ vms: vms.map((vm) => ({ name: vm.name, architecture: vm.architecture, console: MACHINE_KINDS[vm.machine].console })), frontEnd: host.console }),
  );
  tasks.push({
    name: 'console',
    program: 'console-server',
    priority: SERVER_PRIORITY,
    objects: { requests: { kind: 'endpoint' } },
    caps: Object.fromEntries(vms.map((vm, index) => [`view-${index}`, cap(vmTaskName(vm.name), 'view', 'r')])),
  });

  // Serial: each VM's serial-in ring and notification; the console for terminal panes.
  programs.set(
    'serial-server',
    serialServer({
      vms: vms.map((vm, index) => ({
        badge: vmBadge(index),
        name: vm.name,
        ports: vm.serial.map((destination, port) => ({ port, destination })),
        serialInCap: `serial-in-${index}`,
        eventsCap: `events-${index}`,
      })),
      consoleCap: 'console',
      log: host.log,
      stop: host.stop,
    }),
  );
  const serialCaps: Record<string, CapabilityConfig> = { console: cap('console', 'requests', 'w', CONSOLE_SERIAL_BADGE) };
  vms.forEach((vm, index) => {
    serialCaps[`serial-in-${index}`] = cap(vmTaskName(vm.name), 'serial-in', 'rw');
    serialCaps[`events-${index}`] = cap(vmTaskName(vm.name), 'events', 'w');
  });
  tasks.push({ name: 'serial', program: 'serial-server', priority: SERVER_PRIORITY, objects: { requests: { kind: 'endpoint' } }, caps: serialCaps });

  // Block: one session per disk, numbered across the system.
  const sessions: BlockSessionConfig[] = [];
  const blockCaps: Record<string, CapabilityConfig> = {};
  vms.forEach((vm, index) => {
    vm.disks.forEach((disk, diskIndex) => {
      const session = sessions.length;
      blockCaps[`disk${session}`] = cap(vmTaskName(vm.name), `disk${diskIndex}`, 'rw');
      blockCaps[`events-${index}`] = cap(vmTaskName(vm.name), 'events', 'w');
      sessions.push({
        badge: session + 1,
        vm: vm.name,
        disk: `disk${diskIndex}`,
        file: disk.file,
        mode: disk.mode,
        ringCap: `disk${session}`,
        clientNotificationCap: `events-${index}`,
        clientNotificationBit: NOTIFY_BLOCK,
        doorbellBit: doorbellBit(session),
      });
    });
  });
  const block = blockServer({ sessions, log: host.log });
  programs.set('block-server', block);
  tasks.push({
    name: 'block',
    program: 'block-server',
    priority: SERVER_PRIORITY,
    objects: { requests: { kind: 'endpoint' }, doorbell: { kind: 'notification' } },
    caps: blockCaps,
  });

  // Input: every VM's input ring and notification, and the console and serial servers.
  programs.set('input-server', inputServer({ vmCount: vms.length, source: host.input }));
  const inputCaps: Record<string, CapabilityConfig> = {
    console: cap('console', 'requests', 'w', CONSOLE_INPUT_BADGE),
    serial: cap('serial', 'requests', 'w', SERIAL_INPUT_BADGE),
  };
  vms.forEach((vm, index) => {
    inputCaps[`input-${index}`] = cap(vmTaskName(vm.name), 'input', 'rw');
    inputCaps[`events-${index}`] = cap(vmTaskName(vm.name), 'events', 'w');
  });
  tasks.push({ name: 'input', program: 'input-server', priority: INPUT_PRIORITY, caps: inputCaps });

  // Files the VMs read: each VM's task configuration and firmware images, as read-only dataspaces
  // of a task on host CPU 0 (the root fills them there; a VMM on a worker maps them from afar).
  const fileObjects: Record<string, ObjectConfig> = {};
  programs.set('files', async (sys) => {
    await sys.sleep(NEVER);
  });
  tasks.push({ name: 'files', program: 'files', priority: SERVER_PRIORITY, objects: fileObjects });

  // One VMM per VM.
  programs.set('vmm', { module: VMM_MODULE, export: 'vmmMain' });
  let sessionBase = 0;
  vms.forEach((vm, index) => {
    const firmwareNames: Record<string, string> = {};
    const objects: Record<string, ObjectConfig> = {
      view: { kind: 'dataspace', size: VIEW_BYTES },
      input: { kind: 'dataspace', size: INPUT_RING_BYTES },
      'serial-in': { kind: 'dataspace', size: INPUT_RING_BYTES },
      events: { kind: 'notification' },
    };
    const caps: Record<string, CapabilityConfig> = {};
    for (const [role, file] of Object.entries(vm.firmware)) {
      if (file === null) continue;
      firmwareNames[role] = basename(file);
      fileObjects[`vm${index}-firmware-${role}`] = { kind: 'dataspace', content: new Uint8Array(readFileSync(file)) };
      caps[`firmware-${role}`] = cap('files', `vm${index}-firmware-${role}`, 'r');
    }
    Object.assign(caps, {
      console: cap('console', 'requests', 'w', vmBadge(index)),
      serial: cap('serial', 'requests', 'w', vmBadge(index)),
      log: cap('log', 'requests', 'w', vmBadge(index)),
      timer: cap('timer', 'requests', 'w', vmBadge(index)),
    });
    vm.disks.forEach((_disk, diskIndex) => {
      objects[`disk${diskIndex}`] = { kind: 'dataspace', size: BLOCK_SESSION_BYTES };
      caps[`block${diskIndex}`] = cap('block', 'requests', 'w', sessionBase + diskIndex + 1);
      caps[`block-doorbell${diskIndex}`] = cap('block', 'doorbell', 'w', doorbellBit(sessionBase + diskIndex));
    });
    sessionBase += vm.disks.length;
    const taskConfig: VmTaskConfig = {
      name: vm.name,
      index,
      machine: vm.machine,
      memoryBytes: vm.memoryBytes,
      firmware: firmwareNames,
      disks: vm.disks.map((disk) => ({ name: basename(disk.file) })),
      serialPorts: Math.max(vm.serial.length, 1),
      onTripleFault: vm.onTripleFault,
      paced: options.paced,
      faultInjection: vm.faultInjection,
    };
    const json = new TextEncoder().encode(`${JSON.stringify(taskConfig)}\0`);
    fileObjects[`vm${index}-config`] = { kind: 'dataspace', content: json };
    caps.config = cap('files', `vm${index}-config`, 'r');
    tasks.push({ name: vmTaskName(vm.name), program: 'vmm', cpu: vm.cpu, priority: VM_PRIORITY, objects, caps, faultHandler: 'log' });
  });
  return { root: { tasks }, programs, shutdown: () => block.shutdown() };
}
