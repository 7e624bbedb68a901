// The i386 system-call layer on its own: registers in, EAX and guest memory out, against a
// scratch directory. No CPU runs here; a register file stands in for it.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { EAX, EBP, EBX, ECX, EDI, EDX, ESI, GS, X86State } from '../../src/cpu/x86/state.js';
import { PhysicalMemory } from '../../src/hw/memory.js';
import { PROT_READ, PROT_WRITE, UserAddressSpace } from '../../src/user/address-space.js';
import { Errno } from '../../src/user/linux-errno.js';
import { LinuxFiles } from '../../src/user/linux-files.js';
import { encodeUserDescriptor, LinuxX86, type X86SyscallCpu } from '../../src/user/linux-x86.js';

const SCRATCH = 0x1000_0000; // a page of guest memory for arguments
const GDT = 0x3fff_e000;

class Registers implements X86SyscallCpu {
  readonly state = new X86State();
  stopped = false;
  loads: [number, number][] = [];
  loadSegment(sreg: number, selector: number): boolean {
    this.loads.push([sreg, selector]);
    return true;
  }
  stop(): void {
    this.stopped = true;
  }
  getEflags(): number {
    return this.state.eflags;
  }
  setEflags(value: number): void {
    this.state.eflags = value;
  }
}

let directory = '';
let cpu: Registers;
let linux: LinuxX86;
let space: UserAddressSpace;
let logged: string[];

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'l4vm-syscalls-'));
  cpu = new Registers();
  space = new UserAddressSpace(new PhysicalMemory('little'), 0x3fff_d000);
  space.map('scratch', SCRATCH, 0x10000, PROT_READ | PROT_WRITE);
  space.map('image', 0x0804_8000, 0x1000, PROT_READ | PROT_WRITE);
  space.map('gdt', GDT, 0x1000, PROT_READ | PROT_WRITE);
  logged = [];
  linux = new LinuxX86(cpu, space, new LinuxFiles(directory, '/usr/local/bin/prog'), { log: (line) => logged.push(line), strace: false, brkStart: 0x0804_9000, gdtBase: GDT });
});

afterEach(() => {
  linux.files.closeAll();
  fs.rmSync(directory, { recursive: true, force: true });
});

/** Makes system call `number` with up to six arguments; returns EAX as a signed number. */
function call(number: number, ...args: number[]): number {
  const reg = cpu.state.reg;
  reg[EAX] = number;
  [EBX, ECX, EDX, ESI, EDI, EBP].forEach((r, i) => (reg[r] = args[i] ?? 0));
  linux.handle();
  return reg[EAX];
}

function putString(address: number, text: string): number {
  space.write(address, new TextEncoder().encode(`${text}\0`));
  return address;
}

function bytesAt(address: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  space.read(address, out);
  return out;
}

function word(address: number): number {
  return space.memory.read32(address);
}

const SYS = { exit_group: 252, read: 3, write: 4, open: 5, close: 6, brk: 45, uname: 122, mmap2: 192, munmap: 91, mprotect: 125, mremap: 163, fstat64: 197, stat64: 195, _llseek: 140, lseek: 19, getcwd: 183, chdir: 12, unlink: 10, mkdir: 39, pipe: 42, ioctl: 54, set_thread_area: 243, getdents64: 220, openat: 295, readlink: 85, clock_gettime: 265, clock_gettime64: 403, fcntl64: 221, dup2: 63, writev: 146, old_mmap: 90, rt_sigaction: 174, kill: 37, statx: 383, getrandom: 355 };

test('SYS0001 uname says Linux 6.1.0 on i686', () => {
  assert.equal(call(SYS.uname, SCRATCH), 0);
  const field = (i: number): string => {
    const bytes = bytesAt(SCRATCH + i * 65, 65);
    return new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0)));
  };
  assert.equal(field(0), 'Linux');
  assert.equal(field(2), '6.1.0');
  assert.equal(field(4), 'i686');
});

