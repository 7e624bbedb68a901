// The console server: it holds one view per VM (mapped read-only) and shows them on the real
// display through a front end — the focused VM's screen or serial pane, and always which VM has
// focus, its name, architecture and state. See README.md.

import type { Sys } from '../../kernel/syscalls.js';
import type { MachineConsole, RgbaImage } from '../../machines/machine.js';
import { milliseconds } from '../../kernel/types.js';
import {
  CONSOLE_INPUT_BADGE,
  CONSOLE_SERIAL_BADGE,
  ConsoleLabel,
  Pane,
  ViewReader,
  VM_STATE_NAMES,
  VmState,
  type PaneValue,
  type ViewContents,
  type VmStateValue,
} from '../../protocols/console.js';

/** A VM as the console shows it. */
export interface ConsoleVm {
  name: string;
  architecture: string;
  /** 'serial' for a machine without a screen (virt): its serial output is what the console shows as its screen. Default 'display'. */
  console?: MachineConsole;
}

/** The real display: a terminal, a browser canvas, or a recorder for scripts and tests. */
export interface ConsoleFrontEnd {
  /** The VMs of the system, once, before anything else. */
  start(vms: readonly ConsoleVm[]): void;
  /** VM `vm`'s screen changed (every VM's, focused or not: a recorder keeps them all). */
  view(vm: number, contents: ViewContents): void;
  state(vm: number, state: VmStateValue, detail: string): void;
  /** Serial output bound for the terminal pane of VM `vm`. */
  serial(vm: number, port: number, bytes: Uint8Array): void;
  /** The focus moved, or the focused VM's pane changed. */
  focus(vm: number, pane: PaneValue): void;
  /** VM `vm` answered a screenshot request with its rendered screen. */
  snapshot(vm: number, image: RgbaImage): void;
  /** Every frame: how many guest instructions VM `vm` has executed. */
  progress(vm: number, instructions: number): void;
}

export interface ConsoleServerOptions {
  vms: readonly ConsoleVm[];
  frontEnd: ConsoleFrontEnd;
  /** How often the views are looked at (host time); default 33 ms. */
  frameInterval?: number;
}

const decoder = new TextDecoder();

/** The console server's thread body. Its environment: `requests` (its endpoint), `view-<n>` for VM n. */
export function consoleServer(options: ConsoleServerOptions) {
  return async (sys: Sys): Promise<void> => {
    const { vms, frontEnd } = options;
    const requests = sys.capability('requests');
    const readers = vms.map((_vm, index) => {
      const region = sys.region(sys.capability(`view-${index}`));
      if (!region.ok) return null;
      const mapping = region.value;
      return new ViewReader((offset, into) => {
        if (mapping.read(offset, into) !== null) into.fill(0);
      });
    });
    const states: VmStateValue[] = vms.map(() => VmState.starting);
    frontEnd.start(vms);

    // The frame thread: looks at every view and passes on the ones that changed.
    const seen = vms.map(() => -1);
    const snapshots = vms.map(() => 0);
    sys.spawn('frames', async (frames: Sys) => {
      for (;;) {
        readers.forEach((reader, vm) => {
          if (reader === null || !reader.valid) return;
          frontEnd.progress(vm, reader.instructions);
          if (reader.sequence === seen[vm]) return;
          if (reader.snapshots !== snapshots[vm]) {
            const snapshot = reader.readSnapshot();
            if (snapshot === null) return;
            snapshots[vm] = snapshot.count;
            frontEnd.snapshot(vm, snapshot.image);
          }
          const contents = reader.read();
          if (contents === null) return;
          seen[vm] = contents.sequence;
          frontEnd.view(vm, contents);
        });
        await frames.sleep(options.frameInterval ?? milliseconds(33));
      }
    });

    let result = await sys.receive(requests);
    for (;;) {
      if (!result.ok) {
        result = await sys.receive(requests);
        continue;
      }
      const label = result.tag.label;
      const badge = result.badge;
      let refusal: string | null = null;
      if (label === ConsoleLabel.state && badge >= 1 && badge <= vms.length) {
        const vm = badge - 1;
        const state = sys.mr[0];
        const detailItem = sys.received.find((item) => item.kind === 'string');
        const detail = detailItem !== undefined && detailItem.kind === 'string' ? decoder.decode(detailItem.bytes) : '';
        if (VM_STATE_NAMES[state] === undefined) refusal = `${state} is not a VM state`;
        else {
          states[vm] = state as VmStateValue;
          frontEnd.state(vm, state as VmStateValue, detail);
        }
      } else if (label === ConsoleLabel.serial && badge === CONSOLE_SERIAL_BADGE) {
        const vm = sys.mr[0];
        const item = sys.received.find((entry) => entry.kind === 'string');
        if (vm >= vms.length) refusal = `there is no VM ${vm}`;
        else if (item !== undefined && item.kind === 'string') frontEnd.serial(vm, sys.mr[1], item.bytes);
      } else if (label === ConsoleLabel.focus && badge === CONSOLE_INPUT_BADGE) {
        const vm = sys.mr[0];
        const pane = sys.mr[1] === Pane.serial ? Pane.serial : Pane.screen;
        if (vm >= vms.length) refusal = `there is no VM ${vm}`;
        else frontEnd.focus(vm, pane);
      } else {
        refusal = `request ${label} is not allowed with badge ${badge}`;
      }
      const reply =
        refusal === null ? sys.message(0) : sys.message(ConsoleLabel.refused, [], [{ kind: 'string', bytes: new TextEncoder().encode(refusal) }]);
      result = await sys.replyWait(requests, reply);
    }
  };
}
