// System architecture: reset, real mode and the IVT, protected mode with descriptors and limit
// checks, privilege changes through the IDT and the TSS, paging and page faults.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CS, Cr0, Cr4, DS, EAX, EBX, ES, ESP, FS, GS, SS, Flag } from '../../../src/cpu/x86/state.js';
import { flatMachine, makeMachine, steps, u32 } from './core-helpers.js';

test('X86C0201 reset: real mode, CS F000 with base FFFF0000, first fetch at FFFFFFF0', () => {
  const rom = new Uint8Array(0x10000);
  rom.set([0xea, 0x5b, 0xe0, 0x00, 0xf0], 0xfff0); // jmp f000:e05b
  const m = makeMachine(rom);
  const s = m.cpu.state;
  assert.equal(s.segments.selector[CS], 0xf000);
  assert.equal(u32(s.segments.base[CS]), 0xffff0000);
  assert.equal(s.eip, 0xfff0);
  assert.equal(s.cr0 & Cr0.PE, 0);
  assert.equal(m.cpu.getEflags(), 2);
  steps(m, 1);
  assert.equal(s.segments.selector[CS], 0xf000);
  assert.equal(s.segments.base[CS], 0xf0000);
  assert.equal(s.eip, 0xe05b);
});

test('X86C0202 real mode INT through the IVT pushes FLAGS, CS, IP and IRET returns', () => {
  const m = makeMachine();
  m.ram.set([0xb8, 0x34, 0x12, 0xcd, 0x21, 0x89, 0xc3, 0xf4, 0x40, 0xcf], 0x7000);
  m.memory.write16(0x21 * 4, 0x0008); // handler at 0700:0008 = 0x7008
  m.memory.write16(0x21 * 4 + 2, 0x0700);
  const cpu = m.cpu;
  assert.ok(cpu.loadSegment(CS, 0x0700));
  assert.ok(cpu.loadSegment(SS, 0x0000));
  cpu.state.eip = 0;
  cpu.state.reg[ESP] = 0x6000;
  cpu.setEflags(0x202);
  steps(m, 2);
  assert.equal(cpu.state.eip, 0x0008);
  assert.equal(cpu.state.reg[ESP], 0x6000 - 6);
  assert.deepEqual([m.memory.read16(0x5ffa), m.memory.read16(0x5ffc), m.memory.read16(0x5ffe)], [0x0005, 0x0700, 0x0202]);
  assert.equal(cpu.getEflags() & Flag.IF, 0);
  steps(m, 4);
  assert.equal(cpu.state.reg[EBX] & 0xffff, 0x1235);
  assert.equal(cpu.getEflags() & Flag.IF, Flag.IF);
  assert.equal(cpu.halted, true);
  assert.equal(cpu.run(10), 0);
});

// Real mode -> LGDT, CR0.PE, far jump to 32-bit code; loads of a limited segment and of a selector past the GDT.
const PROTECTED_MODE_ENTRY = [
  0xfa, 0x0f, 0x01, 0x16, 0x68, 0x7c, 0x0f, 0x20, 0xc0, 0x0c, 0x01, 0x0f, 0x22, 0xc0, 0xea, 0x13, 0x7c, 0x08, 0x00, 0x66, 0xb8, 0x10, 0x00, 0x8e,
  0xd8, 0x8e, 0xc0, 0x8e, 0xd0, 0xbc, 0x00, 0x90, 0x00, 0x00, 0xa1, 0x00, 0x50, 0x00, 0x00, 0x66, 0xbb, 0x18, 0x00, 0x8e, 0xe3, 0x64, 0x8b, 0x0d,
  0xfc, 0x0f, 0x00, 0x00, 0xf4, 0x64, 0x8b, 0x15, 0xfe, 0x0f, 0x00, 0x00, 0xf4, 0x66, 0xb8, 0x38, 0x00, 0x8e, 0xe8, 0xf4, 0x90, 0x90, 0x90, 0x90,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xcf, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0xcf, 0x00,
  0xff, 0x0f, 0x00, 0x00, 0x01, 0x92, 0x40, 0x00, 0x1f, 0x00, 0x48, 0x7c, 0x00, 0x00,
];