test('SYS0002 open/write/_llseek/read/fstat64 in the working directory, with struct stat64 laid out for i386', () => {
  const fd = call(SYS.open, putString(SCRATCH, 'f.txt'), 0o102 /* O_RDWR|O_CREAT */, 0o644);
  assert.ok(fd >= 3, `open returned ${fd}`);
  putString(SCRATCH + 0x100, 'abcdefgh');
  assert.equal(call(SYS.write, fd, SCRATCH + 0x100, 8), 8);
  assert.equal(call(SYS._llseek, fd, 0, 2, SCRATCH + 0x200, 0 /* SEEK_SET */), 0);
  assert.equal(word(SCRATCH + 0x200), 2);
  assert.equal(word(SCRATCH + 0x204), 0);
  assert.equal(call(SYS.read, fd, SCRATCH + 0x300, 100), 6);
  assert.equal(new TextDecoder().decode(bytesAt(SCRATCH + 0x300, 6)), 'cdefgh');
  assert.equal(call(SYS.fstat64, fd, SCRATCH + 0x400), 0);
  const host = fs.statSync(path.join(directory, 'f.txt'), { bigint: true });
  const stat = new DataView(bytesAt(SCRATCH + 0x400, 96).buffer);
  assert.equal(stat.getUint32(16, true), Number(host.mode), 'st_mode at 16');
  assert.equal(stat.getBigInt64(44, true), 8n, 'st_size at 44');
  assert.equal(stat.getBigUint64(88, true), host.ino, 'st_ino at 88');
  assert.equal(stat.getUint32(12, true), Number(host.ino & 0xffffffffn), '__st_ino at 12');
  assert.equal(stat.getUint32(72, true), Number(host.mtimeNs / 1_000_000_000n), 'st_mtime at 72');
  assert.equal(call(SYS.close, fd), 0);
  assert.equal(call(SYS.close, fd), -Errno.EBADF);
  assert.equal(fs.readFileSync(path.join(directory, 'f.txt'), 'utf8'), 'abcdefgh');
});

