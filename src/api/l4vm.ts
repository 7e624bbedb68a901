// The TypeScript API: start a system of VMs from a configuration, type into them, wait for text
// on their screens or serial ports, take screenshots, stop — in the spirit of v86's `V86` starter.
// `l4vm run CONFIG` is built on it, and so are the scenario tests.
//
//   const system = await L4vm.start({ config: 'configs/demo.yaml' });
//   await system.waitForText('alpha', /Type keys/);
//   system.sendKeys('alpha', 'hello{Enter}');
//   const png = await system.screenshotPng('alpha');
//   await system.stop();

import { findImage } from '../host/images.js';
import { NodeWorkerLauncher } from '../host/node-launcher.js';
import { encodePng } from '../host/png.js';
import { Recorder } from '../host/recorder.js';
import { textToKeyStrokes } from '../host/terminal-keys.js';
import { System } from '../kernel/system.js';
import type { RgbaImage, TextScreen } from '../machines/machine.js';
import { boot } from '../servers/root/root.js';
import { buildSystem } from '../servers/root/system.js';
import { loadSystemConfig, validateSystemConfig, type SystemConfig } from '../servers/root/vm-config.js';

export interface StartOptions {
  /** A configuration file (YAML or JSON), or a configuration already parsed (paths relative to `base`). */
  config: string | { raw: unknown; base: string } | SystemConfig;
  /** The front end: a Recorder (default), or the terminal's. */
  frontEnd?: Recorder;
  /** 'host' (default): real time, VMs paced to it. 'virtual': one host CPU, deterministic, VMs run flat out. */
  clock?: 'host' | 'virtual';
  /** Keep guest time in step with host time (default true with the host clock). */
  paced?: boolean;
  /** Where the log server's lines go (default: kept in `log`). */
  log?: (line: string) => void;
}

export class L4vm {
  /** The log server's lines, when no `log` function was given. */
  readonly logLines: string[] = [];
  private readonly running: Promise<void>;
  private stopped = false;

  private constructor(
    readonly config: SystemConfig,
    readonly frontEnd: Recorder,
    private readonly system: System,
    private readonly abort: AbortController,
    running: Promise<void>,
    private readonly hostShutdown: () => void,
  ) {
    this.running = running;
  }

  static async start(options: StartOptions): Promise<L4vm> {
    const config =
      typeof options.config === 'string'
        ? loadSystemConfig(options.config, findImage)
        : 'raw' in options.config
          ? validateSystemConfig(options.config.raw, options.config.base, findImage)
          : options.config;
    const clock = options.clock ?? 'host';
    const cpus = clock === 'virtual' ? 1 : config.hostCpus;
    if (clock === 'virtual' && config.vms.some((vm) => vm.cpu !== 0)) throw new Error('the virtual clock runs every VM on host CPU 0; remove the cpu fields or use the host clock');
    const frontEnd = options.frontEnd ?? new Recorder();
    const abort = new AbortController();
    const lines: string[] = [];
    const log = options.log ?? ((line: string) => lines.push(line));
    const built = buildSystem(config, { console: frontEnd, input: frontEnd, log, stop: abort.signal }, { paced: options.paced ?? clock === 'host' });
    const system = await System.start({ cpus, clock, launcher: cpus > 1 ? new NodeWorkerLauncher() : undefined, log });
    const booting = boot(system, built.root, built.programs);
    const running = system.cpu0.kernel.run();
    await booting.done;
    const instance = new L4vm(config, frontEnd, system, abort, running, built.shutdown);
    if (options.log === undefined) instance.logLines.push(...lines);
    return instance;
  }

  /** The VM's number from its name (or the number itself, checked). */
  vm(which: string | number): number {
    const index = typeof which === 'number' ? which : this.config.vms.findIndex((vm) => vm.name === which);
    if (index < 0 || index >= this.config.vms.length) throw new RangeError(`there is no VM ${JSON.stringify(which)}; the VMs are ${this.config.vms.map((vm) => vm.name).join(', ')}`);
    return index;
  }