test('X86C0203 entering protected mode loads descriptors; limits and bad selectors raise #GP with error codes', () => {
  const m = makeMachine();
  m.ram.set(PROTECTED_MODE_ENTRY, 0x7c00);
  m.memory.write32(0x5000, 0xcafe);
  m.memory.write32(0x10000 + 0xffc, 0x600d);
  const cpu = m.cpu;
  cpu.loadSegment(CS, 0);
  cpu.state.eip = 0x7c00;
  cpu.run(100);
  const c = cpu.state.segments;
  assert.equal(cpu.halted, true);
  assert.equal(c.selector[CS], 0x08);
  assert.equal(u32(c.limit[CS]), 0xffffffff);
  assert.equal(c.access[CS] & 0xff, 0x9b); // accessed bit set by the load
  assert.equal(m.memory.read8(0x7c48 + 8 + 5), 0x9b); // and in the GDT
  assert.equal(cpu.state.reg[EAX], 0xcafe);
  assert.equal(c.base[FS], 0x10000);
  assert.equal(c.limit[FS], 0xfff);
  assert.equal(cpu.state.reg[1], 0x600d);
  cpu.halted = false;
  cpu.run(100); // the 4-byte read at FS:FFE crosses the limit
  assert.deepEqual(m.exceptions, [{ vector: 13, errorCode: 0, eip: 0x7c35 }]);
  cpu.state.eip = 0x7c3d;
  cpu.run(100); // mov gs, 0x38: past the GDT limit
  assert.deepEqual(m.exceptions[1], { vector: 13, errorCode: 0x38, eip: 0x7c41 });
  assert.equal(c.selector[GS], 0);
});

test('X86C0204 IRET to CPL 3, INT 0x80 through a DPL-3 gate switches to the TSS stack, IRET back', () => {
  const m = makeMachine();
  const code = [
    0x66, 0xb8, 0x28, 0x00, 0x0f, 0x00, 0xd8, 0x6a, 0x23, 0x68, 0x00, 0x80, 0x00, 0x00, 0x68, 0x02, 0x02, 0x00, 0x00, 0x6a, 0x1b, 0x68, 0x1b, 0x10,
    0x00, 0x00, 0xcf, 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xcd, 0x80, 0x89, 0xc3, 0xf4, 0x83, 0xc0, 0x01, 0xcf,
  ];
  m.ram.set(code, 0x1000);
  const gdt = [
    [0, 0],
    [0x0000ffff, 0x00cf9a00],
    [0x0000ffff, 0x00cf9200],
    [0x0000ffff, 0x00cffa00],
    [0x0000ffff, 0x00cff200],
    [0x40000067, 0x00008900], // 32-bit TSS at 0x4000
  ];
  gdt.forEach(([low, high], i) => {
    m.memory.write32(0x3000 + i * 8, low);
    m.memory.write32(0x3000 + i * 8 + 4, high);
  });
  m.memory.write32(0x4004, 0x7000); // ESP0
  m.memory.write32(0x4008, 0x10); // SS0
  m.memory.write32(0x5000 + 0x80 * 8, (0x08 << 16) | 0x1025);
  m.memory.write32(0x5000 + 0x80 * 8 + 4, 0xee00); // present, DPL 3, 32-bit interrupt gate
  const cpu = m.cpu;
  cpu.enterFlatProtectedMode(0);
  Object.assign(cpu.state, { gdtrBase: 0x3000, gdtrLimit: 6 * 8 - 1, idtrBase: 0x5000, idtrLimit: 0x7ff });
  cpu.state.eip = 0x1000;
  cpu.state.reg[ESP] = 0x9000;
  steps(m, 8); // mov ax, ltr, 5 pushes, iret
  assert.equal(cpu.state.cpl, 3);
  assert.equal(cpu.state.segments.selector[CS], 0x1b);
  assert.equal(cpu.state.segments.selector[DS], 0); // DPL-0 data is not usable at CPL 3
  steps(m, 2); // mov eax, 42; int 0x80
  assert.equal(cpu.state.cpl, 0);
  assert.equal(cpu.state.segments.selector[SS], 0x10);
  assert.equal(cpu.state.reg[ESP], 0x7000 - 20);
  assert.deepEqual([0, 4, 8, 12, 16].map((o) => m.memory.read32(0x7000 - 20 + o)), [0x1022, 0x1b, 0x202, 0x8000, 0x23]);
  assert.equal(cpu.getEflags() & Flag.IF, 0);
  steps(m, 3); // add, iret, mov ebx, eax
  assert.equal(cpu.state.cpl, 3);
  assert.equal(cpu.state.reg[ESP], 0x8000);
  assert.equal(cpu.state.reg[EBX], 43);
  steps(m, 1); // hlt at CPL 3
  assert.deepEqual(m.exceptions, [{ vector: 13, errorCode: 0, eip: 0x1024 }]);
});

