// The VMM: one task per VM. Its vCPU thread builds the machine and runs it in bounded slices of
// guest time that yield to the scheduler, so no VM starves another and an idle guest (HLT) sleeps
// until its next timer or an event. The device models' backends go to the servers through the
// protocols: the screen into the view dataspace the console server reads, keys and serial input
// from rings the input and serial servers fill (on a machine whose console is its serial port,
// keys are typed into that port as a terminal's bytes), serial output to the serial server, disks
// through block sessions, state changes to the console.
//
// Its environment (names the root task gives it; see src/servers/root/system.ts):
//   config            dataspace, r: VmTaskConfig as JSON (NUL-terminated)
//   firmware-<role>   dataspace, r: a firmware image (bios, vgabios, …)
//   view, input, serial-in   its own dataspaces (src/protocols/console.ts, input.ts)
//   events            its own notification (NOTIFY_* bits)
//   console, serial, log, timer   endpoints of those servers, badged with this VM
//   disk<i>, block<i>, block-doorbell<i>   a block session per disk (src/protocols/block.ts)

import type { Sys } from '../kernel/syscalls.js';
import { milliseconds } from '../kernel/types.js';
import type { Machine } from '../machines/machine.js';
import { createMachine } from '../machines/registry.js';
import { ConsoleLabel, VmState, ViewWriter, type VmStateValue } from '../protocols/console.js';
import { CONTROL_RESET, CONTROL_SCREENSHOT, CONTROL_STOP, InputConsumer, keyEventsToStroke, keyToTerminalBytes, type InputEvent, type KeyEvent } from '../protocols/input.js';
import { logLine } from '../protocols/log.js';
import { sendSerialOutput } from '../protocols/serial.js';
import { calendarTime } from '../protocols/timer.js';
import { openBlockSessions, type VmDisk } from './disks.js';

/** What the root task tells a VMM about its VM (the `config` dataspace). */
export interface VmTaskConfig {
  name: string;
  /** The VM's number in the system (0-based): its badge at the servers is this + 1. */
  index: number;
  machine: string;
  memoryBytes: number;
  /** Firmware roles present as dataspaces, with their file names. */
  firmware: Record<string, string>;
  disks: { name: string }[];
  serialPorts: number;
  onTripleFault: 'reset' | 'stop';
  /** Keep guest time in step with the kernel's clock (always true but in benchmarks). */
  paced: boolean;
  /** Tests only: the machine's fault-injection device. */
  faultInjection: boolean;
}

/** Guest time of one slice at most. */
const SLICE_NS = 2_000_000;
/** Screens are published at most this often (host time). */
const PUBLISH_INTERVAL_NS = milliseconds(33);
/** Guest time between two scripted keys, at least. */
const KEY_SPACING_NS = 10_000_000;
/** Running/halted changes go to the console at most this often. */
const STATE_INTERVAL_NS = milliseconds(250);
/** The shortest sleep (a wait with a zero timeout would not sleep at all). */
const MIN_SLEEP_NS = 100_000;
/** How long an idle VM sleeps at most before looking again. */
const MAX_IDLE_SLEEP_NS = milliseconds(100);

/** One of this task's own (writable) dataspaces, mapped. */
function mapDataspace(sys: Sys, name: string): Uint8Array {
  const region = sys.region(sys.capability(name));
  if (!region.ok) throw new Error(`vmm: no dataspace "${name}": ${region.error}`);
  const view = region.value.view();
  if (view === null) throw new Error(`vmm: dataspace "${name}" is not mapped read-write`);
  return view;
}

/** A copy of a read-only dataspace (the configuration, a firmware image). */
function copyDataspace(sys: Sys, name: string): Uint8Array {
  const region = sys.region(sys.capability(name));
  if (!region.ok) throw new Error(`vmm: no dataspace "${name}": ${region.error}`);
  const bytes = new Uint8Array(region.value.size);
  const error = region.value.read(0, bytes);
  if (error !== null) throw new Error(`vmm: dataspace "${name}" cannot be read: ${error}`);
  return bytes;
}

function readConfig(sys: Sys): VmTaskConfig {
  const bytes = copyDataspace(sys, 'config');
  const end = bytes.indexOf(0);
  return JSON.parse(new TextDecoder().decode(bytes.slice(0, end < 0 ? bytes.length : end))) as VmTaskConfig;
}

