// One IDE/ATA channel: the task-file registers at eight command-block ports, the alternate status /
// device control port, and up to two hard disks (device 0 "master", device 1 "slave") behind them,
// with PIO transfers of 512-byte sectors. A PC has two channels (PC_IDE_CHANNELS).
//
// Behaviour follows ATA/ATAPI-6 (T13 1410D), cited below by name rather than clause number: the
// Status register (BSY, DRDY, DF, DSC, DRQ, CORR, ERR), the Error register (ABRT, IDNF, UNC), the
// Device register (DEV selects the device, LBA the addressing), the Device Control register
// (nIEN, SRST, HOB), the 48-bit Address feature set (each register is a two-byte FIFO, HOB reads
// the previous byte, any register write clears HOB), the PIO data-in and data-out protocols (an
// interrupt when each block is ready to be read, and after each block is written; none before the
// first block of a write), INTRQ (driven only by the selected device, released while nIEN is set,
// negated by reading Status or writing Command), the software reset protocol and IDENTIFY DEVICE.
// Where the standard leaves a choice, and for empty device positions, the model does what QEMU
// 7.2's hw/ide does, since SeaBIOS and Linux are known to work with that: an empty channel reads 0
// from every register, an absent device 1 reads status 0 and ignores commands, the default
// geometry is 16 heads × 63 sectors, error status is DRDY|ERR (41h).
//
// The disk's bytes are behind a BlockBackend whose requests may complete at once (a RamDisk) or
// later (a block server in another task). While a read, a write or a flush is with the backend the
// device shows BSY (ATA-6: BSY while the device owns the task file); when the backend is done the
// protocol goes on where it stood: the block into the buffer with DRQ and an interrupt, the next
// DRQ or the completion interrupt of a write, the interrupt of FLUSH CACHE. With a backend that
// completes at once nothing of this is visible. There is no seek or rotation time. No ATAPI, no DMA
// (IDENTIFY says so: words 49 bit 8, 62, 63 and 88 are 0).

import type { MachineClock } from '../hw/clock.js';
import { BLOCK_ERROR_RANGE, SECTOR_SIZE, type BlockBackend } from '../hw/block.js';
import { bytesToHex, hexToBytes, stateNumber, type Device, type DeviceState, type DeviceStateValue } from '../hw/device.js';
import type { IoPorts, PortHandler } from '../hw/ioports.js';
import type { IrqLine } from '../hw/irq.js';

/** PC wiring of the primary channel: command block 1F0h–1F7h, device control 3F6h, IRQ 14. */
export const IDE_PRIMARY = { commandBase: 0x1f0, controlBase: 0x3f6, irq: 14 } as const;
/** PC wiring of the secondary channel: command block 170h–177h, device control 376h, IRQ 15. */
export const IDE_SECONDARY = { commandBase: 0x170, controlBase: 0x376, irq: 15 } as const;
/** Both PC channels in order, with the names the machine gives them. */
export const PC_IDE_CHANNELS = [
  { name: 'ide0', ...IDE_PRIMARY },
  { name: 'ide1', ...IDE_SECONDARY },
] as const;

// Status register (ATA-6).
export const ATA_STATUS_BSY = 0x80;
export const ATA_STATUS_DRDY = 0x40;
export const ATA_STATUS_DF = 0x20;
export const ATA_STATUS_DSC = 0x10;
export const ATA_STATUS_DRQ = 0x08;
export const ATA_STATUS_CORR = 0x04;
export const ATA_STATUS_ERR = 0x01;

// Error register (ATA-6).
export const ATA_ERROR_UNC = 0x40;
export const ATA_ERROR_IDNF = 0x10;
export const ATA_ERROR_ABRT = 0x04;

// Device Control register (ATA-6).
export const ATA_CONTROL_NIEN = 0x02;
export const ATA_CONTROL_SRST = 0x04;
export const ATA_CONTROL_HOB = 0x80;

// Device register (ATA-6); bits 7 and 5 are obsolete and read as one, as on older drives.
export const ATA_DEVICE_LBA = 0x40;
export const ATA_DEVICE_DEV = 0x10;
const DEVICE_ALWAYS_ONE = 0xa0;

/** The largest block of READ/WRITE MULTIPLE (IDENTIFY word 47). */
export const IDE_MAX_MULTIPLE = 16;

const DEFAULT_HEADS = 16;
const DEFAULT_SECTORS = 63;
const LBA28_LIMIT = 0x0fffffff;

/** What the data register is doing for a unit. */
const enum Transfer {
  None = 0,
  /** Data-in of one buffer, then the command is done (IDENTIFY DEVICE). */
  IdentifyIn = 1,
  /** Data-in of READ SECTORS / READ MULTIPLE: emptying the buffer fetches the next block. */
  ReadIn = 2,
  /** Data-out of WRITE SECTORS / WRITE MULTIPLE: filling the buffer writes it to the disk. */
  WriteOut = 3,
}

export interface IdeDriveOptions {
  /** IDENTIFY words 27–46, up to 40 ASCII characters (default "L4VM HARDDISK"). */
  model?: string;
  /** IDENTIFY words 10–19, up to 20 ASCII characters (default "L4VM<channel><unit>"). */
  serial?: string;
  /** IDENTIFY words 23–26, up to 8 ASCII characters (default "1.0"). */
  firmware?: string;
}

export interface IdeChannelOptions {
  /** Device name, e.g. "ide0". */
  name: string;
  /** First of the eight command-block ports (0x1f0 or 0x170 on a PC). */
  commandBase: number;
  /** The alternate status / device control port (0x3f6 or 0x376 on a PC). */
  controlBase: number;
  irq: IrqLine;
  /** Guest time; commands complete at once today, so nothing is scheduled on it yet. */
  clock: MachineClock;
}

