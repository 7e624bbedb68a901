// The PC/AT machine: QEMU's `isapc` (QEMU 7.2), built from hw/ parts and the device models, so
// the firmware Debian ships for it — SeaBIOS and its VGA BIOS — runs unchanged.
//
// Memory map (isapc, no PCI): RAM from 0; the VGA window at 0xA0000–0xBFFFF; RAM for option ROMs
// at 0xC0000–0xDFFFF (writable: there is no chipset to lock it, which is why SeaBIOS says "Unable
// to unlock ram - bridge not found"); the last 128 KiB of the BIOS image at 0xE0000–0xFFFFF and
// the whole image at 4 GiB minus its size — one writable memory seen at both places, as isapc
// maps it; RAM again from 1 MiB. The devices and their wiring are QEMU's (../../docs/machines-pc.md):
//
//   PIC pair 0x20/0xA0 (IRQ 2 cascade)       PIT 0x40–0x43 → IRQ 0, port 0x61 (speaker, ch 2 gate)
//   RTC/CMOS 0x70/0x71 → IRQ 8               port 0x92 (A20, fast reset)
//   8042 0x60/0x64 → IRQ 1 (keyboard)        COM1 0x3F8 → IRQ 4, COM2 0x2F8 → IRQ 3
//   IDE 0x1F0/0x3F6 → IRQ 14, 0x170/0x376 → IRQ 15
//   VGA 0x3B0–0x3DF and 0xA0000              fw_cfg 0x510/0x511, debug console 0x402
//   x87 FERR# → IRQ 13, port 0xF0 clears it
//
// The BIOS learns the RAM size from CMOS and from fw_cfg's etc/e820, and receives the VGA BIOS as
// the fw_cfg file vgaroms/<name>, which it copies to 0xC0000 and runs.

import { X86Cpu } from '../cpu/x86/cpu.js';
import { FwCfg, FW_CFG_BOOT_MENU, FW_CFG_MAX_CPUS, FW_CFG_NB_CPUS, FW_CFG_NOGRAPHIC, FW_CFG_NUMA, FW_CFG_RAM_SIZE, FW_CFG_UUID, littleEndian } from '../devices/fw-cfg.js';
import { I8042, STATUS_OBF } from '../devices/i8042.js';
import { I8254 } from '../devices/i8254.js';
import { I8259 } from '../devices/i8259.js';
import { IdeChannel, IDE_PRIMARY, IDE_SECONDARY } from '../devices/ide.js';
import { IsaDebugcon } from '../devices/isa-debugcon.js';
import { Mc146818 } from '../devices/mc146818.js';
import { PcSpeakerPort } from '../devices/pc-speaker-port.js';
import { Port92 } from '../devices/port92.js';
import { isKeyCode, Ps2Keyboard } from '../devices/ps2keyboard.js';
import { PC_SERIAL_PORTS, Uart16550, type UartBackend } from '../devices/uart16550.js';
import { Vga } from '../devices/vga.js';
import type { BlockBackend } from '../hw/block.js';
import { MachineClock } from '../hw/clock.js';
import type { Device } from '../hw/device.js';
import { IoPorts } from '../hw/ioports.js';
import { IrqLine } from '../hw/irq.js';
import { PhysicalMemory } from '../hw/memory.js';
import { Slicer } from '../hw/slicer.js';
import type { Machine, MachineDisplay, RunResult, SerialPort } from './machine.js';

export const PC_MIN_MEMORY = 2 << 20;
/** 2 GiB: guest RAM is one JavaScript typed array, and the BIOS needs the top of 4 GiB. */
export const PC_MAX_MEMORY = 2 ** 31;
export const PC_DEFAULT_MEMORY = 32 << 20;
/** The port of the fault-injection device (PcConfig.faultInjection). */
export const FAULT_INJECTION_PORT = 0x4f0;
/** Guest time per instruction: a 100 MHz machine, as far as timers can tell. */
export const PC_NS_PER_INSTRUCTION = 10;

const KiB = 1024;
const MiB = 1024 * KiB;
const VGA_WINDOW = 0xa0000;
const OPTION_ROMS = 0xc0000;
const BIOS_SHADOW = 0xe0000;
const HIGH_MEMORY = 0x100000;

