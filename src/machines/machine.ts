// What every machine offers the code that runs it (the one-VM runner of `l4vm run` now, the VMM
// task later): run a slice of guest time, reset, and its screen, keyboard and serial ports. A
// machine knows nothing of terminals, files or servers; those come in through backends.

/** A text screen: the cells of the visible page, as VGA text memory holds them. */
export interface TextScreen {
  columns: number;
  rows: number;
  /** Code page 437 character codes, row by row. */
  characters: Uint8Array;
  /** Attribute bytes: foreground in bits 0–3, background in bits 4–6, bit 7 blink or bright background. */
  attributes: Uint8Array;
  cursor: { row: number; column: number; visible: boolean };
}

/** A frame: width × height pixels, 4 bytes each (R, G, B, A). */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array | Uint8ClampedArray;
}

/** A machine's display as a front end sees it. */
export interface MachineDisplay {
  /** Counts changes of what is shown, so a front end can skip redrawing. */
  readonly generation: number;
  /** The text cells, or null in a graphics mode. */
  textScreen(): TextScreen | null;
  /** The text screen as plain lines (Unicode), empty in a graphics mode. */
  screenText(): string[];
  /** The screen in any mode, as a monitor would show it. */
  render(): RgbaImage;
}

/** Where a machine's serial port sends bytes and how the host types into it. */
export interface SerialPort {
  readonly name: string;
  /** Bytes from the host to the guest. */
  receive(bytes: Uint8Array): void;
}

/** What one `run` slice did. */
export interface RunResult {
  /** Guest nanoseconds that passed. */
  elapsedNs: number;
  /** Guest instructions executed. */
  instructions: number;
  /** The guest is idle (halted, waiting for an interrupt) at the end of the slice. */
  idle: boolean;
}

/**
 * Where a person meets the guest: a screen and keyboard ('display': the PC), or the first serial
 * port ('serial': the virt board, as QEMU -nographic shows it). On a serial console the front ends
 * show the serial output as the VM's screen, and keys are typed into serialPorts[0] as the bytes
 * a terminal sends (src/protocols/input.ts keyToTerminalBytes).
 */
export type MachineConsole = 'display' | 'serial';

export interface Machine {
  /** The machine's name on the command line (pc, virt, …). */
  readonly kind: string;
  readonly console: MachineConsole;
  /** The guest CPU architecture, for the console's status line. */
  readonly architecture: string;
  /** Runs the guest for at most `budgetNs` of guest time; idle time is skipped to the next timer. */
  run(budgetNs: number): RunResult;
  /** Ends the slice `run` is in as soon as the current instruction is done (a device started I/O the VMM must pass on). */
  endSlice(): void;
  /** Power-cycles the machine (the reset button); a stopped machine runs again. */
  reset(): void;
  /** Why the machine stopped (it runs no more instructions until reset), or null while it runs. */
  readonly stopped: string | null;
  /** Total guest instructions since power-on. */
  readonly instructions: number;
  /** Guest time in nanoseconds. */
  readonly guestTimeNs: number;
  /** Guest nanoseconds until the next timer of any device (Infinity when none): how long an idle guest may sleep. */
  untilNextEvent(): number;
  readonly display: MachineDisplay | null;
  /** A key by its W3C KeyboardEvent.code went down or up (no-op on machines without a keyboard). */
  keyEvent(code: string, down: boolean): void;
  /** True when the guest waits for input (keyboard, or the serial port of a serial console) and has taken every key given so far. */
  readyForKey(): boolean;
  readonly serialPorts: readonly SerialPort[];
}