/** What a unit is waiting for from its backend (shown to the guest as BSY). */
const enum Pending {
  None = 0,
  /** The block at the task-file address; when done it goes to the guest (data-in). */
  Read = 1,
  /** The block in the buffer, to the task-file address; when done, the next DRQ or the end. */
  Write = 2,
  /** FLUSH CACHE, or SET FEATURES 82h (write cache off). */
  Flush = 3,
}

/** Status while a request is with the backend, as QEMU shows it during asynchronous I/O. */
const STATUS_BUSY = ATA_STATUS_BSY | ATA_STATUS_DRDY;

/** A hard disk on a unit: its backend, identity and default (power-on) CHS geometry. */
class Drive {
  readonly cylinders: number;
  constructor(
    readonly backend: BlockBackend,
    readonly model: string,
    readonly serial: string,
    readonly firmware: string,
  ) {
    // QEMU's guess_chs_for_size: 16 heads × 63 sectors, cylinders clamped to 2…16383.
    this.cylinders = Math.min(Math.max(Math.floor(backend.sectorCount / (DEFAULT_HEADS * DEFAULT_SECTORS)), 2), 16383);
  }
}

/** One device position of the channel: its task-file registers and the command it is running. */
class Unit {
  drive: Drive | null = null;
  features = 0;
  sectorCount = 0;
  lbaLow = 0;
  lbaMid = 0;
  lbaHigh = 0;
  /** The previous byte written to each register (ATA-6 48-bit Address feature set: read with HOB set). */
  previousFeatures = 0;
  previousSectorCount = 0;
  previousLbaLow = 0;
  previousLbaMid = 0;
  previousLbaHigh = 0;
  device = DEVICE_ALWAYS_ONE;
  status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
  error = 0;
  /** This device wants INTRQ asserted (it reaches the line while selected and nIEN is clear). */
  interruptPending = false;

  /** The command in progress uses 48-bit addresses. */
  lba48 = false;
  /** Sectors of the command not yet moved into or out of the buffer. */
  remaining = 0;
  /** Sectors per data block: 1, or the multiple count for READ/WRITE MULTIPLE. */
  blockSectors = 1;
  transfer = Transfer.None;
  dataPointer = 0;
  dataEnd = 0;
  /** Lent to the backend while a request is pending; replaced when a pending request is abandoned. */
  buffer = new Uint8Array(IDE_MAX_MULTIPLE * SECTOR_SIZE);
  pending = Pending.None;
  /** Counts requests given to the backend, so a completion of an abandoned one is recognised. */
  requestGeneration = 0;

  multipleSectors = IDE_MAX_MULTIPLE;
  /** The CHS translation (INITIALIZE DEVICE PARAMETERS); 0 sectors means no valid translation. */
  heads = DEFAULT_HEADS;
  sectors = DEFAULT_SECTORS;
  /** SET FEATURES CCh: a software reset also reverts the translation to the default. */
  revertOnReset = false;
  writeCache = true;

  constructor(readonly index: 0 | 1) {}

  /** Cylinders of the current translation (IDENTIFY word 54). */
  get cylinders(): number {
    const drive = this.drive;
    if (drive === null || this.sectors === 0) return 0;
    if (this.heads === DEFAULT_HEADS && this.sectors === DEFAULT_SECTORS) return drive.cylinders;
    return Math.min(Math.floor(drive.backend.sectorCount / (this.heads * this.sectors)), 0xffff);
  }
}

export class IdeChannel implements Device, PortHandler {
  readonly name: string;
  readonly commandBase: number;
  readonly controlBase: number;
  readonly clock: MachineClock;
  private readonly irq: IrqLine;
  private readonly units: [Unit, Unit] = [new Unit(0), new Unit(1)];
  /** The DEV bit last written: which unit answers register reads and commands. */
  private selected: 0 | 1 = 0;
  /** The device control register (nIEN, SRST, HOB); shared by both devices as QEMU models it. */
  private control = 0;

  constructor(options: IdeChannelOptions) {
    this.name = options.name;
    this.commandBase = options.commandBase;
    this.controlBase = options.controlBase;
    this.irq = options.irq;
    this.clock = options.clock;
    this.reset();
  }

  /** Registers the command block (base … base+7) and the one alternate status / device control port. */
  attach(io: IoPorts): void {
    io.register(this.name, this.commandBase, 8, this);
    io.register(`${this.name} control`, this.controlBase, 1, this);
  }

  /** Puts a hard disk on unit 0 (master) or 1 (slave). */
  attachDrive(unit: 0 | 1, backend: BlockBackend, options: IdeDriveOptions = {}): void {
    const position = this.units[unit];
    if (position.drive !== null) throw new Error(`${this.name}: unit ${unit} already holds disk ${position.drive.backend.name}`);
    if (backend.sectorCount < 1 || !Number.isSafeInteger(backend.sectorCount)) {
      throw new RangeError(`${this.name}: disk ${backend.name} has ${backend.sectorCount} sectors; a disk needs at least one`);
    }
    const text = (value: string | undefined, fallback: string, field: string, length: number): string => {
      const chosen = value ?? fallback;
      if (chosen.length > length || !/^[\x20-\x7e]*$/.test(chosen)) {
        throw new RangeError(`${this.name}: the ${field} "${chosen}" must be at most ${length} printable ASCII characters`);
      }
      return chosen;
    };
    position.drive = new Drive(
      backend,
      text(options.model, 'L4VM HARDDISK', 'model', 40),
      text(options.serial, `L4VM${this.name.toUpperCase()}${unit}`.slice(0, 20), 'serial number', 20),
      text(options.firmware, '1.0', 'firmware revision', 8),
    );
    this.resetUnit(position, true);
    this.updateIrq();
  }

  reset(): void {
    this.selected = 0;
    this.control = 0;
    for (const unit of this.units) this.resetUnit(unit, true);
    this.updateIrq();
  }

  // ---- port access ----

