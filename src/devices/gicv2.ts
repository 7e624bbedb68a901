// The ARM Generic Interrupt Controller, architecture version 2 (ARM IHI 0048B, "ARM Generic
// Interrupt Controller Architecture Specification, version 2.0"): the distributor and the CPU
// interface of one processor, as QEMU's single-core `virt` board has them (288 interrupt IDs:
// 16 SGIs, 16 PPIs, 256 SPIs).
//
// Interrupt IDs (spec 2.2.1): 0–15 SGIs (software generated, always edge, always enabled here),
// 16–31 PPIs (the generic timer's four: virt wires the secure physical timer to PPI 13 = ID 29,
// the non-secure physical timer to PPI 14 = ID 30, the virtual timer to PPI 11 = ID 27 and the
// hypervisor timer to PPI 10 = ID 26), 32 upwards SPIs (virt's SPI n is ID 32 + n). The machine
// drives inputs through setIrq(id, level) (an IrqSink whose line numbers are interrupt IDs).
//
// Security extensions: QEMU's virt builds its GIC with `has-security-extensions` only when the
// machine has EL3 (`-M virt,secure=on`). Without it — the default, and what we model — the GIC
// implements no Security Extensions (GICD_TYPER.SecurityExtn = 0), so the guest sees the one
// (secure-like) banked view: GICD_CTLR has EnableGrp0 and EnableGrp1, GICD_IGROUPR is writable,
// GICC_CTLR has the group 0/1 enables, AckCtl, FIQEn and CBPR, and the aliased group 1 registers
// GICC_ABPR/AIAR/AEOIR/AHPPIR work (spec 4.4: in a GIC without Security Extensions interrupt
// grouping is still supported, 1.3.x). Group 0 interrupts are signalled as FIQ when GICC_CTLR.FIQEn
// is set, otherwise as IRQ; group 1 always as IRQ.
//
// Choices the specification leaves open, made as QEMU makes them: 8 priority bits (all 256
// levels; the minimum binary point is 0, for ABPR 1); SGIs permanently enabled (ISENABLER0[15:0]
// read as one, writes ignored); GICD_ITARGETSR RAZ/WI, as the spec requires for a uniprocessor
// GIC (4.3.12); PPIs' trigger mode programmable; the GICC_APRn registers read as zero.

import { stateNumber, type Device, type DeviceState } from '../hw/device.js';
import type { IrqLine, IrqSink } from '../hw/irq.js';
import type { MmioHandler } from '../hw/memory.js';

/** QEMU virt's GIC: NUM_IRQS (256) SPIs plus the 32 internal interrupts. */
export const GIC_VIRT_IRQ_COUNT = 288;
export const GIC_SPURIOUS = 1023;
/** What GICC_IAR returns when the highest pending interrupt is group 1 and GICC_CTLR.AckCtl is 0. */
export const GIC_GROUP1_PENDING = 1022;

/** The interrupt ID of SPI `n` and PPI `n`. */
export const spiId = (n: number): number => 32 + n;
export const ppiId = (n: number): number => 16 + n;

/**
 * The cells of an `interrupts` property under this GIC in a device tree (binding arm,gic: three
 * cells): the kind (0 SPI, 1 PPI), the SPI or PPI number, and the trigger flags (1 edge rising,
 * 4 level high; for a PPI, bits 8–15 say which CPUs it reaches: 0x100 for the one CPU of virt).
 */
export const GIC_FDT_SPI = 0;
export const GIC_FDT_PPI = 1;
export const GIC_FDT_EDGE_RISING = 1;
export const GIC_FDT_LEVEL_HIGH = 4;
export const GIC_FDT_PPI_CPU0 = 0x100;

/** The generic timer's PPIs on virt (hw/arm/virt.c, fdt_add_timer_nodes): secure physical, non-secure physical, virtual, hypervisor. */
export const VIRT_TIMER_PPI = { securePhysical: 13, physical: 14, virtual: 11, hypervisor: 10 } as const;

export const GICD_CTLR = 0x000;
export const GICD_TYPER = 0x004;
export const GICD_IIDR = 0x008;
export const GICD_IGROUPR = 0x080;
export const GICD_ISENABLER = 0x100;
export const GICD_ICENABLER = 0x180;
export const GICD_ISPENDR = 0x200;
export const GICD_ICPENDR = 0x280;
export const GICD_ISACTIVER = 0x300;
export const GICD_ICACTIVER = 0x380;
export const GICD_IPRIORITYR = 0x400;
export const GICD_ITARGETSR = 0x800;
export const GICD_ICFGR = 0xc00;
export const GICD_SGIR = 0xf00;
export const GICD_CPENDSGIR = 0xf10;
export const GICD_SPENDSGIR = 0xf20;

