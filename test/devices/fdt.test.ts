// The flattened device tree writer and reader: the header, the blocks and their alignment, the
// deduplicated strings, phandles, and a round trip through dtc (device-tree-compiler) when it is
// installed, and QEMU's own virt tree read, rewritten and compared.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DeviceTree, FDT_MAGIC, FIRST_PHANDLE, parseFdt, u64Cells } from '../../src/hw/fdt.js';

/** A small tree shaped like the start of QEMU's virt tree. */
function virtLikeTree(): DeviceTree {
  const tree = new DeviceTree();
  const root = tree.root;
  root.setU32('#address-cells', 2).setU32('#size-cells', 2).setString('compatible', 'linux,dummy-virt').setString('model', 'linux,dummy-virt');
  const intc = root.addNode('intc@8000000');
  intc.setString('compatible', 'arm,cortex-a15-gic').setU32('#interrupt-cells', 3).setEmpty('interrupt-controller');
  intc.setCells('reg', [0, 0x08000000, 0, 0x10000, 0, 0x08010000, 0, 0x10000]);
  const gic = tree.phandleOf(intc);
  root.setU32('interrupt-parent', gic);
  const uart = root.addNode('pl011@9000000');
  uart.setStrings('compatible', ['arm,pl011', 'arm,primecell']);
  uart.setCells('reg', [...u64Cells(0x09000000), ...u64Cells(0x1000)]);
  uart.setCells('interrupts', [0, 1, 4]);
  uart.setBytes('blob', Uint8Array.of(1, 2, 3));
  root.addNode('chosen').setString('stdout-path', '/pl011@9000000');
  const memory = root.addNode('memory@40000000');
  memory.setString('device_type', 'memory').setU64('base', 0x1_4000_0000);
  tree.reservations.push({ address: 0x48000000, size: 0x1000 });
  return tree;
}

test('FDT0001 the header: magic, version 17, last compatible 16, block offsets and sizes in order', () => {
  const blob = virtLikeTree().toBytes();
  const view = new DataView(blob.buffer);
  const header = Array.from({ length: 10 }, (_, i) => view.getUint32(i * 4, false));
  const [magic, total, structure, strings, reservations, version, lastCompatible, bootCpu, stringsSize, structureSize] = header;
  assert.equal(magic, FDT_MAGIC);
  assert.equal(total, blob.length);
  assert.equal(version, 17);
  assert.equal(lastCompatible, 16);
  assert.equal(bootCpu, 0);
  assert.equal(reservations % 8, 0, 'the reservation block is 8-aligned');
  assert.equal(reservations, 40);
  assert.equal(structure, reservations + 2 * 16, 'one reservation and the terminator');
  assert.equal(structure % 4, 0);
  assert.equal(strings, structure + structureSize);
  assert.equal(total, strings + stringsSize);
  assert.equal(view.getUint32(structure, false), 1, 'the structure block starts with FDT_BEGIN_NODE');
  assert.equal(view.getUint32(strings - 4, false), 9, 'and ends with FDT_END');
});

test('FDT0002 each property name is stored once in the strings block', () => {
  const blob = virtLikeTree().toBytes();
  const view = new DataView(blob.buffer);
  const strings = blob.subarray(view.getUint32(12, false), view.getUint32(12, false) + view.getUint32(32, false));
  const names = new TextDecoder().decode(strings).split('\0').filter((name) => name !== '');
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.includes('compatible') && names.includes('reg'));
  assert.equal(names.filter((name) => name === 'compatible').length, 1);
});

test('FDT0003 the reader gets back every node, property, reservation and phandle', () => {
  const tree = virtLikeTree();
  const parsed = parseFdt(tree.toBytes({ totalSize: 0x10000 }));
  assert.equal(parsed.totalSize, 0x10000);
  assert.equal(parsed.version, 17);
  const back = parsed.tree;
  assert.deepEqual(back.reservations, [{ address: 0x48000000, size: 0x1000 }]);
  assert.deepEqual(back.root.children.map((node) => node.name), ['intc@8000000', 'pl011@9000000', 'chosen', 'memory@40000000']);
  assert.equal(back.root.string('compatible'), 'linux,dummy-virt');
  assert.equal(back.root.u32('interrupt-parent'), FIRST_PHANDLE);
  assert.equal(back.find('/intc@8000000')?.u32('phandle'), FIRST_PHANDLE);
  assert.deepEqual(back.find('intc@8000000')?.property('interrupt-controller'), new Uint8Array(0));
  assert.deepEqual(back.find('/pl011@9000000')?.strings('compatible'), ['arm,pl011', 'arm,primecell']);
  assert.deepEqual(back.find('/pl011@9000000')?.cells('reg'), [0, 0x09000000, 0, 0x1000]);
  assert.deepEqual(back.find('/pl011@9000000')?.property('blob'), Uint8Array.of(1, 2, 3));
  assert.deepEqual(back.find('/memory@40000000')?.cells('base'), [1, 0x40000000]);
  assert.equal(back.find('/chosen')?.string('stdout-path'), '/pl011@9000000');
  assert.equal(back.find('/nothing'), null);
  assert.deepEqual(parseFdt(back.toBytes()).tree.toBytes(), tree.toBytes(), 'writing what was read gives the same blob');
});