  read(port: number, size: 1 | 2 | 4): number {
    if (port === this.controlBase) {
      // Word accesses reach the neighbouring port (the floppy controller's 3F7h), not us.
      const value = this.alternateStatus();
      return size === 1 ? value : size === 2 ? value | 0xff00 : (value | 0xffffff00) >>> 0;
    }
    const offset = (port - this.commandBase) & 7;
    if (offset === 0) {
      if (size === 2) return this.readDataWord();
      if (size === 4) return (this.readDataWord() | (this.readDataWord() << 16)) >>> 0;
      // QEMU: a byte read takes a whole word out of the buffer (the pre-GRUB Solaris loader relies on it).
      return this.readDataWord() & 0xff;
    }
    // A wider access to a byte register reads consecutive registers, as an ISA bus splits it.
    let value = 0;
    for (let i = 0; i < size; i++) value |= (offset + i < 8 ? this.readRegister(offset + i) : 0xff) << (8 * i);
    return value >>> 0;
  }

  write(port: number, size: 1 | 2 | 4, value: number): void {
    if (port === this.controlBase) {
      this.writeControl(value & 0xff);
      return;
    }
    const offset = (port - this.commandBase) & 7;
    if (offset === 0) {
      if (size === 2) this.writeDataWord(value & 0xffff);
      else if (size === 4) {
        this.writeDataWord(value & 0xffff);
        this.writeDataWord(value >>> 16);
      }
      // A byte write to the data register moves nothing (QEMU ignores it too).
      return;
    }
    for (let i = 0; i < size && offset + i < 8; i++) this.writeRegister(offset + i, (value >>> (8 * i)) & 0xff);
  }

  // ---- registers ----

  private get noDrives(): boolean {
    return this.units[0].drive === null && this.units[1].drive === null;
  }

  /** QEMU: an empty channel, or an absent device 1 while selected, reads status and error 0. */
  private get selectedAbsent(): boolean {
    return this.noDrives || (this.selected === 1 && this.units[1].drive === null);
  }

  private readRegister(offset: number): number {
    const unit = this.units[this.selected];
    const hob = (this.control & ATA_CONTROL_HOB) !== 0;
    switch (offset) {
      case 1:
        if (this.selectedAbsent) return 0;
        return hob ? unit.previousFeatures : unit.error;
      case 2:
        if (this.noDrives) return 0;
        return hob ? unit.previousSectorCount : unit.sectorCount;
      case 3:
        if (this.noDrives) return 0;
        return hob ? unit.previousLbaLow : unit.lbaLow;
      case 4:
        if (this.noDrives) return 0;
        return hob ? unit.previousLbaMid : unit.lbaMid;
      case 5:
        if (this.noDrives) return 0;
        return hob ? unit.previousLbaHigh : unit.lbaHigh;
      case 6:
        return this.noDrives ? 0 : unit.device;
      default: {
        const value = this.selectedAbsent ? 0 : unit.status;
        // ATA-6 INTRQ: reading the Status register (not the alternate status) negates INTRQ.
        unit.interruptPending = false;
        this.updateIrq();
        return value;
      }
    }
  }

  private alternateStatus(): number {
    return this.selectedAbsent ? 0 : this.units[this.selected].status;
  }

  private writeRegister(offset: number, value: number): void {
    const [unit0, unit1] = this.units;
    if (offset === 7) {
      this.control &= ~ATA_CONTROL_HOB;
      this.units[this.selected].interruptPending = false;
      this.updateIrq();
      this.command(value);
      return;
    }
    // Writes to the command block while BSY or DRQ are indeterminate (ATA-6); QEMU drops them.
    if (this.units[this.selected].status & (ATA_STATUS_BSY | ATA_STATUS_DRQ)) return;
    // ATA-6 48-bit Address feature set: a write to any command-block register clears HOB.
    this.control &= ~ATA_CONTROL_HOB;
    // Both devices see every register write: they share the cable.
    for (const unit of [unit0, unit1]) {
      switch (offset) {
        case 1:
          unit.previousFeatures = unit.features;
          unit.features = value;
          break;
        case 2:
          unit.previousSectorCount = unit.sectorCount;
          unit.sectorCount = value;
          break;
        case 3:
          unit.previousLbaLow = unit.lbaLow;
          unit.lbaLow = value;
          break;
        case 4:
          unit.previousLbaMid = unit.lbaMid;
          unit.lbaMid = value;
          break;
        case 5:
          unit.previousLbaHigh = unit.lbaHigh;
          unit.lbaHigh = value;
          break;
        default:
          unit.device = value | DEVICE_ALWAYS_ONE;
      }
    }
    if (offset === 6) {
      this.selected = value & ATA_DEVICE_DEV ? 1 : 0;
      this.updateIrq();
    }
  }

  private writeControl(value: number): void {
    const before = this.control;
    this.control = value & (ATA_CONTROL_HOB | ATA_CONTROL_SRST | ATA_CONTROL_NIEN);
    if (value & ATA_CONTROL_SRST && !(before & ATA_CONTROL_SRST)) {
      // ATA-6 software reset protocol: while SRST is set both devices are held in reset with BSY set.
      for (const unit of this.units) {
        this.abandonRequest(unit);
        this.stopTransfer(unit);
        unit.status = ATA_STATUS_BSY;
        unit.interruptPending = false;
      }
    } else if (!(value & ATA_CONTROL_SRST) && before & ATA_CONTROL_SRST) {
      // Released: the devices reset, run their diagnostics and post the signature. The protocol
      // asserts no interrupt (QEMU raises one; drivers poll BSY here and do not need it).
      this.selected = 0;
      for (const unit of this.units) this.resetUnit(unit, false);
    }
    this.updateIrq();
  }

