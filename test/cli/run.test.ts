// `l4vm run --machine pc` headless, as scripts use it: the guest of guests/pc-boot with typed keys,
// --until, --timeout, --screen-text, --screenshot, --persist, and the sentences bad input gets;
// `--machine virt` with guests/virt-demo.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { checkPattern } from '../machines/pc-guest.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = `${root}bin/l4vm`;
const GUEST_DISK = join(root, 'guests/pc-boot/disk.img');
const scratch = mkdtempSync(join(tmpdir(), 'l4vm-run-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function l4vm(...args: string[]) {
  const result = spawnSync(bin, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const TRANSCRIPT = ['L4VM: boot sector running', 'L4VM: stage 2 running', 'key 1E 61', 'key 1E 41', 'key 02 31', 'key 02 21', 'key 1C 0D', 'L4VM: keys done', 'L4VM: disk write ok', 'L4VM: pattern drawn', ''].join('\r\n');

test('RUN0001 headless: the guest disk boots, takes --keys, prints to COM1 on stdout, and the screenshot shows its mode 12h pattern; the image file is unchanged', () => {
  const disk = join(scratch, 'guest.img');
  copyFileSync(GUEST_DISK, disk);
  const before = readFileSync(disk);
  const shot = join(scratch, 'guest.png');
  const { status, stdout, stderr } = l4vm('run', '--machine', 'pc', '--hda', disk, '--display', 'none', '--serial', 'stdio', '--keys', 'aA1!{Enter}', '--until', 'L4VM: pattern drawn', '--timeout', '90', '--screenshot', shot);
  assert.equal(status, 0, stderr);
  assert.equal(stdout, TRANSCRIPT);
  const png = decode(readFileSync(shot));
  assert.equal(png.width, 640);
  assert.equal(png.height, 480);
  assert.equal(png.channels, 4);
  checkPattern(png.data instanceof Uint8Array || png.data instanceof Uint8ClampedArray ? png.data : new Uint8Array(png.data.buffer), 'the PNG screenshot');
  assert.ok(readFileSync(disk).equals(before), 'without --persist the image file is not written');
});

test('RUN0002 --persist writes the guest\'s disk write back to the image file at exit', () => {
  const disk = join(scratch, 'persist.img');
  copyFileSync(GUEST_DISK, disk);
  const { status, stderr } = l4vm('run', '--machine', 'pc', '--hda', disk, '--display', 'none', '--keys', '{Enter}', '--until', 'L4VM: pattern drawn', '--timeout', '90', '--persist');
  assert.equal(status, 0, stderr);
  const after = readFileSync(disk);
  for (let i = 0; i < 512; i++) assert.equal(after[5 * 512 + i], (i * 7 + 0x5a) & 0xff, `byte ${i} of LBA 5`);
  assert.ok(after.subarray(0, 5 * 512).equals(readFileSync(GUEST_DISK).subarray(0, 5 * 512)), 'the other sectors are as they were');
});

test('RUN0003 --screen-text prints the 25 lines of the final text screen: SeaBIOS without a disk', () => {
  const { status, stdout, stderr } = l4vm('run', '--machine', 'pc', '--display', 'none', '--until', 'No bootable device', '--timeout', '60', '--screen-text');
  assert.equal(status, 0, stderr);
  const lines = stdout.split('\n');
  assert.equal(lines.length, 26, 'twenty-five lines, each ending in a newline');
  assert.equal(lines[0], 'SeaBIOS (version 1.16.2-debian-1.16.2-1)');
  assert.ok(lines.includes('No bootable device.'), stdout);
});

test('RUN0004 --timeout stops with status 1 and says so', () => {
  const { status, stderr } = l4vm('run', '--machine', 'pc', '--display', 'none', '--until', 'this never appears', '--timeout', '1');
  assert.equal(status, 1);
  assert.match(stderr, /timed out after 1 s without seeing \/this never appears\/m/);
});

test('RUN0005 bad input: one sentence naming what is wrong, a non-zero status, nothing written', () => {
  const odd = join(scratch, 'odd.img');
  writeFileSync(odd, new Uint8Array(1000));
  const shortBios = join(scratch, 'short-bios.bin');
  writeFileSync(shortBios, new Uint8Array(1000));
  const shot = join(scratch, 'never.png');
  const serial = join(scratch, 'never.log');
  const cases: [string[], RegExp][] = [
    [['--hda', odd], /disk image .*odd\.img is 1000 bytes, not a multiple of 512/],
    [['--hda', join(scratch, 'missing.img')], /disk image .*missing\.img does not exist/],
    [['--bios', join(scratch, 'missing-bios.bin')], /BIOS file .*missing-bios\.bin does not exist/],
    [['--bios', shortBios], /BIOS file .*short-bios\.bin is 1000 bytes; the pc machine takes a BIOS of a multiple of 64 KiB/],
    [['--vgabios', shortBios], /VGA BIOS file .*short-bios\.bin is not an option ROM/],
    [['-m', '1M'], /memory size 1 MiB does not fit the pc machine: it takes 2 MiB to 2 GiB/],
    [['-m', 'lots'], /"lots" is not a memory size/],
    [['--keys', '{Nokey}'], /--keys: .*Nokey/],
  ];
  for (const [args, message] of cases) {
    const { status, stderr } = l4vm('run', '--machine', 'pc', '--display', 'none', '--timeout', '30', '--screenshot', shot, '--serial', `file:${serial}`, ...args);
    assert.notEqual(status, 0, `${args.join(' ')} is refused`);
    assert.match(stderr, message);
    assert.equal(stderr.trim().split('\n').length, 1, `one sentence: ${stderr}`);
    assert.ok(!existsSync(shot) && !existsSync(serial), `${args.join(' ')}: nothing written`);
  }
  const unknown = l4vm('run', '--machine', 'amiga', '--display', 'none');
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /argument 'amiga' is invalid\. Allowed choices are pc/);
});

test('RUN0006 a configuration headless: --vm picks the VM for --keys, --serial stdio and --screenshot; --until matches any VM', () => {
  const shot = join(scratch, 'alpha.png');
  const { status, stdout, stderr } = l4vm('run', 'configs/demo.yaml', '--display', 'none', '--vm', 'alpha', '--serial', 'stdio', '--keys', '{Enter}', '--until', 'L4VM: pattern drawn', '--timeout', '90', '--screenshot', shot);
  assert.equal(status, 0, stderr);
  assert.match(stdout, /^l4vm minibios\r\nL4VM: boot sector running\r\n/);
  assert.match(stdout, /L4VM: disk write ok\r\nL4VM: pattern drawn\r\n/);
  assert.doesNotMatch(stdout, /counter:|prime/, 'only alpha\'s serial output');
  const png = decode(readFileSync(shot));
  checkPattern(png.data instanceof Uint8Array || png.data instanceof Uint8ClampedArray ? png.data : new Uint8Array(png.data.buffer), 'the PNG screenshot of alpha');
  const wrong = l4vm('run', 'configs/demo.yaml', '--display', 'none', '--vm', 'omega', '--timeout', '5');
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /--vm: there is no VM named "omega" in configs\/demo\.yaml; the VMs are alpha, counter, primes, arm$/m);
  const mixed = l4vm('run', 'configs/demo.yaml', '--display', 'none', '--hda', 'x.img', '--timeout', '5');
  assert.equal(mixed.status, 2);
  assert.match(mixed.stderr, /--hda is for one VM without a configuration/);
  const screenless = l4vm('run', 'configs/demo.yaml', '--display', 'none', '--vm', 'arm', '--screenshot', join(scratch, 'arm.png'), '--timeout', '5');
  assert.equal(screenless.status, 2);
  assert.match(screenless.stderr, /--screenshot needs a screen; VM arm \(virt\) has none, its console is its serial port/);
});

test('RUN0007 --no-reboot: a guest that triple-faults stops the machine and the run ends with status 1, saying why', () => {
  const image = join(scratch, 'triple-fault.img');
  const built = spawnSync('nasm', ['-f', 'bin', '-o', image, join(root, 'test/system/guests/triple-fault.asm')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const { status, stdout, stderr } = l4vm('run', '--machine', 'pc', '--bios', 'guests/minibios/bios.bin', '--vgabios', 'none', '--hda', image, '--display', 'none', '--serial', 'stdio', '--no-reboot', '--timeout', '30');
  assert.equal(status, 1);
  assert.equal(stdout, 'l4vm minibios\r\nabout to triple fault\r\n', 'it ran once, no reset');
  assert.match(stderr, /l4vm run: the machine stopped: triple fault/);
});

test('RUN0008 --machine virt: the guest in flash, the disk on virtio-blk, --keys into the serial port (Enter as CR), a power-off ends the run with status 0; screen and PC-only flags are refused with a sentence', () => {
  const flash = join(root, 'guests/virt-demo/flash.bin');
  const disk = join(root, 'guests/virt-demo/disk.img');
  const { status, stdout, stderr } = l4vm('run', '--machine', 'virt', '--bios', flash, '--hda', disk, '--display', 'none', '--serial', 'stdio', '--keys', 'disk 1{Enter}poweroff{Enter}', '--timeout', '60');
  assert.equal(status, 0, stderr);
  assert.match(stdout, /virtio-mmio: transport 31 at 0x0a003e00: virtio-blk/);
  assert.ok(stdout.includes('virt-demo> disk 1\r\n000200 '), stdout);
  assert.match(stdout, /virt-demo> poweroff\r\npowering off\r\n$/);
  const cases: [string[], RegExp][] = [
    [['--vgabios', 'none'], /--vgabios is for the pc machine; the virt machine has no VGA/],
    [['--screenshot', join(scratch, 'never.png')], /--screenshot needs a screen; the virt machine has none/],
    [['--screen-text'], /--screen-text needs a screen; the virt machine has none/],
    [['-m', '8M'], /memory size 8 MiB does not fit the virt machine: it takes 16 MiB to 2 GiB/],
    [['--bios', join(scratch, 'missing-flash.bin')], /firmware file .*missing-flash\.bin does not exist/],
  ];
  for (const [args, message] of cases) {
    const refused = l4vm('run', '--machine', 'virt', '--bios', flash, '--display', 'none', '--timeout', '30', ...args);
    assert.equal(refused.status, 2, `${args.join(' ')} is refused`);
    assert.match(refused.stderr, message);
    assert.equal(refused.stderr.trim().split('\n').length, 1, `one sentence: ${refused.stderr}`);
  }
});
