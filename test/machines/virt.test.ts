// The ARM `virt` machine (QEMU 7.2's, 32-bit): its device tree against the one QEMU generates, its
// configuration checks, and bare-metal guests of our own assembled at test time with
// binutils-arm-linux-gnueabihf (a missing assembler fails the tests and names the package). The
// expected output of test/machines/roms/virt-hello.S is what it prints under
// `qemu-system-arm -M virt -cpu cortex-a15 -m 256 -nographic -bios virt-hello.bin` (QEMU 7.2).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RamDisk } from '../../src/hw/block.js';
import { parseFdt, type FdtNode } from '../../src/hw/fdt.js';
import { createMachine } from '../../src/machines/registry.js';
import { buildVirtDeviceTree, validateVirtArmConfig, VirtArmMachine, type VirtArmConfig } from '../../src/machines/virt-arm.js';
import { REPOSITORY } from '../cpu/x86/differential/toolchain.js';

const QEMU_DTB = join(REPOSITORY, 'test/devices/fixtures/qemu-7.2-virt-arm-256m.dtb');
const HELLO_SOURCE = join(REPOSITORY, 'test/machines/roms/virt-hello.S');
const SYSTEM_SOURCE = join(REPOSITORY, 'test/machines/roms/virt-system.S');
/** What virt-system.S printed under qemu-system-arm -M virt -cpu cortex-a15 -m 256 -nographic -bios (QEMU 7.2). */
const SYSTEM_QEMU_OUTPUT = join(REPOSITORY, 'test/machines/roms/virt-system.qemu-7.2.txt');
const MMU_SOURCE = join(REPOSITORY, 'test/machines/roms/virt-mmu.S');
/** What virt-mmu.S printed under qemu-system-arm -M virt -cpu cortex-a15 -m 256 -nographic -bios (QEMU 7.2). */
const MMU_QEMU_OUTPUT = join(REPOSITORY, 'test/machines/roms/virt-mmu.qemu-7.2.txt');
const MiB = 1 << 20;