  /** The state after power-on (`powerOn`) or a software reset (ATA-6 reset protocols; QEMU's ide_reset). */
  private resetUnit(unit: Unit, powerOn: boolean): void {
    this.abandonRequest(unit);
    this.stopTransfer(unit);
    unit.features = unit.previousFeatures = 0;
    unit.previousSectorCount = unit.previousLbaLow = unit.previousLbaMid = unit.previousLbaHigh = 0;
    unit.lba48 = false;
    unit.remaining = 0;
    unit.blockSectors = 1;
    unit.interruptPending = false;
    unit.multipleSectors = IDE_MAX_MULTIPLE;
    if (powerOn || unit.revertOnReset) {
      unit.heads = DEFAULT_HEADS;
      unit.sectors = DEFAULT_SECTORS;
    }
    if (powerOn) {
      unit.revertOnReset = false;
      unit.writeCache = true;
    }
    unit.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    // Diagnostic code 01h: device passed (for device 0: and device 1 passed or is absent).
    unit.error = unit.drive === null ? 0 : 0x01;
    this.setSignature(unit);
  }

  /** The ATA device signature: count 1, sector 1, cylinder 0 — or FFFFh where no device is (QEMU). */
  private setSignature(unit: Unit): void {
    unit.device = DEVICE_ALWAYS_ONE;
    unit.sectorCount = 1;
    unit.lbaLow = 1;
    unit.lbaMid = unit.lbaHigh = unit.drive === null ? 0xff : 0;
  }

  private updateIrq(): void {
    // ATA-6 INTRQ: only the selected device drives it, and not while nIEN is set.
    this.irq.set(this.units[this.selected].interruptPending && (this.control & ATA_CONTROL_NIEN) === 0);
  }

  private interrupt(unit: Unit): void {
    unit.interruptPending = true;
    this.updateIrq();
  }

  // ---- commands ----

  private command(code: number): void {
    const unit = this.units[this.selected];
    // QEMU: commands to an absent device 1 go nowhere (device 0 does not answer for it here). On
    // a channel without any disk nothing answers at all (QEMU would still abort and interrupt as
    // an empty device 0; a real cable has no device to drive INTRQ).
    if ((unit.index === 1 && unit.drive === null) || this.noDrives) return;
    // Only DEVICE RESET (a packet command) may be written while BSY or DRQ is set.
    if (unit.status & (ATA_STATUS_BSY | ATA_STATUS_DRQ)) return;
    unit.error = 0;
    unit.lba48 = false;
    const drive = unit.drive;
    if (drive === null) {
      // An empty device 0 with a device 1 on the cable: only the diagnostic makes sense.
      if (code === 0x90) this.executeDeviceDiagnostic();
      else this.abort(unit, ATA_ERROR_ABRT);
      return;
    }
    switch (code) {
      case 0x20: // READ SECTORS
      case 0x21: // READ SECTORS without retry
        this.startRead(unit, false, 1);
        return;
      case 0x24: // READ SECTORS EXT
        this.startRead(unit, true, 1);
        return;
      case 0xc4: // READ MULTIPLE
      case 0x29: // READ MULTIPLE EXT
        if (unit.multipleSectors === 0) this.abort(unit, ATA_ERROR_ABRT);
        else this.startRead(unit, code === 0x29, unit.multipleSectors);
        return;
      case 0x30: // WRITE SECTORS
      case 0x31: // WRITE SECTORS without retry
        this.startWrite(unit, false, 1);
        return;
      case 0x34: // WRITE SECTORS EXT
        this.startWrite(unit, true, 1);
        return;
      case 0xc5: // WRITE MULTIPLE
      case 0x39: // WRITE MULTIPLE EXT
        if (unit.multipleSectors === 0) this.abort(unit, ATA_ERROR_ABRT);
        else this.startWrite(unit, code === 0x39, unit.multipleSectors);
        return;
      case 0x40: // READ VERIFY SECTORS
      case 0x41: // READ VERIFY SECTORS without retry
      case 0x42: // READ VERIFY SECTORS EXT
        this.readVerify(unit, code === 0x42);
        return;
      case 0xec: // IDENTIFY DEVICE
        this.identifyInto(unit, drive);
        unit.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
        this.beginTransfer(unit, Transfer.IdentifyIn, SECTOR_SIZE);
        this.interrupt(unit);
        return;
      case 0xc6: // SET MULTIPLE MODE
        this.setMultipleMode(unit);
        return;
      case 0x91: // INITIALIZE DEVICE PARAMETERS
        unit.heads = (unit.device & 0x0f) + 1;
        unit.sectors = unit.sectorCount;
        this.complete(unit);
        return;
      case 0xef: // SET FEATURES
        this.setFeatures(unit, drive);
        return;
      case 0xe7: // FLUSH CACHE
      case 0xea: // FLUSH CACHE EXT
        this.flush(unit, drive);
        return;
      case 0xe5: // CHECK POWER MODE
      case 0x98: // CHECK POWER MODE (ATA-1 code)
        unit.sectorCount = 0xff; // active or idle
        this.complete(unit);
        return;
      case 0xe0: // STANDBY IMMEDIATE
      case 0xe1: // IDLE IMMEDIATE
      case 0xe2: // STANDBY
      case 0xe3: // IDLE
      case 0x94: // the ATA-1 codes of the same four
      case 0x95:
      case 0x96:
      case 0x97:
        // A RAM disk has no spindle: it is always active.
        this.complete(unit);
        return;
      case 0x90: // EXECUTE DEVICE DIAGNOSTIC
        this.executeDeviceDiagnostic();
        return;
      default:
        if ((code & 0xf0) === 0x10) {
          // RECALIBRATE (1xh): the heads are always at cylinder 0 for a RAM disk.
          this.complete(unit);
        } else if ((code & 0xf0) === 0x70) {
          // SEEK (7xh): IDNF when the address is not on the disk.
          const sector = this.address(unit);
          if (sector < 0 || sector >= drive.backend.sectorCount) this.abort(unit, ATA_ERROR_IDNF);
          else this.complete(unit);
        } else {
          // Unknown or unsupported (NOP 00h, DEVICE RESET 08h, IDENTIFY PACKET DEVICE A1h, PACKET
          // A0h, DMA commands, SMART…): 8.x "Error outputs", ABRT.
          this.abort(unit, ATA_ERROR_ABRT);
        }
    }
  }

  /** A non-data command finished without error. */
  private complete(unit: Unit): void {
    unit.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    this.interrupt(unit);
  }