function pagingMachine(code: number[], cpl: 0 | 3) {
  const m = flatMachine(code, cpl);
  const directory = 0x100000;
  const table0 = 0x101000;
  const table1 = 0x102000;
  // 0-4 MiB identity mapped (user, writable); 4 MiB: page 0 -> 0x200000 (user, writable), page 1 not present.
  m.memory.write32(directory, table0 | 7);
  m.memory.write32(directory + 4, table1 | 7);
  for (let i = 0; i < 1024; i++) m.memory.write32(table0 + i * 4, (i << 12) | 7);
  m.memory.write32(table1, 0x200000 | 7);
  // 8 MiB: a 4 MiB supervisor read-only page -> physical 0 (PSE).
  m.memory.write32(directory + 8, 0x00000000 | 0x81);
  m.cpu.state.cr3 = directory;
  m.cpu.state.cr4 |= Cr4.PSE;
  m.cpu.state.cr0 |= Cr0.PG;
  m.cpu.flushCaches();
  return m;
}

test('X86C0205 paging: 4 KiB and 4 MiB pages, accessed/dirty bits, page faults with CR2 and error codes', () => {
  const code = [
    0xa1, 0x10, 0x00, 0x40, 0x00, 0xc7, 0x05, 0x20, 0x00, 0x40, 0x00, 0x05, 0x00, 0x00, 0x00, 0x8b, 0x1d, 0x04, 0x30, 0x80, 0x00, 0xc7, 0x05, 0x00,
    0x10, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00,
  ];
  const m = pagingMachine(code, 0);
  m.memory.write32(0x200010, 0x1234);
  m.memory.write32(0x3004, 0x5678);
  m.cpu.run(10);
  assert.equal(m.cpu.state.reg[EAX], 0x1234);
  assert.equal(m.memory.read32(0x200020), 5);
  assert.equal(m.memory.read32(0x102000) & 0x60, 0x60); // accessed and dirty
  assert.equal(m.cpu.state.reg[EBX], 0x5678); // through the 4 MiB page
  assert.deepEqual(m.exceptions, [{ vector: 14, errorCode: 2, eip: 0x1015 }]);
  assert.equal(u32(m.cpu.state.cr2), 0x401000);
  const probe = new Uint8Array(4);
  assert.equal(m.cpu.readLinear(0x400010, probe), true);
  assert.deepEqual([...probe], [0x34, 0x12, 0, 0]);
  assert.equal(m.cpu.readLinear(0x401000, probe), false);
});

