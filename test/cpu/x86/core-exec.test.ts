// User-level instructions on a bare machine: results and flags (values as qemu-i386 -cpu pentium3
// computes them and as the SDM defines them), faults, self-modifying code, I/O and MMIO.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EAX, EBX, ECX, EDX, EDI, ESI, Flag } from '../../../src/cpu/x86/state.js';
import { flatMachine, steps, u32 } from './core-helpers.js';

test('X86C0101 ADD sets OF, SF, AF and PF on signed overflow', () => {
  const m = flatMachine([0xb8, 0xff, 0xff, 0xff, 0x7f, 0x83, 0xc0, 0x01]);
  steps(m, 2);
  assert.equal(u32(m.cpu.state.reg[EAX]), 0x80000000);
  assert.equal(m.cpu.getEflags(), 0x2 | Flag.OF | Flag.SF | Flag.AF | Flag.PF);
  assert.equal(m.cpu.state.eip, 0x1008);
});

test('X86C0102 RCL through carry by 1, and by a count that is 0 modulo 9 leaves value and flags alone', () => {
  const m = flatMachine([0xf9, 0xb0, 0x80, 0xd0, 0xd0, 0xb0, 0xff, 0xb1, 0x09, 0xd2, 0xd0]);
  steps(m, 3);
  assert.equal(m.cpu.state.reg[EAX] & 0xff, 0x01);
  const flags = m.cpu.getEflags();
  assert.equal(flags & (Flag.CF | Flag.OF), Flag.CF | Flag.OF); // CF = old bit 7, OF = MSB(result) ^ CF
  steps(m, 3);
  assert.equal(m.cpu.state.reg[EAX] & 0xff, 0xff);
  assert.equal(m.cpu.getEflags(), flags);
});

test('X86C0103 DIV by zero and IDIV overflow raise #DE at the faulting instruction', () => {
  const m = flatMachine([0x31, 0xc9, 0xf7, 0xf1]);
  steps(m, 2);
  assert.deepEqual(m.exceptions, [{ vector: 0, errorCode: -1, eip: 0x1002 }]);
  const n = flatMachine([0xb8, 0x00, 0x00, 0x00, 0x80, 0x99, 0xb9, 0xff, 0xff, 0xff, 0xff, 0xf7, 0xf9]);
  steps(n, 4);
  assert.deepEqual(n.exceptions, [{ vector: 0, errorCode: -1, eip: 0x100b }]);
  assert.equal(u32(n.cpu.state.reg[EDX]), 0xffffffff);
});

test('X86C0104 BSF/BSR: a zero source sets ZF and leaves the destination', () => {
  const m = flatMachine([0xba, 0x07, 0x00, 0x00, 0x00, 0x31, 0xc0, 0x0f, 0xbc, 0xd0, 0xb8, 0x50, 0x00, 0x00, 0x00, 0x0f, 0xbc, 0xd0, 0x0f, 0xbd, 0xc8]);
  steps(m, 3);
  assert.equal(m.cpu.state.reg[EDX], 7);
  assert.ok((m.cpu.getEflags() & Flag.ZF) !== 0);
  steps(m, 3);
  assert.equal(m.cpu.state.reg[EDX], 4);
  assert.equal(m.cpu.state.reg[ECX], 6);
  assert.equal(m.cpu.getEflags() & Flag.ZF, 0);
});

test('X86C0105 CMPXCHG8B stores ECX:EBX on a match, else loads EDX:EAX', () => {
  const m = flatMachine([
    0xb8, 0x01, 0x00, 0x00, 0x00, 0xba, 0x02, 0x00, 0x00, 0x00, 0xbb, 0x03, 0x00, 0x00, 0x00, 0xb9, 0x04, 0x00, 0x00, 0x00, 0x0f, 0xc7, 0x0d,
    0x00, 0x20, 0x00, 0x00, 0x0f, 0xc7, 0x0d, 0x00, 0x20, 0x00, 0x00,
  ]);
  m.memory.write32(0x2000, 1);
  m.memory.write32(0x2004, 2);
  steps(m, 5);
  assert.equal(m.memory.read32(0x2000), 3);
  assert.equal(m.memory.read32(0x2004), 4);
  assert.ok((m.cpu.getEflags() & Flag.ZF) !== 0);
  m.memory.write32(0x2000, 9);
  steps(m, 1);
  assert.equal(m.cpu.state.reg[EAX], 9);
  assert.equal(m.cpu.state.reg[EDX], 4);
  assert.equal(m.cpu.getEflags() & Flag.ZF, 0);
});

test('X86C0106 self-modifying code runs the new bytes', () => {
  const m = flatMachine([0xc6, 0x05, 0x10, 0x10, 0x00, 0x00, 0x40, 0xe9, 0x04, 0x00, 0x00, 0x00]);
  m.ram[0x1010] = 0x90;
  m.ram[0x1011] = 0xf4;
  m.cpu.state.eip = 0x1010;
  steps(m, 1); // the old NOP
  m.cpu.state.eip = 0x1000;
  steps(m, 3);
  assert.equal(m.cpu.state.reg[EAX], 1);
  assert.equal(m.cpu.state.eip, 0x1011);
});