/** Runs one VM; the body of a VMM task's thread (loadable by module URL on any host CPU). */
export async function vmmMain(sys: Sys): Promise<void> {
  const config = readConfig(sys);
  const consoleSlot = sys.capability('console');
  const serialSlot = sys.capability('serial');
  const logSlot = sys.capability('log');
  const events = sys.capability('events');
  const view = new ViewWriter(mapDataspace(sys, 'view'));
  const input = new InputConsumer(mapDataspace(sys, 'input'));
  const serialIn = new InputConsumer(mapDataspace(sys, 'serial-in'));
  const log = async (text: string): Promise<void> => {
    await logLine(sys, logSlot, text);
  };

  const firmware: Record<string, Uint8Array> = {};
  for (const role of Object.keys(config.firmware)) firmware[role] = copyDataspace(sys, `firmware-${role}`);
  // A disk request ends the slice, so it reaches the block server now (see disks.ts).
  const machineHolder: { machine: Machine | null } = { machine: null };
  const disks: VmDisk[] = await openBlockSessions(sys, config.disks.length, () => machineHolder.machine?.endSlice());
  const baseTime = (await calendarTime(sys, sys.capability('timer'))) ?? new Date(0);

  // What the machine's UARTs send, collected per port and sent after each slice.
  const serialOut: number[][] = Array.from({ length: config.serialPorts }, () => []);
  const pendingLog: string[] = [];
  const resets: string[] = [];
  let machine: Machine;
  const build = (): Machine =>
    createMachine(config.machine, {
      memoryBytes: config.memoryBytes,
      firmware,
      firmwareNames: config.firmware,
      disks: disks.map((disk) => disk.backend),
      serial: serialOut.map((queue) => ({ transmit: (byte: number) => queue.push(byte) })),
      baseTime,
      log: (line) => pendingLog.push(line),
      onTripleFault: config.onTripleFault,
      onReset: (reason) => resets.push(reason),
      faultInjection: config.faultInjection,
    });
  // The state the console shows. Running and halted alternate quickly (a BIOS idles between
  // timer ticks), so those go out at most every STATE_INTERVAL_NS; stopped and reset at once.
  let reported: VmStateValue = VmState.starting;
  let reportedAt = Number.NEGATIVE_INFINITY;
  const report = async (next: VmStateValue, detail = ''): Promise<void> => {
    const routine = (next === VmState.running || next === VmState.halted) && detail === '';
    if (routine && (next === reported || sys.now() - reportedAt < STATE_INTERVAL_NS)) return;
    reported = next;
    reportedAt = sys.now();
    await sys.call(consoleSlot, sys.message(ConsoleLabel.state, [next], detail === '' ? [] : [{ kind: 'string', bytes: new TextEncoder().encode(detail) }]));
  };
  try {
    machine = build();
    machineHolder.machine = machine;
  } catch (error) {
    await log(`the machine could not be built: ${(error as Error).message}`);
    await report(VmState.stopped, `could not be built: ${(error as Error).message}`);
    return;
  }
  await log(`${config.machine} machine with ${config.memoryBytes >> 20} MiB, ${disks.length} disk(s), on host CPU ${sys.cpu}`);
  await report(VmState.running);

  // Scripted keys wait for the guest to wait for them; a person's keys go at once.
  const strokes: InputEvent[][] = [];
  let stroke: InputEvent[] = [];
  // A person's key events, gathered into strokes for a serial console.
  let unpacedStroke: KeyEvent[] = [];
  let lastKeyAt = Number.NEGATIVE_INFINITY;
  let stopped: string | null = null;
  let lastPublish = Number.NEGATIVE_INFINITY;
  let idle = false;
  let lastGeneration = -1;
  let hostStart = sys.now();
  let guestStart = machine.guestTimeNs;

  // On a machine whose console is its serial port (no keyboard), each stroke is typed into the
  // first serial port as the bytes a terminal sends for it (Enter → CR).
  const typeStroke = (events: readonly KeyEvent[]): void => {
    if (machine.console === 'serial') {
      const key = keyEventsToStroke(events);
      const bytes = key === null ? null : keyToTerminalBytes(key);
      if (bytes !== null && bytes.length > 0) machine.serialPorts[0]?.receive(bytes);
    } else for (const event of events) machine.keyEvent(event.code, event.down);
  };

  const handleEvent = async (event: InputEvent): Promise<void> => {
    switch (event.kind) {
      case 'key':
        if (event.paced === true) {
          stroke.push(event);
          if (event.last === true) {
            strokes.push(stroke);
            stroke = [];
          }
        } else if (machine.console === 'serial') {
          unpacedStroke.push(event);
          if (event.last === true) {
            typeStroke(unpacedStroke);
            unpacedStroke = [];
          }
        } else machine.keyEvent(event.code, event.down);
        break;
      case 'serial':
        machine.serialPorts[event.port]?.receive(Uint8Array.of(event.byte));
        break;
      case 'control':
        if (event.action === CONTROL_RESET) {
          machine.reset();
          stopped = null;
          hostStart = sys.now();
          guestStart = machine.guestTimeNs;
          lastGeneration = -1;
          await report(VmState.reset, 'reset by the console');
          await log(`reset`);
        } else if (event.action === CONTROL_STOP) {
          stopped = 'stopped by the console';
        } else if (event.action === CONTROL_SCREENSHOT && machine.display !== null) {
          view.writeSnapshot(machine.display.render());
        }
        break;
    }
  };

  const flushOutput = async (): Promise<void> => {
    for (let port = 0; port < serialOut.length; port++) {
      const queue = serialOut[port];
      if (queue.length === 0) continue;
      const bytes = Uint8Array.from(queue);
      queue.length = 0;
      await sendSerialOutput(sys, serialSlot, port, bytes);
    }
    while (pendingLog.length > 0) await log(`${pendingLog.shift() ?? ''}`);
    while (resets.length > 0) await report(VmState.reset, `reset by the guest (${resets.shift() ?? ''})`);
  };

  const publish = (force: boolean): void => {
    const display = machine.display;
    if (display === null) return;
    const now = sys.now();
    if (!force && (display.generation === lastGeneration || now - lastPublish < PUBLISH_INTERVAL_NS)) return;
    lastGeneration = display.generation;
    lastPublish = now;
    const text = display.textScreen();
    if (text !== null) view.writeText(text);
    else view.writeGraphics(display.render());
  };

  for (;;) {
    for (let event = input.next(); event !== null; event = input.next()) await handleEvent(event);
    for (let event = serialIn.next(); event !== null; event = serialIn.next()) await handleEvent(event);
    for (const disk of disks) await disk.poll();
    if (stopped === null && machine.stopped !== null) stopped = machine.stopped;
    if (stopped !== null) {
      await flushOutput();
      publish(true);
      await report(VmState.stopped, stopped);
      await log(`stopped: ${stopped}`);
      // A stopped VM only waits for the console to reset it.
      while (stopped !== null) {
        await sys.wait(events);
        for (let event = input.next(); event !== null; event = input.next()) await handleEvent(event);
      }
      await report(VmState.running);
      continue;
    }
    if (strokes.length > 0 && machine.guestTimeNs - lastKeyAt >= KEY_SPACING_NS && machine.readyForKey()) {
      const next = strokes.shift() ?? [];
      typeStroke(next.flatMap((event) => (event.kind === 'key' ? [{ code: event.code, down: event.down }] : [])));
      lastKeyAt = machine.guestTimeNs;
    }

    let budget = SLICE_NS;
    if (config.paced) {
      // Guest time may not run ahead of the clock. An idle guest (HLT) has nothing to do before its
      // next timer, so it sleeps until then, or until an event wakes it (a key, serial input, a
      // disk completion); a busy one sleeps only while it is ahead.
      const allowance = sys.now() - hostStart - (machine.guestTimeNs - guestStart);
      if (allowance > 250_000_000) {
        // Far behind (a slow host, a paused process): start pacing afresh rather than race.
        hostStart = sys.now();
        guestStart = machine.guestTimeNs;
      } else {
        const wait = idle && strokes.length === 0 ? Math.min(machine.untilNextEvent(), MAX_IDLE_SLEEP_NS) - allowance : -allowance;
        if (wait >= MIN_SLEEP_NS) {
          const woken = await sys.wait(events, wait);
          if (woken.ok) idle = false;
          continue;
        }
        budget = Math.min(budget, Math.max(allowance, MIN_SLEEP_NS));
      }
    }
    if (strokes.length > 0) budget = Math.min(budget, KEY_SPACING_NS);
    let result;
    try {
      result = machine.run(budget);
    } catch (error) {
      // A device model or the CPU threw: this VM stops, the others go on.
      stopped = `internal error: ${(error as Error).message}`;
      await log(`${(error as Error).stack ?? String(error)}`);
      continue;
    }
    idle = result.idle;
    view.writeInstructions(machine.instructions);
    sys.work(result.elapsedNs);
    for (const disk of disks) await disk.poll();
    await flushOutput();
    publish(false);
    await report(result.idle ? VmState.halted : VmState.running);
    await sys.yield();
  }
}
