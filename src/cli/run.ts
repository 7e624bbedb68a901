// `l4vm run --machine pc|virt …`: one VM, with flags named like QEMU's. In a terminal it shows the
// VGA screen with ANSI colours and sends the keys to the guest (the virt board, whose console is
// its serial port, gets the terminal as QEMU -nographic gives it); headless (--display none) it is
// for scripts and tests: --until, --timeout, --screen-text, --screenshot, --keys.

import { Command, InvalidArgumentError, Option } from 'commander';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AnsiScreen, RESTORE_TERMINAL } from '../host/ansi-screen.js';
import { findImage } from '../host/images.js';
import { writePngFile } from '../host/png.js';
import { isPrefixKey, keyToTerminalBytes, strokesToKeyEvents, TerminalKeyDecoder, textToKeyStrokes, type TerminalKey } from '../host/terminal-keys.js';
import { checkDiskImage, RamDisk } from '../hw/block.js';
import type { Machine } from '../machines/machine.js';
import { formatSize, PC_DEFAULT_MEMORY, PcMachine, validatePcConfig } from '../machines/pc.js';
import { validateVirtArmConfig, VirtArmMachine } from '../machines/virt-arm.js';
import { MachineRunner } from '../vmm/runner.js';
import { runSystemCommand } from './run-system.js';

/** The machines `--machine` takes. */
export const MACHINE_NAMES = ['pc', 'virt'] as const;

/** RAM when -m is not given: the pc's 32 MiB; 128 MiB for virt, QEMU's default there. */
const DEFAULT_MEMORY: Record<(typeof MACHINE_NAMES)[number], number> = { pc: PC_DEFAULT_MEMORY, virt: 128 << 20 };

/** The firmware each machine boots when --bios is not given, by its path in Debian's package. */
const DEFAULT_BIOS: Record<(typeof MACHINE_NAMES)[number], { path: string; package: string }> = {
  pc: { path: 'usr/share/seabios/bios.bin', package: 'seabios' },
  virt: { path: 'usr/lib/u-boot/qemu_arm/u-boot.bin', package: 'u-boot-qemu' },
};

/** A mistake in what the person asked for: the message is the whole explanation. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface RunOptions {
  machine?: string;
  bios?: string;
  vgabios?: string;
  hda?: string;
  hdb?: string;
  hdc?: string;
  hdd?: string;
  /** Bytes; absent: the machine's default (DEFAULT_MEMORY). */
  memory?: number;
  serial: string;
  display?: string;
  until?: RegExp;
  timeout?: number;
  screenText?: boolean;
  screenshot?: string;
  keys?: string;
  debugcon?: string;
  persist?: boolean;
  stats?: boolean;
  /** commander's form of --no-reboot: false when given. */
  reboot?: boolean;
}

/** `-m` as QEMU takes it: a number of MiB, or a number with K, M, G (KiB, MiB, GiB). */
export function parseMemorySize(text: string): number {
  const match = /^(\d+)\s*([kmg])?(i?b)?$/i.exec(text.trim());
  if (match === null) throw new InvalidArgumentError(`"${text}" is not a memory size; write it like 32M, 512M or 1G`);
  const unit = (match[2] ?? 'm').toLowerCase();
  const scale = unit === 'k' ? 1024 : unit === 'g' ? 1024 ** 3 : 1024 ** 2;
  return Number(match[1]) * scale;
}

function parseRegex(text: string): RegExp {
  try {
    return new RegExp(text, 'm');
  } catch (error) {
    throw new InvalidArgumentError(`"${text}" is not a regular expression: ${(error as Error).message}`);
  }
}