test('X86C0206 paging protection: user access to a supervisor page, and WP for supervisor writes', () => {
  const user = pagingMachine([0x8b, 0x1d, 0x04, 0x00, 0x80, 0x00], 3);
  user.cpu.run(1);
  assert.deepEqual(user.exceptions, [{ vector: 14, errorCode: 5, eip: 0x1000 }]);
  // A supervisor write to the read-only 4 MiB page: allowed without CR0.WP, a fault with it.
  const write = [0xc7, 0x05, 0x00, 0x00, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00];
  const m = pagingMachine(write, 0);
  m.cpu.run(1);
  assert.equal(m.exceptions.length, 0);
  assert.equal(m.memory.read32(0), 1);
  const wp = pagingMachine(write, 0);
  wp.cpu.state.cr0 |= Cr0.WP;
  wp.cpu.flushCaches();
  wp.cpu.run(1);
  assert.deepEqual(wp.exceptions, [{ vector: 14, errorCode: 3, eip: 0x1000 }]);
});

test('X86C0207 a hardware interrupt wakes HLT after STI, through the IVT, and IRET resumes after the HLT', () => {
  const m = makeMachine();
  m.ram.set([0xfb, 0xf4, 0xbb, 0x01, 0x00, 0xf4, 0xb8, 0x55, 0x00, 0xcf], 0x7000);
  m.memory.write16(0x08 * 4, 0x7006);
  m.memory.write16(0x08 * 4 + 2, 0);
  const cpu = m.cpu;
  cpu.loadSegment(CS, 0);
  cpu.state.eip = 0x7000;
  cpu.state.reg[ESP] = 0x6000;
  let pending = 0;
  cpu.interruptController = { hasInterrupt: () => pending > 0, acknowledge: () => (pending--, 0x08) };
  assert.equal(cpu.run(100), 2); // sti, hlt
  assert.equal(cpu.halted, true);
  assert.equal(cpu.run(100), 0);
  pending = 1;
  cpu.run(100);
  assert.equal(cpu.state.reg[EAX] & 0xffff, 0x55);
  assert.equal(cpu.state.reg[EBX] & 0xffff, 1);
  assert.equal(cpu.halted, true);
  assert.equal(cpu.state.eip, 0x7006);
});

test('X86C0208 CALL to a TSS switches tasks (busy bits, back link, NT) and IRET returns to the caller task', () => {
  const m = makeMachine();
  m.ram.set([0x66, 0xb8, 0x28, 0x00, 0x0f, 0x00, 0xd8, 0xbb, 0x07, 0x00, 0x00, 0x00, 0x9a, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00, 0xb9, 0x09, 0x00, 0x00, 0x00, 0xf4], 0x1000);
  m.ram.set([0xb8, 0x77, 0x00, 0x00, 0x00, 0xcf], 0x1100);
  const gdt = [
    [0, 0],
    [0, 0],
    [0x0000ffff, 0x00cf9a00],
    [0x0000ffff, 0x00cf9200],
    [0, 0],
    [0x40000067, 0x00008900], // TSS A at 0x4000
    [0x41000067, 0x00008900], // TSS B at 0x4100
  ];
  gdt.forEach(([low, high], i) => {
    m.memory.write32(0x3000 + i * 8, low);
    m.memory.write32(0x3000 + i * 8 + 4, high);
  });
  const b = 0x4100;
  m.memory.write32(b + 0x20, 0x1100); // EIP
  m.memory.write32(b + 0x24, 0x2); // EFLAGS
  m.memory.write32(b + 0x28 + 3 * 4, 0x1234); // EBX
  m.memory.write32(b + 0x28 + 4 * 4, 0x9000); // ESP
  [0x18, 0x10, 0x18, 0x18, 0, 0].forEach((selector, seg) => m.memory.write32(b + 0x48 + seg * 4, selector));
  const cpu = m.cpu;
  cpu.enterFlatProtectedMode(0);
  Object.assign(cpu.state, { gdtrBase: 0x3000, gdtrLimit: 7 * 8 - 1 });
  cpu.state.eip = 0x1000;
  cpu.state.reg[ESP] = 0x8000;
  steps(m, 4); // mov, ltr, mov ebx, call far
  assert.equal(cpu.state.eip, 0x1100);
  assert.equal(cpu.state.reg[EBX], 0x1234);
  assert.equal(cpu.state.segments.selector[7], 0x30);
  assert.equal(cpu.getEflags() & Flag.NT, Flag.NT);
  assert.equal(m.memory.read16(b), 0x28); // back link
  assert.equal((m.memory.read32(0x3000 + 6 * 8 + 4) >> 8) & 0xf, 0xb); // B busy
  assert.equal((m.memory.read32(0x3000 + 5 * 8 + 4) >> 8) & 0xf, 0xb); // A stays busy (nested)
  assert.equal(m.memory.read32(0x4000 + 0x20), 0x1013); // A's EIP after the CALL
  assert.equal(cpu.state.cr0 & Cr0.TS, Cr0.TS);
  steps(m, 2); // mov eax; iret (task return)
  assert.equal(cpu.state.segments.selector[7], 0x28);
  assert.equal(cpu.state.eip, 0x1013);
  assert.equal(cpu.state.reg[EBX], 7);
  assert.equal(cpu.state.reg[EAX], 0x28); // A's own EAX (from mov ax, 0x28)
  assert.equal(m.memory.read32(b + 0x28), 0x77); // B's saved EAX
  assert.equal((m.memory.read32(0x3000 + 6 * 8 + 4) >> 8) & 0xf, 0x9); // B no longer busy
  steps(m, 2);
  assert.equal(cpu.state.reg[1], 9);
  assert.equal(cpu.halted, true);
});