  /** Types keys into a VM (it gets the focus), each when the guest waits for one; see docs/keys.md. */
  sendKeys(which: string | number, text: string): void {
    this.frontEnd.input({ kind: 'type', vm: this.vm(which), keys: textToKeyStrokes(text) });
  }

  /** Types bytes into a VM's serial port. */
  sendSerial(which: string | number, text: string, port = 0): void {
    this.frontEnd.input({ kind: 'serial', vm: this.vm(which), port, bytes: new TextEncoder().encode(text) });
  }

  focus(which: string | number): void {
    this.frontEnd.input({ kind: 'focus', vm: this.vm(which) });
  }

  /** Presses the VM's reset button. */
  reset(which: string | number): void {
    this.frontEnd.input({ kind: 'reset', vm: this.vm(which) });
  }

  screenText(which: string | number): string[] {
    return this.frontEnd.screenText(this.vm(which));
  }

  textScreen(which: string | number): TextScreen | null {
    return this.frontEnd.textScreen(this.vm(which));
  }

  /** What the VM's serial ports sent to the terminal pane so far. */
  serial(which: string | number): string {
    return this.frontEnd.vms[this.vm(which)]?.serial ?? '';
  }

  state(which: string | number): string {
    return this.frontEnd.stateName(this.vm(which));
  }

  /** Resolves with the match when `pattern` appears on the VM's text screen or serial output. */
  async waitForText(which: string | number, pattern: RegExp | string, options: { timeoutMs?: number; on?: 'screen' | 'serial' | 'both' } = {}): Promise<string> {
    const vm = this.vm(which);
    const on = options.on ?? 'both';
    const regex = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    let found = '';
    const test = (): boolean => {
      const texts: string[] = [];
      if (on !== 'serial') texts.push(this.frontEnd.screenText(vm).join('\n'));
      if (on !== 'screen') texts.push(this.frontEnd.vms[vm]?.serial ?? '');
      for (const text of texts) {
        const match = regex.exec(text);
        if (match !== null) {
          found = match[0];
          return true;
        }
      }
      return false;
    };
    await this.frontEnd.waitFor(test, options.timeoutMs ?? 60_000, `${String(regex)} on ${this.config.vms[vm]?.name ?? vm}'s ${on === 'both' ? 'screen or serial port' : on}`);
    return found;
  }

  /** Resolves when the VM's state (running, halted, stopped, reset) matches. */
  async waitForState(which: string | number, state: string | RegExp, timeoutMs = 60_000): Promise<void> {
    const vm = this.vm(which);
    const test = (): boolean => (typeof state === 'string' ? this.frontEnd.stateName(vm) === state : state.test(`${this.frontEnd.stateName(vm)} ${this.frontEnd.vms[vm]?.stateDetail ?? ''}`));
    await this.frontEnd.waitFor(test, timeoutMs, `state ${String(state)} of ${this.config.vms[vm]?.name ?? vm}`);
  }

  /** The VM's screen in any mode, rendered by its display with its own font and palette. */
  async screenshot(which: string | number, timeoutMs = 10_000): Promise<RgbaImage> {
    const vm = this.vm(which);
    const before = this.frontEnd.vms[vm]?.snapshots ?? 0;
    this.frontEnd.input({ kind: 'screenshot', vm });
    await this.frontEnd.waitFor(() => (this.frontEnd.vms[vm]?.snapshots ?? 0) > before, timeoutMs, `a screenshot of ${this.config.vms[vm]?.name ?? vm}`);
    const image = this.frontEnd.vms[vm]?.snapshot;
    if (image === null || image === undefined) throw new Error('the VM answered without a screenshot');
    return image;
  }

  async screenshotPng(which: string | number): Promise<Uint8Array> {
    const image = await this.screenshot(which);
    return encodePng(image.width, image.height, image.rgba);
  }

  /** Stops every VM and server and the host CPUs; persisted disks are flushed first. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.hostShutdown();
    this.abort.abort();
    this.frontEnd.input({ kind: 'end' });
    this.frontEnd.close();
    await this.system.shutdown();
    await this.running.catch(() => undefined);
  }
}
