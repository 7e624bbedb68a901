// The input server: the one source of real key events. Keys go to the focused VM only — into its
// input ring, with a signal — or, while the console shows that VM's serial pane, as bytes into its
// serial port through the serial server. The prefix key (Ctrl-]) and the key after it are the
// hotkeys: 1–9 focus that VM, n/p the next/previous one, s switches between screen and serial
// pane, r resets the focused VM, w asks it for a screenshot, q quits, Ctrl-] again sends Ctrl-]
// to the guest. See README.md.

import type { Sys } from '../../kernel/syscalls.js';
import { CONSOLE_INPUT_BADGE, ConsoleLabel, Pane, type PaneValue } from '../../protocols/console.js';
import { CONTROL_RESET, CONTROL_SCREENSHOT, InputProducer, isPrefixKey, NOTIFY_INPUT, strokesToKeyEvents, type InputEvent, type TerminalKey } from '../../protocols/input.js';
import { SerialLabel } from '../../protocols/serial.js';

export { CONSOLE_INPUT_BADGE };

/** What the real keyboard (a terminal, a browser page, a script) gives the input server. */
export type HostInput =
  /** A key a person pressed; `bytes` is what the terminal sent for it (for a serial pane). */
  | { kind: 'key'; key: TerminalKey; bytes: Uint8Array }
  /** Keys a script types into VM `vm`: the VM gets the focus, and each key when the guest waits for one. */
  | { kind: 'type'; vm: number; keys: readonly TerminalKey[] }
  /** Bytes a script types into VM `vm`'s serial port `port`. */
  | { kind: 'serial'; vm: number; port: number; bytes: Uint8Array }
  | { kind: 'focus'; vm: number; pane?: PaneValue }
  | { kind: 'reset'; vm: number }
  /** Asks VM `vm` for a screenshot (it arrives at the console front end). */
  | { kind: 'screenshot'; vm: number }
  /** The keyboard is gone (the front end is shutting down). */
  | { kind: 'end' };

export interface InputSource {
  /** The next input; the server waits for it with sys.hostAwait. */
  next(): Promise<HostInput>;
  /** The person asked to quit (prefix, q). */
  quit(): void;
}

export interface InputServerOptions {
  vmCount: number;
  source: InputSource;
}

/**
 * The input server's thread body. Its environment: `console` (endpoint, badge CONSOLE_INPUT_BADGE),
 * `serial` (endpoint, the serial server's input badge), `input-<n>` and `events-<n>` for VM n.
 */
export function inputServer(options: InputServerOptions) {
  return async (sys: Sys): Promise<void> => {
    const consoleSlot = sys.capability('console');
    const serialSlot = sys.capability('serial');
    const rings = Array.from({ length: options.vmCount }, (_unused, vm) => {
      const region = sys.region(sys.capability(`input-${vm}`));
      const memory = region.ok ? region.value.view() : null;
      return memory === null ? null : new InputProducer(memory);
    });
    const events = Array.from({ length: options.vmCount }, (_unused, vm) => sys.capability(`events-${vm}`));
    // Changed inside setFocus: kept in an object so the checks below see the current values.
    const current: { focus: number; pane: PaneValue } = { focus: 0, pane: Pane.screen };
    let prefix = false;

    const push = async (vm: number, list: InputEvent[]): Promise<void> => {
      const ring = rings[vm];
      if (ring === null || ring === undefined) return;
      // A full ring means the VM is not taking input: drop the rest rather than block the keyboard.
      for (const event of list) if (!ring.push(event)) break;
      await sys.signal(events[vm], NOTIFY_INPUT);
    };
    const setFocus = async (vm: number, nextPane: PaneValue): Promise<void> => {
      if (vm < 0 || vm >= options.vmCount) return;
      current.focus = vm;
      current.pane = nextPane;
      await sys.call(consoleSlot, sys.message(ConsoleLabel.focus, [vm, nextPane]));
    };
    const toSerial = async (vm: number, port: number, bytes: Uint8Array): Promise<void> => {
      if (bytes.length > 0) await sys.call(serialSlot, sys.message(SerialLabel.input, [vm, port], [{ kind: 'string', bytes }]));
    };
    const keyEvents = (key: TerminalKey, paced: boolean): InputEvent[] => {
      const list = strokesToKeyEvents([key]);
      return list.map((event, index) => ({ kind: 'key', code: event.code, down: event.down, paced, last: index === list.length - 1 }));
    };

    await setFocus(0, Pane.screen);
    for (;;) {
      const input = await sys.hostAwait(options.source.next());
      switch (input.kind) {
        case 'end':
          return;
        case 'focus':
          await setFocus(input.vm, input.pane ?? Pane.screen);
          break;
        case 'reset':
          if (input.vm >= 0 && input.vm < options.vmCount) await push(input.vm, [{ kind: 'control', action: CONTROL_RESET }]);
          break;
        case 'screenshot':
          if (input.vm >= 0 && input.vm < options.vmCount) await push(input.vm, [{ kind: 'control', action: CONTROL_SCREENSHOT }]);
          break;
        case 'type':
          if (input.vm < 0 || input.vm >= options.vmCount) break;
          if (input.vm !== current.focus || current.pane !== Pane.screen) await setFocus(input.vm, Pane.screen);
          await push(
            input.vm,
            input.keys.flatMap((key) => keyEvents(key, true)),
          );
          break;
        case 'serial':
          if (input.vm >= 0 && input.vm < options.vmCount) await toSerial(input.vm, input.port, input.bytes);
          break;
        case 'key': {
          const key = input.key;
          if (prefix) {
            prefix = false;
            const digit = /^Digit([1-9])$/.exec(key.code);
            if (digit !== null) await setFocus(Number(digit[1]) - 1, Pane.screen);
            else if (key.code === 'KeyN') await setFocus((current.focus + 1) % options.vmCount, current.pane);
            else if (key.code === 'KeyP') await setFocus((current.focus + options.vmCount - 1) % options.vmCount, current.pane);
            else if (key.code === 'KeyS') await setFocus(current.focus, current.pane === Pane.screen ? Pane.serial : Pane.screen);
            else if (key.code === 'KeyR') await push(current.focus, [{ kind: 'control', action: CONTROL_RESET }]);
            else if (key.code === 'KeyW') await push(current.focus, [{ kind: 'control', action: CONTROL_SCREENSHOT }]);
            else if (key.code === 'KeyQ') options.source.quit();
            else if (isPrefixKey(key)) {
              if (current.pane === Pane.serial) await toSerial(current.focus, 0, input.bytes);
              else await push(current.focus, keyEvents(key, false));
            }
            break;
          }
          if (isPrefixKey(key)) {
            prefix = true;
            break;
          }
          if (current.pane === Pane.serial) await toSerial(current.focus, 0, input.bytes);
          else await push(current.focus, keyEvents(key, false));
          break;
        }
      }
    }
  };
}