export const GICC_CTLR = 0x00;
export const GICC_PMR = 0x04;
export const GICC_BPR = 0x08;
export const GICC_IAR = 0x0c;
export const GICC_EOIR = 0x10;
export const GICC_RPR = 0x14;
export const GICC_HPPIR = 0x18;
export const GICC_ABPR = 0x1c;
export const GICC_AIAR = 0x20;
export const GICC_AEOIR = 0x24;
export const GICC_AHPPIR = 0x28;
export const GICC_IIDR = 0xfc;
export const GICC_DIR = 0x1000;

export const GICD_CTLR_ENABLE_GRP0 = 0x1;
export const GICD_CTLR_ENABLE_GRP1 = 0x2;
export const GICC_CTLR_ENABLE_GRP0 = 0x001;
export const GICC_CTLR_ENABLE_GRP1 = 0x002;
export const GICC_CTLR_ACK_CTL = 0x004;
export const GICC_CTLR_FIQ_EN = 0x008;
export const GICC_CTLR_CBPR = 0x010;
export const GICC_CTLR_EOIMODE_S = 0x200;
export const GICC_CTLR_EOIMODE_NS = 0x400;

/** GICD_PIDR4–7, PIDR0–3, CIDR0–3 at 0xFD0–0xFFC: a GICv2 (ARM, part 0x0B4 as QEMU reports it). */
export const GICD_ID = [0x04, 0x00, 0x00, 0x00, 0x90, 0xb4, 0x2b, 0x00, 0x0d, 0xf0, 0x05, 0xb1] as const;
/** GICD_IIDR: implementer ARM (JEP106 0x43B). */
export const GICD_IIDR_VALUE = 0x0000043b;
/** GICC_IIDR: architecture version 2, implementer ARM. */
export const GICC_IIDR_VALUE = 0x0002043b;

/** The processor's two interrupt inputs. */
export interface GicCpuOutputs {
  irq: IrqLine;
  fiq: IrqLine;
}

const IDLE_PRIORITY = 0x100;

export class GicV2 implements Device, IrqSink {
  readonly name: string;
  readonly irqCount: number;
  /** The distributor's registers (virt: 0x08000000, 64 KiB). */
  readonly distributor: MmioHandler;
  /** The CPU interface's registers (virt: 0x08010000, 64 KiB; GICC_DIR at +0x1000). */
  readonly cpuInterface: MmioHandler;

  distributorControl = 0;
  cpuControl = 0;
  priorityMask = 0;
  binaryPoint = 0;
  aliasedBinaryPoint = 1;

  private readonly enabled: Uint8Array;
  /** Pending state set by an edge, a write to ISPENDR/SPENDSGIR or SGIR, until acknowledged or cleared. */
  private readonly latched: Uint8Array;
  private readonly active: Uint8Array;
  /** The input line's level (level-sensitive interrupts are pending while it is high). */
  private readonly level: Uint8Array;
  private readonly group: Uint8Array;
  private readonly priority: Uint8Array;
  private readonly edge: Uint8Array;
  /** Acknowledged interrupts whose priority has not been dropped yet (EOIR), oldest first. */
  private acknowledged: number[] = [];

  constructor(
    private readonly outputs: GicCpuOutputs,
    options: { name?: string; irqCount?: number } = {},
  ) {
    this.name = options.name ?? 'gic';
    const count = options.irqCount ?? GIC_VIRT_IRQ_COUNT;
    if (!Number.isInteger(count) || count < 32 || count > 1020 || count % 32 !== 0) {
      throw new RangeError(`${this.name}: ${count} interrupts is not a multiple of 32 between 32 and 1020`);
    }
    this.irqCount = count;
    this.enabled = new Uint8Array(count);
    this.latched = new Uint8Array(count);
    this.active = new Uint8Array(count);
    this.level = new Uint8Array(count);
    this.group = new Uint8Array(count);
    this.priority = new Uint8Array(count);
    this.edge = new Uint8Array(count);
    this.distributor = {
      read: (offset, size) => this.readDistributor(offset, size),
      write: (offset, size, value) => this.writeDistributor(offset, size, value),
    };
    this.cpuInterface = {
      read: (offset, size) => this.readCpu(offset, size),
      write: (offset, size, value) => this.writeCpu(offset, size, value),
    };
    this.reset();
  }