test('X86C0107 an undefined opcode raises #UD and is logged once with its bytes', () => {
  const m = flatMachine([0x0f, 0x0b]);
  steps(m, 1);
  m.cpu.state.eip = 0x1000;
  steps(m, 1);
  assert.deepEqual(
    m.exceptions.map((e) => [e.vector, e.eip]),
    [
      [6, 0x1000],
      [6, 0x1000],
    ],
  );
  assert.equal(m.logs.length, 1);
  assert.match(m.logs[0], /0f 0b/);
});

test('X86C0108 IN/OUT reach the I/O ports at CPL 0 and fault at CPL 3 with IOPL 0', () => {
  const code = [0xb0, 0x12, 0xe6, 0x80, 0xe4, 0x71, 0x66, 0xba, 0xf8, 0x03, 0x66, 0xed];
  const m = flatMachine(code);
  const seen: string[] = [];
  m.io.register('test', 0x70, 2, { read: (port, size) => (seen.push(`r${port}/${size}`), 0x5a), write: (port, size, value) => void seen.push(`w${port}/${size}=${value}`) });
  m.io.register('test2', 0x80, 1, { read: () => 0, write: (port, size, value) => void seen.push(`w${port}/${size}=${value}`) });
  steps(m, 5);
  assert.deepEqual(seen, ['w128/1=18', 'r113/1']);
  assert.equal(m.cpu.state.reg[EAX] & 0xffff, 0xffff); // nobody at 0x3f8
  const user = flatMachine(code, 3);
  steps(user, 2);
  assert.deepEqual(user.exceptions, [{ vector: 13, errorCode: 0, eip: 0x1002 }]);
});

test('X86C0109 MMIO accesses go to the device handler', () => {
  const m = flatMachine([0xa1, 0x00, 0x00, 0x50, 0x00, 0x66, 0xc7, 0x05, 0x04, 0x00, 0x50, 0x00, 0xef, 0xbe]);
  const seen: string[] = [];
  m.memory.addMmio('dev', 0x500000, 0x1000, {
    read: (offset, size) => (seen.push(`r${offset}/${size}`), 0x11223344),
    write: (offset, size, value) => void seen.push(`w${offset}/${size}=${value.toString(16)}`),
  });
  steps(m, 2);
  assert.equal(m.cpu.state.reg[EAX], 0x11223344);
  assert.deepEqual(seen, ['r0/4', 'w4/2=beef']);
});

test('X86C0110 REP MOVSD, then SBB with carry', () => {
  const m = flatMachine([0xbe, 0x00, 0x20, 0x00, 0x00, 0xbf, 0x00, 0x30, 0x00, 0x00, 0xb9, 0x03, 0x00, 0x00, 0x00, 0xf3, 0xa5, 0xf9, 0x19, 0xc0]);
  for (let i = 0; i < 12; i++) m.memory.write8(0x2000 + i, i + 1);
  const executed = m.cpu.run(7);
  assert.equal(executed, 7);
  for (let i = 0; i < 12; i++) assert.equal(m.memory.read8(0x3000 + i), i + 1);
  assert.equal(m.cpu.state.reg[ECX], 0);
  assert.equal(m.cpu.state.reg[ESI], 0x200c);
  assert.equal(m.cpu.state.reg[EDI], 0x300c);
  assert.equal(m.cpu.state.reg[EAX], -1);
  assert.equal(m.cpu.state.reg[EBX], 0);
});

test('X86C0111 x87: loads, arithmetic, rounding integer store, compare with FNSTSW, square root', () => {
  const m = flatMachine([
    0xd9, 0xe8, 0xdc, 0xc0, 0xdd, 0x05, 0x00, 0x20, 0x00, 0x00, 0xde, 0xc9, 0xdd, 0x15, 0x08, 0x20, 0x00, 0x00, 0xdb, 0x1d, 0x10, 0x20, 0x00, 0x00,
    0xd9, 0xeb, 0xdc, 0x1d, 0x00, 0x20, 0x00, 0x00, 0xdf, 0xe0, 0xdf, 0x05, 0x14, 0x20, 0x00, 0x00, 0xd9, 0xfa, 0xd9, 0x1d, 0x18, 0x20, 0x00, 0x00,
  ]);
  const scratch = new DataView(new ArrayBuffer(8));
  scratch.setFloat64(0, 2.75, true);
  m.memory.write32(0x2000, scratch.getUint32(0, true));
  m.memory.write32(0x2004, scratch.getUint32(4, true));
  m.memory.write16(0x2014, 16);
  steps(m, 12);
  scratch.setUint32(0, m.memory.read32(0x2008), true);
  scratch.setUint32(4, m.memory.read32(0x200c), true);
  assert.equal(scratch.getFloat64(0, true), 5.5);
  assert.equal(m.memory.read32(0x2010), 6); // round to nearest even
  assert.equal(m.cpu.state.reg[EAX] & 0xffff, 0x0020); // pi > 2.75: C3 C2 C0 clear; PE from the rounding; TOP 0
  assert.equal(m.memory.read32(0x2018), 0x40800000); // 4.0f
  assert.equal(m.cpu.fpu.tagWord, 0xffff);
  assert.equal(m.exceptions.length, 0);
});

