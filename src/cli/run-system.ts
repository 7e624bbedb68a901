// `l4vm run CONFIG`: a system of several VMs from a configuration file, under the microkernel
// with its servers. In a terminal: the console (hotkeys to switch VMs) and the keyboard. Headless
// (--display none): for scripts, with --until, --timeout, --keys, --screen-text, --screenshot
// aimed at one VM (--vm NAME, default the first).

import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { L4vm } from '../api/l4vm.js';
import { findImage } from '../host/images.js';
import { writePngFile } from '../host/png.js';
import { Recorder } from '../host/recorder.js';
import { TerminalConsole } from '../host/terminal-console.js';
import { textToKeyStrokes } from '../host/terminal-keys.js';
import { loadSystemConfig, MACHINE_KINDS, SystemConfigError } from '../servers/root/vm-config.js';
import { UsageError, type RunOptions } from './run.js';

export interface SystemRunOptions extends RunOptions {
  vm?: string;
}

export async function runSystemCommand(configPath: string, options: SystemRunOptions): Promise<number> {
  const machineFlags: string[] = (['machine', 'bios', 'vgabios', 'hda', 'hdb', 'hdc', 'hdd', 'persist', 'memory'] as const).filter((flag) => options[flag] !== undefined);
  if (options.reboot === false) machineFlags.push('no-reboot');
  if (machineFlags.length > 0) throw new UsageError(`--${machineFlags[0]} is for one VM without a configuration; with ${configPath} the configuration says what each VM has`);
  let config;
  try {
    config = loadSystemConfig(configPath, findImage);
  } catch (error) {
    if (error instanceof SystemConfigError) throw new UsageError(error.message);
    throw error;
  }
  const display = options.display ?? (process.stdout.isTTY && process.stdin.isTTY ? 'terminal' : 'none');
  if (display === 'terminal' && !process.stdin.isTTY) throw new UsageError('--display terminal needs a terminal on standard input for the keyboard; use --display none');
  const target = options.vm === undefined ? 0 : config.vms.findIndex((vm) => vm.name === options.vm);
  if (target < 0) throw new UsageError(`--vm: there is no VM named "${options.vm ?? ''}" in ${configPath}; the VMs are ${config.vms.map((vm) => vm.name).join(', ')}`);
  if (options.keys !== undefined) {
    try {
      textToKeyStrokes(options.keys);
    } catch (error) {
      throw new UsageError(`--keys: ${(error as Error).message}`);
    }
  }
  if (options.screenshot !== undefined && !existsSync(dirname(options.screenshot) || '.')) throw new UsageError(`--screenshot: the directory of ${options.screenshot} does not exist`);
  const targetVm = config.vms[target];
  if ((options.screenshot !== undefined || options.screenText === true) && targetVm !== undefined && MACHINE_KINDS[targetVm.machine].console === 'serial') {
    throw new UsageError(
      `${options.screenshot !== undefined ? '--screenshot' : '--screen-text'} needs a screen; VM ${targetVm.name} (${targetVm.machine}) has none, its console is its serial port (--serial stdio)`,
    );
  }
  if (options.serial !== 'none' && options.serial !== 'stdio') throw new UsageError('--serial with a configuration takes stdio (the first VM\'s, or --vm\'s, terminal-bound serial output on standard output) or none; the configuration routes serial ports');

  const terminal = display === 'terminal' ? new TerminalConsole() : null;
  const frontEnd: Recorder = terminal ?? new Recorder();
  const logLines: string[] = [];
  let quit: () => void = () => undefined;
  const quitting = new Promise<'quit'>((resolve) => (quit = () => resolve('quit')));
  frontEnd.onQuit = quit;
  if (options.serial === 'stdio' && terminal === null) {
    let written = 0;
    const previous = frontEnd.onChange;
    frontEnd.onChange = (what, vm) => {
      previous(what, vm);
      const serial = frontEnd.vms[target]?.serial ?? '';
      if (what === 'serial' && vm === target && serial.length > written) {
        process.stdout.write(Buffer.from(serial.slice(written), 'latin1'));
        written = serial.length;
      }
    };
  }
  const stopSignals = (): void => quit();
  process.on('SIGINT', stopSignals);
  process.on('SIGTERM', stopSignals);
  const started = performance.now();
  terminal?.open();
  let system: L4vm | null = null;
  let status = 0;
  try {
    system = await L4vm.start({ config, frontEnd, log: (line) => logLines.push(line) });
    const running = system;
    if (options.keys !== undefined) running.sendKeys(target, options.keys);
    const waits: Promise<string>[] = [quitting];
    if (options.until !== undefined) {
      const until = options.until;
      waits.push(
        // Any VM's screen or serial output may show the pattern.
        Promise.any(config.vms.map((_vm, index) => running.waitForText(index, until, { timeoutMs: 2 ** 31 - 1 }))).then(
          () => 'matched',
          () => 'stopped',
        ),
      );
    }
    let timer: NodeJS.Timeout | undefined;
    if (options.timeout !== undefined) {
      const timeout = options.timeout;
      waits.push(new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeout * 1000))));
    }
    const outcome = await Promise.race(waits);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      status = 1;
      terminal?.restore();
      process.stderr.write(`l4vm run: timed out after ${options.timeout ?? 0} s${options.until === undefined ? '' : ` without seeing ${String(options.until)}`}\n`);
    }
    if (options.screenshot !== undefined) {
      const path = options.screenshot;
      if (!existsSync(dirname(path))) mkdirSync(dirname(path), { recursive: true });
      writePngFile(path, await running.screenshot(target));
    }
  } finally {
    terminal?.restore();
    process.off('SIGINT', stopSignals);
    process.off('SIGTERM', stopSignals);
    await system?.stop();
  }
  if (options.screenText === true) {
    const lines = frontEnd.screenText(target);
    const rows = frontEnd.textScreen(target)?.rows ?? lines.length;
    for (let row = 0; row < rows; row++) process.stdout.write(`${lines[row] ?? ''}\n`);
  }
  if (options.stats === true) {
    process.stderr.write(`l4vm run: ${config.vms.length} VMs, ${((performance.now() - started) / 1000).toFixed(3)} s host time\n`);
    for (const line of logLines) process.stderr.write(`${line}\n`);
  }
  return status;
}