test('X86C0209 CALL through a call gate to CPL 0 copies a parameter to the TSS stack; RETF 4 returns to CPL 3', () => {
  const m = makeMachine();
  m.ram.set([0x6a, 0x11, 0x9a, 0x00, 0x00, 0x00, 0x00, 0x3b, 0x00, 0x89, 0xc3, 0xf4], 0x1000);
  m.ram.set([0x8b, 0x44, 0x24, 0x08, 0xca, 0x04, 0x00], 0x1100);
  const gdt = [
    [0, 0],
    [0x0000ffff, 0x00cf9a00],
    [0x0000ffff, 0x00cf9200],
    [0, 0],
    [0x0000ffff, 0x00cffa00],
    [0x0000ffff, 0x00cff200],
    [0x40000067, 0x00008b00], // the current (busy) TSS at 0x4000
    [(0x08 << 16) | 0x1100, 0x0000ec01], // 32-bit call gate, DPL 3, one parameter
  ];
  gdt.forEach(([low, high], i) => {
    m.memory.write32(0x3000 + i * 8, low);
    m.memory.write32(0x3000 + i * 8 + 4, high);
  });
  m.memory.write32(0x4004, 0x7000);
  m.memory.write32(0x4008, 0x10);
  const cpu = m.cpu;
  cpu.enterFlatProtectedMode(3);
  Object.assign(cpu.state, { gdtrBase: 0x3000, gdtrLimit: 8 * 8 - 1 });
  const c = cpu.state.segments;
  c.selector[7] = 0x30;
  c.base[7] = 0x4000;
  c.limit[7] = 0x67;
  c.access[7] = 0x8b;
  cpu.state.eip = 0x1000;
  cpu.state.reg[ESP] = 0x8000;
  steps(m, 2); // push, call far through the gate
  assert.equal(cpu.state.cpl, 0);
  assert.equal(c.selector[CS], 0x08);
  assert.equal(c.selector[SS], 0x10);
  assert.equal(cpu.state.reg[ESP], 0x7000 - 20);
  assert.deepEqual([0, 4, 8, 12, 16].map((o) => m.memory.read32(0x7000 - 20 + o)), [0x1009, 0x23, 0x11, 0x7ffc, 0x2b]);
  steps(m, 3); // mov eax, [esp+8]; retf 4; mov ebx, eax
  assert.equal(cpu.state.cpl, 3);
  assert.equal(c.selector[CS], 0x23);
  assert.equal(cpu.state.reg[ESP], 0x8000);
  assert.equal(cpu.state.reg[EBX], 0x11);
});