  /** The command ends with ERR and `errorBits`; any transfer stops. */
  private abort(unit: Unit, errorBits: number): void {
    this.stopTransfer(unit);
    unit.status = ATA_STATUS_DRDY | ATA_STATUS_ERR;
    unit.error = errorBits;
    this.interrupt(unit);
  }

  private beginTransfer(unit: Unit, kind: Transfer, bytes: number): void {
    unit.transfer = kind;
    unit.dataPointer = 0;
    unit.dataEnd = bytes;
    unit.status |= ATA_STATUS_DRQ;
  }

  private stopTransfer(unit: Unit): void {
    unit.transfer = Transfer.None;
    unit.dataPointer = unit.dataEnd = 0;
    unit.status &= ~ATA_STATUS_DRQ;
  }

  /** The sector count of a read/write command: 0 means 256 (28-bit) or 65536 (48-bit). */
  private commandCount(unit: Unit, lba48: boolean): number {
    if (!lba48) return unit.sectorCount === 0 ? 256 : unit.sectorCount;
    const count = (unit.previousSectorCount << 8) | unit.sectorCount;
    return count === 0 ? 65536 : count;
  }

  private startRead(unit: Unit, lba48: boolean, blockSectors: number): void {
    unit.lba48 = lba48;
    unit.remaining = this.commandCount(unit, lba48);
    unit.blockSectors = blockSectors;
    this.readBlock(unit);
  }

  /** ATA-6 PIO data-in protocol: ask the backend for the next block (BSY meanwhile); or finish. */
  private readBlock(unit: Unit): void {
    const drive = unit.drive;
    if (drive === null) return;
    unit.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    if (unit.remaining === 0) {
      // The last block has been read: the command ends without another interrupt.
      this.stopTransfer(unit);
      return;
    }
    const count = Math.min(unit.remaining, unit.blockSectors);
    const sector = this.checkedAddress(unit, drive, count);
    if (sector < 0) return;
    this.stopTransfer(unit);
    unit.status = STATUS_BUSY;
    unit.pending = Pending.Read;
    const generation = ++unit.requestGeneration;
    // Last: a backend that completes at once runs readDone before read returns.
    drive.backend.read(sector, count, unit.buffer, 0, (error) => this.readDone(unit, generation, error));
  }

  /** The backend has the block in the buffer (or failed): DRQ and the interrupt of the block. */
  private readDone(unit: Unit, generation: number, error: string | null): void {
    if (!this.takeCompletion(unit, generation, Pending.Read)) return;
    if (error !== null) {
      this.abort(unit, error === BLOCK_ERROR_RANGE ? ATA_ERROR_IDNF : ATA_ERROR_UNC);
      return;
    }
    const count = Math.min(unit.remaining, unit.blockSectors);
    this.setAddress(unit, this.address(unit) + count);
    this.setRemaining(unit, unit.remaining - count);
    unit.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    this.beginTransfer(unit, Transfer.ReadIn, count * SECTOR_SIZE);
    this.interrupt(unit);
  }

  /** True when a completion is for the request the unit waits for; the unit then waits no more. */
  private takeCompletion(unit: Unit, generation: number, kind: Pending): boolean {
    if (generation !== unit.requestGeneration || unit.pending !== kind) return false;
    unit.pending = Pending.None;
    return true;
  }

  /**
   * Forgets the request the backend holds (a reset, a diagnostic, a restore): its completion will
   * be ignored, and the buffer it was lent is left to it, so a late read cannot land in a new command.
   */
  private abandonRequest(unit: Unit): void {
    if (unit.pending === Pending.None) return;
    unit.pending = Pending.None;
    unit.requestGeneration++;
    unit.buffer = new Uint8Array(unit.buffer.length);
  }

  private startWrite(unit: Unit, lba48: boolean, blockSectors: number): void {
    const drive = unit.drive;
    if (drive === null) return;
    if (drive.backend.readOnly) {
      // A read-only image: refuse before taking any data, so nothing reaches the disk.
      this.abort(unit, ATA_ERROR_ABRT);
      return;
    }
    unit.lba48 = lba48;
    unit.remaining = this.commandCount(unit, lba48);
    unit.blockSectors = blockSectors;
    unit.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    // ATA-6 PIO data-out protocol: no interrupt before the first block; the host waits for DRQ.
    this.requestWriteBlock(unit, drive);
  }

  /** Asks for the next block of a write (DRQ), or ends with IDNF when it would not be on the disk. */
  private requestWriteBlock(unit: Unit, drive: Drive): boolean {
    const count = Math.min(unit.remaining, unit.blockSectors);
    if (this.checkedAddress(unit, drive, count) < 0) return false;
    this.beginTransfer(unit, Transfer.WriteOut, count * SECTOR_SIZE);
    return true;
  }

  /** The buffer of a write is full: give it to the backend, BSY until it is done. */
  private writeBlock(unit: Unit): void {
    const drive = unit.drive;
    if (drive === null) return;
    const count = Math.min(unit.remaining, unit.blockSectors);
    const sector = this.address(unit);
    // The transfer stays WriteOut (DRQ clear) so a saved state keeps the block to write again.
    unit.status = STATUS_BUSY;
    unit.pending = Pending.Write;
    const generation = ++unit.requestGeneration;
    drive.backend.write(sector, count, unit.buffer, 0, (error) => this.writeDone(unit, generation, error));
  }

  /** The block is on the disk: ask for the next one (DRQ) or finish; interrupt either way. */
  private writeDone(unit: Unit, generation: number, error: string | null): void {
    const drive = unit.drive;
    if (drive === null || !this.takeCompletion(unit, generation, Pending.Write)) return;
    if (error !== null) {
      this.abort(unit, error === BLOCK_ERROR_RANGE ? ATA_ERROR_IDNF : ATA_ERROR_ABRT);
      return;
    }
    const count = Math.min(unit.remaining, unit.blockSectors);
    this.setAddress(unit, this.address(unit) + count);
    this.setRemaining(unit, unit.remaining - count);
    unit.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    if (unit.remaining === 0) this.stopTransfer(unit);
    else if (!this.requestWriteBlock(unit, drive)) return;
    this.interrupt(unit);
  }

