// The user-mode address space (mappings as PhysicalMemory regions) and the initial stack layout.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { X86Cpu } from '../../src/cpu/x86/cpu.js';
import { IoPorts } from '../../src/hw/ioports.js';
import { PhysicalMemory } from '../../src/hw/memory.js';
import { PROT_EXEC, PROT_READ, PROT_WRITE, UserAddressSpace } from '../../src/user/address-space.js';
import { AT_EXECFN, AT_NULL, AT_PAGESZ, AT_PLATFORM, AT_RANDOM, buildInitialStack, X86_PAGE_TABLES, X86PageTables } from '../../src/user/runner.js';

const RW = PROT_READ | PROT_WRITE;

function space(): UserAddressSpace {
  return new UserAddressSpace(new PhysicalMemory('little'), 0x4000_0000);
}

test('UMEM0001 mmap without an address goes top-down below the mmap top, each mapping one region', () => {
  const s = space();
  const first = s.findFree(0x1000);
  assert.equal(first, 0x3fff_f000);
  assert.ok(s.map('a', 0x3fff_f000, 0x1000, RW));
  assert.equal(s.findFree(0x10_0000), 0x3fef_f000);
  assert.ok(s.map('b', 0x3fef_f000, 0x10_0000, RW));
  assert.equal(s.regionCount, 2);
  assert.ok(s.isMapped(0x3fef_f000, 0x10_1000));
  assert.ok(!s.isMapped(0x3fef_e000, 0x2000));
});

test('UMEM0002 munmap of the middle of a mapping leaves two pieces that keep their bytes; a hole is found again', () => {
  const s = space();
  s.map('m', 0x1000_0000, 0x4000, RW);
  s.memory.write32(0x1000_0000, 0x11111111);
  s.memory.write32(0x1000_3ffc, 0x22222222);
  s.unmap(0x1000_1000, 0x2000);
  assert.equal(s.regionCount, 2);
  assert.ok(s.isMapped(0x1000_0000, 0x1000));
  assert.ok(!s.isMapped(0x1000_1000, 1));
  assert.ok(s.isMapped(0x1000_3000, 0x1000));
  assert.equal(s.memory.read32(0x1000_0000), 0x11111111);
  assert.equal(s.memory.read32(0x1000_3ffc), 0x22222222);
  assert.ok(s.isFree(0x1000_1000, 0x1000_3000));
  assert.ok(!s.isFree(0x1000_0000, 0x1000_2000));
});

test('UMEM0003 mprotect records protections on whole regions, splitting at its edges; unmapped pages fail', () => {
  const s = space();
  s.map('m', 0x2000_0000, 0x3000, RW);
  assert.ok(s.protect(0x2000_1000, 0x1000, PROT_READ));
  assert.equal(s.protection(0x2000_0000), RW);
  assert.equal(s.protection(0x2000_1000), PROT_READ);
  assert.equal(s.protection(0x2000_2000), RW);
  assert.equal(s.regionCount, 3);
  assert.ok(!s.protect(0x2000_2000, 0x2000, PROT_READ));
});

test('UMEM0004 reads and writes of guest memory fail on unmapped bytes instead of touching nothing', () => {
  const s = space();
  s.map('m', 0x3000_0000, 0x1000, RW);
  assert.ok(s.write(0x3000_0ff0, new Uint8Array(16).fill(7)));
  assert.ok(!s.write(0x3000_0ff0, new Uint8Array(17)));
  const into = new Uint8Array(16);
  assert.ok(s.read(0x3000_0ff0, into));
  assert.deepEqual([...into], new Array<number>(16).fill(7));
});

test('UMEM0005 changes tell the CPU to drop its cached translations', () => {
  const s = space();
  let changes = 0;
  s.onChange = () => changes++;
  s.map('m', 0x3000_0000, 0x2000, RW);
  s.unmap(0x3000_0000, 0x1000);
  s.protect(0x3000_1000, 0x1000, PROT_READ);
  assert.equal(changes, 3);
});

test('STACK0001 the initial stack holds argc, argv, envp and the auxiliary vector as Linux lays them out', () => {
  const top = 0x4080_1000;
  const random = new Uint8Array(16).map((_, i) => i + 1);
  const stack = buildInitialStack({
    top,
    argv: ['./prog', '-x', 'arg'],
    envp: ['A=1', 'HOME=/root'],
    execfn: './prog',
    platform: 'i686',
    random,
    endian: 'little',
    auxv: (at) => [
      [AT_PAGESZ, 4096],
      [AT_RANDOM, at.random],
      [AT_EXECFN, at.execfn],
      [AT_PLATFORM, at.platform],
    ],
  });
  assert.equal(stack.sp % 16, 0);
  assert.equal(stack.sp + stack.image.length, top);
  const view = new DataView(stack.image.buffer);
  const word = (address: number): number => view.getUint32(address - stack.sp, true);
  const string = (address: number): string => {
    let end = address - stack.sp;
    while (stack.image[end] !== 0) end++;
    return new TextDecoder().decode(stack.image.subarray(address - stack.sp, end));
  };
  assert.equal(word(stack.sp), 3);
  assert.equal(stack.argvAddress, stack.sp + 4);
  assert.deepEqual([0, 1, 2].map((i) => string(word(stack.argvAddress + i * 4))), ['./prog', '-x', 'arg']);
  assert.equal(word(stack.argvAddress + 12), 0);
  assert.equal(stack.envpAddress, stack.argvAddress + 16);
  assert.deepEqual([0, 1].map((i) => string(word(stack.envpAddress + i * 4))), ['A=1', 'HOME=/root']);
  assert.equal(word(stack.envpAddress + 8), 0);
  const auxv = new Map<number, number>();
  for (let at = stack.auxvAddress; ; at += 8) {
    auxv.set(word(at), word(at + 4));
    if (word(at) === AT_NULL) break;
  }
  assert.equal(auxv.get(AT_PAGESZ), 4096);
  assert.equal(string(auxv.get(AT_PLATFORM) ?? 0), 'i686');
  assert.equal(string(auxv.get(AT_EXECFN) ?? 0), './prog');
  const randomAt = (auxv.get(AT_RANDOM) ?? 0) - stack.sp;
  assert.deepEqual([...stack.image.subarray(randomAt, randomAt + 16)], [...random]);
  // Strings in ascending order argv, envp, then the file name, then a NULL word at the very top.
  assert.ok(word(stack.argvAddress) < word(stack.envpAddress));
  assert.ok(word(stack.envpAddress + 4) < (auxv.get(AT_EXECFN) ?? 0));
  assert.equal(word(top - 4), 0);
});