export interface PcConfig {
  /** Guest RAM in bytes. */
  memoryBytes: number;
  /** The system BIOS image (SeaBIOS's bios.bin). */
  bios: Uint8Array;
  /** Where the BIOS came from, for messages. */
  biosName?: string;
  /** The VGA BIOS option ROM (vgabios-isavga.bin), or null for none. */
  vgaBios?: Uint8Array | null;
  /** Its fw_cfg file name: vgaroms/<this>. */
  vgaBiosName?: string;
  /** Offer the Bochs VBE extensions on ports 0x1CE/0x1CF (what vgabios-stdvga.bin expects). */
  vbe?: boolean;
  /** Disks hda, hdb, hdc, hdd (primary master/slave, secondary master/slave). */
  disks?: readonly (BlockBackend | null)[];
  /** Where COM1 and COM2 send their bytes. */
  serial?: readonly (UartBackend | null)[];
  /** Where the debug console (port 0x402) sends its bytes. */
  debugConsole?: (byte: number) => void;
  /** The calendar time at power-on (default: the host's time). */
  baseTime?: Date;
  /** Told about things a person may want to know (unimplemented instructions, resets). */
  log?: (line: string) => void;
  /** What a triple fault does: reset the machine (as a PC does; the default) or stop it. */
  onTripleFault?: 'reset' | 'stop';
  /** Told when the guest resets the machine (8042, port 0x92, triple fault), with the reason. */
  onReset?: (reason: string) => void;
  /**
   * For tests of the system around the machine: a write to port 0x4F0 makes this device model
   * throw, as a device model with a bug would.
   */
  faultInjection?: boolean;
}

/** Throws an Error with a sentence naming what is wrong with the configuration. */
export function validatePcConfig(config: PcConfig): void {
  const memory = config.memoryBytes;
  if (!Number.isInteger(memory) || memory < PC_MIN_MEMORY || memory > PC_MAX_MEMORY) {
    throw new Error(`memory size ${formatSize(memory)} does not fit the pc machine: it takes ${formatSize(PC_MIN_MEMORY)} to ${formatSize(PC_MAX_MEMORY)}`);
  }
  if (memory % (64 * KiB) !== 0) throw new Error(`memory size ${formatSize(memory)} is not a multiple of 64 KiB, which the PC's CMOS counts in`);
  const bios = config.bios;
  const biosName = config.biosName ?? 'the BIOS image';
  if (bios.length === 0 || bios.length % (64 * KiB) !== 0 || bios.length > 1 * MiB) {
    throw new Error(`BIOS file ${biosName} is ${bios.length} bytes; the pc machine takes a BIOS of a multiple of 64 KiB up to 1 MiB (SeaBIOS's bios.bin is 128 KiB)`);
  }
  const vgaBios = config.vgaBios ?? null;
  if (vgaBios !== null) {
    const name = config.vgaBiosName ?? 'the VGA BIOS';
    if (vgaBios.length < 512 || vgaBios[0] !== 0x55 || vgaBios[1] !== 0xaa) {
      throw new Error(`VGA BIOS file ${name} is not an option ROM: it does not start with the signature 55 AA`);
    }
    if (vgaBios.length > 128 * KiB) throw new Error(`VGA BIOS file ${name} is ${vgaBios.length} bytes; an option ROM at 0xC0000 can be at most 128 KiB`);
  }
  const disks = config.disks ?? [];
  if (disks.length > 4) throw new Error(`the pc machine has four IDE disk slots (hda–hdd), not ${disks.length}`);
}

export class PcMachine implements Machine {
  readonly console = 'display';
  readonly kind = 'pc';
  readonly architecture = 'x86';
  readonly memory = new PhysicalMemory('little');
  readonly io = new IoPorts();
  readonly clock = new MachineClock();
  readonly ram: Uint8Array;
  readonly cpu: X86Cpu;
  readonly pic: I8259;
  readonly pit: I8254;
  readonly rtc: Mc146818;
  readonly keyboardController: I8042;
  readonly keyboard: Ps2Keyboard;
  private readonly port92: Port92;
  readonly uarts: Uart16550[] = [];
  readonly ide: IdeChannel[] = [];
  readonly vga: Vga;
  readonly fwCfg: FwCfg;
  readonly serialPorts: SerialPort[];
  /** Resets requested by the guest (8042, port 0x92, triple fault), for reports. */
  resets = 0;
  /** Why the machine stopped (a triple fault with onTripleFault 'stop'), or null while it runs. */
  stopped: string | null = null;
  private readonly onTripleFault: 'reset' | 'stop';
  private readonly onReset: (reason: string) => void;
  private readonly bios: Uint8Array;
  private readonly biosImage: Uint8Array;
  private readonly devices: Device[] = [];
  private readonly log: (line: string) => void;
  private resetRequested = false;
  private readonly slicer: Slicer;

