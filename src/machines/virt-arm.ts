// QEMU 7.2's `virt` machine for 32-bit ARM (hw/arm/virt.c with a Cortex-A15, one CPU, no EL2/EL3),
// built from hw/ parts and the device models, so the firmware Debian ships for it — U-Boot's
// qemu_arm build — runs unchanged. Memory map (virt.c's base_memmap) and interrupts:
//
//   0x00000000  flash bank 0 (64 MiB, CFI Intel, --bios)   0x04000000  flash bank 1 (64 MiB)
//   0x08000000  GICv2 distributor                        0x08010000  GICv2 CPU interface
//   0x09000000  PL011 UART        → SPI 1                 0x09010000  PL031 RTC → SPI 2
//   0x09020000  fw_cfg (MMIO, big-endian, DMA)            0x0a000000  32 virtio-mmio transports,
//   0x40000000  RAM (16 MiB – 2 GiB)                                  0x200 apart → SPI 16 + n
//
// The machine generates the flattened device tree QEMU generates for this configuration and puts
// it at the start of RAM, as QEMU's arm_setup_firmware_boot does when booting from flash (the
// firmware finds it there: U-Boot's qemu_arm "devicetree: board"). The CPU starts at 0 (flash)
// with every register as the reset left it: QEMU sets no registers for firmware (hw/arm/boot.c
// leaves env->boot_info NULL, so do_cpu_reset changes nothing).
//
// PSCI is answered by the machine through HVC (the DTB's method "hvc"), as QEMU's
// target/arm/psci.c does for a CPU without EL2/EL3: PSCI_VERSION reports 1.1 (what QEMU 7.2
// returns, although the tree says psci-1.0), SYSTEM_OFF stops the machine ("power off"),
// SYSTEM_RESET resets it, everything else is NOT_SUPPORTED. An SMC is UNDEFINED, as under QEMU
// with the HVC conduit.
//
// Not modelled (../../docs/machines-virt.md): PCIe (its DTB node is left out), the GICv2m MSI
// frame and the PL061 GPIO with its power button (their nodes are kept so the tree and its
// phandles match QEMU's; their registers read as all ones), ACPI and SMBIOS tables in fw_cfg.

import { ARM_FIQ_INPUT, ARM_IRQ_INPUT, ArmCpu } from '../cpu/arm/cpu.js';
import { GenericTimer } from '../cpu/arm/generic-timer.js';
import { FwCfg, FW_CFG_BOOT_MENU, FW_CFG_MMIO_SIZE, FW_CFG_NB_CPUS, FW_CFG_NOGRAPHIC, FW_CFG_UUID, littleEndian } from '../devices/fw-cfg.js';
import { GicV2, ppiId, VIRT_TIMER_PPI } from '../devices/gicv2.js';
import { PflashCfi01, VIRT_FLASH_SIZE } from '../devices/pflash-cfi01.js';
import { FR_RXFE, INT_RT, INT_RX, Pl011, PL011_DR, PL011_FR, type UartBackend } from '../devices/pl011.js';
import { PciHostGpex } from '../devices/pci-host-gpex.js';
import { Pl031 } from '../devices/pl031.js';
import { VirtioBlk } from '../devices/virtio-blk.js';
import { VirtioMmio } from '../devices/virtio-mmio.js';
import type { BlockBackend } from '../hw/block.js';
import { MachineClock } from '../hw/clock.js';
import type { Device } from '../hw/device.js';
import { DeviceTree, type FdtNode } from '../hw/fdt.js';
import { IrqLine } from '../hw/irq.js';
import { PhysicalMemory, type MmioHandler, type Region } from '../hw/memory.js';
import { Slicer } from '../hw/slicer.js';
import type { Machine, RunResult, SerialPort } from './machine.js';
import { formatSize } from './pc.js';

const KiB = 1024;
const MiB = 1024 * KiB;

export const VIRT_MIN_MEMORY = 16 * MiB;
/** 2 GiB: guest RAM is one JavaScript typed array (QEMU's 32-bit virt takes up to 255 GiB with LPAE). */
export const VIRT_MAX_MEMORY = 2 ** 31;
/** Guest time per instruction: a 100 MHz machine as far as timers can tell, as the PC machine. */
export const VIRT_NS_PER_INSTRUCTION = 10;