test('SYS0003 the host file system is read-only outside the working directory', () => {
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'l4vm-outside-'));
  try {
    fs.writeFileSync(path.join(outside, 'existing'), 'keep');
    assert.equal(call(SYS.open, putString(SCRATCH, path.join(outside, 'new')), 0o101 /* O_WRONLY|O_CREAT */, 0o644), -Errno.EROFS);
    assert.equal(call(SYS.open, putString(SCRATCH, path.join(outside, 'existing')), 0o1001 /* O_WRONLY|O_TRUNC */), -Errno.EROFS);
    assert.equal(call(SYS.unlink, putString(SCRATCH, path.join(outside, 'existing'))), -Errno.EROFS);
    assert.equal(call(SYS.mkdir, putString(SCRATCH, path.join(outside, 'd')), 0o755), -Errno.EROFS);
    // Reading is allowed; so is escaping nothing through a symbolic link from inside.
    assert.ok(call(SYS.open, putString(SCRATCH, path.join(outside, 'existing')), 0) >= 3);
    fs.symlinkSync(outside, path.join(directory, 'link'));
    assert.equal(call(SYS.open, putString(SCRATCH, 'link/sneaky'), 0o101, 0o644), -Errno.EROFS);
    assert.equal(fs.readFileSync(path.join(outside, 'existing'), 'utf8'), 'keep');
    assert.ok(!fs.existsSync(path.join(outside, 'sneaky')));
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('SYS0004 brk starts after the image, grows zeroed, and refuses to shrink below its start', () => {
  assert.equal(call(SYS.brk, 0) >>> 0, 0x0804_9000);
  assert.equal(call(SYS.brk, 0x0804_a234) >>> 0, 0x0804_a234);
  assert.ok(space.isMapped(0x0804_9000, 0x1235));
  space.memory.write32(0x0804_a000, 0xdeadbeef);
  assert.equal(call(SYS.brk, 0x0804_9000) >>> 0, 0x0804_9000);
  assert.equal(call(SYS.brk, 0x0804_b000) >>> 0, 0x0804_b000);
  assert.equal(word(0x0804_a000), 0, 'pages given back and taken again are zero');
  assert.equal(call(SYS.brk, 0x0804_0000) >>> 0, 0x0804_b000);
  const before = space.regionCount;
  for (let end = 0x0804_b000; end < 0x0884_b000; end += 0x2_1000) call(SYS.brk, end);
  assert.ok(space.regionCount - before < 12, `8 MiB of brk in 132 KiB steps made ${space.regionCount - before} regions`);
  // A MAP_FIXED mapping over the heap's spare pages takes them: brk cannot grow through it.
  const top = call(SYS.brk, 0) >>> 0;
  const spare = (top + 0x1fff) & ~0xfff;
  assert.equal(call(SYS.mmap2, spare, 4096, 3, 0x32 /* MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED */, -1, 0) >>> 0, spare);
  space.memory.write32(spare, 0xfeedface);
  assert.equal(call(SYS.brk, spare + 0x2000) >>> 0, top);
  assert.equal(word(spare), 0xfeedface, 'the mapping is left alone');
});

test('SYS0005 mmap2 goes top-down like qemu-i386; munmap, mprotect, MAP_FIXED, mremap and the old mmap struct', () => {
  const anonymous = 0x22; // MAP_PRIVATE|MAP_ANONYMOUS
  const first = call(SYS.mmap2, 0, 4096, 3, anonymous, -1, 0) >>> 0;
  assert.equal(first, 0x3fff_c000);
  const second = call(SYS.mmap2, 0, 0x10_0000, 3, anonymous, -1, 0) >>> 0;
  assert.equal(second, 0x3fef_c000);
  assert.equal(call(SYS.munmap, first, 4096), 0);
  assert.equal(call(SYS.mmap2, 0, 4096, 3, anonymous, -1, 0) >>> 0, first, 'the hole is used again');
  assert.equal(call(SYS.mprotect, second, 4096, 1), 0);
  assert.equal(call(SYS.mprotect, 0x2000_0000, 4096, 1), -Errno.ENOMEM);
  assert.equal(call(SYS.munmap, second + 1, 4096), -Errno.EINVAL);
  const fixed = call(SYS.mmap2, 0x2000_0000, 8192, 3, anonymous | 0x10, -1, 0) >>> 0;
  assert.equal(fixed, 0x2000_0000);
  space.memory.write32(0x2000_0000, 0x12345678);
  const moved = call(SYS.mremap, fixed, 8192, 0x10_0000, 1 /* MREMAP_MAYMOVE */) >>> 0;
  assert.equal(moved, fixed, 'grown in place when the pages after are free');
  assert.equal(word(0x2000_0000), 0x12345678);
  // Old mmap (90) takes its six arguments in a struct.
  [0, 4096, 3, anonymous, 0xffffffff, 0].forEach((value, i) => space.memory.write32(SCRATCH + i * 4, value));
  const viaStruct = call(SYS.old_mmap, SCRATCH) >>> 0;
  assert.ok(viaStruct < second && viaStruct % 4096 === 0, `old mmap gave 0x${viaStruct.toString(16)}`);
  assert.equal(call(SYS.mmap2, 0, 0, 3, anonymous, -1, 0), -Errno.EINVAL);
});

test('SYS0006 file-backed mmap copies the file contents in', () => {
  fs.writeFileSync(path.join(directory, 'data'), 'mapped contents');
  const fd = call(SYS.open, putString(SCRATCH, 'data'), 0);
  const address = call(SYS.mmap2, 0, 4096, 1, 2 /* MAP_PRIVATE */, fd, 0) >>> 0;
  assert.equal(new TextDecoder().decode(bytesAt(address, 15)), 'mapped contents');
  assert.equal(bytesAt(address + 15, 1)[0], 0);
  assert.equal(call(SYS.mmap2, 0, 4096, 3, 1 /* MAP_SHARED */, fd, 0), -Errno.ENODEV, 'shared writable file mappings are refused');
  assert.equal(call(SYS.mmap2, 0, 4096, 1, 2, 99, 0), -Errno.EBADF);
});

test('SYS0007 set_thread_area picks a free TLS entry, writes it back and fills the GDT as Linux does', () => {
  // struct user_desc: entry -1, base 0x80f0800, limit 0xfffff, seg_32bit|limit_in_pages|useable.
  [0xffffffff, 0x080f0800, 0xfffff, 0x51].forEach((value, i) => space.memory.write32(SCRATCH + i * 4, value));
  assert.equal(call(SYS.set_thread_area, SCRATCH), 0);
  assert.equal(word(SCRATCH), 6);
  const [low, high] = encodeUserDescriptor(0x080f0800, 0xfffff, 0x51);
  assert.equal(word(GDT + 6 * 8), low);
  assert.equal(word(GDT + 6 * 8 + 4), high);
  assert.equal(low, 0x0800ffff);
  assert.equal(high, 0x08dff20f, 'base 31:24 08, G=1 D=1 AVL=1, limit 19:16 f, P DPL3 S data-rw, base 23:16 0f');
  // Loaded already: the new descriptor is reloaded into GS.
  cpu.state.segments.selector[GS] = (6 << 3) | 3;
  space.memory.write32(SCRATCH + 4, 0x12340000);
  assert.equal(call(SYS.set_thread_area, SCRATCH), 0);
  assert.deepEqual(cpu.loads.at(-1), [GS, 0x33]);
  space.memory.write32(SCRATCH, 3);
  assert.equal(call(SYS.set_thread_area, SCRATCH), -Errno.EINVAL);
});

test('SYS0008 pipes carry bytes; a read of an empty pipe with a writer waits and finishes once bytes arrive', () => {
  assert.equal(call(SYS.pipe, SCRATCH), 0);
  const [reader, writer] = [word(SCRATCH), word(SCRATCH + 4)];
  cpu.state.reg[EAX] = 0x7777;
  call(SYS.read, reader, SCRATCH + 0x100, 10);
  assert.equal(linux.waiting, true, 'the read waits');
  assert.equal(cpu.stopped, true, 'and stops the CPU so the scheduler can run another process');
  assert.equal(linux.retry(false), false, 'still nothing to read');
  // Another process (here: this one, from the outside) writes.
  linux.files.write(writer, new TextEncoder().encode('hey'));
  assert.equal(linux.retry(false), true);
  assert.equal(cpu.state.reg[EAX], 3);
  assert.equal(new TextDecoder().decode(bytesAt(SCRATCH + 0x100, 3)), 'hey');
  putString(SCRATCH + 0x200, 'ping');
  // writev: two iovecs.
  [SCRATCH + 0x200, 2, SCRATCH + 0x202, 2].forEach((value, i) => space.memory.write32(SCRATCH + 0x300 + i * 4, value));
  assert.equal(call(SYS.writev, writer, SCRATCH + 0x300, 2), 4);
  assert.equal(call(SYS.read, reader, SCRATCH + 0x100, 10), 4);
  assert.equal(new TextDecoder().decode(bytesAt(SCRATCH + 0x100, 4)), 'ping');
  assert.equal(call(SYS.close, writer), 0);
  assert.equal(call(SYS.read, reader, SCRATCH + 0x100, 10), 0, 'end of file once the writer is gone');
});

test('SYS0009 getdents64 lists a directory in linux_dirent64 records', () => {
  fs.mkdirSync(path.join(directory, 'd'));
  fs.writeFileSync(path.join(directory, 'd', 'file-one'), '');
  fs.mkdirSync(path.join(directory, 'd', 'sub'));
  const fd = call(SYS.openat, -100, putString(SCRATCH, 'd'), 0o200000 /* O_DIRECTORY */);
  assert.ok(fd >= 3);
  const n = call(SYS.getdents64, fd, SCRATCH + 0x1000, 4096);
  const view = new DataView(bytesAt(SCRATCH + 0x1000, n).buffer);
  const names = new Map<string, number>();
  for (let at = 0; at < n; ) {
    const length = view.getUint16(at + 16, true);
    const name = bytesAt(SCRATCH + 0x1000 + at + 19, length - 19);
    names.set(new TextDecoder().decode(name.subarray(0, name.indexOf(0))), view.getUint8(at + 18));
    assert.equal(length % 8, 0);
    at += length;
  }
  assert.deepEqual([...names.keys()].sort(), ['.', '..', 'file-one', 'sub']);
  assert.equal(names.get('file-one'), 8, 'DT_REG');
  assert.equal(names.get('sub'), 4, 'DT_DIR');
  assert.equal(call(SYS.getdents64, fd, SCRATCH + 0x1000, 4096), 0, 'then the end');
});

test('SYS0010 getcwd, chdir and relative paths follow the guest working directory, not the host one', () => {
  fs.mkdirSync(path.join(directory, 'inner'));
  const length = call(SYS.getcwd, SCRATCH, 4096);
  assert.equal(new TextDecoder().decode(bytesAt(SCRATCH, length - 1)), fs.realpathSync(directory));
  assert.equal(call(SYS.chdir, putString(SCRATCH, 'inner')), 0);
  assert.ok(call(SYS.open, putString(SCRATCH, 'here'), 0o101, 0o644) >= 3);
  assert.ok(fs.existsSync(path.join(directory, 'inner', 'here')));
  assert.equal(call(SYS.getcwd, SCRATCH, 4), -Errno.ERANGE);
  assert.equal(call(SYS.chdir, putString(SCRATCH, 'missing')), -Errno.ENOENT);
});

test('SYS0011 readlink of /proc/self/exe names the program; stat64 of a missing file is ENOENT', () => {
  const n = call(SYS.readlink, putString(SCRATCH, '/proc/self/exe'), SCRATCH + 0x100, 256);
  assert.equal(new TextDecoder().decode(bytesAt(SCRATCH + 0x100, n)), '/usr/local/bin/prog');
  assert.equal(call(SYS.stat64, putString(SCRATCH, 'nothing-here'), SCRATCH + 0x100), -Errno.ENOENT);
});

test('SYS0012 ioctl TCGETS and TIOCGWINSZ say ENOTTY for a file; fcntl and dup2 work on descriptors', () => {
  const fd = call(SYS.open, putString(SCRATCH, 'plain'), 0o102, 0o644);
  assert.equal(call(SYS.ioctl, fd, 0x5401, SCRATCH), -Errno.ENOTTY);
  assert.equal(call(SYS.ioctl, fd, 0x5413, SCRATCH), -Errno.ENOTTY);
  assert.equal(call(SYS.fcntl64, fd, 3 /* F_GETFL */) & 3, 2);
  assert.equal(call(SYS.fcntl64, fd, 2 /* F_SETFD */, 1), 0);
  assert.equal(call(SYS.fcntl64, fd, 1 /* F_GETFD */), 1);
  assert.equal(call(SYS.dup2, fd, 20), 20);
  assert.equal(call(SYS.fcntl64, 20, 1), 0, 'dup2 clears FD_CLOEXEC');
  assert.equal(call(SYS.fcntl64, fd, 0 /* F_DUPFD */, 30), 30);
  assert.equal(call(SYS.fcntl64, 99, 3), -Errno.EBADF);
});

test('SYS0013 unknown system calls return -ENOSYS and are reported once, by number and name', () => {
  assert.equal(call(2 /* fork */), -Errno.ENOSYS);
  assert.equal(call(289 /* ioprio_set */), -Errno.ENOSYS);
  assert.equal(call(289), -Errno.ENOSYS);
  assert.deepEqual(logged, ['l4vm: system call 289 (ioprio_set) is not implemented; returning -ENOSYS']);
});

test('SYS0014 exit_group ends the process with the low 8 bits of the status and stops the CPU', () => {
  call(SYS.exit_group, 0x1ff);
  assert.deepEqual(linux.end, { kind: 'exit', status: 0xff });
  assert.ok(cpu.stopped);
});

test('SYS0015 a signal sent to itself ends the process unless ignored', () => {
  // SIGUSR1 set to SIG_IGN: nothing happens.
  space.write(SCRATCH, new Uint8Array(20).fill(0));
  space.memory.write32(SCRATCH, 1);
  assert.equal(call(SYS.rt_sigaction, 10, SCRATCH, 0, 8), 0);
  assert.equal(call(SYS.kill, linux.pid, 10), 0);
  assert.equal(linux.end, null);
  assert.equal(call(SYS.rt_sigaction, 10, 0, SCRATCH + 0x100, 8), 0);
  assert.equal(word(SCRATCH + 0x100), 1, 'the recorded action comes back');
  call(SYS.kill, linux.pid, 6 /* SIGABRT */);
  assert.deepEqual(linux.end, { kind: 'signal', signal: 6, reason: 'sent by the program itself' });
});

test('SYS0016 pointers to unmapped memory give EFAULT, never a host exception', () => {
  assert.equal(call(SYS.uname, 0x10), -Errno.EFAULT);
  assert.equal(call(SYS.open, 0x7000_0000, 0), -Errno.EFAULT);
  assert.equal(call(SYS.write, 1, 0x7000_0000, 10), -Errno.EFAULT);
  assert.equal(call(SYS.clock_gettime, 1, 0x7000_0000), -Errno.EFAULT);
  assert.equal(call(SYS.getrandom, 0x7000_0000, 16, 0), -Errno.EFAULT);
});

test('SYS0017 clock_gettime and clock_gettime64 agree; statx fills the generic struct', () => {
  assert.equal(call(SYS.clock_gettime, 0, SCRATCH), 0);
  assert.equal(call(SYS.clock_gettime64, 0, SCRATCH + 0x10), 0);
  const seconds32 = word(SCRATCH);
  const seconds64 = Number(new DataView(bytesAt(SCRATCH + 0x10, 8).buffer).getBigInt64(0, true));
  assert.ok(Math.abs(seconds64 - seconds32) <= 1);
  assert.ok(Math.abs(seconds32 - Date.now() / 1000) < 5);
  assert.equal(call(SYS.clock_gettime, 99, SCRATCH), -Errno.EINVAL);
  fs.writeFileSync(path.join(directory, 'sized'), 'x'.repeat(1234));
  assert.equal(call(SYS.statx, -100, putString(SCRATCH, 'sized'), 0, 0x7ff, SCRATCH + 0x100), 0);
  const statx = new DataView(bytesAt(SCRATCH + 0x100, 256).buffer);
  assert.equal(statx.getBigUint64(40, true), 1234n, 'stx_size at 40');
  assert.equal(statx.getUint16(28, true) & 0o170000, 0o100000, 'stx_mode at 28: a regular file');
});

test('SYS0018 link works below the working directory; chown32 with -1 keeps the owner; both refuse the read-only outside', () => {
  fs.writeFileSync(path.join(directory, 'original'), 'same inode');
  assert.equal(call(9 /* link */, putString(SCRATCH, 'original'), putString(SCRATCH + 0x100, 'second')), 0);
  assert.equal(fs.readFileSync(path.join(directory, 'second'), 'utf8'), 'same inode');
  assert.equal(fs.statSync(path.join(directory, 'original')).nlink, 2);
  assert.equal(call(9, putString(SCRATCH, 'original'), putString(SCRATCH + 0x100, path.join(os.tmpdir(), 'l4vm-link-escape'))), -Errno.EROFS);
  assert.equal(call(212 /* chown32 */, putString(SCRATCH, 'original'), -1, -1), 0);
  assert.equal(call(212, putString(SCRATCH, '/etc/hostname'), -1, -1), fs.existsSync('/etc/hostname') ? -Errno.EROFS : -Errno.ENOENT);
});