  constructor(config: PcConfig) {
    validatePcConfig(config);
    this.log = config.log ?? (() => undefined);
    this.onTripleFault = config.onTripleFault ?? 'reset';
    this.onReset = config.onReset ?? (() => undefined);
    const memoryBytes = config.memoryBytes;
    this.ram = new Uint8Array(memoryBytes);
    this.biosImage = config.bios.slice();
    this.bios = this.biosImage.slice();

    // Memory: see the map at the top of this file.
    const memory = this.memory;
    memory.addRam('ram-low', 0, this.ram.subarray(0, VGA_WINDOW));
    memory.addRam('option-roms', OPTION_ROMS, this.ram.subarray(OPTION_ROMS, BIOS_SHADOW));
    const shadowBytes = Math.min(this.bios.length, 128 * KiB);
    memory.addRom('bios-shadow', HIGH_MEMORY - shadowBytes, this.bios.subarray(this.bios.length - shadowBytes), true);
    if (memoryBytes > HIGH_MEMORY) memory.addRam('ram-high', HIGH_MEMORY, this.ram.subarray(HIGH_MEMORY));
    memory.addRom('bios', 2 ** 32 - this.bios.length, this.bios, true);

    const io = this.io;
    this.pic = new I8259();
    this.pic.attach(io);
    const irq = (line: number): IrqLine => new IrqLine(this.pic, line);
    this.pit = new I8254(this.clock, irq(0));
    this.pit.attach(io);
    const speaker = new PcSpeakerPort(this.clock, this.pit);
    speaker.attach(io);
    this.rtc = new Mc146818(this.clock, irq(8), { baseTime: config.baseTime });
    this.rtc.attach(io);
    const port92 = new Port92({ onA20: () => this.updateA20(), onReset: () => this.requestReset('port 0x92') });
    this.port92 = port92;
    port92.attach(io);
    this.keyboard = new Ps2Keyboard(this.clock);
    this.keyboardController = new I8042(irq(1), irq(12), { onA20: () => this.updateA20(), onReset: () => this.requestReset('8042') }, { keyboard: this.keyboard });
    this.keyboardController.attach(io);
    const serial = config.serial ?? [];
    PC_SERIAL_PORTS.forEach((port, index) => {
      const backend = serial[index] ?? null;
      const uart = new Uart16550(port.base, irq(port.irq), this.clock, { name: port.name, instant: true, backend: backend ?? { transmit: () => undefined } });
      uart.attach(io);
      this.uarts.push(uart);
    });
    this.serialPorts = this.uarts.map((uart, index) => ({ name: PC_SERIAL_PORTS[index].name, receive: (bytes: Uint8Array) => uart.receive(bytes) }));
    for (const [index, wiring] of [IDE_PRIMARY, IDE_SECONDARY].entries()) {
      const channel = new IdeChannel({ name: `ide${index}`, commandBase: wiring.commandBase, controlBase: wiring.controlBase, irq: irq(wiring.irq), clock: this.clock });
      channel.attach(io);
      this.ide.push(channel);
    }
    (config.disks ?? []).forEach((disk, index) => {
      if (disk !== null) this.ide[index >> 1].attachDrive((index & 1) as 0 | 1, disk);
    });
    this.vga = new Vga({ clock: this.clock, vbe: config.vbe ?? false });
    this.vga.attach(io, memory);
    this.fwCfg = new FwCfg();
    this.fwCfg.attach(io);
    this.configureFwCfg(config);
    const debugConsole = config.debugConsole;
    const debugcon = new IsaDebugcon(debugConsole ?? (() => undefined));
    debugcon.attach(io);
    io.register('x87 error', 0xf0, 1, { read: () => 0xff, write: () => this.cpu.clearFerr() });
    if (config.faultInjection === true) {
      io.register('fault injection', FAULT_INJECTION_PORT, 1, {
        read: () => 0xff,
        write: (_port, _size, value) => {
          throw new Error(`fault injected through port 0x${FAULT_INJECTION_PORT.toString(16)} (value ${value})`);
        },
      });
    }

    this.cpu = new X86Cpu(memory, io, { log: this.log });
    this.slicer = new Slicer(this.clock, this.cpu, PC_NS_PER_INSTRUCTION, {
      wakeable: () => this.interruptDeliverable(),
      beforeSlice: () => {
        if (this.resetRequested) this.warmReset();
      },
      stopped: () => this.stopped !== null,
    });
    this.cpu.interruptController = this.pic;
    this.cpu.ferrLine = irq(13);
    this.cpu.shutdownHook = () => {
      if (this.onTripleFault === 'reset') {
        this.requestReset('triple fault');
        return;
      }
      this.stopped = 'triple fault';
      this.log('pc: stopped by a triple fault');
      this.cpu.stop();
    };
    io.beforeAccess = () => this.catchUpClock();

    this.devices.push(this.pic, this.pit, speaker, this.rtc, port92, this.keyboardController, this.keyboard, ...this.uarts, ...this.ide, this.vga, this.fwCfg, debugcon);
    this.powerOn();
  }