  private readVerify(unit: Unit, lba48: boolean): void {
    const drive = unit.drive;
    if (drive === null) return;
    unit.lba48 = lba48;
    const sector = this.checkedAddress(unit, drive, this.commandCount(unit, lba48));
    if (sector >= 0) this.complete(unit);
  }

  /**
   * The address in the registers when `count` sectors from it are on the disk; otherwise ends the
   * command with IDNF (ATA-6 Error register: the address is outside the user-accessible range, or a CHS
   * address does not fit the current translation), leaving the registers at the first sector that
   * is not there, and returns -1.
   */
  private checkedAddress(unit: Unit, drive: Drive, count: number): number {
    const sector = this.address(unit);
    const capacity = drive.backend.sectorCount;
    if (sector >= 0 && sector + count <= capacity) return sector;
    if (sector >= 0) this.setAddress(unit, Math.max(sector, capacity));
    this.abort(unit, ATA_ERROR_IDNF);
    return -1;
  }

  /** The sector the task file addresses (CHS, LBA28 or LBA48), or -1 for an impossible CHS address. */
  private address(unit: Unit): number {
    if (unit.device & ATA_DEVICE_LBA) {
      if (unit.lba48) {
        const high = unit.previousLbaLow + unit.previousLbaMid * 0x100 + unit.previousLbaHigh * 0x10000;
        return high * 0x1000000 + ((unit.lbaHigh << 16) | (unit.lbaMid << 8) | unit.lbaLow);
      }
      return (((unit.device & 0x0f) << 24) | (unit.lbaHigh << 16) | (unit.lbaMid << 8) | unit.lbaLow) >>> 0;
    }
    const cylinder = (unit.lbaHigh << 8) | unit.lbaMid;
    const head = unit.device & 0x0f;
    const sector = unit.lbaLow;
    if (unit.sectors === 0 || sector === 0 || sector > unit.sectors || head >= unit.heads || cylinder >= unit.cylinders) return -1;
    return (cylinder * unit.heads + head) * unit.sectors + sector - 1;
  }

  /** Puts `sector` into the address registers in the command's addressing mode. */
  private setAddress(unit: Unit, sector: number): void {
    if (unit.device & ATA_DEVICE_LBA) {
      const low24 = sector % 0x1000000;
      unit.lbaLow = low24 & 0xff;
      unit.lbaMid = (low24 >>> 8) & 0xff;
      unit.lbaHigh = (low24 >>> 16) & 0xff;
      const high = Math.floor(sector / 0x1000000);
      if (unit.lba48) {
        unit.previousLbaLow = high & 0xff;
        unit.previousLbaMid = (high >>> 8) & 0xff;
        unit.previousLbaHigh = (high >>> 16) & 0xff;
      } else {
        unit.device = (unit.device & 0xf0) | (high & 0x0f);
      }
      return;
    }
    if (unit.sectors === 0 || unit.heads === 0) return;
    const perCylinder = unit.heads * unit.sectors;
    const cylinder = Math.floor(sector / perCylinder);
    const rest = sector - cylinder * perCylinder;
    unit.lbaHigh = (cylinder >>> 8) & 0xff;
    unit.lbaMid = cylinder & 0xff;
    unit.device = (unit.device & 0xf0) | (Math.floor(rest / unit.sectors) & 0x0f);
    unit.lbaLow = (rest % unit.sectors) + 1;
  }

  /** The sectors still to move; the count register shows them as the command goes, as in QEMU. */
  private setRemaining(unit: Unit, remaining: number): void {
    unit.remaining = remaining;
    unit.sectorCount = remaining & 0xff;
    if (unit.lba48) unit.previousSectorCount = (remaining >>> 8) & 0xff;
  }

  private setMultipleMode(unit: Unit): void {
    const count = unit.sectorCount;
    // SET MULTIPLE MODE: a count the device does not support (here: above 16 or not a power of two) aborts;
    // 0 disables multiple mode (READ/WRITE MULTIPLE then abort), as QEMU does.
    if (count !== 0 && (count > IDE_MAX_MULTIPLE || (count & (count - 1)) !== 0)) {
      this.abort(unit, ATA_ERROR_ABRT);
      return;
    }
    unit.multipleSectors = count;
    this.complete(unit);
  }

  private setFeatures(unit: Unit, drive: Drive): void {
    switch (unit.features) {
      case 0x02: // enable write cache
        unit.writeCache = true;
        break;
      case 0x82: // disable write cache: what the cache holds goes to the disk first
        unit.writeCache = false;
        this.flush(unit, drive);
        return;
      case 0x03: {
        // Set transfer mode (sector count = mode): PIO default (00h, 01h) or PIO flow-control
        // mode 0–4 (08h–0Ch). DMA modes abort: this model has no DMA.
        const mode = unit.sectorCount;
        if (mode > 0x01 && (mode < 0x08 || mode > 0x0c)) {
          this.abort(unit, ATA_ERROR_ABRT);
          return;
        }
        break;
      }
      case 0xcc: // revert to power-on defaults on reset
        unit.revertOnReset = true;
        break;
      case 0x66: // keep settings across reset
        unit.revertOnReset = false;
        break;
      case 0x55: // read look-ahead off
      case 0xaa: // read look-ahead on
      case 0x05: // advanced power management on
      case 0x85: // advanced power management off
      case 0x42: // automatic acoustic management on
      case 0xc2: // automatic acoustic management off
        break;
      default:
        this.abort(unit, ATA_ERROR_ABRT);
        return;
    }
    this.complete(unit);
  }