test('FDT0004 a second phandleOf keeps the first; bad names, values and blobs are refused', () => {
  const tree = new DeviceTree();
  const a = tree.root.addNode('a');
  const b = tree.root.addNode('b');
  assert.equal(tree.phandleOf(a), 0x8000);
  assert.equal(tree.phandleOf(b), 0x8001);
  assert.equal(tree.phandleOf(a), 0x8000);
  assert.throws(() => tree.root.addNode('a'), /already has a child a/);
  assert.throws(() => tree.root.addNode('x/y'), /may not contain/);
  assert.throws(() => a.setU32('n', 2 ** 32), /not a 32-bit/);
  assert.throws(() => a.setString('s', 'a\0b'), /NUL/);
  assert.throws(() => parseFdt(new Uint8Array(40)), /magic 0x0 is not 0xd00dfeed/);
  assert.throws(() => tree.toBytes({ totalSize: 16 }), /needs \d+ bytes/);
  const truncated = tree.toBytes().subarray(0, 60);
  assert.throws(() => parseFdt(truncated), /malformed/);
});

test('FDT0005 dtc decodes the blob to the expected source (needs device-tree-compiler)', (t) => {
  const probe = spawnSync('dtc', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    t.skip('dtc is not installed (Debian: apt-get install device-tree-compiler)');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l4vm-fdt-'));
  try {
    const file = path.join(dir, 'tree.dtb');
    fs.writeFileSync(file, virtLikeTree().toBytes());
    const result = spawnSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', file], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(
      result.stdout,
      [
        '/dts-v1/;',
        '',
        '/memreserve/\t0x0000000048000000 0x0000000000001000;',
        '/ {',
        '\t#address-cells = <0x02>;',
        '\t#size-cells = <0x02>;',
        '\tcompatible = "linux,dummy-virt";',
        '\tmodel = "linux,dummy-virt";',
        '\tinterrupt-parent = <0x8000>;',
        '',
        '\tintc@8000000 {',
        '\t\tcompatible = "arm,cortex-a15-gic";',
        '\t\t#interrupt-cells = <0x03>;',
        '\t\tinterrupt-controller;',
        '\t\treg = <0x00 0x8000000 0x00 0x10000 0x00 0x8010000 0x00 0x10000>;',
        '\t\tphandle = <0x8000>;',
        '\t};',
        '',
        '\tpl011@9000000 {',
        '\t\tcompatible = "arm,pl011\\0arm,primecell";',
        '\t\treg = <0x00 0x9000000 0x00 0x1000>;',
        '\t\tinterrupts = <0x00 0x01 0x04>;',
        '\t\tblob = [01 02 03];',
        '\t};',
        '',
        '\tchosen {',
        '\t\tstdout-path = "/pl011@9000000";',
        '\t};',
        '',
        '\tmemory@40000000 {',
        '\t\tdevice_type = "memory";',
        '\t\tbase = <0x01 0x40000000>;',
        '\t};',
        '};',
        '',
      ].join('\n'),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * QEMU 7.2's own tree for `qemu-system-arm -M virt,dumpdtb=… -m 256` (Debian 1:7.2+dfsg-7+deb12u18),
 * re-emitted by dtc without QEMU's padding to 1 MiB. The chosen node's rng-seed and kaslr-seed are
 * random per run.
 */
const qemuVirtDtb = fileURLToPath(new URL('../../../test/devices/fixtures/qemu-7.2-virt-arm-256m.dtb', import.meta.url));

test('FDT0006 the reader reads QEMU virt tree; writing it back gives a tree dtc prints identically', (t) => {
  const blob = new Uint8Array(fs.readFileSync(qemuVirtDtb));
  const { tree } = parseFdt(blob);
  const root = tree.root;
  assert.equal(root.string('compatible'), 'linux,dummy-virt');
  assert.equal(root.u32('interrupt-parent'), 0x8002);
  assert.equal(tree.find('/intc@8000000')?.u32('phandle'), 0x8002);
  assert.deepEqual(tree.find('/intc@8000000')?.cells('reg'), [0, 0x08000000, 0, 0x10000, 0, 0x08010000, 0, 0x10000]);
  assert.deepEqual(tree.find('/pl011@9000000')?.cells('interrupts'), [0, 1, 4]);
  assert.deepEqual(tree.find('/pl031@9010000')?.cells('interrupts'), [0, 2, 4]);
  assert.deepEqual(tree.find('/virtio_mmio@a003e00')?.cells('interrupts'), [0, 0x2f, 1]);
  assert.deepEqual(tree.find('/timer')?.cells('interrupts'), [1, 13, 0x104, 1, 14, 0x104, 1, 11, 0x104, 1, 10, 0x104]);
  assert.deepEqual(tree.find('/flash@0')?.cells('reg'), [0, 0, 0, 0x04000000, 0, 0x04000000, 0, 0x04000000]);
  assert.equal(tree.find('/flash@0')?.u32('bank-width'), 4);
  assert.deepEqual(tree.find('/memory@40000000')?.cells('reg'), [0, 0x40000000, 0, 0x10000000]);
  assert.equal(tree.find('/chosen')?.string('stdout-path'), '/pl011@9000000');
  assert.equal(tree.find('/cpus/cpu@0')?.string('compatible'), 'arm,cortex-a15');
  assert.equal(root.children.filter((node) => node.name.startsWith('virtio_mmio@')).length, 32);
  const rewritten = tree.toBytes();
  assert.deepEqual(parseFdt(rewritten).tree.toBytes(), rewritten);
  const probe = spawnSync('dtc', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    t.skip('dtc is not installed (Debian: apt-get install device-tree-compiler): the text comparison was left out');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'l4vm-fdt-'));
  try {
    fs.writeFileSync(path.join(dir, 'ours.dtb'), rewritten);
    const decode = (file: string) => spawnSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', file], { encoding: 'utf8' }).stdout;
    assert.equal(decode(path.join(dir, 'ours.dtb')), decode(qemuVirtDtb));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