function parseSeconds(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`expected a number of seconds above 0, got "${text}"`);
  return value;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    // A mistake gets its one sentence, not the whole help after it (scripts read standard error).
    .showHelpAfterError(false)
    .description(
      'run a system of VMs from a configuration file (docs/configuration.md), or one VM given by QEMU-like flags (--machine …); in a terminal the screen is shown and keys go to the guest (Ctrl-] then: 1-9 switch VM, s screen/serial, r reset, q quit); with --display none it runs headless for scripts',
    )
    .argument('[config]', 'a configuration file (YAML or JSON) listing the VMs')
    .option('--vm <name>', 'with a configuration: the VM that --keys, --screen-text, --screenshot and --serial stdio are about (default: the first)')
    .addOption(new Option('--machine <name>', 'the machine to build').choices([...MACHINE_NAMES]))
    .option('--bios <file>', 'the system firmware (default pc: SeaBIOS, virt: U-Boot — from `l4vm images fetch` or Debian\'s seabios and u-boot-qemu packages); virt loads it into flash')
    .option('--vgabios <file>', 'pc: the VGA BIOS option ROM, or "none" (default: SeaBIOS\'s vgabios-isavga.bin)')
    .option('--hda <file>', 'disk image for the first disk (pc: IDE primary master; virt: the first virtio-blk disk on virtio-mmio, as QEMU\'s -device virtio-blk-device); changes stay in memory unless --persist')
    .option('--hdb <file>', 'disk image for the second disk (pc: primary slave)')
    .option('--hdc <file>', 'disk image for the third disk (pc: secondary master)')
    .option('--hdd <file>', 'disk image for the fourth disk (pc: secondary slave)')
    .option('--persist', 'write the disks\' changes back to their image files when the VM stops')
    .option('-m, --memory <size>', 'guest RAM: 32M, 512M, 1G (a plain number is MiB); default pc 32M, virt 128M', parseMemorySize)
    .option('--serial <where>', 'where COM1 (pc) or the PL011 (virt) goes: stdio, none, or file:PATH', 'none')
    .addOption(new Option('--display <kind>', 'terminal (the screen in ANSI colours) or none (headless); default terminal when standard output is one').choices(['terminal', 'none']))
    .option('--until <regex>', 'stop with status 0 as soon as the serial output or the text screen matches', parseRegex)
    .option('--timeout <seconds>', 'stop with status 1 after this many seconds (host time)', parseSeconds)
    .option('--screen-text', 'print the final text screen (plain lines) at exit')
    .option('--screenshot <file.png>', 'save the final screen as PNG at exit')
    .option('--keys <string>', 'type these keys once the guest waits for the keyboard, or on virt into the serial port ({Enter}, {F1}, {Ctrl-C}…; see docs/keys.md)')
    .option('--debugcon <where>', 'where the firmware debug console (port 0x402) goes: stdio, stderr or file:PATH')
    .option('--stats', 'print guest instructions, guest time and host time at exit (to standard error)')
    .option('--no-reboot', 'a triple fault stops the machine and l4vm exits with status 1, instead of resetting it (as QEMU\'s -no-reboot)')
    .action(async (config: string | undefined, options: RunOptions & { vm?: string }) => {
      try {
        process.exitCode = config === undefined ? await runCommand(options) : await runSystemCommand(config, options);
      } catch (error) {
        if (error instanceof UsageError) {
          process.stderr.write(`l4vm run: ${error.message}\n`);
          process.exitCode = 2;
        } else throw error;
      }
    });
}

/** A firmware or disk file read whole, or a UsageError naming it. */
function readHostFile(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw new UsageError(`${what} ${path} does not exist`);
  const stat = statSync(path);
  if (!stat.isFile()) throw new UsageError(`${what} ${path} is not a file`);
  return new Uint8Array(readFileSync(path));
}

function firmwarePath(given: string | undefined, packagePath: string, flag: string, packageName = 'seabios'): string {
  if (given !== undefined) return given;
  const found = findImage(packagePath);
  if (found === null) {
    throw new UsageError(
      `no ${basename(packagePath)} found: run \`l4vm images fetch ${packageName}\` to get Debian's ${packageName} package, install it (apt-get install ${packageName}), or pass ${flag} FILE`,
    );
  }
  return found;
}

interface Output {
  write(text: string): void;
  close(): void;
}

