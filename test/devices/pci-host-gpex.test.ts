// The PCIe host bridge behind ECAM (src/devices/pci-host-gpex.ts): the identity QEMU 7.2 gives its
// gpex root function (what U-Boot's `pci enum` reads on the virt board under QEMU: vendor 0x1b36,
// device 0x0008, class 0x0600, subsystem 0x1af4:0x1100), absent functions, and the writable bits.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PciHostGpex } from '../../src/devices/pci-host-gpex.js';

const ecam = (bus: number, device: number, fn: number, register: number): number => (bus << 20) | (device << 15) | (fn << 12) | register;

test('PCI0001 00:00.0 is the host bridge: identity, class, header type 0, subsystem, no BARs or interrupt pin', () => {
  const host = new PciHostGpex();
  assert.equal(host.size, 16 << 20);
  assert.equal(host.read(0x00, 2), 0x1b36);
  assert.equal(host.read(0x02, 2), 0x0008);
  assert.equal(host.read(0x08, 4), 0x06000000, 'class 0x0600, programming interface 0, revision 0');
  assert.equal(host.read(0x0a, 2), 0x0600);
  assert.equal(host.read(0x0e, 1), 0, 'header type 0, one function');
  assert.equal(host.read(0x2c, 4), 0x11001af4);
  for (let bar = 0x10; bar <= 0x24; bar += 4) {
    host.write(bar, 4, 0xffffffff);
    assert.equal(host.read(bar, 4), 0, `BAR at 0x${bar.toString(16)} sizes to nothing`);
  }
  host.write(0x30, 4, 0xfffffffe);
  assert.equal(host.read(0x30, 4), 0, 'no expansion ROM');
  assert.equal(host.read(0x3d, 1), 0, 'no interrupt pin');
  assert.equal(host.read(0x06, 2), 0, 'status: no capabilities');
});

test('PCI0002 absent functions, other buses and registers past 256 bytes read as all ones and ignore writes', () => {
  const host = new PciHostGpex();
  assert.equal(host.read(ecam(0, 1, 0, 0), 2), 0xffff);
  assert.equal(host.read(ecam(0, 31, 0, 0), 4), 0xffffffff);
  assert.equal(host.read(ecam(0, 0, 1, 0), 2), 0xffff);
  assert.equal(host.read(ecam(1, 0, 0, 0), 1), 0xff);
  assert.equal(host.read(0x100, 4), 0xffffffff);
  host.write(ecam(0, 1, 0, 0x04), 2, 0xffff);
  assert.equal(host.read(ecam(0, 1, 0, 0x04), 2), 0xffff);
});

test('PCI0003 writable bits: command (I/O, memory, master, SERR, INTx disable), cache line, interrupt line, device-specific space; reset restores the identity', () => {
  const host = new PciHostGpex();
  host.write(0x04, 2, 0xffff);
  assert.equal(host.read(0x04, 2), 0x0507);
  host.write(0x0c, 1, 0x10);
  host.write(0x3c, 1, 0x2a);
  host.write(0x40, 4, 0x12345678);
  host.write(0x00, 4, 0);
  host.write(0x08, 4, 0);
  assert.equal(host.read(0x0c, 1), 0x10);
  assert.equal(host.read(0x3c, 1), 0x2a);
  assert.equal(host.read(0x40, 4), 0x12345678);
  assert.equal(host.read(0x00, 4), 0x00081b36, 'identity is read-only');
  const saved = host.saveState();
  host.reset();
  assert.equal(host.read(0x04, 2), 0);
  assert.equal(host.read(0x40, 4), 0);
  host.restoreState(saved);
  assert.equal(host.read(0x04, 2), 0x0507);
  assert.throws(() => host.restoreState({ config: 'zz' }), /pcie-ecam/);
});
