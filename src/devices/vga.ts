// The IBM VGA (Video Graphics Array), with the Bochs VBE "DISPI" extension as an option: the
// registers of the sequencer, CRT controller, graphics controller, attribute controller and DAC,
// 256 KiB of video memory in four planes seen by the CPU through the 0xA0000–0xBFFFF window, and
// a renderer that turns the register state and memory into RGBA pixels as a monitor would show
// them (text with the font in plane 2, 16-colour planar, 256-colour, VBE linear modes).
//
// Sources: IBM VGA/XGA Technical Reference Manual ("Video Subsystem": the register descriptions;
// "Programming Considerations": the read and write modes, the mode tables); the Bochs VBE
// interface (vbe_display_api.txt of the Bochs VGA BIOS); QEMU hw/display/vga.c as the reference for
// behaviour the manual leaves open. See docs/devices-vga.md.
//
// Memory layout: one Uint8Array, planes interleaved: byte 4 × offset + plane holds plane `plane`
// at `offset` (offset 0 … 0xFFFF). A 32-bit read at 4 × offset gives all four planes at once (plane
// p in bits 8p…8p+7 on a little-endian host), which is what the latches hold. With VBE the array
// is larger and, while a VBE mode is on, it is a plain linear framebuffer (as in Bochs and QEMU).
//
// Address mapping (as on the IBM VGA, not QEMU's compacted form): chain-4 CPU address A reaches
// plane A & 3 at offset A & ~3; odd/even CPU address A reaches plane 0/2 (even A) or 1/3 (odd A) at
// offset A & ~1; planar address A reaches all planes at offset A. The CRT controller turns its
// character counter c into offset c (byte mode), 2c plus a wrap bit (word mode) or 4c (doubleword
// mode), so text page 0 cell n is at offset 2n, and the 320×200 chain-4 pixel x at offset x & ~3.
// The odd/even page bit (misc output bit 5) is ignored, as every emulator does.

import type { MachineClock } from '../hw/clock.js';
import { cp437ToUnicode } from '../hw/cp437.js';
import { bytesToHex, hexToBytes, stateNumber, type Device, type DeviceState } from '../hw/device.js';
import type { IoPorts, PortHandler } from '../hw/ioports.js';
import type { MmioHandler, PhysicalMemory } from '../hw/memory.js';

export interface VgaOptions {
  clock: MachineClock;
  /** The Bochs VBE extension: ports 0x1CE/0x1CF and (optionally) a linear framebuffer. */
  vbe?: boolean;
  /** Device name (default "vga"). */
  name?: string;
  /** Video memory in bytes, a power of two ≥ 256 KiB (default 256 KiB, 16 MiB with VBE). */
  videoMemorySize?: number;
  /** With VBE: the physical address of the linear framebuffer, or null for none (default 0xE0000000). */
  linearFramebufferAddress?: number | null;
}

export type VgaMode =
  | { kind: 'text'; columns: number; rows: number }
  | { kind: 'graphics'; width: number; height: number; bitsPerPixel: number }
  | { kind: 'off' };

export interface VgaTextScreen {
  columns: number;
  rows: number;
  /** Character codes, row by row (columns × rows). */
  characters: Uint8Array;
  /** Attribute bytes, row by row. */
  attributes: Uint8Array;
  cursor: { row: number; column: number; visible: boolean };
}

export interface VgaImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/** The legacy window and where the VBE linear framebuffer goes by default. */
export const VGA_WINDOW_BASE = 0xa0000;
export const VGA_WINDOW_SIZE = 0x20000;
export const VBE_LFB_DEFAULT_ADDRESS = 0xe0000000;

const PLANE_SIZE = 0x10000;
const VGA_MEMORY_SIZE = 4 * PLANE_SIZE;

// Bochs VBE DISPI registers and ENABLE bits.
export const VBE_DISPI_INDEX_ID = 0;
export const VBE_DISPI_INDEX_XRES = 1;
export const VBE_DISPI_INDEX_YRES = 2;
export const VBE_DISPI_INDEX_BPP = 3;
export const VBE_DISPI_INDEX_ENABLE = 4;
export const VBE_DISPI_INDEX_BANK = 5;
export const VBE_DISPI_INDEX_VIRT_WIDTH = 6;
export const VBE_DISPI_INDEX_VIRT_HEIGHT = 7;
export const VBE_DISPI_INDEX_X_OFFSET = 8;
export const VBE_DISPI_INDEX_Y_OFFSET = 9;
export const VBE_DISPI_INDEX_VIDEO_MEMORY_64K = 10;
const VBE_REGISTER_COUNT = 10;
export const VBE_DISPI_ENABLED = 0x01;
export const VBE_DISPI_GETCAPS = 0x02;
export const VBE_DISPI_8BIT_DAC = 0x20;
export const VBE_DISPI_LFB_ENABLED = 0x40;
export const VBE_DISPI_NOCLEARMEM = 0x80;
export const VBE_DISPI_ID0 = 0xb0c0;
export const VBE_DISPI_ID5 = 0xb0c5;
export const VBE_MAX_XRES = 2560;
export const VBE_MAX_YRES = 1600;
export const VBE_MAX_BPP = 32;

// Bits of registers that exist (others read as zero), per the IBM register descriptions.
const SEQUENCER_MASKS = [0x03, 0x3d, 0x0f, 0x3f, 0x0e];
const GRAPHICS_MASKS = [0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff];
const ATTRIBUTE_MASKS = [
  0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0xef, 0xff, 0x3f, 0x0f, 0x0f,
];
const SEQUENCER_COUNT = 5;
const CRTC_COUNT = 25;
const GRAPHICS_COUNT = 9;
const ATTRIBUTE_COUNT = 21;

/** For a 4-bit plane set, the 32-bit mask covering those planes' bytes. */
const PLANE_MASKS = Uint32Array.from({ length: 16 }, (_, planes) => {
  let mask = 0;
  for (let plane = 0; plane < 4; plane++) if (planes & (1 << plane)) mask |= 0xff << (8 * plane);
  return mask >>> 0;
});

/** Vertical retrace lasts this long at the end of each frame (the blanking interval of mode 3 is about 1.1 ms). */
const RETRACE_NS = 750_000;