  /** FLUSH CACHE: BSY until the backend has made every earlier write durable, then the interrupt. */
  private flush(unit: Unit, drive: Drive): void {
    unit.status = STATUS_BUSY;
    unit.pending = Pending.Flush;
    const generation = ++unit.requestGeneration;
    drive.backend.flush((error) => this.flushDone(unit, generation, error));
  }

  private flushDone(unit: Unit, generation: number, error: string | null): void {
    if (!this.takeCompletion(unit, generation, Pending.Flush)) return;
    if (error !== null) this.abort(unit, ATA_ERROR_ABRT);
    else this.complete(unit);
  }

  /** Gives a request that was pending when the state was saved to the backend again (see restoreState). */
  private retryPending(unit: Unit, pending: Pending): void {
    const drive = unit.drive;
    if (drive === null || pending === Pending.None) return;
    if (pending === Pending.Read) {
      // readBlock starts from the task file, which the pending read has not advanced yet.
      this.readBlock(unit);
    } else if (pending === Pending.Write) {
      this.writeBlock(unit);
    } else {
      this.flush(unit, drive);
    }
  }

  /** EXECUTE DEVICE DIAGNOSTIC: both devices run their diagnostics, post signatures, device 0 is selected and interrupts. */
  private executeDeviceDiagnostic(): void {
    for (const unit of this.units) {
      if (unit.drive === null) continue;
      this.abandonRequest(unit);
      this.stopTransfer(unit);
      unit.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
      unit.error = 0x01;
      this.setSignature(unit);
    }
    this.selected = 0;
    this.interrupt(this.units[0]);
  }

  // ---- data register ----

  private readDataWord(): number {
    const unit = this.units[this.selected];
    // Reading outside a data-in DRQ phase is indeterminate; QEMU returns 0 and moves nothing.
    if (!(unit.status & ATA_STATUS_DRQ) || unit.transfer === Transfer.WriteOut || unit.transfer === Transfer.None) return 0;
    const pointer = unit.dataPointer;
    const value = unit.buffer[pointer] | (unit.buffer[pointer + 1] << 8);
    unit.dataPointer = pointer + 2;
    if (unit.dataPointer >= unit.dataEnd) {
      unit.status &= ~ATA_STATUS_DRQ;
      if (unit.transfer === Transfer.ReadIn) this.readBlock(unit);
      else this.stopTransfer(unit);
    }
    return value;
  }

  private writeDataWord(value: number): void {
    const unit = this.units[this.selected];
    if (!(unit.status & ATA_STATUS_DRQ) || unit.transfer !== Transfer.WriteOut) return;
    const pointer = unit.dataPointer;
    unit.buffer[pointer] = value & 0xff;
    unit.buffer[pointer + 1] = value >>> 8;
    unit.dataPointer = pointer + 2;
    if (unit.dataPointer >= unit.dataEnd) {
      unit.status &= ~ATA_STATUS_DRQ;
      this.writeBlock(unit);
    }
  }

  // ---- IDENTIFY DEVICE ----

  /** Fills the unit's buffer with the 256 words of IDENTIFY DEVICE (ATA-6 IDENTIFY DEVICE data table). */
  private identifyInto(unit: Unit, drive: Drive): void {
    const words = new Uint16Array(256);
    const total = drive.backend.sectorCount;
    words[0] = 0x0040; // fixed (non-removable) ATA device
    words[1] = drive.cylinders;
    words[3] = DEFAULT_HEADS;
    words[4] = SECTOR_SIZE * DEFAULT_SECTORS; // retired: unformatted bytes per track
    words[5] = SECTOR_SIZE; // retired: unformatted bytes per sector
    words[6] = DEFAULT_SECTORS;
    putString(words, 10, 20, drive.serial);
    words[20] = 3; // retired: buffer type (dual ported, multi-sector with read cache)
    words[21] = 512; // retired: buffer size in sectors
    words[22] = 4; // obsolete: ECC bytes on READ/WRITE LONG
    putString(words, 23, 8, drive.firmware);
    putString(words, 27, 40, drive.model);
    words[47] = 0x8000 | IDE_MAX_MULTIPLE;
    words[48] = 0x0001; // (pre-ATA-6 meaning, kept as QEMU does) 32-bit I/O is fine
    words[49] = (1 << 11) | (1 << 9); // IORDY supported, LBA supported; no DMA (bit 8)
    words[51] = 0x0200; // PIO data transfer cycle timing mode 2
    words[53] = 0x0003; // words 54–58 and 64–70 are valid; no word 88 (no Ultra DMA)
    const cylinders = unit.cylinders;
    words[54] = cylinders;
    words[55] = unit.sectors === 0 ? 0 : unit.heads;
    words[56] = unit.sectors;
    const current = cylinders * (unit.sectors === 0 ? 0 : unit.heads) * unit.sectors;
    words[57] = current & 0xffff;
    words[58] = Math.floor(current / 0x10000) & 0xffff;
    if (unit.multipleSectors !== 0) words[59] = 0x0100 | unit.multipleSectors;
    const lba28 = Math.min(total, LBA28_LIMIT);
    words[60] = lba28 & 0xffff;
    words[61] = Math.floor(lba28 / 0x10000);
    words[64] = 0x0003; // PIO modes 3 and 4
    words[65] = words[66] = words[67] = words[68] = 120; // cycle times (ns)
    words[80] = 0x007e; // major version: ATA-1 … ATA/ATAPI-6
    words[82] = (1 << 14) | (1 << 5); // NOP and write cache supported
    words[83] = (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10); // FLUSH CACHE EXT, FLUSH CACHE, 48-bit addresses
    words[84] = 1 << 14;
    words[85] = (1 << 14) | (unit.writeCache ? 1 << 5 : 0);
    words[86] = (1 << 13) | (1 << 12) | (1 << 10);
    words[87] = 1 << 14;
    words[93] = (1 << 14) | (1 << 13) | 1; // hardware reset result, as QEMU reports it
    for (let i = 0; i < 4; i++) words[100 + i] = Math.floor(total / 2 ** (16 * i)) & 0xffff;
    // Word 255: signature A5h and a checksum byte that makes all 512 bytes sum to zero (ATA-6 IDENTIFY DEVICE word 255).
    words[255] = 0x00a5;
    let sum = 0;
    for (let i = 0; i < 255; i++) sum += (words[i] & 0xff) + (words[i] >>> 8);
    sum += 0xa5;
    words[255] |= ((-sum) & 0xff) << 8;
    for (let i = 0; i < 256; i++) {
      unit.buffer[2 * i] = words[i] & 0xff;
      unit.buffer[2 * i + 1] = words[i] >>> 8;
    }
  }

