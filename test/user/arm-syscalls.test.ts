// The ARM EABI system-call layer on its own (src/user/linux-arm.ts): r7 and r0-r5 in, r0 and guest
// memory out; the ARM numbers reaching the common table, the EABI register pairs, struct stat64's
// ARM layout, and the signal frames of arch/arm/kernel/signal.c. No CPU runs here; an ArmState and
// a VFP register file stand in for it.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { ArmState, Mode } from '../../src/cpu/arm/state.js';
import { PhysicalMemory } from '../../src/hw/memory.js';
import { PROT_READ, PROT_WRITE, UserAddressSpace } from '../../src/user/address-space.js';
import { LinuxArm, type ArmSyscallCpu } from '../../src/user/linux-arm.js';
import { Errno } from '../../src/user/linux-errno.js';
import { LinuxFiles } from '../../src/user/linux-files.js';

const SCRATCH = 0x1000_0000;
const STACK_TOP = 0x4080_0000;

class Registers implements ArmSyscallCpu {
  readonly state = new ArmState();
  readonly cp15 = { tpidruro: 0 };
  readonly vfp = { words: new Int32Array(72), fpscr: 0, fpexc: 0x4000_0000 };
  stop(): void {}
}

let directory = '';
let cpu: Registers;
let linux: LinuxArm;
let space: UserAddressSpace;

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'l4vm-arm-syscalls-'));
  cpu = new Registers();
  cpu.state.switchMode(Mode.USR);
  cpu.state.setCpsr(Mode.USR);
  space = new UserAddressSpace(new PhysicalMemory('little'), 0x4000_0000);
  space.map('scratch', SCRATCH, 0x10000, PROT_READ | PROT_WRITE);
  space.map('stack', STACK_TOP - 0x10000, 0x10000, PROT_READ | PROT_WRITE);
  linux = new LinuxArm(cpu, space, new LinuxFiles(directory, '/usr/local/bin/prog'), { log: () => undefined, strace: false, brkStart: 0x0002_0000 });
});

afterEach(() => {
  linux.files.closeAll();
  fs.rmSync(directory, { recursive: true, force: true });
});

/** `svc #0` with r7 = number; returns r0 as a signed number. */
function call(number: number, ...args: number[]): number {
  const r = cpu.state.r;
  r[7] = number;
  args.forEach((value, i) => {
    r[i] = value;
  });
  linux.handle();
  return r[0];
}

function readText(address: number, length: number): string {
  const bytes = new Uint8Array(length);
  space.memory.readBytes(address, bytes);
  return Buffer.from(bytes).toString();
}

function writeString(address: number, text: string): void {
  space.memory.writeBytes(address, Buffer.from(`${text}\0`));
}

test('ARMSYS0001 ARM numbers reach the common calls: getpid 20, getcwd 183, openat 322 with ARM O_DIRECTORY, fstat64 197 in the 104-byte ARM layout', () => {
  assert.equal(call(20), linux.pid);
  assert.equal(call(183, SCRATCH, 4096), directory.length + 1);
  assert.equal(readText(SCRATCH, directory.length), directory);
  fs.writeFileSync(path.join(directory, 'file.txt'), 'twelve bytes');
  writeString(SCRATCH, 'file.txt');
  // ARM's O_DIRECTORY is 040000 (i386's 0200000 is ARM's O_DIRECT): a file opened with it is ENOTDIR.
  assert.equal(call(322, -100, SCRATCH, 0o40000, 0), -Errno.ENOTDIR);
  const fd = call(322, -100, SCRATCH, 0o400000, 0); // O_LARGEFILE on ARM
  assert.ok(fd >= 3);
  assert.equal(call(221, fd, 3, 0) & 0o400000, 0o400000, 'F_GETFL reports ARM O_LARGEFILE');
  assert.equal(call(197, fd, SCRATCH + 0x100), 0);
  const bytes = new Uint8Array(104);
  space.memory.readBytes(SCRATCH + 0x100, bytes);
  const view = new DataView(bytes.buffer);
  assert.equal(Number(view.getBigInt64(48, true)), 12, 'st_size at offset 48 (i386: 44)');
  assert.equal(view.getUint32(16, true) & 0o170000, 0o100000, 'st_mode: a regular file');
});