/** Assembles ARM source into a flat image linked at 0 (the start of flash). */
function assemble(source: string, march = 'armv7-a+sec+virt'): Uint8Array {
  const directory = mkdtempSync(join(tmpdir(), 'l4vm-virt-'));
  try {
    const sourceFile = join(directory, 'guest.S');
    writeFileSync(sourceFile, source);
    const steps: [string, string[]][] = [
      ['arm-linux-gnueabihf-as', [`-march=${march}`, '-I', join(REPOSITORY, 'test/machines/roms'), '-o', join(directory, 'guest.o'), sourceFile]],
      ['arm-linux-gnueabihf-ld', ['-Ttext=0', '-o', join(directory, 'guest.elf'), join(directory, 'guest.o')]],
      ['arm-linux-gnueabihf-objcopy', ['-O', 'binary', join(directory, 'guest.elf'), join(directory, 'guest.bin')]],
    ];
    for (const [tool, args] of steps) {
      const result = spawnSync(tool, args, { encoding: 'utf8' });
      assert.ok(result.error === undefined, `${tool} is missing: install Debian's binutils-arm-linux-gnueabihf (apt-get install -y binutils-arm-linux-gnueabihf)`);
      assert.equal(result.status, 0, `${tool} failed: ${result.stderr}`);
    }
    return new Uint8Array(readFileSync(join(directory, 'guest.bin')));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

interface Rig {
  machine: VirtArmMachine;
  output: () => string;
  /** Runs slices of 10 ms until the machine stops or `limitNs` of guest time passed. */
  run(limitNs?: number): void;
}

function boot(image: Uint8Array, config: Partial<VirtArmConfig> = {}): Rig {
  let output = '';
  const log: string[] = [];
  const machine = new VirtArmMachine({
    memoryBytes: 256 * MiB,
    bios: image,
    biosName: 'guest.bin',
    serial: { transmit: (byte) => (output += String.fromCharCode(byte)) },
    baseTime: new Date('2026-01-01T00:00:00Z'),
    log: (line) => log.push(line),
    ...config,
  });
  return {
    machine,
    output: () => output,
    run(limitNs = 1e9) {
      const end = machine.guestTimeNs + limitNs;
      while (machine.stopped === null && machine.guestTimeNs < end) machine.run(10_000_000);
    },
  };
}

/** What the DTB comparison leaves out, each with its reason. */
const DTB_EXCEPTIONS = {
  /** Random in QEMU (the host's random numbers); ours come from VirtArmConfig.seedBytes. */
  properties: ['/chosen/rng-seed', '/chosen/kaslr-seed'],
  /** Nodes left out (none since the PCIe host bridge came). */
  nodes: [] as string[],
};

function compareNodes(ours: FdtNode, theirs: FdtNode, path: string): void {
  const ourProperties = ours.properties.map((property) => property.name).filter((name) => !DTB_EXCEPTIONS.properties.includes(`${path}/${name}`));
  const theirProperties = theirs.properties.map((property) => property.name).filter((name) => !DTB_EXCEPTIONS.properties.includes(`${path}/${name}`));
  assert.deepEqual(ourProperties, theirProperties, `the properties of ${path || '/'}, in order`);
  for (const name of ourProperties) {
    assert.deepEqual(ours.property(name), theirs.property(name), `property ${path}/${name}`);
  }
  const ourChildren = ours.children.map((node) => node.name);
  const theirChildren = theirs.children.map((node) => node.name).filter((name) => !DTB_EXCEPTIONS.nodes.includes(`${path}/${name}`));
  assert.deepEqual(ourChildren, theirChildren, `the children of ${path || '/'}, in order`);
  ours.children.forEach((child, index) => compareNodes(child, theirs.children.filter((node) => !DTB_EXCEPTIONS.nodes.includes(`${path}/${node.name}`))[index], `${path}/${child.name}`));
}

test('VIRT0001 the generated device tree is QEMU 7.2 virt tree for 256 MiB with firmware (but the random seeds), node by node and property by property', () => {
  const qemu = parseFdt(new Uint8Array(readFileSync(QEMU_DTB)));
  const ours = parseFdt(buildVirtDeviceTree(256 * MiB, new Uint8Array(40)));
  assert.equal(ours.version, qemu.version);
  assert.equal(ours.lastCompatibleVersion, qemu.lastCompatibleVersion);
  assert.equal(ours.tree.bootCpuId, qemu.tree.bootCpuId);
  assert.deepEqual(ours.tree.reservations, qemu.tree.reservations);
  compareNodes(ours.tree.root, qemu.tree.root, '');
  // The exceptions exist on both sides where they should.
  assert.equal(ours.tree.find('/chosen')?.property('rng-seed')?.length, qemu.tree.find('/chosen')?.property('rng-seed')?.length);
  assert.equal(ours.tree.find('/chosen')?.property('kaslr-seed')?.length, qemu.tree.find('/chosen')?.property('kaslr-seed')?.length);
  assert.deepEqual(ours.tree.find('/pcie@10000000')?.cells('reg'), [0, 0x3f000000, 0, 0x1000000], 'ECAM low, as QEMU with firmware');
  // Another RAM size changes /memory only.
  const small = parseFdt(buildVirtDeviceTree(16 * MiB, new Uint8Array(40)));
  assert.deepEqual(small.tree.find('/memory@40000000')?.cells('reg'), [0, 0x40000000, 0, 16 * MiB]);
});

test('VIRT0002 a configuration the virt machine cannot take is refused with a sentence', () => {
  const bios = new Uint8Array(4096);
  assert.throws(() => validateVirtArmConfig({ memoryBytes: 8 * MiB, bios }), /memory size 8 MiB does not fit the virt machine: it takes 16 MiB to 2 GiB/);
  assert.throws(() => validateVirtArmConfig({ memoryBytes: 4 * 1024 * MiB, bios }), /memory size 4 GiB does not fit the virt machine/);
  assert.throws(() => validateVirtArmConfig({ memoryBytes: 32 * MiB + 1024, bios }), /is not a multiple of 64 KiB/);
  assert.throws(() => validateVirtArmConfig({ memoryBytes: 32 * MiB, bios: new Uint8Array(65 * MiB), biosName: 'big.bin' }), /firmware file big\.bin is 65 MiB, larger than the 64 MiB flash bank it is loaded into/);
  assert.throws(() => validateVirtArmConfig({ memoryBytes: 32 * MiB, bios: new Uint8Array(0), biosName: 'empty.bin' }), /firmware file empty\.bin is empty/);
  assert.throws(() => validateVirtArmConfig({ memoryBytes: 32 * MiB, bios, disks: new Array(33).fill(null) }), /32 virtio-mmio transports/);
  assert.throws(() => createMachine('virt', { memoryBytes: 32 * MiB, firmware: {}, disks: [], serial: [] }), /the virt machine needs a firmware image/);
  assert.throws(() => createMachine('sun4m', { memoryBytes: 32 * MiB, firmware: {}, disks: [], serial: [] }), /there is no machine named "sun4m"/);
  const machine = createMachine('virt', { memoryBytes: 32 * MiB, firmware: { bios }, disks: [], serial: [] });
  assert.equal(machine.kind, 'virt');
  assert.equal(machine.architecture, 'arm');
  assert.equal(machine.display, null);
  assert.equal(machine.serialPorts.length, 1);
});

test('VIRT0003 power-on state: the tree at the start of RAM, firmware in flash bank 0, fw_cfg files, disks from the last transport down', () => {
  const image = new Uint8Array([0xfe, 0xff, 0xff, 0xea]); // b .
  const disks = [RamDisk.blank('a', 2048), RamDisk.blank('b', 4096)];
  const { machine } = boot(image, { disks });
  const memory = machine.memory;
  assert.deepEqual(machine.ram.subarray(0, machine.deviceTree.length), machine.deviceTree);
  assert.equal(memory.read32(0x40000000), 0xedfe0dd0); // d00dfeed, read little-endian
  assert.equal(memory.read32(0), 0xeafffffe);
  assert.equal(machine.cpu.state.r[15], 0);
  for (let r = 0; r < 3; r++) assert.equal(machine.cpu.state.r[r], 0, `r${r} as QEMU leaves it for firmware`);
  // Flash: a CFI query switches bank 0 out of read-array mode, read array switches it back.
  memory.write32(0, 0x00980098);
  assert.equal(memory.read32(0x10 * 4), 0x00510051); // "Q" from both chips
  memory.write32(0, 0x00ff00ff);
  assert.equal(memory.read32(0), 0xeafffffe);
  // fw_cfg's file directory, through the big-endian MMIO registers.
  memory.write16(0x09020008, 0x1900);
  const count = memory.read32(0x09020000);
  const names: string[] = [];
  for (let i = 0; i < ((count >>> 24) | ((count >>> 8) & 0xff00)); i++) {
    memory.read32(0x09020000);
    memory.read32(0x09020000);
    let name = '';
    for (let k = 0; k < 56; k++) {
      const byte = memory.read8(0x09020000);
      if (byte !== 0) name += String.fromCharCode(byte);
    }
    names.push(name);
  }
  assert.deepEqual(names, ['bios-geometry', 'bootorder', 'etc/boot-fail-wait']);
  // The first disk on the last transport (SPI 47), the second below it, nothing elsewhere.
  assert.equal(memory.read32(0x0a003e00 + 8), 2);
  assert.equal(memory.read32(0x0a003c00 + 8), 2);
  assert.equal(memory.read32(0x0a003a00 + 8), 0);
  assert.equal(memory.read32(0x0a000000), 0x74726976);
  // The PCIe host bridge at 00:00.0 through ECAM; 00:01.0 is absent.
  assert.equal(memory.read32(0x3f000000), 0x00081b36);
  assert.equal(memory.read16(0x3f000000 + (1 << 15)), 0xffff);
  memory.write32(0x0a003e00 + 0x14, 0); // device features select 0… then the capacity of disk a (2048 sectors)
  assert.equal(memory.read32(0x0a003e00 + 0x100), 2048);
  assert.equal(memory.read32(0x0a003c00 + 0x100), 4096);
});

test('VIRT0004 a bare-metal guest prints what it reads from the PL011, fw_cfg (also by DMA), the DTB, the GIC, virtio-mmio and PSCI, as under QEMU, and powers off', () => {
  const rig = boot(assemble(readFileSync(HELLO_SOURCE, 'utf8')));
  rig.run();
  assert.equal(
    rig.output(),
    [
      'hello from virt',
      'fw_cfg: QEMU',
      'fw_cfg id: 00000003',
      'fw_cfg dma: QEMU 00000000',
      'dtb: d00dfeed',
      'ids: 00000011 00000031 00000008',
      'virtio31: 74726976 00000001 00000000',
      'irq: 00000005',
      'after wfi',
      'psci: 00010001',
      '',
    ].join('\n'),
  );
  assert.equal(rig.machine.stopped, 'power off');
  const instructions = rig.machine.instructions;
  assert.equal(rig.machine.run(10_000_000).instructions, 0, 'a stopped machine runs nothing');
  assert.equal(rig.machine.instructions, instructions);
  rig.machine.reset();
  assert.equal(rig.machine.stopped, null);
  rig.run();
  assert.match(rig.output(), /psci: 00010001\nhello from virt\n/, 'after a power cycle the firmware runs again');
});

const RESET_GUEST = `
    .arm
    ldr sp, =0x40300000
    ldr r4, =0x09000000
    ldr r5, =0x40100000
    ldr r1, [r5]                @ RAM survives a PSCI reset
    add r1, r1, #1
    str r1, [r5]
    add r0, r1, #'0'
    strb r0, [r4]
    mov r0, #10
    strb r0, [r4]
    cmp r1, #2
    bhs 2f
    ldr r0, =0x84000009         @ SYSTEM_RESET
    hvc #0
    b .
2:
    ldr r0, =0x840000ff         @ an unknown function: NOT_SUPPORTED
    hvc #0
    add r0, r0, #'0' + 1        @ -1 + 1 = '0'
    strb r0, [r4]
    mov r0, #10
    strb r0, [r4]
    ldr r0, =0x84000008         @ SYSTEM_OFF
    hvc #0
    b .
    .ltorg
`;

test('VIRT0005 PSCI: SYSTEM_RESET resets the machine keeping RAM, an unknown function returns NOT_SUPPORTED, SYSTEM_OFF stops it', () => {
  const reasons: string[] = [];
  const rig = boot(assemble(RESET_GUEST), { onReset: (reason) => reasons.push(reason) });
  rig.run();
  assert.equal(rig.output(), '1\n2\n0\n');
  assert.deepEqual(reasons, ['PSCI SYSTEM_RESET']);
  assert.equal(rig.machine.resets, 1);
  assert.equal(rig.machine.stopped, 'power off');
});

const ECHO_GUEST = `
    .arm
    ldr r4, =0x09000000
    mov r0, #'>'
    strb r0, [r4]
1:  ldr r1, [r4, #0x18]         @ UARTFR
    tst r1, #0x10               @ RXFE
    bne 1b
    ldr r0, [r4]                @ UARTDR
    add r0, r0, #1
    strb r0, [r4]
    b 1b
    .ltorg
`;

test('VIRT0006 readyForKey: true while the guest polls the PL011 with nothing to read and sends nothing; the serial port delivers bytes', () => {
  const rig = boot(assemble(ECHO_GUEST));
  const machine = rig.machine;
  assert.equal(machine.readyForKey(), false, 'before the guest ran');
  machine.run(100_000);
  assert.equal(machine.readyForKey(), false, 'it has just printed its prompt');
  machine.run(10_000_000);
  assert.equal(rig.output(), '>');
  assert.equal(machine.readyForKey(), true, 'polling an empty receive FIFO');
  machine.serialPorts[0].receive(new TextEncoder().encode('ab'));
  assert.equal(machine.readyForKey(), false, 'bytes not taken yet');
  machine.run(10_000_000);
  assert.equal(rig.output(), '>bc');
  assert.equal(machine.readyForKey(), true);
  machine.keyEvent('KeyA', true);
  machine.run(10_000_000);
  assert.equal(rig.output(), '>bc', 'the machine has no keyboard');
});

/** Runs a bare-metal program of ours and compares what it prints with QEMU's transcript, line by line. */
function sameAsQemu(source: string, transcript: string): void {
  const rig = boot(assemble(readFileSync(source, 'utf8'), 'armv7ve'));
  rig.run();
  assert.equal(rig.machine.stopped, 'power off');
  const expected = readFileSync(transcript, 'utf8').split('\n');
  const ours = rig.output().split('\n');
  for (let line = 0; line < Math.max(expected.length, ours.length); line++) {
    assert.equal(ours[line], expected[line], `line ${line + 1} of ${source}'s output`);
  }
}

test('VIRT0007 the system side as under QEMU: CP15 identification and cache registers, maintenance operations, short-descriptor and LPAE translation with every fault kind (DFSR/IFSR/DFAR/IFAR, PAR), LDRT/STRT, the generic timers through the GIC', () => {
  sameAsQemu(SYSTEM_SOURCE, SYSTEM_QEMU_OUTPUT);
});

test('VIRT0009 more translation as under QEMU: the TTBCR.N split, supersections, large pages, PXN, user-mode accesses and fetches, LPAE T0SZ/T1SZ with APTable/XNTable, long-format alignment faults, ATS1CU*, the counter from user mode under CNTKCTL', () => {
  sameAsQemu(MMU_SOURCE, MMU_QEMU_OUTPUT);
});

test('VIRT0008 the device tree in RAM has the layout of QEMU\'s libfdt blob: reservations at 0x30, the structure at 0x40, 1 MiB in all', () => {
  const { machine } = boot(assemble('b .'));
  const view = new DataView(machine.ram.buffer, machine.ram.byteOffset);
  assert.equal(view.getUint32(0, false), 0xd00dfeed);
  assert.equal(view.getUint32(4, false), 0x100000, 'totalsize');
  assert.equal(view.getUint32(8, false), 0x40, 'off_dt_struct');
  assert.equal(view.getUint32(16, false), 0x30, 'off_mem_rsvmap');
  assert.equal(view.getUint32(20, false), 17);
  assert.equal(view.getUint32(24, false), 16);
  assert.ok(parseFdt(machine.ram.subarray(0, 0x100000)).tree.root.children.length > 0, 'the blob parses');
});