export const VIRT_FLASH_BASE = 0x00000000;
export const VIRT_GIC_DISTRIBUTOR = 0x08000000;
export const VIRT_GIC_CPU_INTERFACE = 0x08010000;
export const VIRT_GIC_V2M = 0x08020000;
export const VIRT_UART = 0x09000000;
export const VIRT_RTC = 0x09010000;
export const VIRT_FW_CFG = 0x09020000;
export const VIRT_GPIO = 0x09030000;
export const VIRT_MMIO = 0x0a000000;
export const VIRT_MMIO_SIZE = 0x200;
export const VIRT_MMIO_COUNT = 32;
export const VIRT_PLATFORM_BUS = 0x0c000000;
/** PCIe: the 32-bit MMIO window, the I/O window, ECAM (16 buses: QEMU's "low" ECAM, which it uses when firmware is loaded on a 32-bit board) and the 64-bit MMIO window. */
export const VIRT_PCIE_MMIO = 0x10000000;
export const VIRT_PCIE_MMIO_SIZE = 0x2eff0000;
export const VIRT_PCIE_PIO = 0x3eff0000;
export const VIRT_PCIE_PIO_SIZE = 0x10000;
export const VIRT_PCIE_ECAM = 0x3f000000;
export const VIRT_PCIE_ECAM_BUSES = 16;
export const VIRT_PCIE_HIGH_MMIO = 0x80_0000_0000;
export const VIRT_RAM = 0x40000000;
/** The device tree's size at the start of RAM (QEMU's virt: 1 MiB, unpacked). */
export const VIRT_FDT_SIZE = 0x100000;
/** The SPIs (GIC interrupt ID − 32) of the devices (virt.c's a15irqmap). */
export const VIRT_SPI = { uart: 1, rtc: 2, pcie: 3, gpio: 7, mmio: 16, platformBus: 64 } as const;

/** PSCI function IDs (DEN0022, SMC32) and return codes. */
export const PSCI_VERSION = 0x84000000;
export const PSCI_CPU_SUSPEND = 0x84000001;
export const PSCI_CPU_OFF = 0x84000002;
export const PSCI_CPU_ON = 0x84000003;
export const PSCI_MIGRATE = 0x84000005;
export const PSCI_SYSTEM_OFF = 0x84000008;
export const PSCI_SYSTEM_RESET = 0x84000009;
export const PSCI_NOT_SUPPORTED = -1;
/** What QEMU 7.2 answers to PSCI_VERSION: 1.1 (checked with qemu-system-arm -M virt, test VIRT0004). */
export const PSCI_VERSION_VALUE = 0x00010001;

/**
 * readyForKey: a guest that polls the UART reads UARTFR (or UARTDR) over and over; it waits for
 * input when it did so within this many instructions and sent nothing in as many.
 */
const POLL_WINDOW_INSTRUCTIONS = 200_000;

export interface VirtArmConfig {
  /** Guest RAM in bytes. */
  memoryBytes: number;
  /** The firmware image loaded into flash bank 0 (U-Boot's u-boot.bin). */
  bios: Uint8Array;
  /** Where the firmware came from, for messages. */
  biosName?: string;
  /** Disks as virtio-blk devices; the first goes on the last transport, as QEMU places them. */
  disks?: readonly (BlockBackend | null)[];
  /** Where the PL011 sends its bytes. */
  serial?: UartBackend | null;
  /** The calendar time at power-on (default: the host's time), for the PL031. */
  baseTime?: Date;
  /** Told about things a person may want to know (unimplemented instructions, resets). */
  log?: (line: string) => void;
  /** Told when the guest resets the machine (PSCI SYSTEM_RESET), with the reason. */
  onReset?: (reason: string) => void;
  /**
   * The 40 bytes of the tree's /chosen rng-seed (32) and kaslr-seed (8). QEMU takes them from the
   * host's random numbers; the default here is a fixed sequence, so runs are reproducible.
   */
  seedBytes?: Uint8Array;
}