test('X86C0112 x87 keeps 80-bit results: 3/7 with 64- and 53-bit precision control, PE, and FLDPI (values from QEMU)', () => {
  const m = flatMachine([
    0xdd, 0x05, 0x00, 0x20, 0x00, 0x00, 0xdc, 0x35, 0x08, 0x20, 0x00, 0x00, 0xdf, 0xe0, 0xdb, 0x3d, 0x10, 0x20, 0x00, 0x00, 0xd9, 0x2d, 0x20, 0x20,
    0x00, 0x00, 0xdd, 0x05, 0x00, 0x20, 0x00, 0x00, 0xdc, 0x35, 0x08, 0x20, 0x00, 0x00, 0xdb, 0x3d, 0x30, 0x20, 0x00, 0x00, 0xd9, 0xeb, 0xdb, 0x3d,
    0x40, 0x20, 0x00, 0x00,
  ]);
  m.memory.write32(0x2004, 0x40080000); // 3.0
  m.memory.write32(0x200c, 0x401c0000); // 7.0
  m.memory.write16(0x2020, 0x027f); // precision control 53 bits
  steps(m, 10);
  const extended = (at: number): string =>
    [m.memory.read16(at + 8), m.memory.read32(at + 4), m.memory.read32(at)].map((v) => v.toString(16).padStart(4, '0')).join(':');
  assert.equal(m.cpu.state.reg[EAX] & 0xffff, 0x3820); // TOP 7, PE
  assert.equal(extended(0x2010), '3ffd:db6db6db:6db6db6e');
  assert.equal(extended(0x2030), '3ffd:db6db6db:6db6d800');
  assert.equal(extended(0x2040), '4000:c90fdaa2:2168c235');
});

test('X86C0113 decoded instructions are dropped when their bytes are written from outside the CPU', () => {
  const m = flatMachine([0xb0, 0x05, 0xf4]); // mov al, 5; hlt
  steps(m, 1); // fills the TLB
  m.cpu.state.eip = 0x1000;
  steps(m, 1); // decodes into the cache
  assert.equal(m.cpu.state.reg[EAX] & 0xff, 5);
  m.memory.write8(0x1001, 9);
  m.cpu.state.eip = 0x1000;
  steps(m, 1);
  assert.equal(m.cpu.state.reg[EAX] & 0xff, 9);
  m.memory.writeBytes(0x1000, new Uint8Array([0xb0, 0x0b]));
  m.cpu.state.eip = 0x1000;
  steps(m, 1);
  assert.equal(m.cpu.state.reg[EAX] & 0xff, 0x0b);
  // Bytes stored straight into the RAM array are seen after flushCaches().
  m.ram[0x1001] = 0x0c;
  m.cpu.flushCaches();
  m.cpu.state.eip = 0x1000;
  steps(m, 1);
  assert.equal(m.cpu.state.reg[EAX] & 0xff, 0x0c);
});

test('X86C0114 run() and step() reach the same state, a faulting instruction counted by run() only', () => {
  // mov ecx, 50; l: add eax, ecx; dec ecx; jnz l; ud2
  const code = [0xb9, 0x32, 0x00, 0x00, 0x00, 0x01, 0xc8, 0x49, 0x75, 0xfb, 0x0f, 0x0b];
  const a = flatMachine(code);
  const b = flatMachine(code);
  assert.equal(a.cpu.run(1000), 152);
  steps(b, 152);
  for (const m of [a, b]) {
    assert.equal(m.cpu.state.reg[EAX], 1275);
    assert.equal(m.cpu.instructions, 151);
    assert.deepEqual(m.exceptions, [{ vector: 6, errorCode: -1, eip: 0x100a }]);
  }
  assert.deepEqual([...a.cpu.state.reg], [...b.cpu.state.reg]);
  assert.equal(a.cpu.getEflags(), b.cpu.getEflags());
});

test('X86C0115 code in more pages than the decoded-instruction cache holds still runs right', () => {
  // Twice: call each of 600 pages, each holding inc eax; ret.
  const m = flatMachine([
    0xbe, 0x02, 0x00, 0x00, 0x00, // mov esi, 2
    0xbb, 0x00, 0x00, 0x10, 0x00, // outer: mov ebx, 0x100000
    0xb9, 0x58, 0x02, 0x00, 0x00, // mov ecx, 600
    0xff, 0xd3, // inner: call ebx
    0x81, 0xc3, 0x00, 0x10, 0x00, 0x00, // add ebx, 0x1000
    0x49, // dec ecx
    0x75, 0xf5, // jnz inner
    0x4e, // dec esi
    0x75, 0xe8, // jnz outer
    0xf4, // hlt
  ]);
  for (let page = 0; page < 600; page++) m.ram.set([0x40, 0xc3], 0x100000 + page * 0x1000);
  m.cpu.run(100000);
  assert.deepEqual(m.exceptions, []);
  assert.equal(m.cpu.halted, true);
  assert.equal(m.cpu.state.reg[EAX], 1200);
});
