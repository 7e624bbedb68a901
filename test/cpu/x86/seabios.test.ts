// Real firmware on the x86 core and the PC device models: Debian's SeaBIOS (package seabios) on a
// minimal ISA PC assembled here from hw/ and devices/ parts — RAM, the BIOS ROM at the top of 4 GiB
// and as a writable shadow at E0000, PIC, PIT, RTC/CMOS with the memory size, port 0x92, the 8042
// with a keyboard, COM1 and the debug console on port 0x402. Without fw_cfg, VGA or IDE (the whole
// machine is src/machines/pc.ts, tested in test/machines/) SeaBIOS takes the RAM size from CMOS and
// finds no disk and no display; what it prints on the debug console is asserted line by line, as
// far as its reboot request.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { X86Cpu } from '../../../src/cpu/x86/cpu.js';
import { I8042 } from '../../../src/devices/i8042.js';
import { I8254 } from '../../../src/devices/i8254.js';
import { I8259 } from '../../../src/devices/i8259.js';
import { Mc146818 } from '../../../src/devices/mc146818.js';
import { PcSpeakerPort } from '../../../src/devices/pc-speaker-port.js';
import { Port92 } from '../../../src/devices/port92.js';
import { Ps2Keyboard } from '../../../src/devices/ps2keyboard.js';
import { Uart16550 } from '../../../src/devices/uart16550.js';
import { MachineClock } from '../../../src/hw/clock.js';
import { IoPorts } from '../../../src/hw/ioports.js';
import { IrqLine } from '../../../src/hw/irq.js';
import { PhysicalMemory } from '../../../src/hw/memory.js';

const BIOS = '/usr/share/seabios/bios.bin';
/** Guest nanoseconds per instruction: a 100 MHz machine. */
const NS_PER_INSTRUCTION = 10;

test('X86FW0001 Debian SeaBIOS runs on the core and the PC devices to "No bootable device." and asks for a reboot', () => {
  assert.ok(existsSync(BIOS), `${BIOS} is missing: install Debian's seabios package (apt-get install -y seabios; .ci/run does)`);
  const bios = new Uint8Array(readFileSync(BIOS));
  assert.equal(bios.length, 128 << 10);

  const ramSize = 32 << 20;
  const ram = new Uint8Array(ramSize);
  const memory = new PhysicalMemory('little');
  memory.addRam('ram-low', 0, ram.subarray(0, 0xa0000));
  const shadow = bios.slice();
  memory.addRom('bios-shadow', 0xe0000, shadow, true);
  memory.addRam('ram-high', 0x100000, ram.subarray(0x100000));
  memory.addRom('bios', 0x1_0000_0000 - bios.length, bios);

  const io = new IoPorts();
  const clock = new MachineClock();
  const pic = new I8259();
  pic.attach(io);
  const irq = (line: number): IrqLine => new IrqLine(pic, line);
  const pit = new I8254(clock, irq(0));
  pit.attach(io);
  new PcSpeakerPort(clock, pit).attach(io);
  const rtc = new Mc146818(clock, irq(8), { baseTime: new Date('2026-01-01T00:00:00Z') });
  rtc.attach(io);
  // The CMOS bytes SeaBIOS reads without fw_cfg: base, extended and above-16 MiB memory, no
  // floppy (0x10), equipment (0x14: display, one coprocessor), boot order hard disk first (0x3d, 0x38).
  const extendedKiB = (ramSize - (1 << 20)) >> 10;
  const above16 = (ramSize - (16 << 20)) >> 16;
  for (const [index, value] of [
    [0x15, 640 & 0xff],
    [0x16, 640 >> 8],
    [0x17, extendedKiB & 0xff],
    [0x18, extendedKiB >> 8],
    [0x30, extendedKiB & 0xff],
    [0x31, extendedKiB >> 8],
    [0x34, above16 & 0xff],
    [0x35, above16 >> 8],
    [0x10, 0x00],
    [0x14, 0x26],
    [0x3d, 0x02],
    [0x38, 0x00],
  ]) {
    rtc.setByte(index, value);
  }
  rtc.updateChecksum();
  const resets: string[] = [];
  new Port92({ onA20: () => undefined, onReset: () => resets.push('port 0x92') }).attach(io);
  const keyboard = new Ps2Keyboard(clock);
  new I8042(irq(1), irq(12), { onA20: () => undefined, onReset: () => resets.push('8042') }, { keyboard }).attach(io);
  let serial = '';
  new Uart16550(0x3f8, irq(4), clock, { instant: true, backend: { transmit: (byte) => (serial += String.fromCharCode(byte)) } }).attach(io);
  let debug = '';
  io.register('debug console', 0x402, 1, {
    read: () => 0xe9,
    write: (_port, _size, value) => {
      debug += String.fromCharCode(value & 0xff);
    },
  });

  const log: string[] = [];
  const cpu = new X86Cpu(memory, io, { log: (line) => log.push(line) });
  cpu.interruptController = pic;
  // SeaBIOS reboots by whatever works first: the 8042's reset line, port 0x92, or a triple fault.
  cpu.shutdownHook = () => resets.push('triple fault');
  cpu.reset();
  // Until SeaBIOS asks for the reboot, at most 40 M instructions.
  for (let round = 0; resets.length === 0 && cpu.instructions < 40_000_000 && round < 400_000; round++) {
    const ran = cpu.run(10_000);
    clock.advance(Math.max(ran, 1) * NS_PER_INSTRUCTION);
    // An idle CPU (HLT) lets guest time run to the next timer.
    if (cpu.halted && !pic.hasInterrupt()) clock.advanceTo(Math.min(clock.nextDeadline, clock.now + 1_000_000));
  }

  const expected = [
    'SeaBIOS (version 1.16.2-debian-1.16.2-1)',
    'RamSize: 0x02000000 [cmos]',
    'Detected non-PCI system',
    'No apic - only the main cpu is present.',
    'Found 1 serial ports',
    'PS2 keyboard initialized',
    'Press ESC for boot menu.',
    'No bootable device.  Retrying in 60 seconds.',
    'Attempting a hard reboot',
  ];
  let from = 0;
  for (const line of expected) {
    const at = debug.indexOf(line, from);
    assert.ok(at >= 0, `SeaBIOS printed "${line}" (in order); its debug console said:\n${debug}\nCPU log: ${log.join(' | ')}`);
    from = at + line.length;
  }
  assert.equal(resets.length, 1, 'SeaBIOS asked for a reboot');
  assert.equal(serial, '', 'nothing on COM1: SeaBIOS writes there only when fw_cfg says nographic');
  assert.equal(log.filter((line) => /#UD|not implemented/i.test(line)).length, 0, `no unimplemented instruction: ${log.join(' | ')}`);
});