/** Throws an Error with a sentence naming what is wrong with the configuration. */
export function validateVirtArmConfig(config: VirtArmConfig): void {
  const memory = config.memoryBytes;
  if (!Number.isInteger(memory) || memory < VIRT_MIN_MEMORY || memory > VIRT_MAX_MEMORY) {
    throw new Error(`memory size ${formatSize(memory)} does not fit the virt machine: it takes ${formatSize(VIRT_MIN_MEMORY)} to ${formatSize(VIRT_MAX_MEMORY)}`);
  }
  if (memory % (64 * KiB) !== 0) throw new Error(`memory size ${formatSize(memory)} is not a multiple of 64 KiB, the granule the virt machine's RAM is given in`);
  const biosName = config.biosName ?? 'the firmware image';
  if (config.bios.length === 0) throw new Error(`firmware file ${biosName} is empty; the virt machine starts the code at the start of flash bank 0 (U-Boot's u-boot.bin)`);
  if (config.bios.length > VIRT_FLASH_SIZE) {
    throw new Error(`firmware file ${biosName} is ${formatSize(config.bios.length)}, larger than the ${formatSize(VIRT_FLASH_SIZE)} flash bank it is loaded into`);
  }
  const disks = config.disks ?? [];
  if (disks.length > VIRT_MMIO_COUNT) throw new Error(`the virt machine has ${VIRT_MMIO_COUNT} virtio-mmio transports for disks, not ${disks.length}`);
  if (config.seedBytes !== undefined && config.seedBytes.length !== 40) throw new Error(`seedBytes has ${config.seedBytes.length} bytes; the device tree's rng-seed and kaslr-seed take 40`);
}

export class VirtArmMachine implements Machine {
  readonly kind = 'virt';
  readonly architecture = 'arm';
  /** No screen or keyboard: the PL011 is the console, keys are typed into it (Machine.console). */
  readonly console = 'serial';
  readonly display = null;
  readonly memory = new PhysicalMemory('little');
  readonly clock = new MachineClock();
  readonly ram: Uint8Array;
  readonly cpu: ArmCpu;
  readonly flash: [PflashCfi01, PflashCfi01];
  readonly gic: GicV2;
  /** The core's generic timer, its physical and virtual timers wired to PPIs 14 and 11. */
  readonly genericTimer: GenericTimer;
  readonly uart: Pl011;
  readonly rtc: Pl031;
  readonly fwCfg: FwCfg;
  readonly transports: VirtioMmio[] = [];
  /** The PCIe host bridge (ECAM at 0x3f000000). */
  readonly pcie: PciHostGpex;
  readonly serialPorts: SerialPort[];
  /** The tree placed at the start of RAM at every reset. */
  readonly deviceTree: Uint8Array;
  /** Resets requested by the guest (PSCI SYSTEM_RESET), for reports. */
  resets = 0;
  /** Why the machine stopped ('power off' after PSCI SYSTEM_OFF), or null while it runs. */
  stopped: string | null = null;
  private readonly irqOutput: IrqLine;
  private readonly fiqOutput: IrqLine;
  private readonly biosImage: Uint8Array;
  private readonly devices: Device[] = [];
  private readonly log: (line: string) => void;
  private readonly onReset: (reason: string) => void;
  private resetRequested = false;
  private readonly slicer: Slicer;
  /** Instruction counts of the guest's last read of UARTFR/UARTDR and its last write of UARTDR (readyForKey). */
  private lastUartPoll = Number.NEGATIVE_INFINITY;
  private lastUartTransmit = Number.NEGATIVE_INFINITY;