function isLittleEndianHost(): boolean {
  return new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
}

function sixToEight(value: number): number {
  return ((value << 2) | (value >>> 4)) & 0xff;
}

function packRgba(red: number, green: number, blue: number): number {
  return (red | (green << 8) | (blue << 16) | 0xff000000) >>> 0;
}

export class Vga implements Device {
  readonly name: string;
  readonly vbe: boolean;
  /** Bumped by every write that may change the picture (memory or a register), for front ends. */
  generation = 0;

  /** Video memory, planes interleaved (see the head of this file). */
  readonly memory: Uint8Array;
  private readonly memory32: Uint32Array;
  private readonly clock: MachineClock;
  private readonly lfbAddress: number | null;

  miscOutput = 0;
  featureControl = 0;
  sequencerIndex = 0;
  readonly sequencer = new Uint8Array(8);
  crtcIndex = 0;
  readonly crtc = new Uint8Array(32);
  graphicsIndex = 0;
  readonly graphics = new Uint8Array(16);
  /** Index register of 0x3C0, bit 5 = palette address source (the display runs only when it is set). */
  attributeIndex = 0;
  /** False: the next 0x3C0 write is an index; true: it is data. */
  attributeFlipFlop = false;
  readonly attribute = new Uint8Array(32);
  dacMask = 0xff;
  dacReadIndex = 0;
  dacWriteIndex = 0;
  /** Which of red, green, blue the next 0x3C9 access is. */
  dacComponent = 0;
  /** 0x3C7 read: 0 after a write-index write, 3 after a read-index write. */
  dacState = 0;
  private readonly dacPending = new Uint8Array(3);
  /** 256 × red, green, blue (6 bits each, 8 with the VBE 8-bit DAC). */
  readonly dac = new Uint8Array(768);
  /** The four latches, plane p in bits 8p…8p+7. */
  latch = 0;
  vbeIndex = 0;
  readonly vbeRegisters = new Uint16Array(VBE_REGISTER_COUNT);

  private readonly palette16 = new Uint32Array(16);
  private readonly palette256 = new Uint32Array(256);

  constructor(options: VgaOptions) {
    if (!isLittleEndianHost()) throw new Error('the VGA model keeps its four planes in 32-bit words and needs a little-endian host');
    this.name = options.name ?? 'vga';
    this.vbe = options.vbe ?? false;
    this.clock = options.clock;
    const size = options.videoMemorySize ?? (this.vbe ? 16 << 20 : VGA_MEMORY_SIZE);
    if (!Number.isInteger(size) || size < VGA_MEMORY_SIZE || (size & (size - 1)) !== 0) {
      throw new RangeError(`${this.name}: video memory of ${size} bytes: give a power of two of at least 256 KiB`);
    }
    this.memory = new Uint8Array(size);
    this.memory32 = new Uint32Array(this.memory.buffer);
    this.lfbAddress = this.vbe ? (options.linearFramebufferAddress === undefined ? VBE_LFB_DEFAULT_ADDRESS : options.linearFramebufferAddress) : null;
    this.reset();
  }

  /**
   * Registers the VGA ports 0x3B0–0x3BB and 0x3C0–0x3DF (and with VBE 0x1CE–0x1CF), maps the
   * legacy window 0xA0000–0xBFFFF and with VBE the linear framebuffer.
   */
  attach(io: IoPorts, memory: PhysicalMemory): void {
    const ports: PortHandler = {
      read: (port, size) => this.readPorts(port, size),
      write: (port, size, value) => this.writePorts(port, size, value),
    };
    io.register(this.name, 0x3b0, 12, ports);
    io.register(this.name, 0x3c0, 32, ports);
    if (this.vbe) {
      io.register(`${this.name} VBE`, 0x1ce, 2, {
        read: (port, size) => {
          const value = port === 0x1ce ? this.vbeIndex : this.readVbeData();
          return size === 1 ? value & 0xff : value;
        },
        write: (port, _size, value) => {
          if (port === 0x1ce) this.vbeIndex = value & 0xffff;
          else this.writeVbeData(value & 0xffff);
        },
      });
    }
    const window: MmioHandler = {
      read: (offset, size) => {
        let value = 0;
        for (let i = 0; i < size; i++) value |= this.readWindow(offset + i) << (8 * i);
        return value >>> 0;
      },
      write: (offset, size, value) => {
        for (let i = 0; i < size; i++) this.writeWindow(offset + i, (value >>> (8 * i)) & 0xff);
      },
    };
    memory.addMmio(`${this.name} window`, VGA_WINDOW_BASE, VGA_WINDOW_SIZE, window, 'little');
    if (this.lfbAddress !== null) {
      const mask = this.memory.length - 1;
      memory.addMmio(
        `${this.name} framebuffer`,
        this.lfbAddress,
        this.memory.length,
        {
          read: (offset, size) => {
            let value = 0;
            for (let i = 0; i < size; i++) value |= this.memory[(offset + i) & mask] << (8 * i);
            return value >>> 0;
          },
          write: (offset, size, value) => {
            for (let i = 0; i < size; i++) this.memory[(offset + i) & mask] = value >>> (8 * i);
            this.generation++;
          },
        },
        'little',
      );
    }
  }