test('ARMSYS0002 pread64 and ftruncate64 take their 64-bit argument from an even register pair; set_tls/get_tls', () => {
  fs.writeFileSync(path.join(directory, 'data'), '0123456789');
  writeString(SCRATCH, 'data');
  const fd = call(322, -100, SCRATCH, 2, 0);
  // pread64(fd, buf, count, pad, offset low, offset high)
  assert.equal(call(180, fd, SCRATCH + 0x100, 4, 0xdead, 6, 0), 4);
  assert.equal(readText(SCRATCH + 0x100, 4), '6789');
  // ftruncate64(fd, pad, length low, length high)
  assert.equal(call(194, fd, 0xdead, 3, 0), 0);
  assert.equal(fs.readFileSync(path.join(directory, 'data'), 'utf8'), '012');
  assert.equal(call(0xf0005, 0x1234_5678), 0);
  assert.equal(cpu.cp15.tpidruro, 0x1234_5678);
  assert.equal(call(0xf0006) >>> 0, 0x1234_5678);
});

test('ARMSYS0003 a signal handler gets the ARM rt frame (r0-r2, LR = restorer, Thumb handler) and rt_sigreturn restores registers, CPSR, mask and VFP', () => {
  const handler = 0x0001_0001; // Thumb
  const restorer = 0x0001_0101;
  // struct sigaction: handler, flags (SA_SIGINFO | SA_RESTORER), restorer, mask (SIGUSR2)
  const action = new DataView(new ArrayBuffer(20));
  action.setUint32(0, handler, true);
  action.setUint32(4, 0x0400_0004, true);
  action.setUint32(8, restorer, true);
  action.setBigUint64(12, 1n << 11n, true);
  space.memory.writeBytes(SCRATCH, new Uint8Array(action.buffer));
  assert.equal(call(174, 10, SCRATCH, 0, 8), 0); // rt_sigaction(SIGUSR1)
  const state = cpu.state;
  for (let i = 0; i < 13; i++) state.r[i] = 0x100 + i;
  state.r[13] = STACK_TOP - 0x104;
  state.r[14] = 0x2222;
  state.r[15] = 0x0002_0000;
  state.setCpsr(0xa000_0000 | Mode.USR, 0xf000_0000); // N and C
  cpu.vfp.words[6] = 0x3ff0_0000;
  cpu.vfp.fpscr = 0x0300_0000;
  linux.receiveSignal(10, 'test');
  assert.equal(linux.deliverPending(), true);
  const frame = state.r[13] >>> 0;
  assert.equal(frame % 8, 0);
  assert.ok(frame <= STACK_TOP - 0x104 - 880);
  assert.equal(state.r[0], 10);
  assert.equal(state.r[1] >>> 0, frame, 'r1 = &siginfo');
  assert.equal(state.r[2] >>> 0, frame + 128, 'r2 = &ucontext');
  assert.equal(state.r[14] >>> 0, restorer);
  assert.equal(state.r[15] >>> 0, handler & ~1);
  assert.equal(state.t, 1);
  assert.equal(state.n, 0, 'N cleared for the handler');
  assert.equal(space.memory.read32(frame), 10, 'si_signo');
  // uc_mcontext.arm_pc and arm_cpsr, uc_sigmask, the VFP magic in uc_regspace
  assert.equal(space.memory.read32(frame + 128 + 20 + 72), 0x0002_0000);
  assert.equal(space.memory.read32(frame + 128 + 20 + 76), (0xa000_0000 | Mode.USR) >>> 0);
  assert.equal(space.memory.read32(frame + 128 + 232), 0x5646_5001);
  // The handler runs with SIGUSR1 and SA_MASK's SIGUSR2 blocked.
  const blocked = (): bigint => {
    assert.equal(call(175, 0, 0, SCRATCH + 0x200, 8), 0); // rt_sigprocmask(SIG_BLOCK, NULL, &old)
    return space.memory.read32(SCRATCH + 0x200) === 0 ? 0n : BigInt(space.memory.read32(SCRATCH + 0x200));
  };
  assert.equal(blocked(), (1n << 9n) | (1n << 11n));
  // The handler clobbers registers and VFP, then returns through the restorer: rt_sigreturn.
  state.r.fill(0x5555, 0, 13);
  state.setCpsr(0x4000_0000 | Mode.USR, 0xf000_0000);
  cpu.vfp.words[6] = 0;
  cpu.vfp.fpscr = 0;
  call(173);
  assert.deepEqual([...state.r.subarray(0, 13)], Array.from({ length: 13 }, (_, i) => 0x100 + i));
  assert.equal(state.r[13], STACK_TOP - 0x104);
  assert.equal(state.r[14], 0x2222);
  assert.equal(state.r[15], 0x0002_0000);
  assert.equal(state.t, 0);
  assert.equal(state.n, 1);
  assert.equal(state.c, 1);
  assert.equal(cpu.vfp.words[6], 0x3ff0_0000);
  assert.equal(cpu.vfp.fpscr, 0x0300_0000);
  assert.equal(blocked(), 0n, 'the mask is back');
});