test('STACK0002 a big-endian stack above 2 GiB (as PowerPC and SPARC will have) stays aligned and in the right byte order', () => {
  const top = 0xc000_0000;
  const stack = buildInitialStack({ top, argv: ['p'], envp: [], execfn: 'p', platform: 'ppc', random: new Uint8Array(16), endian: 'big', auxv: () => [[AT_PAGESZ, 4096]] });
  assert.ok(stack.sp > 0xbfff_f000 && stack.sp < top);
  assert.equal(stack.sp % 16, 0);
  const view = new DataView(stack.image.buffer);
  assert.equal(view.getUint32(0, false), 1, 'argc, big-endian');
  assert.ok(view.getUint32(4, false) > stack.sp, 'argv[0] points into the stack');
  assert.deepEqual([view.getUint32(stack.auxvAddress - stack.sp, false), view.getUint32(stack.auxvAddress - stack.sp + 4, false)], [AT_PAGESZ, 4096]);
});

test('UMEM0006 system-call access follows the protections: PROT_NONE is not readable, only PROT_WRITE is writable', () => {
  const s = space();
  s.map('m', 0x3000_0000, 0x4000, RW);
  s.protect(0x3000_1000, 0x1000, PROT_READ | PROT_EXEC);
  s.protect(0x3000_2000, 0x1000, 0);
  assert.ok(s.isAccessible(0x3000_0000, 0x2000, false));
  assert.ok(!s.isAccessible(0x3000_0ff0, 0x20, true));
  assert.ok(!s.isAccessible(0x3000_1ff0, 0x20, false));
  assert.ok(s.isAccessible(0x3000_3000, 0x1000, true));
  assert.ok(!s.isAccessible(0x3000_3000, 0x1001, false));
});

test('UMEM0007 the page tables identity-map every mapping for CPL 3, writable only with PROT_WRITE, and follow changes', () => {
  const s = space();
  const memory = s.memory;
  s.map('m', 0x3000_0000, 0x3000, RW);
  s.protect(0x3000_1000, 0x1000, PROT_READ);
  s.protect(0x3000_2000, 0x1000, 0);
  const tables = new X86PageTables(s);
  s.onChange = () => tables.rebuild();
  const pde = memory.read32(X86_PAGE_TABLES + (0x3000_0000 >>> 22) * 4);
  assert.equal(pde & 0xfff, 0x27);
  const pte = (address: number): number => memory.read32(((pde & ~0xfff) >>> 0) + ((address >>> 12) & 0x3ff) * 4);
  assert.equal(pte(0x3000_0000) >>> 0, 0x3000_0067);
  assert.equal(pte(0x3000_1000) >>> 0, 0x3000_1065);
  assert.equal(pte(0x3000_2000), 0);
  // The guest cannot reach its page tables: no page-directory entry covers them.
  assert.equal(memory.read32(X86_PAGE_TABLES + (X86_PAGE_TABLES >>> 22) * 4), 0);

  const cpu = new X86Cpu(memory, new IoPorts(), { log: () => undefined });
  cpu.enterFlatProtectedMode(3);
  cpu.state.cr3 = tables.directory;
  cpu.state.cr0 |= 0x8000_0000;
  cpu.flushCaches();
  assert.ok(cpu.writeLinear(0x3000_0000, new Uint8Array([1])));
  assert.ok(!cpu.writeLinear(0x3000_1000, new Uint8Array([1])));
  assert.equal(cpu.state.cr2 >>> 0, 0x3000_1000);
  assert.ok(cpu.readLinear(0x3000_1000, new Uint8Array(1)));
  assert.ok(!cpu.readLinear(0x3000_2000, new Uint8Array(1)));
  assert.ok(!cpu.readLinear(X86_PAGE_TABLES, new Uint8Array(1)));

  s.protect(0x3000_1000, 0x1000, RW);
  s.unmap(0x3000_0000, 0x1000);
  cpu.flushCaches();
  assert.ok(cpu.writeLinear(0x3000_1000, new Uint8Array([1])));
  assert.ok(!cpu.readLinear(0x3000_0000, new Uint8Array(1)));

  // More than the first 16 page tables: the region grows and the old entries stay.
  for (let i = 0; i < 40; i++) s.map('spread', 0x0800_0000 + i * 0x40_0000, 0x1000, PROT_READ);
  cpu.flushCaches();
  assert.ok(cpu.readLinear(0x0800_0000 + 39 * 0x40_0000, new Uint8Array(1)));
  assert.ok(cpu.writeLinear(0x3000_1000, new Uint8Array([1])));
});
