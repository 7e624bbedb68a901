// The acceptance test of the ARM virt board: Debian's U-Boot (u-boot-qemu, qemu_arm/u-boot.bin)
// boots in a whole l4vm system (root, VMM task, serial server) on the virt machine with 256 MiB,
// reaches its prompt, and answers typed commands exactly as under QEMU.
//
// The reference transcript, test/system/fixtures/uboot-virt-256m.qemu-7.2.txt, is what
//   qemu-system-arm -M virt -cpu cortex-a15 -m 256 -nographic -nic none -bios u-boot.bin
// printed (carriage returns removed) while `version`, `bdinfo` and `md 0x40000000 10` were typed
// at the prompt. Ours must be the same line for line; only the version string comes from the
// installed binary (Debian may update the package).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { L4vm } from '../../src/api/l4vm.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const UBOOT = '/usr/lib/u-boot/qemu_arm/u-boot.bin';
const REFERENCE = join(root, 'test/system/fixtures/uboot-virt-256m.qemu-7.2.txt');

test('UBOOT0001 Debian\'s U-Boot boots on the virt board with 256 MiB to its prompt and answers version, bdinfo and md as under QEMU', async () => {
  assert.ok(existsSync(UBOOT), "Debian's u-boot-qemu is installed (.ci/run installs it; apt-get install -y u-boot-qemu)");
  // The version string U-Boot prints is the one built into this binary (the package may be updated).
  const banner = /U-Boot 2023\.01\+dfsg-2\+deb12u\d+ \([^)]*\)/.exec(readFileSync(UBOOT).toString('latin1'))?.[0];
  assert.ok(banner !== undefined, `${UBOOT} holds a U-Boot 2023.01 version string`);
  const system = await L4vm.start({
    config: { raw: { vms: [{ name: 'arm', machine: 'virt', memory: '256M', firmware: { bios: UBOOT }, serial: ['terminal'] }] }, base: root },
  });
  try {
    await system.waitForText('arm', /\r\n=> $/, { on: 'serial', timeoutMs: 150_000 });
    system.sendSerial('arm', 'version\r');
    await system.waitForText('arm', /GNU ld [^\r]*\r\n=> $/, { on: 'serial', timeoutMs: 30_000 });
    system.sendSerial('arm', 'bdinfo\r');
    await system.waitForText('arm', /Early malloc usage: [^\r]*\r\n=> $/, { on: 'serial', timeoutMs: 30_000 });
    system.sendSerial('arm', 'md 0x40000000 10\r');
    await system.waitForText('arm', /\r\n40000030: [^\r]*\r\n=> $/, { on: 'serial', timeoutMs: 30_000 });

    const ours = system.serial('arm').replace(/\r/g, '').split('\n');
    const reference = readFileSync(REFERENCE, 'utf8').replace(/\n$/, '').replace(/U-Boot 2023\.01\+dfsg-2\+deb12u\d+ \([^)]*\)/g, banner).split('\n');
    assert.equal(ours.length, reference.length, `as many lines as under QEMU:\n${ours.join('\n')}`);
    for (let line = 0; line < reference.length; line++) assert.equal(ours[line], reference[line], `line ${line + 1}`);
    // The acceptance lines, spelled out.
    for (const line of [banner, 'DRAM:  256 MiB', 'Core:  47 devices, 13 uclasses, devicetree: board', 'Flash: 64 MiB', 'In:    pl011@9000000', '-> size     = 0x10000000', 'flashsize   = 0x04000000', '40000000: edfe0dd0 00001000 40000000 4c1b0000  ...........@...L']) {
      assert.ok(ours.includes(line), `U-Boot printed "${line}"`);
    }
  } finally {
    await system.stop();
  }
});

test('UBOOT0002 l4vm run --machine virt on U-Boot, headless: --keys types into the serial port (Enter stops the autoboot, then a command), --until sees the answer', () => {
  assert.ok(existsSync(UBOOT), "Debian's u-boot-qemu is installed (.ci/run installs it; apt-get install -y u-boot-qemu)");
  const result = spawnSync(
    join(root, 'bin/l4vm'),
    ['run', '--machine', 'virt', '--bios', UBOOT, '-m', '256M', '--display', 'none', '--serial', 'stdio', '--keys', '{Enter}version{Enter}', '--until', 'GNU ld[^\\r]*\\r\\n=> ', '--timeout', '120'],
    { cwd: root, encoding: 'utf8', timeout: 150_000 },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /DRAM: {2}256 MiB\r\n/);
  assert.match(result.stdout, /Hit any key to stop autoboot: /);
  assert.match(result.stdout, /\r\n=> version\r\nU-Boot 2023\.01\+dfsg-2\+deb12u\d+ \([^)]*\)\r\n\r\narm-linux-gnueabihf-gcc [^\r]*\r\nGNU ld [^\r]*\r\n=> $/);
});