  get display(): MachineDisplay {
    return this.vga;
  }

  get instructions(): number {
    return this.cpu.instructions;
  }

  get guestTimeNs(): number {
    return this.clock.now;
  }

  untilNextEvent(): number {
    return this.clock.untilNextDeadline();
  }

  /** Power-cycles the machine: RAM cleared, BIOS reloaded, every device in its power-on state. */
  reset(): void {
    this.ram.fill(0);
    this.stopped = null;
    this.powerOn();
  }

  run(budgetNs: number): RunResult {
    return this.slicer.run(budgetNs);
  }

  endSlice(): void {
    this.slicer.endSlice();
  }

  keyEvent(code: string, down: boolean): void {
    // A key the PC keyboard does not have (from another front end) is ignored.
    if (!isKeyCode(code)) return;
    if (down) this.keyboard.keyDown(code);
    else this.keyboard.keyUp(code);
  }

  /**
   * The guest waits for a key: it is idle with interrupts on, the keyboard and the controller have
   * nothing left for it, and the BIOS keyboard buffer (BIOS data area 0x41A/0x41C, head and tail)
   * is empty — so a key given now is read, not queued behind others or lost.
   */
  readyForKey(): boolean {
    if (!this.cpu.halted || !this.cpu.interruptsEnabled) return false;
    if (this.keyboard.queued !== 0 || (this.keyboardController.status() & STATUS_OBF) !== 0) return false;
    if ((this.keyboardController.commandByte & 0x10) !== 0 || !this.keyboard.scanning) return false;
    const head = this.ram[0x41a] | (this.ram[0x41b] << 8);
    const tail = this.ram[0x41c] | (this.ram[0x41d] << 8);
    return head === tail;
  }

  /**
   * The A20 gate is open while either source opens it: the 8042's output port bit 1 OR port 0x92
   * bit 1, as PC chipsets combine them (Intel 82371AB PIIX4 datasheet, "Port 92h" and A20GATE).
   * QEMU instead lets whichever was written last decide; the chipset documentation wins.
   */
  private updateA20(): void {
    // During construction the devices report before the CPU exists; powerOn sets the gate then.
    if (this.cpu === undefined) return;
    this.cpu.setA20(this.port92.a20 || this.keyboardController.a20);
  }

  private interruptDeliverable(): boolean {
    return this.cpu.interruptsEnabled && this.pic.hasInterrupt();
  }

  /** Brings guest time up to the instruction now executing (called before each port access). */
  private catchUpClock(): void {
    this.slicer.catchUp();
  }

  private requestReset(reason: string): void {
    this.resets++;
    this.log(`pc: reset requested by ${reason}`);
    this.onReset(reason);
    this.resetRequested = true;
    this.cpu.stop();
  }