test('X86C0210 x87 instructions with CR0.TS raise #NM; an exception that cannot be delivered ends in a triple fault', () => {
  const m = flatMachine([0xd9, 0xe8]);
  m.cpu.state.cr0 |= Cr0.TS;
  steps(m, 1);
  assert.deepEqual(m.exceptions, [{ vector: 7, errorCode: -1, eip: 0x1000 }]);
  const t = flatMachine([0x0f, 0x0b]);
  t.cpu.exceptionHook = null; // IDT limit 0: #UD -> #GP -> #DF -> shutdown -> reset
  steps(t, 1);
  assert.equal(t.cpu.shutdowns, 1);
  assert.ok(t.logs.some((line) => /triple fault .* the processor shuts down/.test(line)));
  // Without a shutdown hook the CPU resets itself: real mode at F000:FFF0.
  assert.equal(t.cpu.state.segments.selector[1], 0xf000);
  assert.equal(t.cpu.state.eip, 0xfff0);
  assert.equal(t.cpu.state.cr0 & Cr0.PE, 0);
  // With a hook, the machine decides.
  const h = flatMachine([0x0f, 0x0b]);
  h.cpu.exceptionHook = null;
  let machineResets = 0;
  h.cpu.shutdownHook = () => {
    machineResets++;
    h.cpu.reset();
  };
  steps(h, 1);
  assert.equal(machineResets, 1);
});

test('X86C0211 IRETD into virtual-8086 mode; INT n with IOPL 0 there is #GP to the CPL-0 handler with the V86 frame', () => {
  const m = makeMachine();
  m.ram.set(
    [
      0x66, 0xb8, 0x18, 0x00, 0x0f, 0x00, 0xd8, 0x6a, 0x00, 0x6a, 0x00, 0x6a, 0x50, 0x6a, 0x60, 0x6a, 0x70, 0x68, 0x00, 0x01, 0x00, 0x00, 0x68, 0x02,
      0x00, 0x02, 0x00, 0x68, 0x80, 0x00, 0x00, 0x00, 0x6a, 0x10, 0xcf,
    ],
    0x1000,
  );
  m.ram.set([0x8c, 0xd8, 0xcd, 0x21], 0x810); // at 0080:0010
  m.ram[0x1100] = 0xf4; // the #GP handler: hlt
  const gdt = [
    [0, 0],
    [0x0000ffff, 0x00cf9a00],
    [0x0000ffff, 0x00cf9200],
    [0x40000067, 0x00008900],
  ];
  gdt.forEach(([low, high], i) => {
    m.memory.write32(0x3000 + i * 8, low);
    m.memory.write32(0x3000 + i * 8 + 4, high);
  });
  m.memory.write32(0x4004, 0x7000);
  m.memory.write32(0x4008, 0x10);
  m.memory.write32(0x5000 + 13 * 8, (0x08 << 16) | 0x1100);
  m.memory.write32(0x5000 + 13 * 8 + 4, 0x8e00);
  const cpu = m.cpu;
  cpu.enterFlatProtectedMode(0);
  m.cpu.exceptionHook = null;
  Object.assign(cpu.state, { gdtrBase: 0x3000, gdtrLimit: 4 * 8 - 1, idtrBase: 0x5000, idtrLimit: 0x7ff });
  cpu.state.eip = 0x1000;
  cpu.state.reg[ESP] = 0x9000;
  steps(m, 13); // mov, ltr, 9 pushes, iretd, mov ax, ds
  const c = cpu.state.segments;
  assert.equal(cpu.getEflags() & Flag.VM, Flag.VM);
  assert.equal(cpu.state.cpl, 3);
  assert.equal(c.base[CS], 0x800);
  assert.equal(c.base[DS], 0x500);
  assert.equal(cpu.state.reg[EAX] & 0xffff, 0x50);
  steps(m, 2); // int 0x21 -> #GP(0) -> handler; hlt
  assert.equal(cpu.state.cpl, 0);
  assert.equal(cpu.getEflags() & Flag.VM, 0);
  assert.equal(cpu.halted, true);
  assert.equal(cpu.state.reg[ESP], 0x7000 - 40);
  assert.deepEqual(
    [0, 4, 8, 12, 16, 20, 24, 28, 32, 36].map((o) => m.memory.read32(0x7000 - 40 + o)),
    [0, 0x12, 0x80, 0x20002, 0x100, 0x70, 0x60, 0x50, 0, 0],
  );
  assert.deepEqual([c.selector[DS], c.selector[ES], c.selector[FS], c.selector[GS]], [0, 0, 0, 0]);
});