  reset(): void {
    this.distributorControl = 0;
    this.cpuControl = 0;
    this.priorityMask = 0;
    this.binaryPoint = 0;
    this.aliasedBinaryPoint = 1;
    this.enabled.fill(0);
    this.latched.fill(0);
    this.active.fill(0);
    this.group.fill(0);
    this.priority.fill(0);
    this.edge.fill(0);
    for (let id = 0; id < 16; id++) {
      this.enabled[id] = 1;
      this.edge[id] = 1;
    }
    // The input levels belong to the devices driving them and survive a reset of the GIC.
    this.acknowledged = [];
    this.update();
  }

  /** An input changed level (`line` is the interrupt ID: SPIs from 32, PPIs 16–31). */
  setIrq(line: number, level: boolean): void {
    if (line < 16 || line >= this.irqCount) return;
    const was = this.level[line];
    const now = level ? 1 : 0;
    if (was === now) return;
    this.level[line] = now;
    if (now && this.edge[line]) this.latched[line] = 1;
    this.update();
  }

  /** Whether interrupt `id` is pending (latched, or a level-sensitive input held high). */
  isPending(id: number): boolean {
    return this.latched[id] === 1 || (this.edge[id] === 0 && this.level[id] === 1);
  }

  isActive(id: number): boolean {
    return this.active[id] === 1;
  }

  // ---- prioritisation (spec 3.3) ----

  /** The highest-priority pending, enabled, inactive interrupt of an enabled group; -1 for none. */
  private highestPending(): number {
    let best = -1;
    let bestPriority = IDLE_PRIORITY;
    for (let id = 0; id < this.irqCount; id++) {
      if (!this.enabled[id] || this.active[id] || !this.isPending(id)) continue;
      const groupEnable = this.group[id] ? GICD_CTLR_ENABLE_GRP1 : GICD_CTLR_ENABLE_GRP0;
      if (!(this.distributorControl & groupEnable)) continue;
      if (this.priority[id] < bestPriority) {
        best = id;
        bestPriority = this.priority[id];
      }
    }
    return best;
  }

  /** The group priority bits of `priority` for an interrupt of `group` (spec 3.3.3, binary point). */
  private groupPriority(priority: number, group: number): number {
    const usesAliased = group === 1 && !(this.cpuControl & GICC_CTLR_CBPR);
    const mask = usesAliased ? (0xff << this.aliasedBinaryPoint) & 0xff : (0xff << (this.binaryPoint + 1)) & 0xff;
    return priority & mask;
  }

  /** GICC_RPR: the priority of the highest-priority active interrupt not yet priority-dropped, 0xFF when idle. */
  runningPriority(): number {
    let running = IDLE_PRIORITY;
    for (const id of this.acknowledged) running = Math.min(running, this.priority[id]);
    return running;
  }

  /** The interrupt the CPU interface signals now (priority above the mask and able to pre-empt), or -1. */
  private signalled(): number {
    const id = this.highestPending();
    if (id < 0) return -1;
    const priority = this.priority[id];
    if (priority >= this.priorityMask) return -1;
    let running = IDLE_PRIORITY;
    for (const activeId of this.acknowledged) running = Math.min(running, this.groupPriority(this.priority[activeId], this.group[activeId]));
    if (this.groupPriority(priority, this.group[id]) >= running) return -1;
    const cpuEnable = this.group[id] ? GICC_CTLR_ENABLE_GRP1 : GICC_CTLR_ENABLE_GRP0;
    if (!(this.cpuControl & cpuEnable)) return -1;
    return id;
  }

  private update(): void {
    const id = this.signalled();
    const asFiq = id >= 0 && this.group[id] === 0 && (this.cpuControl & GICC_CTLR_FIQ_EN) !== 0;
    this.outputs.fiq.set(asFiq);
    this.outputs.irq.set(id >= 0 && !asFiq);
  }

  /** GICC_IAR (aliased: GICC_AIAR): acknowledges the signalled interrupt of the group the register serves. */
  private acknowledge(aliased: boolean): number {
    const id = this.signalled();
    if (id < 0) return GIC_SPURIOUS;
    if (aliased) {
      if (this.group[id] === 0) return GIC_SPURIOUS;
    } else if (this.group[id] === 1 && !(this.cpuControl & GICC_CTLR_ACK_CTL)) {
      return GIC_GROUP1_PENDING;
    }
    // Level-sensitive interrupts stay pending while the line is high ("active and pending").
    this.latched[id] = 0;
    this.active[id] = 1;
    this.acknowledged.push(id);
    this.update();
    // Bits 12:10 give an SGI's source CPU: always CPU 0 here.
    return id;
  }

