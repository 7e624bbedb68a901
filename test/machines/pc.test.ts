// The PC machine (QEMU's isapc) with Debian's SeaBIOS and its VGA BIOS, and with the guest of
// guests/pc-boot: what the firmware and the guest print on the VGA screen, COM1 and the debug
// console is asserted, as under qemu-system-i386 -M isapc (../../guests/pc-boot/README.md has
// QEMU's transcript of the same guest).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { strokesToKeyEvents, textToKeyStrokes } from '../../src/host/terminal-keys.js';
import { RamDisk } from '../../src/hw/block.js';
import { PcMachine, validatePcConfig } from '../../src/machines/pc.js';
import { MachineRunner } from '../../src/vmm/runner.js';
import { REPOSITORY, scratchDirectory } from '../cpu/x86/differential/toolchain.js';
import { checkPattern } from './pc-guest.js';

const BIOS = '/usr/share/seabios/bios.bin';
const VGA_BIOS = '/usr/share/seabios/vgabios-isavga.bin';
const GUEST_DISK = join(REPOSITORY, 'guests/pc-boot/disk.img');

function firmware(): { bios: Uint8Array; vgaBios: Uint8Array } {
  assert.ok(existsSync(BIOS) && existsSync(VGA_BIOS), `${BIOS} and ${VGA_BIOS} are missing: install Debian's seabios package (apt-get install -y seabios; .ci/run does)`);
  return { bios: new Uint8Array(readFileSync(BIOS)), vgaBios: new Uint8Array(readFileSync(VGA_BIOS)) };
}

interface Rig {
  machine: PcMachine;
  serial: () => string;
  debug: () => string;
  log: string[];
  /** Runs until `until` matches the serial output or the text screen, typing `keys` as the guest takes them. */
  run(until: RegExp, keys?: string): Promise<void>;
}

function bootPc(disk: RamDisk | null, vgaBiosFile = VGA_BIOS): Rig {
  const { bios } = firmware();
  const vgaBios = new Uint8Array(readFileSync(vgaBiosFile));
  let serial = '';
  let debug = '';
  const log: string[] = [];
  let current: MachineRunner | null = null;
  const machine = new PcMachine({
    memoryBytes: 32 << 20,
    bios,
    vgaBios,
    vgaBiosName: vgaBiosFile.slice(vgaBiosFile.lastIndexOf('/') + 1),
    vbe: true,
    disks: [disk],
    serial: [
      {
        transmit: (byte) => {
          const text = String.fromCharCode(byte);
          serial += text;
          current?.serialOutput(text);
        },
      },
    ],
    debugConsole: (byte) => (debug += String.fromCharCode(byte)),
    baseTime: new Date('2026-01-01T00:00:00Z'),
    log: (line) => log.push(line),
  });
  const rig: Rig = {
    machine,
    serial: () => serial,
    debug: () => debug,
    log,
    run: async (until, keys) => {
      const runner = new MachineRunner(machine, { paced: false, until, timeoutMs: 60_000 });
      runner.serialOutput(serial);
      if (keys !== undefined) runner.typeKeys(textToKeyStrokes(keys).map((stroke) => strokesToKeyEvents([stroke])));
      current = runner;
      const outcome = await runner.run();
      current = null;
      assert.equal(
        outcome.kind,
        'matched',
        `waited for ${String(until)}; screen:\n${machine.display.screenText().join('\n')}\nCOM1:\n${serial}\ndebug console:\n${debug}\nlog: ${log.join(' | ')}`,
      );
    },
  };
  return rig;
}

function inOrder(text: string, lines: string[], what: string): void {
  let from = 0;
  for (const line of lines) {
    const at = text.indexOf(line, from);
    assert.ok(at >= 0, `${what} shows "${line}" (in order); it shows:\n${text}`);
    from = at + line.length;
  }
}