  /** The reset line: CPU and devices reset, RAM kept, the BIOS image reloaded (QEMU's rom_reset). */
  private warmReset(): void {
    this.resetRequested = false;
    this.powerOn();
  }

  private powerOn(): void {
    this.bios.set(this.biosImage);
    for (const device of this.devices) device.reset();
    this.writeCmos();
    this.cpu.reset();
    this.updateA20();
    this.cpu.flushCaches();
    this.resetRequested = false;
  }

  private configureFwCfg(config: PcConfig): void {
    const fw = this.fwCfg;
    fw.setItem(FW_CFG_UUID, new Uint8Array(16));
    fw.setInt(FW_CFG_RAM_SIZE, 8, config.memoryBytes);
    fw.setInt(FW_CFG_NOGRAPHIC, 2, 0);
    fw.setInt(FW_CFG_NB_CPUS, 2, 1);
    fw.setInt(FW_CFG_MAX_CPUS, 2, 1);
    fw.setInt(FW_CFG_BOOT_MENU, 2, 0);
    // NUMA: no nodes; one CPU-to-node word per possible CPU.
    fw.setItem(FW_CFG_NUMA, new Uint8Array(16));
    // x86 keys: no ACPI tables, no SMBIOS entries, IRQ 0 override on (the PIT reaches the I/O
    // APIC's pin 2 on QEMU's PCs; SeaBIOS copies it into its tables), an empty e820 reservation table.
    fw.setInt(0x8000, 2, 0);
    fw.setInt(0x8001, 2, 0);
    fw.setInt(0x8002, 1, 1);
    fw.setInt(0x8003, 4, 0);
    // No boot retry after "No bootable device." (QEMU's -boot reboot-timeout default, -1).
    fw.addFile('etc/boot-fail-wait', littleEndian(4, 0xffffffff));
    const e820 = new Uint8Array(20);
    e820.set(littleEndian(8, 0), 0);
    e820.set(littleEndian(8, config.memoryBytes), 8);
    e820.set(littleEndian(4, 1), 16);
    fw.addFile('etc/e820', e820);
    if (config.vgaBios) fw.addFile(`vgaroms/${config.vgaBiosName ?? 'vgabios.bin'}`, config.vgaBios);
    // The boot order by device path; empty, as QEMU gives it when no device has a bootindex, so
    // SeaBIOS goes by the CMOS order.
    fw.addFile('bootorder', new Uint8Array(0));
  }

  /** The CMOS bytes a PC BIOS reads, as QEMU's pc_cmos_init writes them. */
  private writeCmos(): void {
    const memoryBytes = this.ram.length;
    const extendedKiB = Math.min((memoryBytes - MiB) / KiB, 0xffff);
    const above16M = memoryBytes > 16 * MiB ? Math.min((memoryBytes - 16 * MiB) / (64 * KiB), 0xffff) : 0;
    const bytes: [number, number][] = [
      // Base memory 640 KiB.
      [0x15, 640 & 0xff],
      [0x16, 640 >> 8],
      // Extended memory in KiB (up to 63 MiB), twice; memory above 16 MiB in 64 KiB units.
      [0x17, extendedKiB & 0xff],
      [0x18, extendedKiB >> 8],
      [0x30, extendedKiB & 0xff],
      [0x31, extendedKiB >> 8],
      [0x34, above16M & 0xff],
      [0x35, above16M >> 8],
      // Memory above 4 GiB (none).
      [0x5b, 0],
      [0x5c, 0],
      [0x5d, 0],
      // No floppy drives; equipment: coprocessor, PS/2 mouse port, 80x25 colour display.
      [0x10, 0x00],
      [0x14, 0x26],
      // Boot order hard disk, floppy, CD-ROM (QEMU's default "cad"), boot signature check on.
      [0x3d, 0x12],
      [0x38, 0x30],
      // One CPU (the count minus one).
      [0x5f, 0],
    ];
    for (const [index, value] of bytes) this.rtc.setByte(index, value);
    this.rtc.updateChecksum();
  }
}

/** A byte count as people write it: 32 MiB, 640 KiB, 1000 bytes. */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  if (bytes >= MiB && bytes % MiB === 0) return bytes >= 1024 * MiB && bytes % (1024 * MiB) === 0 ? `${bytes / (1024 * MiB)} GiB` : `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}