  /** GICC_EOIR/AEOIR: priority drop, and deactivation unless the EOImode bit splits it off to GICC_DIR. */
  private endOfInterrupt(value: number, aliased: boolean): void {
    const id = value & 0x3ff;
    if (id >= this.irqCount) return;
    const at = this.acknowledged.lastIndexOf(id);
    if (at < 0) return; // not acknowledged: UNPREDICTABLE (spec 4.4.5); ignored
    this.acknowledged.splice(at, 1);
    const eoiMode = aliased ? GICC_CTLR_EOIMODE_NS : GICC_CTLR_EOIMODE_S;
    if (!(this.cpuControl & eoiMode)) this.active[id] = 0;
    this.update();
  }

  private highestPendingId(aliased: boolean): number {
    const id = this.highestPending();
    if (id < 0) return GIC_SPURIOUS;
    if (aliased) return this.group[id] === 1 ? id : GIC_SPURIOUS;
    if (this.group[id] === 1 && !(this.cpuControl & GICC_CTLR_ACK_CTL)) return GIC_GROUP1_PENDING;
    return id;
  }

  // ---- distributor registers ----

  private readDistributor(offset: number, size: 1 | 2 | 4): number {
    const aligned = offset & ~3;
    const word = this.readDistributorWord(aligned);
    if (size === 4) return word >>> 0;
    return (word >>> ((offset & 3) * 8)) & (size === 1 ? 0xff : 0xffff);
  }

  /** The 32-bit register at `aligned`; byte registers (priorities, targets, SGI pending) are read per byte. */
  private readDistributorWord(aligned: number): number {
    if (aligned === GICD_CTLR) return this.distributorControl;
    if (aligned === GICD_TYPER) return this.irqCount / 32 - 1; // CPUNumber 0, SecurityExtn 0, LSPI 0
    if (aligned === GICD_IIDR) return GICD_IIDR_VALUE;
    if (aligned >= GICD_IGROUPR && aligned < GICD_ISENABLER) return this.bits(this.group, (aligned - GICD_IGROUPR) * 8);
    if (aligned >= GICD_ISENABLER && aligned < GICD_ISPENDR) return this.bits(this.enabled, (aligned & 0x7f) * 8);
    if (aligned >= GICD_ISPENDR && aligned < GICD_ISACTIVER) return this.pendingBits((aligned & 0x7f) * 8);
    if (aligned >= GICD_ISACTIVER && aligned < GICD_IPRIORITYR) return this.bits(this.active, (aligned & 0x7f) * 8);
    if (aligned >= GICD_IPRIORITYR && aligned < GICD_ITARGETSR) return this.bytes(this.priority, aligned - GICD_IPRIORITYR);
    if (aligned >= GICD_ITARGETSR && aligned < GICD_ICFGR) return 0;
    if (aligned >= GICD_ICFGR && aligned < GICD_ICFGR + 0x100) {
      const first = (aligned - GICD_ICFGR) * 4;
      let value = 0;
      for (let i = 0; i < 16 && first + i < this.irqCount; i++) if (this.edge[first + i]) value |= 2 << (2 * i);
      return value >>> 0;
    }
    if (aligned >= GICD_CPENDSGIR && aligned < GICD_SPENDSGIR + 0x10) {
      // One byte per SGI, one bit per source CPU: CPU 0 only.
      const first = (aligned & 0xf) >>> 0;
      let value = 0;
      for (let i = 0; i < 4; i++) if (this.latched[first + i]) value |= 1 << (8 * i);
      return value >>> 0;
    }
    if (aligned >= 0xfd0 && aligned < 0x1000) return GICD_ID[(aligned - 0xfd0) >>> 2];
    return 0;
  }