  constructor(config: VirtArmConfig) {
    validateVirtArmConfig(config);
    this.log = config.log ?? (() => undefined);
    this.onReset = config.onReset ?? (() => undefined);
    this.ram = new Uint8Array(config.memoryBytes);
    this.biosImage = config.bios.slice();
    const memory = this.memory;
    this.cpu = new ArmCpu(memory, { log: this.log });
    this.slicer = new Slicer(this.clock, this.cpu, VIRT_NS_PER_INSTRUCTION, {
      wakeable: () => this.interruptPending(),
      beforeSlice: () => {
        if (this.resetRequested) this.warmReset();
      },
      stopped: () => this.stopped !== null,
    });
    const cpu = this.cpu;

    // Flash: read as ROM while in read-array mode, through the bank's handler otherwise.
    this.flash = [new PflashCfi01({ name: 'flash0' }), new PflashCfi01({ name: 'flash1' })];
    this.flash.forEach((bank, index) => {
      const region: Region = memory.addRomDevice(bank.name, VIRT_FLASH_BASE + index * VIRT_FLASH_SIZE, bank.bytes, this.withClock(bank));
      bank.onModeChange = (arrayMode) => {
        memory.setRomMode(region, arrayMode);
        cpu.flushTlb();
      };
      // A program or erase changes bytes the core may have decoded (it sees no write through memory).
      bank.onContentsChange = () => cpu.flushCaches();
      this.devices.push(bank);
    });
    memory.addRam('ram', VIRT_RAM, this.ram);

    this.irqOutput = new IrqLine(cpu.interruptInputs, ARM_IRQ_INPUT);
    this.fiqOutput = new IrqLine(cpu.interruptInputs, ARM_FIQ_INPUT);
    this.gic = new GicV2({ irq: this.irqOutput, fiq: this.fiqOutput });
    memory.addMmio('gic distributor', VIRT_GIC_DISTRIBUTOR, 0x10000, this.withClock(this.gic.distributor));
    memory.addMmio('gic cpu interface', VIRT_GIC_CPU_INTERFACE, 0x10000, this.withClock(this.gic.cpuInterface));
    const spi = (n: number): IrqLine => new IrqLine(this.gic, 32 + n);
    this.genericTimer = new GenericTimer({
      clock: this.clock,
      now: () => {
        this.catchUpClock();
        return this.clock.now;
      },
      physical: new IrqLine(this.gic, ppiId(VIRT_TIMER_PPI.physical)),
      virtual: new IrqLine(this.gic, ppiId(VIRT_TIMER_PPI.virtual)),
    });
    cpu.cp15.timer = this.genericTimer;
    // CBAR: the private peripheral base QEMU's virt gives the core (its GIC's distributor).
    cpu.cp15.cbar = VIRT_GIC_DISTRIBUTOR;

    this.uart = new Pl011(spi(VIRT_SPI.uart), this.clock, { name: 'pl011', backend: config.serial ?? { transmit: () => undefined } });
    const uart = this.uart;
    memory.addMmio('pl011', VIRT_UART, 0x1000, {
      read: (offset, size) => {
        this.catchUpClock();
        const register = offset & 0xffc;
        if (register === PL011_FR || register === PL011_DR) this.lastUartPoll = cpu.instructions;
        return uart.read(offset, size);
      },
      write: (offset, size, value) => {
        this.catchUpClock();
        if ((offset & 0xffc) === PL011_DR) this.lastUartTransmit = cpu.instructions;
        uart.write(offset, size, value);
      },
    });
    this.serialPorts = [{ name: 'pl011', receive: (bytes: Uint8Array) => uart.receive(bytes) }];

    const baseSeconds = Math.floor((config.baseTime?.getTime() ?? Date.now()) / 1000);
    this.rtc = new Pl031(spi(VIRT_SPI.rtc), this.clock, { baseSeconds });
    memory.addMmio('pl031', VIRT_RTC, 0x1000, this.withClock(this.rtc));

    this.fwCfg = new FwCfg();
    this.fwCfg.enableDma(memory);
    memory.addMmio('fw_cfg', VIRT_FW_CFG, FW_CFG_MMIO_SIZE, this.withClock(this.fwCfg.mmioHandler()), 'big');
    this.configureFwCfg();

    // QEMU creates the transports from the top down and plugs the first device into the first
    // free one it finds, which is the last transport (virt.c create_virtio_devices).
    const disks = config.disks ?? [];
    for (let n = 0; n < VIRT_MMIO_COUNT; n++) {
      const disk = disks[VIRT_MMIO_COUNT - 1 - n] ?? null;
      const device = disk === null ? null : new VirtioBlk(disk);
      const transport = new VirtioMmio(memory, spi(VIRT_SPI.mmio + n), device, {
        name: `virtio-mmio@${(VIRT_MMIO + n * VIRT_MMIO_SIZE).toString(16)}`,
        onError: (message) => this.log(`virt: ${message}`),
      });
      memory.addMmio(transport.name, VIRT_MMIO + n * VIRT_MMIO_SIZE, VIRT_MMIO_SIZE, this.withClock(transport));
      this.transports.push(transport);
    }

    // PCIe: the host bridge's configuration space through ECAM; no device behind it yet, and
    // nothing answers in its I/O and memory windows.
    this.pcie = new PciHostGpex({ name: 'pcie-ecam', buses: VIRT_PCIE_ECAM_BUSES });
    memory.addMmio(this.pcie.name, VIRT_PCIE_ECAM, this.pcie.size, this.withClock(this.pcie));

    this.flash[0].load(this.biosImage);
    cpu.callHook = (kind) => this.hypervisorCall(kind);
    this.deviceTree = buildVirtDeviceTree(config.memoryBytes, config.seedBytes ?? defaultSeedBytes());
    this.devices.push(this.gic, this.uart, this.rtc, this.fwCfg, ...this.transports, this.pcie);
    this.powerOn();
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

  /** Power-cycles the machine: RAM cleared, flash as at start (bank 0 the firmware, bank 1 erased), every device in its power-on state. */
  reset(): void {
    this.ram.fill(0);
    this.stopped = null;
    this.flash[0].bytes.fill(0xff);
    this.flash[0].load(this.biosImage);
    this.flash[1].bytes.fill(0xff);
    this.powerOn();
  }

  run(budgetNs: number): RunResult {
    return this.slicer.run(budgetNs);
  }

  endSlice(): void {
    this.slicer.endSlice();
  }

  /** The virt machine has no keyboard: the runners type keys into the serial port instead (console 'serial'). */
  keyEvent(_code: string, _down: boolean): void {
    // No keyboard.
  }

  /**
   * The guest waits for serial input and has taken every byte given so far: the PL011's receive
   * FIFO and the host's queue are empty, and the guest either sleeps in WFI with the receive
   * interrupts unmasked (an interrupt-driven driver such as Linux's) or keeps polling UARTFR/UARTDR
   * without sending (a polling console such as U-Boot's prompt: it reads UARTFR in a loop; while it
   * prints it writes UARTDR too, and then a key would be echoed into the middle of its output).
   */
  readyForKey(): boolean {
    const uart = this.uart;
    if (uart.receiveBacklog !== 0 || (uart.read(PL011_FR, 4) & FR_RXFE) === 0) return false;
    const now = this.cpu.instructions;
    if (this.cpu.halted) return (uart.imsc & (INT_RX | INT_RT)) !== 0;
    return now - this.lastUartPoll <= POLL_WINDOW_INSTRUCTIONS && now - this.lastUartTransmit > POLL_WINDOW_INSTRUCTIONS;
  }

  /** PSCI (DEN0022D) for function IDs in r0, results in r0, as QEMU's target/arm/psci.c for one CPU. */
  private hypervisorCall(kind: 'hvc' | 'smc'): boolean {
    // The tree says method "hvc"; like QEMU with that conduit, an SMC is UNDEFINED (no EL3).
    if (kind !== 'hvc') return false;
    const r = this.cpu.state.r;
    const functionId = r[0] >>> 0;
    switch (functionId) {
      case PSCI_VERSION:
        r[0] = PSCI_VERSION_VALUE;
        return true;
      case PSCI_SYSTEM_OFF:
        this.stopped = 'power off';
        this.log('virt: the guest powered the machine off (PSCI SYSTEM_OFF)');
        this.cpu.stop();
        return true;
      case PSCI_SYSTEM_RESET:
        this.requestReset('PSCI SYSTEM_RESET');
        return true;
      default:
        r[0] = PSCI_NOT_SUPPORTED;
        return true;
    }
  }

  private interruptPending(): boolean {
    return this.irqOutput.high || this.fiqOutput.high;
  }

  /** A device's registers, with guest time brought up to the accessing instruction first. */
  private withClock(handler: MmioHandler): MmioHandler {
    return {
      read: (offset, size) => {
        this.catchUpClock();
        return handler.read(offset, size);
      },
      write: (offset, size, value) => {
        this.catchUpClock();
        handler.write(offset, size, value);
      },
    };
  }

  /** Brings guest time up to the instruction now executing (called before each device access). */
  private catchUpClock(): void {
    this.slicer.catchUp();
  }

  private requestReset(reason: string): void {
    this.resets++;
    this.log(`virt: reset requested by ${reason}`);
    this.onReset(reason);
    this.resetRequested = true;
    this.cpu.stop();
  }

  /** The reset line: CPU and devices reset, RAM and flash kept, the tree copied to RAM again (QEMU's rom_reset). */
  private warmReset(): void {
    this.resetRequested = false;
    this.powerOn();
  }

  private powerOn(): void {
    for (const device of this.devices) device.reset();
    this.genericTimer.reset();
    this.memory.writeBytes(VIRT_RAM, this.deviceTree);
    this.cpu.reset(false);
    this.cpu.flushCaches();
    this.lastUartPoll = Number.NEGATIVE_INFINITY;
    this.lastUartTransmit = Number.NEGATIVE_INFINITY;
    this.resetRequested = false;
  }

  /** The items and files QEMU 7.2's virt offers (fw_cfg_common_realize, virt.c create_fw_cfg, fw_cfg_machine_ready). */
  private configureFwCfg(): void {
    const fw = this.fwCfg;
    fw.setItem(FW_CFG_UUID, new Uint8Array(16));
    // No screen: what QEMU says under -nographic.
    fw.setInt(FW_CFG_NOGRAPHIC, 2, 1);
    fw.setInt(FW_CFG_BOOT_MENU, 2, 0);
    fw.setInt(FW_CFG_NB_CPUS, 2, 1);
    // No boot retry (QEMU's -boot reboot-timeout default, -1).
    fw.addFile('etc/boot-fail-wait', littleEndian(4, 0xffffffff));
    // No device has a bootindex: both lists are empty, as QEMU gives them.
    fw.addFile('bootorder', new Uint8Array(0));
    fw.addFile('bios-geometry', new Uint8Array(0));
  }
}

/**
 * QEMU 7.2's virt tree for one Cortex-A15 and `memoryBytes` of RAM, node by node and property by
 * property in the order of its blob (libfdt puts each new node and property first, so the blob
 * lists them in the reverse of the order virt.c creates them). Phandles are given in QEMU's order:
 * the clock, the CPU, the GIC, the GICv2m frame, the PL061. The PCIe host bridge is left out (not
 * modelled).
 */
export function buildVirtDeviceTree(memoryBytes: number, seedBytes: Uint8Array): Uint8Array {
  const tree = new DeviceTree();
  const root = tree.root;
  const cells64 = (address: number, size: number): number[] => [0, address, 0, size];

  const psci = root.addNode('psci');
  const memoryNode = root.addNode(`memory@${VIRT_RAM.toString(16)}`);
  const platformBus = root.addNode(`platform-bus@${VIRT_PLATFORM_BUS.toString(16)}`);
  const fwCfg = root.addNode(`fw-cfg@${VIRT_FW_CFG.toString(16)}`);
  const transports: FdtNode[] = [];
  for (let n = 0; n < VIRT_MMIO_COUNT; n++) transports.push(root.addNode(`virtio_mmio@${(VIRT_MMIO + n * VIRT_MMIO_SIZE).toString(16)}`));
  const gpioKeys = root.addNode('gpio-keys');
  const gpio = root.addNode(`pl061@${VIRT_GPIO.toString(16)}`);
  const pcie = root.addNode(`pcie@${VIRT_PCIE_MMIO.toString(16)}`);
  const rtc = root.addNode(`pl031@${VIRT_RTC.toString(16)}`);
  const uart = root.addNode(`pl011@${VIRT_UART.toString(16)}`);
  root.addNode('pmu');
  const gic = root.addNode(`intc@${VIRT_GIC_DISTRIBUTOR.toString(16)}`);
  const v2m = gic.addNode(`v2m@${VIRT_GIC_V2M.toString(16)}`);
  const flash = root.addNode('flash@0');
  const cpus = root.addNode('cpus');
  const cpuMap = cpus.addNode('cpu-map');
  const cpu = cpus.addNode('cpu@0');
  const timer = root.addNode('timer');
  const clock = root.addNode('apb-pclk');
  const chosen = root.addNode('chosen');

  // Phandles in QEMU's order; each becomes its node's first property, as in QEMU's blob.
  const clockPhandle = tree.phandleOf(clock);
  const cpuPhandle = tree.phandleOf(cpu);
  const gicPhandle = tree.phandleOf(gic);
  const v2mPhandle = tree.phandleOf(v2m);
  const gpioPhandle = tree.phandleOf(gpio);

  root.setU32('interrupt-parent', gicPhandle).setString('model', 'linux,dummy-virt').setU32('#size-cells', 2).setU32('#address-cells', 2).setString('compatible', 'linux,dummy-virt');

  psci
    .setU32('migrate', PSCI_MIGRATE)
    .setU32('cpu_on', PSCI_CPU_ON)
    .setU32('cpu_off', PSCI_CPU_OFF)
    .setU32('cpu_suspend', PSCI_CPU_SUSPEND)
    .setString('method', 'hvc')
    .setStrings('compatible', ['arm,psci-1.0', 'arm,psci-0.2', 'arm,psci']);
  memoryNode.setCells('reg', cells64(VIRT_RAM, memoryBytes)).setString('device_type', 'memory');
  platformBus
    .setU32('interrupt-parent', gicPhandle)
    .setCells('ranges', [0, 0, VIRT_PLATFORM_BUS, 0x2000000])
    .setU32('#address-cells', 1)
    .setU32('#size-cells', 1)
    .setStrings('compatible', ['qemu,platform', 'simple-bus']);
  fwCfg.setEmpty('dma-coherent').setCells('reg', cells64(VIRT_FW_CFG, FW_CFG_MMIO_SIZE)).setString('compatible', 'qemu,fw-cfg-mmio');
  transports.forEach((node, n) => {
    node
      .setEmpty('dma-coherent')
      .setCells('interrupts', [0, VIRT_SPI.mmio + n, 1])
      .setCells('reg', cells64(VIRT_MMIO + n * VIRT_MMIO_SIZE, VIRT_MMIO_SIZE))
      .setString('compatible', 'virtio,mmio');
  });
  gpioKeys.setString('compatible', 'gpio-keys');
  gpioKeys
    .addNode('poweroff')
    .setCells('gpios', [gpioPhandle, 3, 0])
    .setU32('linux,code', 0x74)
    .setString('label', 'GPIO Key Poweroff');
  gpio
    .setString('clock-names', 'apb_pclk')
    .setU32('clocks', clockPhandle)
    .setCells('interrupts', [0, VIRT_SPI.gpio, 4])
    .setEmpty('gpio-controller')
    .setU32('#gpio-cells', 2)
    .setStrings('compatible', ['arm,pl061', 'arm,primecell'])
    .setCells('reg', cells64(VIRT_GPIO, 0x1000));
  // PCI interrupts: device slots 0-3 × INTA-INTD swizzled onto SPIs 3-6 (level high), as QEMU's create_pcie_irq_map.
  const interruptMap: number[] = [];
  for (let slot = 0; slot < 4; slot++) {
    for (let pin = 0; pin < 4; pin++) interruptMap.push(slot << 11, 0, 0, pin + 1, gicPhandle, 0, 0, 0, VIRT_SPI.pcie + ((pin + slot) % 4), 4);
  }
  pcie
    .setCells('interrupt-map-mask', [0x1800, 0, 0, 7])
    .setCells('interrupt-map', interruptMap)
    .setU32('#interrupt-cells', 1)
    .setCells('ranges', [
      0x01000000, 0, 0, 0, VIRT_PCIE_PIO, 0, VIRT_PCIE_PIO_SIZE,
      0x02000000, 0, VIRT_PCIE_MMIO, 0, VIRT_PCIE_MMIO, 0, VIRT_PCIE_MMIO_SIZE,
      0x03000000, VIRT_PCIE_HIGH_MMIO / 2 ** 32, 0, VIRT_PCIE_HIGH_MMIO / 2 ** 32, 0, VIRT_PCIE_HIGH_MMIO / 2 ** 32, 0,
    ])
    .setCells('reg', cells64(VIRT_PCIE_ECAM, VIRT_PCIE_ECAM_BUSES << 20))
    .setCells('msi-map', [0, v2mPhandle, 0, 0x10000])
    .setEmpty('dma-coherent')
    .setCells('bus-range', [0, VIRT_PCIE_ECAM_BUSES - 1])
    .setU32('linux,pci-domain', 0)
    .setU32('#size-cells', 2)
    .setU32('#address-cells', 3)
    .setString('device_type', 'pci')
    .setString('compatible', 'pci-host-ecam-generic');
  rtc
    .setString('clock-names', 'apb_pclk')
    .setU32('clocks', clockPhandle)
    .setCells('interrupts', [0, VIRT_SPI.rtc, 4])
    .setCells('reg', cells64(VIRT_RTC, 0x1000))
    .setStrings('compatible', ['arm,pl031', 'arm,primecell']);
  uart
    .setStrings('clock-names', ['uartclk', 'apb_pclk'])
    .setCells('clocks', [clockPhandle, clockPhandle])
    .setCells('interrupts', [0, VIRT_SPI.uart, 4])
    .setCells('reg', cells64(VIRT_UART, 0x1000))
    .setStrings('compatible', ['arm,pl011', 'arm,primecell']);
  gic
    .setCells('reg', [...cells64(VIRT_GIC_DISTRIBUTOR, 0x10000), ...cells64(VIRT_GIC_CPU_INTERFACE, 0x10000)])
    .setString('compatible', 'arm,cortex-a15-gic')
    .setEmpty('ranges')
    .setU32('#size-cells', 2)
    .setU32('#address-cells', 2)
    .setEmpty('interrupt-controller')
    .setU32('#interrupt-cells', 3);
  v2m.setCells('reg', cells64(VIRT_GIC_V2M, 0x1000)).setEmpty('msi-controller').setString('compatible', 'arm,gic-v2m-frame');
  flash
    .setU32('bank-width', 4)
    .setCells('reg', [...cells64(VIRT_FLASH_BASE, VIRT_FLASH_SIZE), ...cells64(VIRT_FLASH_BASE + VIRT_FLASH_SIZE, VIRT_FLASH_SIZE)])
    .setString('compatible', 'cfi-flash');
  cpus.setU32('#size-cells', 0).setU32('#address-cells', 1);
  cpuMap.addNode('socket0').addNode('cluster0').addNode('core0').setU32('cpu', cpuPhandle);
  cpu.setU32('reg', 0).setString('compatible', 'arm,cortex-a15').setString('device_type', 'cpu');
  // The generic timer's PPIs (secure physical 13, physical 14, virtual 11, hypervisor 10), level
  // high, to CPU 0 (GIC_FDT_IRQ_PPI_CPU_MASK for one CPU: 0x100 | 4).
  timer.setCells('interrupts', [1, 13, 0x104, 1, 14, 0x104, 1, 11, 0x104, 1, 10, 0x104]).setEmpty('always-on').setString('compatible', 'arm,armv7-timer');
  clock.setString('clock-output-names', 'clk24mhz').setU32('clock-frequency', 24_000_000).setU32('#clock-cells', 0).setString('compatible', 'fixed-clock');
  chosen
    .setString('stdout-path', `/pl011@${VIRT_UART.toString(16)}`)
    .setBytes('rng-seed', seedBytes.subarray(0, 32))
    .setBytes('kaslr-seed', seedBytes.subarray(32, 40));
  // Laid out as QEMU's libfdt blob: reservations at 0x30, the whole blob 1 MiB (create_device_tree's
  // size, which QEMU does not pack), so firmware sees the same header (U-Boot's bdinfo, md).
  return tree.toBytes({ reservationAlignment: 16, totalSize: VIRT_FDT_SIZE });
}

/** 40 fixed pseudo-random bytes (xorshift32 from a constant): the default rng-seed and kaslr-seed. */
function defaultSeedBytes(): Uint8Array {
  const bytes = new Uint8Array(40);
  let state = 0x2545f491;
  for (let i = 0; i < bytes.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}