  /** Power-on: registers cleared (the VGA BIOS programs a mode), memory kept as it is after a warm reset. */
  reset(): void {
    this.miscOutput = 0;
    this.featureControl = 0;
    this.sequencerIndex = 0;
    this.sequencer.fill(0);
    this.crtcIndex = 0;
    this.crtc.fill(0);
    this.graphicsIndex = 0;
    this.graphics.fill(0);
    this.attributeIndex = 0;
    this.attributeFlipFlop = false;
    this.attribute.fill(0);
    this.dacMask = 0xff;
    this.dacReadIndex = 0;
    this.dacWriteIndex = 0;
    this.dacComponent = 0;
    this.dacState = 0;
    this.dacPending.fill(0);
    this.dac.fill(0);
    this.latch = 0;
    this.vbeIndex = 0;
    this.vbeRegisters.fill(0);
    this.vbeRegisters[VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5;
    this.generation++;
  }

  // ---- I/O ports ----

  private readPorts(port: number, size: 1 | 2 | 4): number {
    let value = 0;
    for (let i = 0; i < size; i++) value |= this.readPort(port + i) << (8 * i);
    return value >>> 0;
  }

  private writePorts(port: number, size: 1 | 2 | 4, value: number): void {
    // A 16-bit OUT to an index port writes the index, then the data port (OUT DX, AX idiom).
    for (let i = 0; i < size; i++) this.writePort(port + i, (value >>> (8 * i)) & 0xff);
  }

  private get colour(): boolean {
    return (this.miscOutput & 1) !== 0;
  }

  /** Ports of the other (mono/colour) address set are not decoded. */
  private decoded(port: number): boolean {
    if (port >= 0x3b0 && port <= 0x3bb) return !this.colour;
    if (port >= 0x3d0 && port <= 0x3df) return this.colour;
    return port >= 0x3c0 && port <= 0x3cf;
  }

  readPort(port: number): number {
    if (!this.decoded(port)) return 0xff;
    switch (port) {
      case 0x3c0:
        return this.attributeIndex;
      case 0x3c1: {
        const index = this.attributeIndex & 0x1f;
        return index < ATTRIBUTE_COUNT ? this.attribute[index] : 0;
      }
      case 0x3c2:
        // Input status 0: no switch sense, no pending vertical retrace interrupt.
        return 0x00;
      case 0x3c4:
        return this.sequencerIndex;
      case 0x3c5:
        return this.sequencerIndex < SEQUENCER_COUNT ? this.sequencer[this.sequencerIndex] : 0xff;
      case 0x3c6:
        return this.dacMask;
      case 0x3c7:
        return this.dacState;
      case 0x3c8:
        return this.dacWriteIndex;
      case 0x3c9: {
        const value = this.dac[this.dacReadIndex * 3 + this.dacComponent];
        if (++this.dacComponent === 3) {
          this.dacComponent = 0;
          this.dacReadIndex = (this.dacReadIndex + 1) & 0xff;
        }
        return value;
      }
      case 0x3ca:
        return this.featureControl;
      case 0x3cc:
        return this.miscOutput;
      case 0x3ce:
        return this.graphicsIndex;
      case 0x3cf:
        return this.graphicsIndex < GRAPHICS_COUNT ? this.graphics[this.graphicsIndex] : 0xff;
      case 0x3b4:
      case 0x3d4:
        return this.crtcIndex;
      case 0x3b5:
      case 0x3d5:
        return this.crtcIndex < CRTC_COUNT ? this.crtc[this.crtcIndex] : 0xff;
      case 0x3ba:
      case 0x3da:
        // Reading input status 1 resets the attribute controller's flip-flop to "index".
        this.attributeFlipFlop = false;
        return this.inputStatus1();
      default:
        return 0xff;
    }
  }

  writePort(port: number, value: number): void {
    if (!this.decoded(port)) return;
    value &= 0xff;
    switch (port) {
      case 0x3c0:
        if (!this.attributeFlipFlop) {
          if ((this.attributeIndex ^ value) & 0x20) this.generation++;
          this.attributeIndex = value & 0x3f;
        } else {
          const index = this.attributeIndex & 0x1f;
          if (index < ATTRIBUTE_COUNT) {
            this.attribute[index] = value & ATTRIBUTE_MASKS[index];
            this.generation++;
          }
        }
        this.attributeFlipFlop = !this.attributeFlipFlop;
        break;
      case 0x3c2:
        this.miscOutput = value;
        this.generation++;
        break;
      case 0x3c4:
        this.sequencerIndex = value & 0x07;
        break;
      case 0x3c5:
        if (this.sequencerIndex < SEQUENCER_COUNT) {
          this.sequencer[this.sequencerIndex] = value & SEQUENCER_MASKS[this.sequencerIndex];
          this.generation++;
        }
        break;
      case 0x3c6:
        this.dacMask = value;
        this.generation++;
        break;
      case 0x3c7:
        this.dacReadIndex = value;
        this.dacComponent = 0;
        this.dacState = 3;
        break;
      case 0x3c8:
        this.dacWriteIndex = value;
        this.dacComponent = 0;
        this.dacState = 0;
        break;
      case 0x3c9:
        this.dacPending[this.dacComponent] = this.vbeRegisters[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC ? value : value & 0x3f;
        if (++this.dacComponent === 3) {
          this.dac.set(this.dacPending, this.dacWriteIndex * 3);
          this.dacComponent = 0;
          this.dacWriteIndex = (this.dacWriteIndex + 1) & 0xff;
          this.generation++;
        }
        break;
      case 0x3ce:
        this.graphicsIndex = value & 0x0f;
        break;
      case 0x3cf:
        if (this.graphicsIndex < GRAPHICS_COUNT) {
          this.graphics[this.graphicsIndex] = value & GRAPHICS_MASKS[this.graphicsIndex];
          this.generation++;
        }
        break;
      case 0x3b4:
      case 0x3d4:
        this.crtcIndex = value & 0x3f;
        break;
      case 0x3b5:
      case 0x3d5:
        this.writeCrtc(value);
        break;
      case 0x3ba:
      case 0x3da:
        this.featureControl = value & 0x03;
        break;
      default:
        break;
    }
  }

  private writeCrtc(value: number): void {
    const index = this.crtcIndex;
    if (index >= CRTC_COUNT) return;
    // CR11 bit 7 write-protects CR00–CR07, except the line compare bit 8 in CR07 bit 4.
    if (this.crtc[0x11] & 0x80 && index <= 0x07) {
      if (index === 0x07) this.crtc[7] = (this.crtc[7] & ~0x10) | (value & 0x10);
    } else {
      this.crtc[index] = value;
    }
    this.generation++;
  }

  /**
   * Input status 1 from guest time: bit 3 during vertical retrace (the last RETRACE_NS of each
   * frame), bit 0 whenever the display is not being drawn (retrace, or the horizontal blanking at
   * the end of each scan line). A frame is 70 Hz for the 449-line modes and 60 Hz for 525 lines.
   */
  inputStatus1(): number {
    const lines = this.verticalTotal();
    const frameNs = 1e9 / (lines >= 500 ? 60 : 70);
    const inFrame = this.clock.now % frameNs;
    const retrace = inFrame >= frameNs - RETRACE_NS;
    const lineNs = frameNs / lines;
    const blank = retrace || inFrame % lineNs >= lineNs * 0.8;
    return (retrace ? 0x08 : 0) | (blank ? 0x01 : 0);
  }

  /** Scan lines per frame from CR06 and the overflow register (449 when unprogrammed). */
  private verticalTotal(): number {
    const total = (this.crtc[6] | ((this.crtc[7] & 0x01) << 8) | ((this.crtc[7] & 0x20) << 4)) + 2;
    return total < 200 ? 449 : total;
  }

  // ---- Bochs VBE ----

  private get vbeEnabled(): boolean {
    return this.vbe && (this.vbeRegisters[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED) !== 0;
  }

  private readVbeData(): number {
    const index = this.vbeIndex;
    if (index < VBE_REGISTER_COUNT) {
      if (this.vbeRegisters[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_GETCAPS) {
        if (index === VBE_DISPI_INDEX_XRES) return VBE_MAX_XRES;
        if (index === VBE_DISPI_INDEX_YRES) return VBE_MAX_YRES;
        if (index === VBE_DISPI_INDEX_BPP) return VBE_MAX_BPP;
      }
      return this.vbeRegisters[index];
    }
    if (index === VBE_DISPI_INDEX_VIDEO_MEMORY_64K) return this.memory.length >>> 16;
    return 0;
  }

  private writeVbeData(value: number): void {
    const registers = this.vbeRegisters;
    switch (this.vbeIndex) {
      case VBE_DISPI_INDEX_ID:
        if (value >= VBE_DISPI_ID0 && value <= VBE_DISPI_ID5) registers[VBE_DISPI_INDEX_ID] = value;
        break;
      case VBE_DISPI_INDEX_XRES:
      case VBE_DISPI_INDEX_YRES:
      case VBE_DISPI_INDEX_BPP:
      case VBE_DISPI_INDEX_VIRT_WIDTH:
      case VBE_DISPI_INDEX_X_OFFSET:
      case VBE_DISPI_INDEX_Y_OFFSET:
        registers[this.vbeIndex] = value;
        this.vbeCheck();
        break;
      case VBE_DISPI_INDEX_BANK:
        registers[VBE_DISPI_INDEX_BANK] = value & ((this.memory.length >>> 16) - 1);
        break;
      case VBE_DISPI_INDEX_ENABLE:
        this.writeVbeEnable(value);
        break;
      default:
        break;
    }
    this.generation++;
  }

  private vbeBytesPerPixel(): number {
    const bpp = this.vbeRegisters[VBE_DISPI_INDEX_BPP];
    return bpp === 15 ? 2 : bpp / 8;
  }

  /** Keeps the VBE geometry inside what the memory holds, as the Bochs interface does (it has no error status). */
  private vbeCheck(): void {
    const r = this.vbeRegisters;
    if (!(r[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED)) return;
    if (![4, 8, 15, 16, 24, 32].includes(r[VBE_DISPI_INDEX_BPP])) r[VBE_DISPI_INDEX_BPP] = 8;
    r[VBE_DISPI_INDEX_XRES] = Math.min(Math.max(r[VBE_DISPI_INDEX_XRES] & ~7, 8), VBE_MAX_XRES);
    r[VBE_DISPI_INDEX_VIRT_WIDTH] = Math.max(Math.min(r[VBE_DISPI_INDEX_VIRT_WIDTH] & ~7, VBE_MAX_XRES), r[VBE_DISPI_INDEX_XRES]);
    const lineBytes = this.vbeLineBytes();
    const maxLines = Math.min(Math.floor(this.memory.length / lineBytes), 0xffff);
    r[VBE_DISPI_INDEX_YRES] = Math.min(Math.max(r[VBE_DISPI_INDEX_YRES], 1), VBE_MAX_YRES, maxLines);
    r[VBE_DISPI_INDEX_VIRT_HEIGHT] = maxLines;
    r[VBE_DISPI_INDEX_X_OFFSET] = Math.min(r[VBE_DISPI_INDEX_X_OFFSET], r[VBE_DISPI_INDEX_VIRT_WIDTH] - r[VBE_DISPI_INDEX_XRES]);
    r[VBE_DISPI_INDEX_Y_OFFSET] = Math.min(r[VBE_DISPI_INDEX_Y_OFFSET], maxLines - r[VBE_DISPI_INDEX_YRES]);
  }

  private vbeLineBytes(): number {
    const r = this.vbeRegisters;
    return r[VBE_DISPI_INDEX_BPP] === 4 ? r[VBE_DISPI_INDEX_VIRT_WIDTH] >>> 1 : r[VBE_DISPI_INDEX_VIRT_WIDTH] * this.vbeBytesPerPixel();
  }

  private writeVbeEnable(value: number): void {
    const r = this.vbeRegisters;
    const wasEnabled = (r[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED) !== 0;
    if (value & VBE_DISPI_ENABLED && !wasEnabled) {
      r[VBE_DISPI_INDEX_VIRT_WIDTH] = 0;
      r[VBE_DISPI_INDEX_X_OFFSET] = 0;
      r[VBE_DISPI_INDEX_Y_OFFSET] = 0;
      r[VBE_DISPI_INDEX_ENABLE] = value;
      this.vbeCheck();
      const lineBytes = this.vbeLineBytes();
      if (!(value & VBE_DISPI_NOCLEARMEM)) this.memory.fill(0, 0, Math.min(this.memory.length, r[VBE_DISPI_INDEX_YRES] * lineBytes));
      // The VGA side follows, as in Bochs: graphics, the 64 KiB window at 0xA0000 (for banking),
      // chain-4 with all planes for the packed-pixel depths.
      this.graphics[6] = (this.graphics[6] & ~0x0c) | 0x05;
      if (r[VBE_DISPI_INDEX_BPP] !== 4) {
        this.sequencer[4] |= 0x08;
        this.sequencer[2] = 0x0f;
        this.graphics[5] = (this.graphics[5] & ~0x60) | 0x40;
      } else {
        this.graphics[5] &= ~0x60;
      }
      this.attributeIndex |= 0x20;
    }
    r[VBE_DISPI_INDEX_ENABLE] = value;
    if (!(value & VBE_DISPI_ENABLED)) r[VBE_DISPI_INDEX_BANK] = 0;
  }

  // ---- video memory through the CPU window ----

  /** Window offset (0…0x1FFFF from 0xA0000) to an address in video memory, or -1 when the memory map select leaves it out. */
  private windowAddress(offset: number): number {
    switch ((this.graphics[6] >>> 2) & 3) {
      case 0:
        return offset;
      case 1:
        if (offset >= 0x10000) return -1;
        return this.vbeEnabled ? offset + (this.vbeRegisters[VBE_DISPI_INDEX_BANK] << 16) : offset;
      case 2:
        return offset >= 0x10000 && offset < 0x18000 ? offset - 0x10000 : -1;
      default:
        return offset >= 0x18000 ? offset - 0x18000 : -1;
    }
  }

  /** Plane offsets wrap at 64 KiB except in a VBE planar mode, which banks through more. */
  private get planeOffsetMask(): number {
    return this.vbeEnabled ? this.memory32.length - 1 : PLANE_SIZE - 1;
  }

  /** A CPU read of the window (offset from 0xA0000). */
  readWindow(offset: number): number {
    const address = this.windowAddress(offset);
    if (address < 0) return 0xff;
    const graphics = this.graphics;
    if (this.sequencer[4] & 0x08) {
      if (this.vbeEnabled) return this.memory[address & (this.memory.length - 1)];
      const planeOffset = address & ~3 & (PLANE_SIZE - 1);
      this.latch = this.memory32[planeOffset];
      return (this.latch >>> (8 * (address & 3))) & 0xff;
    }
    if (graphics[5] & 0x10) {
      // Odd/even read: A0 picks plane 0 or 1, read map select bit 1 picks the pair 0/1 or 2/3.
      const planeOffset = address & ~1 & this.planeOffsetMask;
      this.latch = this.memory32[planeOffset];
      return (this.latch >>> (8 * ((graphics[4] & 2) | (address & 1)))) & 0xff;
    }
    this.latch = this.memory32[address & this.planeOffsetMask];
    if (!(graphics[5] & 0x08)) return (this.latch >>> (8 * (graphics[4] & 3))) & 0xff;
    // Read mode 1: a 1 for each pixel whose colour matches the colour compare register in the planes colour don't care selects.
    let differ = ((this.latch ^ PLANE_MASKS[graphics[2] & 0x0f]) & PLANE_MASKS[graphics[7] & 0x0f]) >>> 0;
    differ |= differ >>> 16;
    differ |= differ >>> 8;
    return ~differ & 0xff;
  }

  /** A CPU write to the window (offset from 0xA0000). */
  writeWindow(offset: number, value: number): void {
    const address = this.windowAddress(offset);
    if (address < 0) return;
    this.generation++;
    const mapMask = this.sequencer[2] & 0x0f;
    if (this.sequencer[4] & 0x08) {
      if (this.vbeEnabled) {
        this.memory[address & (this.memory.length - 1)] = value;
        return;
      }
      const plane = address & 3;
      if (mapMask & (1 << plane)) this.memory[((address & ~3 & (PLANE_SIZE - 1)) << 2) | plane] = value;
      return;
    }
    if (!(this.sequencer[4] & 0x04)) {
      // Odd/even write (memory mode bit 2 clear): even addresses reach planes 0 and 2, odd ones 1 and 3.
      const planes = mapMask & (address & 1 ? 0x0a : 0x05);
      const base = (address & ~1 & this.planeOffsetMask) << 2;
      for (let plane = 0; plane < 4; plane++) if (planes & (1 << plane)) this.memory[base | plane] = value;
      return;
    }
    const planeOffset = address & this.planeOffsetMask;
    const graphics = this.graphics;
    const latch = this.latch;
    let data: number;
    let bitMask = graphics[8];
    const rotate = graphics[3] & 7;
    switch (graphics[5] & 3) {
      case 0: {
        const rotated = ((value >>> rotate) | (value << (8 - rotate))) & 0xff;
        const enable = PLANE_MASKS[graphics[1] & 0x0f];
        data = ((Math.imul(rotated, 0x01010101) & ~enable) | (PLANE_MASKS[graphics[0] & 0x0f] & enable)) >>> 0;
        break;
      }
      case 1: {
        // Write mode 1: the latches as they are, under the map mask only.
        const mask = PLANE_MASKS[mapMask];
        this.memory32[planeOffset] = ((this.memory32[planeOffset] & ~mask) | (latch & mask)) >>> 0;
        return;
      }
      case 2:
        data = PLANE_MASKS[value & 0x0f];
        break;
      default: {
        const rotated = ((value >>> rotate) | (value << (8 - rotate))) & 0xff;
        bitMask &= rotated;
        data = PLANE_MASKS[graphics[0] & 0x0f];
        break;
      }
    }
    switch ((graphics[3] >>> 3) & 3) {
      case 1:
        data &= latch;
        break;
      case 2:
        data |= latch;
        break;
      case 3:
        data ^= latch;
        break;
      default:
        break;
    }
    const bits = Math.imul(bitMask, 0x01010101);
    data = (data & bits) | (latch & ~bits);
    const mask = PLANE_MASKS[mapMask];
    this.memory32[planeOffset] = ((this.memory32[planeOffset] & ~mask) | (data & mask)) >>> 0;
  }

  // ---- what is on the screen ----

  private get displayOn(): boolean {
    return (this.attributeIndex & 0x20) !== 0 && (this.sequencer[1] & 0x20) === 0;
  }

  /** Scan lines shown: the vertical display end (CR12 with overflow bits 8 and 9) + 1. */
  private displayLines(): number {
    return (this.crtc[0x12] | ((this.crtc[7] & 0x02) << 7) | ((this.crtc[7] & 0x40) << 3)) + 1;
  }

  private characterWidth(): number {
    return this.sequencer[1] & 0x01 ? 8 : 9;
  }

  /** Scan lines per logical graphics line: max scan line + 1 (unless CGA row addressing), doubled by CR09 bit 7. */
  private graphicsLineRepeat(): number {
    const cgaAddressing = (this.crtc[0x17] & 0x01) === 0;
    const rows = cgaAddressing ? 1 : (this.crtc[9] & 0x1f) + 1;
    return rows << (this.crtc[9] >>> 7);
  }

  /** The mode the registers describe, in logical pixels (320×200 for modes 0Dh and 13h). */
  mode(): VgaMode {
    if (this.vbeEnabled) {
      const r = this.vbeRegisters;
      return { kind: 'graphics', width: r[VBE_DISPI_INDEX_XRES], height: r[VBE_DISPI_INDEX_YRES], bitsPerPixel: r[VBE_DISPI_INDEX_BPP] };
    }
    if (!this.displayOn) return { kind: 'off' };
    return this.geometry();
  }

  private geometry(): VgaMode {
    const characters = this.crtc[1] + 1;
    const lines = this.displayLines();
    if (!(this.graphics[6] & 0x01)) {
      return { kind: 'text', columns: characters, rows: Math.max(1, Math.floor(lines / ((this.crtc[9] & 0x1f) + 1))) };
    }
    const height = Math.max(1, Math.floor(lines / this.graphicsLineRepeat()));
    if (this.graphics[5] & 0x40) return { kind: 'graphics', width: characters * 4, height, bitsPerPixel: 8 };
    if (this.graphics[5] & 0x20) return { kind: 'graphics', width: characters * 8, height, bitsPerPixel: 2 };
    return { kind: 'graphics', width: characters * 8, height, bitsPerPixel: 4 };
  }

  /** Character counter to plane offset, per the CRTC byte/word/doubleword addressing (CR14 bit 6, CR17 bits 5–6). */
  private crtcAddress(counter: number): number {
    if (this.crtc[0x14] & 0x40) return (counter << 2) & 0xffff;
    if (!(this.crtc[0x17] & 0x40)) {
      const wrapBit = this.crtc[0x17] & 0x20 ? (counter >>> 15) & 1 : (counter >>> 13) & 1;
      return ((counter << 1) | wrapBit) & 0xffff;
    }
    return counter & 0xffff;
  }

  private startAddress(): number {
    return (this.crtc[0x0c] << 8) | this.crtc[0x0d];
  }

  /** Character counter advance per row: twice the offset register. */
  private rowPitch(): number {
    return this.crtc[0x13] << 1;
  }

  /** The visible text page, or null when the display is not in a text mode. */
  textScreen(): VgaTextScreen | null {
    const mode = this.mode();
    if (mode.kind !== 'text') return null;
    const { columns, rows } = mode;
    const characters = new Uint8Array(columns * rows);
    const attributes = new Uint8Array(columns * rows);
    const start = this.startAddress();
    const pitch = this.rowPitch();
    for (let row = 0; row < rows; row++) {
      for (let column = 0; column < columns; column++) {
        const address = this.crtcAddress(start + row * pitch + column) << 2;
        characters[row * columns + column] = this.memory[address];
        attributes[row * columns + column] = this.memory[address + 1];
      }
    }
    return { columns, rows, characters, attributes, cursor: this.cursor(columns, rows) };
  }

  private cursor(columns: number, rows: number): { row: number; column: number; visible: boolean } {
    const location = ((this.crtc[0x0e] << 8) | this.crtc[0x0f]) - this.startAddress();
    const pitch = this.rowPitch();
    let row = -1;
    let column = -1;
    if (location >= 0 && pitch > 0) {
      row = Math.floor(location / pitch);
      column = location % pitch;
    }
    const onScreen = row >= 0 && row < rows && column < columns;
    const start = this.crtc[0x0a] & 0x1f;
    const end = this.crtc[0x0b] & 0x1f;
    const visible = onScreen && !(this.crtc[0x0a] & 0x20) && start <= end && start <= (this.crtc[9] & 0x1f);
    return { row: Math.max(row, 0), column: Math.max(column, 0), visible };
  }

  /** The text screen as lines of Unicode (code page 437), trailing spaces trimmed; [] outside text modes. */
  screenText(): string[] {
    const screen = this.textScreen();
    if (screen === null) return [];
    const lines: string[] = [];
    for (let row = 0; row < screen.rows; row++) {
      let line = '';
      for (let column = 0; column < screen.columns; column++) line += cp437ToUnicode(screen.characters[row * screen.columns + column]);
      lines.push(line.trimEnd());
    }
    return lines;
  }

  /** The colour of DAC entry `index` as packed RGBA. */
  private dacColour(index: number): number {
    const i = index * 3;
    const dac = this.dac;
    if (this.vbe && this.vbeRegisters[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC) return packRgba(dac[i], dac[i + 1], dac[i + 2]);
    return packRgba(sixToEight(dac[i]), sixToEight(dac[i + 1]), sixToEight(dac[i + 2]));
  }

  /** 4-bit pixel values through colour plane enable, the attribute palette, colour select and the DAC mask. */
  private updatePalette16(): void {
    const attribute = this.attribute;
    const planeEnable = attribute[0x12] & 0x0f;
    for (let value = 0; value < 16; value++) {
      const entry = attribute[value & planeEnable];
      const index =
        attribute[0x10] & 0x80 ? (entry & 0x0f) | ((attribute[0x14] & 0x0f) << 4) : (entry & 0x3f) | ((attribute[0x14] & 0x0c) << 4);
      this.palette16[value] = this.dacColour(index & this.dacMask);
    }
  }

  private updatePalette256(): void {
    for (let value = 0; value < 256; value++) this.palette256[value] = this.dacColour(value & this.dacMask);
  }

  /** The screen as RGBA pixels in logical resolution (black when the display is off). */
  render(): VgaImage {
    if (this.vbeEnabled) return this.renderVbe();
    const mode = this.geometry();
    if (mode.kind === 'text') return this.displayOn ? this.renderText(mode.columns, mode.rows) : blank(mode.columns * this.characterWidth(), mode.rows * ((this.crtc[9] & 0x1f) + 1));
    if (mode.kind !== 'graphics') return blank(640, 480);
    if (!this.displayOn) return blank(mode.width, mode.height);
    return this.renderGraphics(mode.width, mode.height, mode.bitsPerPixel);
  }

  private renderText(columns: number, rows: number): VgaImage {
    this.updatePalette16();
    const characterWidth = this.characterWidth();
    const characterHeight = (this.crtc[9] & 0x1f) + 1;
    const width = columns * characterWidth;
    const height = rows * characterHeight;
    const rgba = new Uint8ClampedArray(width * height * 4);
    const pixels = new Uint32Array(rgba.buffer);
    const memory = this.memory;
    const palette = this.palette16;
    // Character map select: map A (attribute bit 3 set) from bits 5,3,2, map B from bits 4,1,0;
    // map n starts at plane-2 offset (n & 3) × 16 KiB + (n >> 2) × 8 KiB.
    const select = this.sequencer[3];
    const mapA = ((select >>> 2) & 3) * 0x4000 + ((select >>> 5) & 1) * 0x2000;
    const mapB = (select & 3) * 0x4000 + ((select >>> 4) & 1) * 0x2000;
    const blinkMode = (this.attribute[0x10] & 0x08) !== 0;
    const lineGraphics = (this.attribute[0x10] & 0x04) !== 0;
    const cursor = this.cursor(columns, rows);
    const cursorStart = this.crtc[0x0a] & 0x1f;
    const cursorEnd = this.crtc[0x0b] & 0x1f;
    const start = this.startAddress();
    const pitch = this.rowPitch();
    for (let row = 0; row < rows; row++) {
      for (let column = 0; column < columns; column++) {
        const address = this.crtcAddress(start + row * pitch + column) << 2;
        const code = memory[address];
        const attribute = memory[address + 1];
        const foreground = palette[attribute & 0x0f];
        const background = palette[blinkMode ? (attribute >>> 4) & 0x07 : attribute >>> 4];
        const glyph = (attribute & 0x08 ? mapA : mapB) + code * 32;
        const isCursor = cursor.visible && cursor.row === row && cursor.column === column;
        const replicate = lineGraphics && code >= 0xc0 && code <= 0xdf;
        let out = row * characterHeight * width + column * characterWidth;
        for (let line = 0; line < characterHeight; line++, out += width) {
          const cursorLine = isCursor && line >= cursorStart && line <= cursorEnd;
          const bits = cursorLine ? 0xff : memory[(((glyph + line) & 0xffff) << 2) | 2];
          for (let x = 0; x < 8; x++) pixels[out + x] = bits & (0x80 >>> x) ? foreground : background;
          // The ninth dot is background, except the cursor and, with line graphics enable, 0xC0–0xDF repeating dot 8.
          if (characterWidth === 9) pixels[out + 8] = cursorLine || (replicate && bits & 1) ? foreground : background;
        }
      }
    }
    return { width, height, rgba };
  }

  private renderGraphics(width: number, height: number, bitsPerPixel: number): VgaImage {
    if (bitsPerPixel === 8) this.updatePalette256();
    else this.updatePalette16();
    const rgba = new Uint8ClampedArray(width * height * 4);
    const pixels = new Uint32Array(rgba.buffer);
    const memory = this.memory;
    const palette16 = this.palette16;
    const palette256 = this.palette256;
    const start = this.startAddress();
    const pitch = this.rowPitch();
    const repeat = this.graphicsLineRepeat();
    const cgaAddressing = (this.crtc[0x17] & 0x01) === 0;
    const cgaRows = (this.crtc[9] & 0x1f) + 1;
    const lineCompare = this.crtc[0x18] | ((this.crtc[7] & 0x10) << 4) | ((this.crtc[9] & 0x40) << 3);
    let counter = start;
    for (let y = 0; y < height; y++) {
      let rowCounter: number;
      let bank = 0;
      if (cgaAddressing) {
        // CR17 bit 0 clear: row scan counter bit 0 replaces address bit 13 (CGA's two banks).
        rowCounter = start + Math.floor(y / cgaRows) * pitch;
        bank = (y % cgaRows) & 1 ? 0x2000 : 0;
      } else {
        if (y * repeat > lineCompare && (y - 1) * repeat <= lineCompare) counter = 0;
        rowCounter = counter;
        counter += pitch;
      }
      const out = y * width;
      if (bitsPerPixel === 8) {
        for (let x = 0; x < width; x++) {
          const address = (this.crtcAddress(rowCounter + (x >>> 2)) | bank) << 2;
          pixels[out + x] = palette256[memory[address | (x & 3)]];
        }
      } else if (bitsPerPixel === 2) {
        for (let x = 0; x < width; x += 8) {
          const address = (this.crtcAddress(rowCounter + (x >>> 3)) | bank) << 2;
          for (let i = 0; i < 8 && x + i < width; i++) {
            const byte = memory[address | (i >>> 2)];
            pixels[out + x + i] = palette16[(byte >>> (6 - 2 * (i & 3))) & 3];
          }
        }
      } else {
        for (let x = 0; x < width; x += 8) {
          const address = (this.crtcAddress(rowCounter + (x >>> 3)) | bank) << 2;
          const p0 = memory[address];
          const p1 = memory[address | 1];
          const p2 = memory[address | 2];
          const p3 = memory[address | 3];
          for (let i = 0; i < 8 && x + i < width; i++) {
            const bit = 7 - i;
            const value = ((p0 >>> bit) & 1) | (((p1 >>> bit) & 1) << 1) | (((p2 >>> bit) & 1) << 2) | (((p3 >>> bit) & 1) << 3);
            pixels[out + x + i] = palette16[value];
          }
        }
      }
    }
    return { width, height, rgba };
  }

  private renderVbe(): VgaImage {
    const r = this.vbeRegisters;
    const width = r[VBE_DISPI_INDEX_XRES];
    const height = r[VBE_DISPI_INDEX_YRES];
    const bpp = r[VBE_DISPI_INDEX_BPP];
    const rgba = new Uint8ClampedArray(width * height * 4);
    const pixels = new Uint32Array(rgba.buffer);
    if (bpp === 4) return { width, height, rgba }; // VBE planar modes are not drawn (docs/devices-vga.md)
    const memory = this.memory;
    const bytesPerPixel = this.vbeBytesPerPixel();
    const lineBytes = this.vbeLineBytes();
    const sizeMask = memory.length - 1;
    if (bpp === 8) this.updatePalette256();
    let line = r[VBE_DISPI_INDEX_Y_OFFSET] * lineBytes + r[VBE_DISPI_INDEX_X_OFFSET] * bytesPerPixel;
    for (let y = 0; y < height; y++, line += lineBytes) {
      const out = y * width;
      for (let x = 0; x < width; x++) {
        const at = line + x * bytesPerPixel;
        let colour: number;
        switch (bpp) {
          case 8:
            colour = this.palette256[memory[at & sizeMask]];
            break;
          case 15:
          case 16: {
            const value = memory[at & sizeMask] | (memory[(at + 1) & sizeMask] << 8);
            if (bpp === 15) colour = packRgba(((value >>> 10) & 0x1f) * 255 / 31, ((value >>> 5) & 0x1f) * 255 / 31, (value & 0x1f) * 255 / 31);
            else colour = packRgba(((value >>> 11) & 0x1f) * 255 / 31, ((value >>> 5) & 0x3f) * 255 / 63, (value & 0x1f) * 255 / 31);
            break;
          }
          default:
            // 24 and 32 bpp: blue, green, red (, unused) in memory order.
            colour = packRgba(memory[(at + 2) & sizeMask], memory[(at + 1) & sizeMask], memory[at & sizeMask]);
            break;
        }
        pixels[out + x] = colour;
      }
    }
    return { width, height, rgba };
  }

  // ---- saved state ----

  saveState(): DeviceState {
    return {
      miscOutput: this.miscOutput,
      featureControl: this.featureControl,
      sequencerIndex: this.sequencerIndex,
      sequencer: bytesToHex(this.sequencer),
      crtcIndex: this.crtcIndex,
      crtc: bytesToHex(this.crtc),
      graphicsIndex: this.graphicsIndex,
      graphics: bytesToHex(this.graphics),
      attributeIndex: this.attributeIndex,
      attributeFlipFlop: this.attributeFlipFlop ? 1 : 0,
      attribute: bytesToHex(this.attribute),
      dacMask: this.dacMask,
      dacReadIndex: this.dacReadIndex,
      dacWriteIndex: this.dacWriteIndex,
      dacComponent: this.dacComponent,
      dacState: this.dacState,
      dacPending: bytesToHex(this.dacPending),
      dac: bytesToHex(this.dac),
      latch: this.latch >>> 0,
      vbeIndex: this.vbeIndex,
      vbeRegisters: Array.from(this.vbeRegisters),
      memorySize: this.memory.length,
      // Up to the last non-zero byte only: 16 MiB of VBE memory is mostly zeros in a text mode.
      memory: bytesToHex(this.memory.subarray(0, usedLength(this.memory))),
    };
  }

  restoreState(state: DeviceState): void {
    const number = (field: string, max: number): number => {
      const value = stateNumber(state, this.name, field);
      if (!Number.isInteger(value) || value < 0 || value > max) throw new Error(`saved state of ${this.name}: field ${field} is ${value}, not a whole number 0…${max}`);
      return value;
    };
    const bytes = (field: string, into: Uint8Array): void => {
      const value = state[field];
      if (typeof value !== 'string') throw new Error(`saved state of ${this.name}: field ${field} is not a string`);
      hexToBytes(value, into, `${this.name} ${field}`);
    };
    const vbeRegisters = state.vbeRegisters;
    if (!Array.isArray(vbeRegisters) || vbeRegisters.length !== VBE_REGISTER_COUNT || !vbeRegisters.every((v) => typeof v === 'number')) {
      throw new Error(`saved state of ${this.name}: field vbeRegisters is not a list of ${VBE_REGISTER_COUNT} numbers`);
    }
    this.miscOutput = number('miscOutput', 0xff);
    this.featureControl = number('featureControl', 0xff);
    this.sequencerIndex = number('sequencerIndex', 0x07);
    bytes('sequencer', this.sequencer);
    this.crtcIndex = number('crtcIndex', 0x3f);
    bytes('crtc', this.crtc);
    this.graphicsIndex = number('graphicsIndex', 0x0f);
    bytes('graphics', this.graphics);
    this.attributeIndex = number('attributeIndex', 0x3f);
    this.attributeFlipFlop = number('attributeFlipFlop', 1) !== 0;
    bytes('attribute', this.attribute);
    this.dacMask = number('dacMask', 0xff);
    this.dacReadIndex = number('dacReadIndex', 0xff);
    this.dacWriteIndex = number('dacWriteIndex', 0xff);
    this.dacComponent = number('dacComponent', 2);
    this.dacState = number('dacState', 3);
    bytes('dacPending', this.dacPending);
    bytes('dac', this.dac);
    this.latch = number('latch', 0xffffffff);
    this.vbeIndex = number('vbeIndex', 0xffff);
    if (number('memorySize', 2 ** 32) !== this.memory.length) {
      throw new Error(`saved state of ${this.name}: field memorySize is ${String(state.memorySize)} bytes, but this VGA has ${this.memory.length}`);
    }
    const memory = state.memory;
    if (typeof memory !== 'string' || memory.length % 2 !== 0 || memory.length > 2 * this.memory.length) {
      throw new Error(`saved state of ${this.name}: field memory is not hex digits of at most ${this.memory.length} bytes`);
    }
    this.vbeRegisters.set(vbeRegisters.map((v) => Number(v) & 0xffff));
    hexToBytes(memory, this.memory.subarray(0, memory.length / 2), `${this.name} memory`);
    this.memory.fill(0, memory.length / 2);
    this.generation++;
  }
}

/** The length of `bytes` without its trailing zeros. */
function usedLength(bytes: Uint8Array): number {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  let end = words.length;
  while (end > 0 && words[end - 1] === 0) end--;
  let length = end * 4;
  while (length > 0 && bytes[length - 1] === 0) length--;
  return length;
}

function blank(width: number, height: number): VgaImage {
  const w = Math.max(1, width);
  const h = Math.max(1, height);
  const rgba = new Uint8ClampedArray(w * h * 4);
  new Uint32Array(rgba.buffer).fill(0xff000000);
  return { width: w, height: h, rgba };
}