  // ---- saved state ----

  saveState(): DeviceState {
    return {
      selected: this.selected,
      control: this.control,
      units: this.units.map((unit) => saveUnit(unit)),
    };
  }

  restoreState(state: DeviceState): void {
    const units = state.units;
    if (!Array.isArray(units) || units.length !== 2) throw new Error(`saved state of ${this.name}: field units is not a list of two units`);
    const selected = stateNumber(state, this.name, 'selected');
    if (selected !== 0 && selected !== 1) throw new Error(`saved state of ${this.name}: field selected is ${selected}, not unit 0 or 1`);
    const control = stateNumber(state, this.name, 'control') & (ATA_CONTROL_HOB | ATA_CONTROL_SRST | ATA_CONTROL_NIEN);
    for (const unit of this.units) this.abandonRequest(unit);
    const pending = units.map((saved, index) => restoreUnit(this.units[index], saved, `${this.name} unit ${index}`));
    this.selected = selected;
    this.control = control;
    this.updateIrq();
    // A request that was with the backend when the state was saved is given to it again: reads,
    // writes of the same block and flushes can be repeated without harm.
    this.units.forEach((unit, index) => this.retryPending(unit, pending[index]));
  }
}

/** Writes `text` padded with spaces into `length` bytes of words, two characters per word, first in the high byte (ATA string order). */
function putString(words: Uint16Array, first: number, length: number, text: string): void {
  const padded = text.padEnd(length, ' ');
  for (let i = 0; i < length; i += 2) words[first + i / 2] = (padded.charCodeAt(i) << 8) | padded.charCodeAt(i + 1);
}

const UNIT_REGISTERS = [
  'features',
  'sectorCount',
  'lbaLow',
  'lbaMid',
  'lbaHigh',
  'previousFeatures',
  'previousSectorCount',
  'previousLbaLow',
  'previousLbaMid',
  'previousLbaHigh',
  'device',
  'status',
  'error',
] as const;

function saveUnit(unit: Unit): DeviceState {
  const state: DeviceState = {
    drivePresent: unit.drive !== null,
    interruptPending: unit.interruptPending,
    lba48: unit.lba48,
    remaining: unit.remaining,
    blockSectors: unit.blockSectors,
    transfer: unit.transfer,
    dataPointer: unit.dataPointer,
    dataEnd: unit.dataEnd,
    buffer: bytesToHex(unit.buffer.subarray(0, unit.transfer === Transfer.None ? 0 : unit.dataEnd)),
    multipleSectors: unit.multipleSectors,
    heads: unit.heads,
    sectors: unit.sectors,
    revertOnReset: unit.revertOnReset,
    writeCache: unit.writeCache,
    pending: unit.pending,
  };
  for (const register of UNIT_REGISTERS) state[register] = unit[register];
  return state;
}

/** Restores a unit's registers and transfer; returns the request it had pending (the caller retries it). */
function restoreUnit(unit: Unit, saved: DeviceStateValue, what: string): Pending {
  if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) throw new Error(`saved state of ${what} is not an object`);
  const flag = (field: string): boolean => {
    const value = saved[field];
    if (typeof value !== 'boolean') throw new Error(`saved state of ${what}: field ${field} is not true or false`);
    return value;
  };
  const bounded = (field: string, max: number): number => {
    const value = stateNumber(saved, what, field);
    if (!Number.isInteger(value) || value < 0 || value > max) throw new Error(`saved state of ${what}: field ${field} is ${value}, not a whole number 0…${max}`);
    return value;
  };
  if (flag('drivePresent') !== (unit.drive !== null)) {
    throw new Error(`saved state of ${what}: it ${unit.drive === null ? 'had a disk when saved and has none now' : 'had no disk when saved and has one now'}`);
  }
  const transfer = bounded('transfer', Transfer.WriteOut) as Transfer;
  const dataEnd = bounded('dataEnd', unit.buffer.length);
  const dataPointer = bounded('dataPointer', dataEnd);
  const buffer = saved.buffer;
  if (typeof buffer !== 'string') throw new Error(`saved state of ${what}: field buffer is not a string`);
  hexToBytes(buffer, unit.buffer.subarray(0, transfer === Transfer.None ? 0 : dataEnd), what);
  for (const register of UNIT_REGISTERS) unit[register] = bounded(register, 0xff);
  unit.interruptPending = flag('interruptPending');
  unit.lba48 = flag('lba48');
  unit.remaining = bounded('remaining', 65536);
  unit.blockSectors = bounded('blockSectors', IDE_MAX_MULTIPLE);
  unit.transfer = transfer;
  unit.dataPointer = dataPointer;
  unit.dataEnd = dataEnd;
  unit.multipleSectors = bounded('multipleSectors', IDE_MAX_MULTIPLE);
  unit.heads = bounded('heads', 16);
  unit.sectors = bounded('sectors', 0xff);
  unit.revertOnReset = flag('revertOnReset');
  unit.writeCache = flag('writeCache');
  // States saved before requests could be pending have no field: nothing was.
  const pending = saved.pending === undefined ? Pending.None : (bounded('pending', Pending.Flush) as Pending);
  if (pending !== Pending.None && unit.drive === null) throw new Error(`saved state of ${what}: a disk request was pending, but there is no disk`);
  if (pending === Pending.Write && transfer !== Transfer.WriteOut) throw new Error(`saved state of ${what}: a write was pending without its data`);
  return pending;
}