test('PC0001 SeaBIOS and its VGA BIOS on the pc machine without a disk: the screen shows the version and "No bootable device."', async () => {
  const rig = bootPc(null);
  await rig.run(/No bootable device\./);
  const screen = rig.machine.display.screenText();
  assert.equal(screen[0], 'SeaBIOS (version 1.16.2-debian-1.16.2-1)');
  inOrder(screen.join('\n'), ['SeaBIOS (version 1.16.2-debian-1.16.2-1)', 'Booting from Hard Disk...', 'Boot failed: could not read the boot disk', 'No bootable device.'], 'the VGA text screen');
  assert.ok(!screen.join('\n').includes('Retrying'), 'etc/boot-fail-wait = -1: no retry, as QEMU gives it');
  inOrder(
    rig.debug(),
    [
      'SeaBIOS (version 1.16.2-debian-1.16.2-1)',
      'Found QEMU fw_cfg',
      'Detected non-PCI system',
      'Running option rom at c000:0003',
      'Start SeaVGABIOS (version 1.16.2-debian-1.16.2-1)',
      'set VGA mode 3',
      'ATA controller 1 at 1f0/3f4/0 (irq 14 dev ffffffff)',
      'ATA controller 2 at 170/374/0 (irq 15 dev ffffffff)',
      'PS2 keyboard initialized',
      '3: 0000000000100000 - 0000000002000000 = 1 RAM',
      'Booting from Hard Disk...',
      'No bootable device.',
    ],
    'the debug console (port 0x402)',
  );
  assert.equal(rig.serial(), '', 'SeaBIOS writes to COM1 only when fw_cfg says nographic');
  assert.ok(rig.machine.instructions < 20_000_000, `${rig.machine.instructions} guest instructions (QEMU: about 6.9 M)`);
  assert.deepEqual(
    rig.log.filter((line) => /#UD|unimplemented/.test(line)),
    [],
  );
});

test('PC0002 the guest boots from the IDE disk: INT 10h and 0xB8000 text, INT 16h keys with their scancodes, INT 13h reads and a write, COM1, mode 12h', async () => {
  const image = new Uint8Array(readFileSync(GUEST_DISK));
  const disk = RamDisk.fromBytes('disk.img', image);
  const rig = bootPc(disk);
  await rig.run(/Type keys, Enter ends:/);
  // Keys: unshifted and shifted letter and digit, as the guest reports them (scan code, ASCII).
  // Enter comes later, so the screen can be looked at before the guest switches to mode 12h.
  await rig.run(/Enter ends:aA1!/, 'aA1!');

  const text = rig.machine.display.textScreen();
  assert.ok(text !== null, 'still in text mode while waiting for Enter');
  const lines = rig.machine.display.screenText();
  assert.equal(lines[0], 'SeaBIOS (version 1.16.2-debian-1.16.2-1)');
  assert.equal(lines[1], 'Booting from Hard Disk...');
  assert.equal(lines[2], 'L4VM boot sector');
  assert.equal(lines[10], 'Hello from 0xB8000');
  assert.equal(lines[11], 'Type keys, Enter ends:aA1!');
  for (let column = 0; column < 18; column++) assert.equal(text.attributes[10 * text.columns + column], 0x1e, `attribute of row 10 column ${column}`);
  assert.equal(text.attributes[10 * text.columns + 18], 0x07);
  assert.deepEqual(text.cursor, { row: 11, column: 26, visible: true });

  await rig.run(/L4VM: pattern drawn/, '\n');
  assert.equal(
    rig.serial(),
    [
      'L4VM: boot sector running',
      'L4VM: stage 2 running',
      'key 1E 61',
      'key 1E 41',
      'key 02 31',
      'key 02 21',
      'key 1C 0D',
      'L4VM: keys done',
      'L4VM: disk write ok',
      'L4VM: pattern drawn',
      '',
    ].join('\r\n'),
  );

  // The sector the guest wrote is in the disk; the image bytes it came from are not changed.
  const sector = new Uint8Array(512);
  disk.read(5, 1, sector, 0);
  for (let i = 0; i < 512; i++) assert.equal(sector[i], (i * 7 + 0x5a) & 0xff, `byte ${i} of LBA 5`);
  assert.deepEqual(disk.changedSectors(), [5]);
  assert.ok(image.subarray(5 * 512, 6 * 512).every((byte) => byte === 0), 'the image bytes are unchanged (copy-on-write)');

  // Mode 12h and the pattern, pixel by pixel, in the VGA's own palette.
  const mode = rig.machine.vga.mode();
  assert.deepEqual(mode, { kind: 'graphics', width: 640, height: 480, bitsPerPixel: 4 });
  const image12h = rig.machine.display.render();
  assert.equal(image12h.width, 640);
  assert.equal(image12h.height, 480);
  checkPattern(image12h.rgba, 'render()');
});

test('PC0005 the Bochs-VBE VGA BIOS (vgabios-stdvga.bin) finds the VBE interface and brings up the same screen', async () => {
  const rig = bootPc(null, '/usr/share/seabios/vgabios-stdvga.bin');
  await rig.run(/No bootable device\./);
  inOrder(rig.debug(), ['Running option rom at c000:0003', 'VBE DISPI: lfb_addr=e0000000, size 16 MB', 'set VGA mode 3', 'No bootable device.'], 'the debug console');
  assert.equal(rig.machine.display.screenText()[0], 'SeaBIOS (version 1.16.2-debian-1.16.2-1)');
});

test('PC0003 the A20 gate wraps addresses while both the 8042 and port 0x92 close it', () => {
  const directory = scratchDirectory();
  const rom = join(directory.path, 'a20.bin');
  const result = spawnSync('nasm', ['-f', 'bin', '-o', rom, join(REPOSITORY, 'test/machines/roms/a20.asm')], { encoding: 'utf8' });
  assert.equal(result.status, 0, `nasm (Debian package nasm) assembles a20.asm: ${result.stderr}`);
  let debug = '';
  const machine = new PcMachine({ memoryBytes: 4 << 20, bios: new Uint8Array(readFileSync(rom)), debugConsole: (byte) => (debug += String.fromCharCode(byte)) });
  machine.run(1_000_000);
  // S = separate bytes, W = wrapped to 0: open (8042), 0x92 closed (8042 still open), both
  // closed, 0x92 open, 0x92 closed, 8042 open.
  directory.remove();
  assert.equal(debug, 'SSWSWS\n');
  assert.ok(machine.cpu.a20Enabled);
});

test('PC0004 a configuration the pc machine cannot take is refused with a sentence naming it', () => {
  const { bios, vgaBios } = firmware();
  assert.throws(() => validatePcConfig({ memoryBytes: 1 << 20, bios }), /memory size 1 MiB does not fit the pc machine: it takes 2 MiB to 2 GiB/);
  assert.throws(() => validatePcConfig({ memoryBytes: 4 * 2 ** 30, bios }), /memory size 4 GiB does not fit/);
  assert.throws(() => validatePcConfig({ memoryBytes: (32 << 20) + 1024, bios }), /not a multiple of 64 KiB/);
  assert.throws(() => validatePcConfig({ memoryBytes: 32 << 20, bios: bios.subarray(0, 1000), biosName: 'short.bin' }), /BIOS file short.bin is 1000 bytes/);
  assert.throws(() => validatePcConfig({ memoryBytes: 32 << 20, bios, vgaBios: bios, vgaBiosName: 'bios.bin' }), /VGA BIOS file bios.bin is not an option ROM/);
  validatePcConfig({ memoryBytes: 32 << 20, bios, vgaBios });
});