/** --serial and --debugcon destinations. */
function openOutput(where: string, flag: string): Output | null {
  if (where === 'none') return null;
  if (where === 'stdio') return { write: (text) => process.stdout.write(text), close: () => undefined };
  if (where === 'stderr') return { write: (text) => process.stderr.write(text), close: () => undefined };
  if (where.startsWith('file:')) {
    const path = where.slice(5);
    if (path === '') throw new UsageError(`${flag} file: needs a path, as in ${flag} file:serial.log`);
    if (!existsSync(dirname(path) || '.')) throw new UsageError(`${flag}: the directory of ${path} does not exist`);
    const fd = openSync(path, 'w');
    return { write: (text) => writeSync(fd, text), close: () => closeSync(fd) };
  }
  throw new UsageError(`${flag} takes stdio, none or file:PATH, not "${where}"`);
}

/** Writes a disk's contents to its image file: a new file beside it, synced, renamed over it. */
function persistDisk(path: string, disk: RamDisk): void {
  if (disk.changedSectors().length === 0) return;
  // readHostFile accepted only a regular file, so the rename below replaces a file, never a device.
  const temporary = join(dirname(path), `.${basename(path)}.l4vm-${process.pid}`);
  const fd = openSync(temporary, 'w');
  try {
    const bytes = disk.snapshotBytes();
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

export async function runCommand(options: RunOptions): Promise<number> {
  if (options.machine === undefined) throw new UsageError('give a configuration file, or say which machine to run with --machine (one of: ' + MACHINE_NAMES.join(', ') + ')');
  const kind = options.machine === 'virt' ? 'virt' : 'pc';
  const memoryBytes = options.memory ?? DEFAULT_MEMORY[kind];
  const display = options.display ?? (process.stdout.isTTY ? 'terminal' : 'none');
  if (kind === 'virt') {
    // The virt board has no screen and no debug port: its console is the PL011.
    if (options.vgabios !== undefined) throw new UsageError('--vgabios is for the pc machine; the virt machine has no VGA');
    if (options.debugcon !== undefined) throw new UsageError('--debugcon is for the pc machine (port 0x402); the virt machine\'s console is its serial port, --serial');
    if (options.screenText === true || options.screenshot !== undefined) {
      throw new UsageError(`${options.screenText === true ? '--screen-text' : '--screenshot'} needs a screen; the virt machine has none (its console is the serial port: --serial stdio or file:PATH)`);
    }
    if (display === 'terminal' && options.serial !== 'none' && !options.serial.startsWith('file:')) {
      throw new UsageError('in a terminal the virt machine\'s serial port is the terminal; --serial takes file:PATH there (a copy), or use --display none --serial stdio');
    }
  } else if (display === 'terminal' && options.serial === 'stdio') {
    throw new UsageError('--serial stdio needs --display none: in a terminal the screen is drawn there; send COM1 to a file with --serial file:PATH');
  }
  if (display === 'terminal' && !process.stdin.isTTY) throw new UsageError('--display terminal needs a terminal on standard input for the keyboard; use --display none');
  let keys: TerminalKey[] = [];
  if (options.keys !== undefined) {
    try {
      keys = textToKeyStrokes(options.keys);
    } catch (error) {
      throw new UsageError(`--keys: ${(error as Error).message}`);
    }
  }
  if (options.screenshot !== undefined && !existsSync(dirname(options.screenshot) || '.')) {
    throw new UsageError(`--screenshot: the directory of ${options.screenshot} does not exist`);
  }

  // Files first, so a mistake is reported before anything runs or is written.
  const defaultBios = DEFAULT_BIOS[kind];
  const biosPath = firmwarePath(options.bios, defaultBios.path, '--bios', defaultBios.package);
  const bios = readHostFile(biosPath, kind === 'pc' ? 'BIOS file' : 'firmware file');
  let vgaBios: Uint8Array | null = null;
  let vgaBiosName = 'vgabios-isavga.bin';
  if (kind === 'pc' && options.vgabios !== 'none') {
    const vgaPath = firmwarePath(options.vgabios, 'usr/share/seabios/vgabios-isavga.bin', '--vgabios');
    vgaBios = readHostFile(vgaPath, 'VGA BIOS file');
    vgaBiosName = basename(vgaPath);
  }
  const diskPaths = [options.hda, options.hdb, options.hdc, options.hdd];
  const disks = diskPaths.map((path) => {
    if (path === undefined) return null;
    const bytes = readHostFile(path, 'disk image');
    try {
      checkDiskImage(path, bytes.length);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    return RamDisk.fromBytes(basename(path), bytes);
  });
  if (options.persist === true && disks.every((disk) => disk === null)) throw new UsageError('--persist needs a disk image (--hda FILE)');
  // virt: the disks in order, without gaps (the first on the last virtio-mmio transport).
  const virtDisks = disks.filter((disk): disk is RamDisk => disk !== null);

  try {
    if (kind === 'pc') validatePcConfig({ memoryBytes, bios, biosName: biosPath, vgaBios, vgaBiosName, disks });
    else validateVirtArmConfig({ memoryBytes, bios, biosName: biosPath, disks: virtDisks });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  // In a terminal the virt machine's serial port is the terminal itself (and a --serial file too).
  const serialToTerminal = kind === 'virt' && display === 'terminal';
  const serial = openOutput(options.serial, '--serial');
  const debugcon = options.debugcon === undefined ? null : openOutput(options.debugcon, '--debugcon');
  let runner: MachineRunner | null = null;
  const decoder = new TextDecoder('latin1');
  const transmit = (byte: number): void => {
    const text = decoder.decode(Uint8Array.of(byte));
    serial?.write(text);
    if (serialToTerminal) process.stdout.write(text, 'latin1');
    runner?.serialOutput(text);
  };
  const log = (line: string): void => {
    process.stderr.write(`${line}${serialToTerminal ? '\r' : ''}\n`);
  };
  let machine: Machine;
  try {
    machine =
      kind === 'pc'
        ? new PcMachine({
            memoryBytes,
            bios,
            biosName: biosPath,
            vgaBios,
            vgaBiosName,
            vbe: true,
            disks,
            serial: [{ transmit }],
            debugConsole: debugcon === null ? undefined : (byte) => debugcon.write(String.fromCharCode(byte)),
            log,
            onTripleFault: options.reboot === false ? 'stop' : 'reset',
          })
        : new VirtArmMachine({ memoryBytes, bios, biosName: biosPath, disks: virtDisks, serial: { transmit }, log });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  const terminal = display === 'terminal' ? new TerminalFrontEnd(machine) : null;
  runner = new MachineRunner(machine, {
    paced: terminal !== null,
    until: options.until,
    timeoutMs: options.timeout === undefined ? undefined : options.timeout * 1000,
    onSlice: () => terminal?.draw(),
  });
  if (keys.length > 0) runner.typeKeys(keys.map((stroke) => strokesToKeyEvents([stroke])));
  const activeRunner = runner;
  const stop = (): void => activeRunner.stop();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const hostStart = performance.now();
  let outcome;
  try {
    terminal?.start(activeRunner);
    outcome = await activeRunner.run();
  } finally {
    terminal?.finish();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    serial?.close();
    debugcon?.close();
  }
  const hostSeconds = (performance.now() - hostStart) / 1000;

  const screen = machine.display;
  if (options.screenText === true && screen !== null) {
    const lines = screen.screenText();
    const rows = screen.textScreen()?.rows ?? lines.length;
    for (let row = 0; row < rows; row++) process.stdout.write(`${lines[row] ?? ''}\n`);
  }
  if (options.screenshot !== undefined && screen !== null) writePngFile(options.screenshot, screen.render());
  if (options.persist === true) {
    diskPaths.forEach((path, index) => {
      const disk = disks[index];
      if (path !== undefined && disk !== null) persistDisk(path, disk);
    });
  }
  if (options.stats === true) {
    process.stderr.write(
      `l4vm run: ${machine.instructions} guest instructions, ${(machine.guestTimeNs / 1e9).toFixed(3)} s guest time, ${hostSeconds.toFixed(3)} s host time, ${formatSize(memoryBytes)} RAM\n`,
    );
  }
  switch (outcome.kind) {
    case 'matched':
      return 0;
    case 'timeout':
      process.stderr.write(`l4vm run: timed out after ${options.timeout} s${options.until === undefined ? '' : ` without seeing ${String(options.until)}`}\n`);
      return 1;
    case 'stopped':
      return 0;
    case 'machine-stopped':
      // The guest switching the machine off (PSCI SYSTEM_OFF on virt) is a normal end, as QEMU's exit.
      if (outcome.reason === 'power off') return 0;
      process.stderr.write(`l4vm run: the machine stopped: ${outcome.reason}\n`);
      return 1;
  }
}

/**
 * The interactive terminal: the VGA screen drawn with ANSI escapes, raw keys to the guest. A
 * machine whose console is its serial port gets the terminal as QEMU -nographic gives it: the
 * output as it comes (written by the serial backend), each key as the bytes a terminal sends.
 */
class TerminalFrontEnd {
  private readonly screen = new AnsiScreen((text) => process.stdout.write(text));
  private readonly decoder = new TerminalKeyDecoder();
  private lastGeneration = -1;
  private lastDraw = 0;
  private prefix = false;
  private readonly onData = (data: Buffer): void => this.input(data);
  private readonly restore = (): void => {
    process.stdout.write(RESTORE_TERMINAL);
  };
  private runner: MachineRunner | null = null;

  constructor(private readonly machine: Machine) {}

  start(runner: MachineRunner): void {
    this.runner = runner;
    if (this.machine.console === 'serial') {
      process.stderr.write(`l4vm: ${this.machine.kind} (${this.machine.architecture}), its serial console here — Ctrl-] q quit, Ctrl-] r reset\r\n`);
    } else {
      process.on('exit', this.restore);
      process.stdout.write('\x1b[?1049h\x1b[2J');
    }
    process.stdin.setRawMode(true);
    process.stdin.on('data', this.onData);
    process.stdin.resume();
    this.status('running');
  }

  finish(): void {
    process.stdin.off('data', this.onData);
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdin.pause();
    if (this.machine.console === 'serial') {
      process.stdout.write('\r\n');
      return;
    }
    this.restore();
    process.off('exit', this.restore);
  }

  draw(): void {
    const display = this.machine.display;
    if (display === null) return;
    const now = performance.now();
    if (display.generation === this.lastGeneration || now - this.lastDraw < 33) return;
    this.lastGeneration = display.generation;
    this.lastDraw = now;
    const text = display.textScreen();
    if (text !== null) this.screen.drawText(text);
    else this.screen.drawGraphicsPreview(display.render(), 80, 25);
  }

  private status(state: string): void {
    if (this.machine.console === 'serial') return;
    process.stdout.write(`\x1b7\x1b[27;1H\x1b[0m\x1b[7m l4vm: ${this.machine.kind} (${this.machine.architecture}) ${state} — Ctrl-] q quit, Ctrl-] r reset \x1b[0m\x1b8`);
  }

  private input(data: Buffer): void {
    for (const key of this.decoder.feed(data)) {
      if (this.prefix) {
        this.prefix = false;
        if (key.code === 'KeyQ') {
          this.runner?.stop();
          continue;
        }
        if (key.code === 'KeyR') {
          this.machine.reset();
          this.status('reset');
          continue;
        }
        if (!isPrefixKey(key)) continue;
      } else if (isPrefixKey(key)) {
        this.prefix = true;
        continue;
      }
      if (this.machine.console === 'serial') {
        const bytes = keyToTerminalBytes(key);
        if (bytes.length > 0) this.machine.serialPorts[0]?.receive(bytes);
      } else for (const event of strokesToKeyEvents([key])) this.machine.keyEvent(event.code, event.down);
    }
  }
}