  private writeDistributor(offset: number, size: 1 | 2 | 4, value: number): void {
    const aligned = offset & ~3;
    const shift = (offset & 3) * 8;
    const mask = size === 4 ? 0xffffffff : (((size === 1 ? 0xff : 0xffff) << shift) >>> 0);
    const bitsValue = ((value << shift) & mask) >>> 0;
    if (aligned === GICD_CTLR) {
      this.distributorControl = bitsValue & (GICD_CTLR_ENABLE_GRP0 | GICD_CTLR_ENABLE_GRP1);
    } else if (aligned >= GICD_IGROUPR && aligned < GICD_ISENABLER) {
      this.setBits(this.group, (aligned - GICD_IGROUPR) * 8, bitsValue, mask, 0);
    } else if (aligned >= GICD_ISENABLER && aligned < GICD_ICENABLER) {
      this.setBits(this.enabled, (aligned - GICD_ISENABLER) * 8, bitsValue, bitsValue, 16);
    } else if (aligned >= GICD_ICENABLER && aligned < GICD_ISPENDR) {
      this.clearBits(this.enabled, (aligned - GICD_ICENABLER) * 8, bitsValue, 16);
    } else if (aligned >= GICD_ISPENDR && aligned < GICD_ICPENDR) {
      // SGIs are made pending through GICD_SGIR/SPENDSGIR, not here (spec 4.3.7).
      this.setBits(this.latched, (aligned - GICD_ISPENDR) * 8, bitsValue, bitsValue, 16);
    } else if (aligned >= GICD_ICPENDR && aligned < GICD_ISACTIVER) {
      this.clearBits(this.latched, (aligned - GICD_ICPENDR) * 8, bitsValue, 16);
    } else if (aligned >= GICD_ISACTIVER && aligned < GICD_ICACTIVER) {
      this.setBits(this.active, (aligned - GICD_ISACTIVER) * 8, bitsValue, bitsValue, 0);
    } else if (aligned >= GICD_ICACTIVER && aligned < GICD_IPRIORITYR) {
      this.clearBits(this.active, (aligned - GICD_ICACTIVER) * 8, bitsValue, 0);
    } else if (aligned >= GICD_IPRIORITYR && aligned < GICD_ITARGETSR) {
      for (let i = 0; i < size; i++) {
        const id = offset - GICD_IPRIORITYR + i;
        if (id < this.irqCount) this.priority[id] = (value >>> (8 * i)) & 0xff;
      }
    } else if (aligned >= GICD_ICFGR && aligned < GICD_ICFGR + 0x100) {
      const first = (aligned - GICD_ICFGR) * 4;
      for (let i = 0; i < 16; i++) {
        const id = first + i;
        // SGIs are always edge-triggered (ICFGR0 is read-only).
        if (id < 16 || id >= this.irqCount || !(mask & (2 << (2 * i)))) continue;
        this.edge[id] = bitsValue & (2 << (2 * i)) ? 1 : 0;
      }
    } else if (aligned === GICD_SGIR && size === 4) {
      this.generateSgi(value);
    } else if (aligned >= GICD_CPENDSGIR && aligned < GICD_CPENDSGIR + 0x10) {
      for (let i = 0; i < 4; i++) if (bitsValue & (1 << (8 * i))) this.latched[(aligned & 0xf) + i] = 0;
    } else if (aligned >= GICD_SPENDSGIR && aligned < GICD_SPENDSGIR + 0x10) {
      for (let i = 0; i < 4; i++) if (bitsValue & (1 << (8 * i))) this.latched[(aligned & 0xf) + i] = 1;
    }
    // TYPER, IIDR, ITARGETSR (RAZ/WI on a uniprocessor GIC) and the IDs are read-only.
    this.update();
  }

  /** GICD_SGIR (spec 4.3.15): TargetListFilter 0 = the CPUs in CPUTargetList, 1 = all but the writer, 2 = the writer. */
  private generateSgi(value: number): void {
    const id = value & 0xf;
    const filter = (value >>> 24) & 3;
    const targets = (value >>> 16) & 0xff;
    if ((filter === 0 && targets & 1) || filter === 2) this.latched[id] = 1;
  }

  private bits(array: Uint8Array, first: number): number {
    let value = 0;
    for (let i = 0; i < 32 && first + i < this.irqCount; i++) if (array[first + i]) value |= 1 << i;
    return value >>> 0;
  }

  private pendingBits(first: number): number {
    let value = 0;
    for (let i = 0; i < 32 && first + i < this.irqCount; i++) if (this.isPending(first + i)) value |= 1 << i;
    return value >>> 0;
  }

  private bytes(array: Uint8Array, first: number): number {
    let value = 0;
    for (let i = 0; i < 4; i++) if (first + i < this.irqCount) value |= array[first + i] << (8 * i);
    return value >>> 0;
  }