test('X86C0212 code written through another linear alias of its physical page runs the new bytes', () => {
  const code = [
    0xc6, 0x05, 0x10, 0x00, 0x20, 0x00, 0x00, // mov byte [0x200010], 0 (a write TLB entry for the alias)
    0xe8, 0xf4, 0xef, 0x3f, 0x00, // call 0x400000 (physical 0x200000): fills the TLB
    0xe8, 0xef, 0xef, 0x3f, 0x00, // call 0x400000: decodes into the cache
    0xc6, 0x05, 0x01, 0x00, 0x20, 0x00, 0x07, // mov byte [0x200001], 7: the immediate of mov al, 5
    0xe8, 0xe3, 0xef, 0x3f, 0x00, // call 0x400000
    0xf4, // hlt
  ];
  const m = pagingMachine(code, 0);
  m.memory.writeBytes(0x200000, new Uint8Array([0xb0, 0x05, 0xc3])); // mov al, 5; ret
  m.cpu.run(100);
  assert.deepEqual(m.exceptions, []);
  assert.equal(m.cpu.halted, true);
  assert.equal(m.cpu.state.reg[EAX] & 0xff, 7);
});

test('X86C0213 an unmasked x87 exception: #MF with CR0.NE, FERR# (IRQ 13) without it until port 0xF0 clears it', () => {
  // fldcw [0x2000] (zero-divide unmasked); fld1; fldz; fdivp st1, st0 (1/0); fwait; fwait
  const code = [0xd9, 0x2d, 0x00, 0x20, 0x00, 0x00, 0xd9, 0xe8, 0xd9, 0xee, 0xde, 0xf9, 0x9b, 0x9b];
  const run = (ne: boolean) => {
    const m = flatMachine(code);
    m.ram[0x2000] = 0x7b;
    m.ram[0x2001] = 0x03;
    if (ne) m.cpu.state.cr0 |= Cr0.NE;
    else m.cpu.state.cr0 &= ~Cr0.NE;
    const ferr: boolean[] = [];
    m.cpu.ferrLine = { set: (level) => ferr.push(level) };
    steps(m, 5);
    return { m, ferr };
  };
  const withNe = run(true);
  assert.deepEqual(withNe.m.exceptions, [{ vector: 16, errorCode: -1, eip: 0x100c }]);
  assert.deepEqual(withNe.ferr, []);
  const withoutNe = run(false);
  assert.deepEqual(withoutNe.m.exceptions, [], 'no #MF in the MS-DOS compatible mode');
  assert.deepEqual(withoutNe.ferr, [true], 'FERR# asserted at the waiting instruction');
  assert.equal(withoutNe.m.cpu.state.eip, 0x100d, 'and the FWAIT completed');
  withoutNe.m.cpu.clearFerr();
  steps(withoutNe.m, 1);
  assert.deepEqual(withoutNe.ferr, [true, false], 'port 0xF0 deasserts it, and IGNNE# keeps the next FWAIT quiet');
});