  /** Writes the bits of `value` selected by `mask` into the per-interrupt array from interrupt `first`, leaving IDs below `lowest` alone. */
  private setBits(array: Uint8Array, first: number, value: number, mask: number, lowest: number): void {
    for (let i = 0; i < 32; i++) {
      const id = first + i;
      if (id < lowest || id >= this.irqCount || !(mask & (1 << i))) continue;
      array[id] = value & (1 << i) ? 1 : 0;
    }
  }

  private clearBits(array: Uint8Array, first: number, value: number, lowest: number): void {
    for (let i = 0; i < 32; i++) {
      const id = first + i;
      if (id >= lowest && id < this.irqCount && value & (1 << i)) array[id] = 0;
    }
  }

  // ---- CPU interface registers ----

  private readCpu(offset: number, _size: 1 | 2 | 4): number {
    switch (offset & ~3) {
      case GICC_CTLR:
        return this.cpuControl;
      case GICC_PMR:
        return this.priorityMask;
      case GICC_BPR:
        return this.binaryPoint;
      case GICC_IAR:
        return this.acknowledge(false);
      case GICC_RPR: {
        const running = this.runningPriority();
        return running === IDLE_PRIORITY ? 0xff : running;
      }
      case GICC_HPPIR:
        return this.highestPendingId(false);
      case GICC_ABPR:
        return this.aliasedBinaryPoint;
      case GICC_AIAR:
        return this.acknowledge(true);
      case GICC_AHPPIR:
        return this.highestPendingId(true);
      case GICC_IIDR:
        return GICC_IIDR_VALUE;
      default:
        // EOIR, AEOIR and DIR are write-only; the active priority registers read as zero.
        return 0;
    }
  }

  private writeCpu(offset: number, _size: 1 | 2 | 4, value: number): void {
    switch (offset & ~3) {
      case GICC_CTLR:
        this.cpuControl = value & 0x7ff;
        break;
      case GICC_PMR:
        this.priorityMask = value & 0xff;
        break;
      case GICC_BPR:
        this.binaryPoint = value & 7;
        break;
      case GICC_EOIR:
        this.endOfInterrupt(value, false);
        return;
      case GICC_ABPR:
        this.aliasedBinaryPoint = Math.max(1, value & 7);
        break;
      case GICC_AEOIR:
        this.endOfInterrupt(value, true);
        return;
      case GICC_DIR: {
        const id = value & 0x3ff;
        if (id < this.irqCount) this.active[id] = 0;
        break;
      }
      default:
        break;
    }
    this.update();
  }

  saveState(): DeviceState {
    const pack = (array: Uint8Array): number[] => Array.from(array);
    return {
      distributorControl: this.distributorControl,
      cpuControl: this.cpuControl,
      priorityMask: this.priorityMask,
      binaryPoint: this.binaryPoint,
      aliasedBinaryPoint: this.aliasedBinaryPoint,
      enabled: pack(this.enabled),
      latched: pack(this.latched),
      active: pack(this.active),
      level: pack(this.level),
      group: pack(this.group),
      priority: pack(this.priority),
      edge: pack(this.edge),
      acknowledged: this.acknowledged.slice(),
    };
  }

  restoreState(state: DeviceState): void {
    const number = (field: string): number => stateNumber(state, this.name, field);
    const list = (field: string, length: number | null): number[] => {
      const value = state[field];
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'number') || (length !== null && value.length !== length)) {
        throw new Error(`saved state of ${this.name}: field ${field} is not a list of ${length ?? 'some'} numbers`);
      }
      return value as number[];
    };
    this.distributorControl = number('distributorControl') & 3;
    this.cpuControl = number('cpuControl') & 0x7ff;
    this.priorityMask = number('priorityMask') & 0xff;
    this.binaryPoint = number('binaryPoint') & 7;
    this.aliasedBinaryPoint = Math.max(1, number('aliasedBinaryPoint') & 7);
    this.enabled.set(list('enabled', this.irqCount));
    this.latched.set(list('latched', this.irqCount));
    this.active.set(list('active', this.irqCount));
    this.level.set(list('level', this.irqCount));
    this.group.set(list('group', this.irqCount));
    this.priority.set(list('priority', this.irqCount));
    this.edge.set(list('edge', this.irqCount));
    this.acknowledged = list('acknowledged', null).filter((id) => id >= 0 && id < this.irqCount);
    this.update();
  }
}
