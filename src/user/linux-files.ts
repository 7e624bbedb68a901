// The file side of a Linux user-mode process, independent of the guest architecture: the file
// descriptor table over host files (synchronous Node fs), the process's working directory, pipes
// within the process, directory listing, and the write policy: the guest sees the host file
// system read-only except below one writable directory (--cwd). Every method returns a
// non-negative result or a negative Linux errno, as the system calls do.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tty from 'node:tty';
import { BLOCKED, Errno, errnoOf } from './linux-errno.js';

/** An open(2) request in architecture-neutral form; the architecture's layer decodes its O_ flags. */
export interface OpenRequest {
  access: 'read' | 'write' | 'readwrite';
  create: boolean;
  exclusive: boolean;
  truncate: boolean;
  append: boolean;
  directory: boolean;
  noFollow: boolean;
  nonBlocking: boolean;
  closeOnExec: boolean;
  /** O_PATH: a descriptor for *at() calls and fstat only. */
  pathOnly: boolean;
  mode: number;
}

export interface DirectoryEntry {
  readonly name: string;
  readonly inode: bigint;
  /** DT_* value (Linux dirent d_type). */
  readonly type: number;
}

/** Linux's default pipe capacity (pipe(7)); a writer waits when it is full. */
export const PIPE_CAPACITY = 65536;
/** Writes up to this size are atomic (POSIX PIPE_BUF). */
const PIPE_BUF = 4096;

export class PipeBuffer {
  chunks: Uint8Array[] = [];
  /** Bytes in `chunks`. */
  size = 0;
  readers = 0;
  writers = 0;
}

/** An open file description: shared by descriptors made with dup, as in Linux. */
export class OpenFile {
  references = 0;
  position = 0;
  directoryEntries: DirectoryEntry[] | null = null;
  constructor(
    readonly kind: 'host' | 'directory' | 'pipe-read' | 'pipe-write' | 'path',
    /** The host descriptor; -1 for pipes. */
    readonly hostFd: number,
    /** Host path (for *at() and fstat), or a description for pipes. */
    readonly path: string,
    /** Linux-neutral status flags. */
    public append: boolean,
    public nonBlocking: boolean,
    readonly readable: boolean,
    readonly writable: boolean,
    /** Seeks and reads at our own position; false for terminals, pipes and inherited stdio (the host keeps the position). */
    readonly positioned: boolean,
    readonly pipe: PipeBuffer | null,
    /** Our host descriptor, closed with the last reference (not the host's own stdio). */
    readonly ownsHostFd: boolean,
    /** A host terminal, FIFO or socket: a read may wait for the host (the scheduler allows it only when no guest process can run). */
    readonly hostMayBlock = false,
  ) {}
}

interface DescriptorSlot {
  file: OpenFile;
  closeOnExec: boolean;
}

export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

/** d_type values (include/linux/fs_types.h). */
const DT_UNKNOWN = 0;
const DT_FIFO = 1;
const DT_CHR = 2;
const DT_DIR = 4;
const DT_BLK = 6;
const DT_REG = 8;
const DT_LNK = 10;
const DT_SOCK = 12;

const MAX_DESCRIPTORS = 1024;

/** Whether a read of host descriptor `fd` may wait for the host: a terminal, FIFO or socket. */
function hostMayBlock(fd: number): boolean {
  try {
    const stats = fs.fstatSync(fd);
    return stats.isFIFO() || stats.isSocket() || tty.isatty(fd);
  } catch {
    return false;
  }
}

function sleepMilliseconds(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

export class LinuxFiles {
  private readonly descriptors: (DescriptorSlot | null)[] = [];
  /** The guest's working directory, as a host path (we never chdir the host process). */
  cwd: string;
  umask = 0o022;
  /** Real path of the one directory the guest may write below. */
  readonly writableRoot: string;

  constructor(
    writableRoot: string,
    /** Host path of the running program, for /proc/self/exe. */
    public programPath: string,
  ) {
    this.writableRoot = fs.realpathSync(writableRoot);
    this.cwd = this.writableRoot;
    for (let fd = 0; fd <= 2; fd++) {
      try {
        fs.fstatSync(fd);
      } catch {
        continue;
      }
      // The host keeps the position of inherited stdio (a shell's `>>` redirection appends).
      const file = new OpenFile('host', fd, `host fd ${fd}`, false, false, fd === 0, fd !== 0, false, null, false, hostMayBlock(fd));
      this.install(fd, file, false);
    }
  }

  /** The descriptor table of a forked child: the same open file descriptions, the same working directory and umask. */
  fork(): LinuxFiles {
    const child = Object.create(LinuxFiles.prototype) as LinuxFiles;
    Object.assign(child, { descriptors: [], cwd: this.cwd, umask: this.umask, writableRoot: this.writableRoot, programPath: this.programPath });
    this.descriptors.forEach((slot, fd) => {
      if (slot !== null) child.install(fd, slot.file, slot.closeOnExec);
    });
    return child;
  }

  /** execve: closes the close-on-exec descriptors and names the new program for /proc/self/exe. */
  exec(programPath: string): void {
    this.descriptors.forEach((slot, fd) => {
      if (slot !== null && slot.closeOnExec) this.close(fd);
    });
    this.programPath = programPath;
  }

  private install(fd: number, file: OpenFile, closeOnExec: boolean): void {
    while (this.descriptors.length <= fd) this.descriptors.push(null);
    file.references++;
    this.descriptors[fd] = { file, closeOnExec };
  }

  private lowestFree(from = 0): number {
    for (let fd = from; fd < MAX_DESCRIPTORS; fd++) if (fd >= this.descriptors.length || this.descriptors[fd] === null) return fd;
    return -Errno.EMFILE;
  }

  file(fd: number): OpenFile | null {
    return fd >= 0 && fd < this.descriptors.length ? (this.descriptors[fd]?.file ?? null) : null;
  }

  /** A guest path as a host path, relative to the working directory or to directory descriptor `dirFd` (AT_FDCWD: the working directory). */
  resolve(guestPath: string, dirFd: number | null = null): string | number {
    if (guestPath === '/proc/self/exe') return this.programPath;
    if (guestPath.startsWith('/')) return path.posix.resolve(guestPath);
    let base = this.cwd;
    if (dirFd !== null) {
      const file = this.file(dirFd);
      if (file === null) return -Errno.EBADF;
      if (file.kind !== 'directory' && file.kind !== 'path') return -Errno.ENOTDIR;
      base = file.path;
    }
    return path.posix.resolve(base, guestPath);
  }

  /**
   * Whether the guest may change `hostPath`: it must lie below the writable root, symbolic links
   * followed, or be a character device (/dev/null, /dev/tty), which holds no files.
   */
  mayWrite(hostPath: string): boolean {
    try {
      if (fs.statSync(hostPath).isCharacterDevice()) return true;
    } catch {
      // Not there yet: judged by the directory it would be made in.
    }
    let probe = hostPath;
    let rest = '';
    for (;;) {
      try {
        const real = fs.realpathSync(probe);
        const full = rest === '' ? real : path.posix.join(real, rest);
        return full === this.writableRoot || full.startsWith(this.writableRoot.endsWith('/') ? this.writableRoot : `${this.writableRoot}/`);
      } catch {
        const parent = path.posix.dirname(probe);
        if (parent === probe) return false;
        rest = rest === '' ? path.posix.basename(probe) : path.posix.join(path.posix.basename(probe), rest);
        probe = parent;
      }
    }
  }

  open(hostPath: string, request: OpenRequest): number {
    const fd = this.lowestFree();
    if (fd < 0) return fd;
    const writing = request.access !== 'read' || request.truncate;
    let exists = true;
    try {
      const stats = request.noFollow ? fs.lstatSync(hostPath) : fs.statSync(hostPath);
      if (request.noFollow && stats.isSymbolicLink() && !request.pathOnly) return -Errno.ELOOP;
      if (request.create && request.exclusive) return -Errno.EEXIST;
      if (stats.isDirectory()) {
        if (writing) return -Errno.EISDIR;
      } else if (request.directory) return -Errno.ENOTDIR;
      if (request.pathOnly) {
        this.install(fd, new OpenFile('path', -1, hostPath, false, false, false, false, false, null, false), request.closeOnExec);
        return fd;
      }
      if (stats.isDirectory()) {
        const hostFd = fs.openSync(hostPath, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
        this.install(fd, new OpenFile('directory', hostFd, hostPath, false, false, true, false, false, null, true), request.closeOnExec);
        return fd;
      }
    } catch (error) {
      if (errnoOf(error) !== Errno.ENOENT || !request.create) return -errnoOf(error);
      exists = false;
    }
    if ((writing || !exists) && !this.mayWrite(hostPath)) return -Errno.EROFS;
    let flags = request.access === 'read' ? fs.constants.O_RDONLY : request.access === 'write' ? fs.constants.O_WRONLY : fs.constants.O_RDWR;
    if (request.create) flags |= fs.constants.O_CREAT;
    if (request.exclusive) flags |= fs.constants.O_EXCL;
    if (request.truncate) flags |= fs.constants.O_TRUNC;
    if (request.append) flags |= fs.constants.O_APPEND;
    if (request.noFollow) flags |= fs.constants.O_NOFOLLOW;
    try {
      const hostFd = fs.openSync(hostPath, flags, request.mode & ~this.umask & 0o7777);
      const positioned = fs.fstatSync(hostFd).isFile();
      const file = new OpenFile('host', hostFd, hostPath, request.append, request.nonBlocking, request.access !== 'write', request.access !== 'read', positioned, null, true, !positioned && hostMayBlock(hostFd));
      this.install(fd, file, request.closeOnExec);
      return fd;
    } catch (error) {
      return -errnoOf(error);
    }
  }

  close(fd: number): number {
    const slot = fd >= 0 && fd < this.descriptors.length ? this.descriptors[fd] : null;
    if (slot === null || slot === undefined) return -Errno.EBADF;
    this.descriptors[fd] = null;
    this.release(slot.file);
    return 0;
  }

  private release(file: OpenFile): void {
    file.references--;
    if (file.references > 0) return;
    if (file.pipe !== null) {
      if (file.kind === 'pipe-read') file.pipe.readers--;
      else file.pipe.writers--;
    }
    if (file.ownsHostFd) {
      try {
        fs.closeSync(file.hostFd);
      } catch {
        // Closing a descriptor the host already lost changes nothing for the guest.
      }
    }
  }

  /** dup (newFd null: lowest free ≥ minimum), dup2/dup3 (newFd given). */
  duplicate(oldFd: number, newFd: number | null, closeOnExec: boolean, minimum = 0): number {
    const file = this.file(oldFd);
    if (file === null) return -Errno.EBADF;
    if (newFd === null) {
      const fd = this.lowestFree(minimum);
      if (fd < 0) return fd;
      this.install(fd, file, closeOnExec);
      return fd;
    }
    if (newFd < 0 || newFd >= MAX_DESCRIPTORS) return -Errno.EBADF;
    if (newFd === oldFd) return newFd;
    if (this.file(newFd) !== null) this.close(newFd);
    this.install(newFd, file, closeOnExec);
    return newFd;
  }

  closeOnExec(fd: number): boolean | null {
    const slot = fd >= 0 && fd < this.descriptors.length ? this.descriptors[fd] : null;
    return slot === null || slot === undefined ? null : slot.closeOnExec;
  }

  setCloseOnExec(fd: number, value: boolean): number {
    const slot = fd >= 0 && fd < this.descriptors.length ? this.descriptors[fd] : null;
    if (slot === null || slot === undefined) return -Errno.EBADF;
    slot.closeOnExec = value;
    return 0;
  }

  pipe(closeOnExec: boolean, nonBlocking: boolean): [number, number] | number {
    const readFd = this.lowestFree();
    if (readFd < 0) return readFd;
    const buffer = new PipeBuffer();
    const reader = new OpenFile('pipe-read', -1, 'pipe', false, nonBlocking, true, false, false, buffer, false);
    this.install(readFd, reader, closeOnExec);
    const writeFd = this.lowestFree();
    if (writeFd < 0) {
      this.close(readFd);
      return writeFd;
    }
    const writer = new OpenFile('pipe-write', -1, 'pipe', false, nonBlocking, false, true, false, buffer, false);
    this.install(writeFd, writer, closeOnExec);
    buffer.readers = 1;
    buffer.writers = 1;
    return [readFd, writeFd];
  }

  /**
   * read/pread: the byte count, -errno, or BLOCKED when the call must wait (an empty pipe with a
   * writer; a host terminal or FIFO unless `mayBlockHost`, which the scheduler gives only when no
   * other guest process can run).
   */
  read(fd: number, into: Uint8Array, at: number | null = null, mayBlockHost = true): number {
    const file = this.file(fd);
    if (file === null || !file.readable) return -Errno.EBADF;
    if (file.kind === 'directory') return -Errno.EISDIR;
    if (file.pipe !== null) {
      const pipe = file.pipe;
      if (pipe.chunks.length === 0) {
        if (pipe.writers === 0) return 0;
        return file.nonBlocking ? -Errno.EAGAIN : BLOCKED;
      }
      let done = 0;
      while (done < into.length && pipe.chunks.length > 0) {
        const chunk = pipe.chunks[0];
        const n = Math.min(chunk.length, into.length - done);
        into.set(chunk.subarray(0, n), done);
        done += n;
        if (n === chunk.length) pipe.chunks.shift();
        else pipe.chunks[0] = chunk.subarray(n);
      }
      pipe.size -= done;
      return done;
    }
    if (file.hostMayBlock && !file.nonBlocking && !mayBlockHost) return BLOCKED;
    const position = at ?? (file.positioned ? file.position : null);
    for (;;) {
      try {
        const n = fs.readSync(file.hostFd, into, 0, into.length, position);
        if (at === null && file.positioned) file.position += n;
        return n;
      } catch (error) {
        const errno = errnoOf(error);
        if (errno === Errno.EAGAIN && !file.nonBlocking) {
          sleepMilliseconds(5);
          continue;
        }
        return -errno;
      }
    }
  }

  write(fd: number, from: Uint8Array, at: number | null = null): number {
    const file = this.file(fd);
    if (file === null || !file.writable) return -Errno.EBADF;
    if (file.pipe !== null) {
      const pipe = file.pipe;
      if (pipe.readers === 0) return -Errno.EPIPE;
      const space = PIPE_CAPACITY - pipe.size;
      // Up to PIPE_BUF bytes go in at once or not at all; more may go in part (pipe(7)).
      if (space === 0 || (from.length <= PIPE_BUF && space < from.length)) return file.nonBlocking ? -Errno.EAGAIN : BLOCKED;
      const n = Math.min(space, from.length);
      pipe.chunks.push(from.slice(0, n));
      pipe.size += n;
      return n;
    }
    const position = at ?? (file.positioned && !file.append ? file.position : null);
    let done = 0;
    while (done < from.length) {
      try {
        const n = fs.writeSync(file.hostFd, from, done, from.length - done, position === null ? null : position + done);
        done += n;
      } catch (error) {
        const errno = errnoOf(error);
        if (errno === Errno.EAGAIN) {
          sleepMilliseconds(1);
          continue;
        }
        if (done > 0) break;
        return -errno;
      }
    }
    if (at === null && file.positioned) file.position = file.append ? this.size(file) : file.position + done;
    return done;
  }

  private size(file: OpenFile): number {
    try {
      return fs.fstatSync(file.hostFd).size;
    } catch {
      return 0;
    }
  }

  /** lseek; returns the new position or -errno. */
  seek(fd: number, offset: number, whence: number): number {
    const file = this.file(fd);
    if (file === null) return -Errno.EBADF;
    if (file.kind === 'directory') {
      // A directory's position counts entries (the d_off getdents64 gives); rewinding rereads it.
      if (whence !== SEEK_SET || offset < 0) return -Errno.EINVAL;
      file.position = offset;
      if (offset === 0) file.directoryEntries = null;
      return offset;
    }
    if (!file.positioned) return -Errno.ESPIPE;
    const base = whence === SEEK_SET ? 0 : whence === SEEK_CUR ? file.position : whence === SEEK_END ? this.size(file) : NaN;
    if (Number.isNaN(base)) return -Errno.EINVAL;
    const position = base + offset;
    if (position < 0) return -Errno.EINVAL;
    file.position = position;
    return position;
  }

  stat(fd: number): fs.BigIntStats | number {
    const file = this.file(fd);
    if (file === null) return -Errno.EBADF;
    if (file.pipe !== null) return -Errno.EOPNOTSUPP;
    try {
      return file.kind === 'path' ? fs.statSync(file.path, { bigint: true }) : fs.fstatSync(file.hostFd, { bigint: true });
    } catch (error) {
      return -errnoOf(error);
    }
  }

  isTerminal(fd: number): boolean {
    const file = this.file(fd);
    return file !== null && file.kind === 'host' && tty.isatty(file.hostFd);
  }

  /** Rows and columns of the terminal behind `fd`, when it is the host's stdout or stderr. */
  terminalSize(fd: number): { rows: number; columns: number } {
    const file = this.file(fd);
    const stream = file?.hostFd === 2 ? process.stderr : process.stdout;
    return { rows: stream.rows || 24, columns: stream.columns || 80 };
  }

  /**
   * Directory entries from the current position, for getdents64: `take` says whether one more
   * fits (and consumes it); `next` is the position after it (the entry's d_off).
   */
  readDirectory(fd: number, take: (entry: DirectoryEntry, next: number) => boolean): number {
    const file = this.file(fd);
    if (file === null) return -Errno.EBADF;
    if (file.kind !== 'directory') return -Errno.ENOTDIR;
    if (file.directoryEntries === null) {
      const entries: DirectoryEntry[] = [];
      const inodeOf = (p: string): bigint => {
        try {
          return fs.lstatSync(p, { bigint: true }).ino;
        } catch {
          return 0n;
        }
      };
      entries.push({ name: '.', inode: inodeOf(file.path), type: DT_DIR });
      entries.push({ name: '..', inode: inodeOf(path.posix.dirname(file.path)), type: DT_DIR });
      try {
        // In the host's getdents order, as under qemu-user (readdirSync's order may differ).
        const directory = fs.opendirSync(file.path);
        try {
          for (let entry = directory.readSync(); entry !== null; entry = directory.readSync()) {
            const type = entry.isFile()
              ? DT_REG
              : entry.isDirectory()
                ? DT_DIR
                : entry.isSymbolicLink()
                  ? DT_LNK
                  : entry.isFIFO()
                    ? DT_FIFO
                    : entry.isCharacterDevice()
                      ? DT_CHR
                      : entry.isBlockDevice()
                        ? DT_BLK
                        : entry.isSocket()
                          ? DT_SOCK
                          : DT_UNKNOWN;
            entries.push({ name: entry.name, inode: inodeOf(path.posix.join(file.path, entry.name)), type });
          }
        } finally {
          directory.closeSync();
        }
      } catch (error) {
        return -errnoOf(error);
      }
      file.directoryEntries = entries;
    }
    let count = 0;
    while (file.position < file.directoryEntries.length) {
      if (!take(file.directoryEntries[file.position], file.position + 1)) break;
      file.position++;
      count++;
    }
    return count;
  }

  /** Checks for the path-changing calls: -EROFS outside the writable root. */
  private guardWrite(hostPath: string): number {
    return this.mayWrite(hostPath) ? 0 : -Errno.EROFS;
  }

  unlink(hostPath: string, directory: boolean): number {
    const denied = this.guardWrite(hostPath);
    if (denied < 0) return denied;
    try {
      if (directory) fs.rmdirSync(hostPath);
      else {
        if (fs.lstatSync(hostPath).isDirectory()) return -Errno.EISDIR;
        fs.unlinkSync(hostPath);
      }
      return 0;
    } catch (error) {
      return -errnoOf(error);
    }
  }

  mkdir(hostPath: string, mode: number): number {
    const denied = this.guardWrite(hostPath);
    if (denied < 0) return fs.existsSync(hostPath) ? -Errno.EEXIST : denied;
    try {
      fs.mkdirSync(hostPath, { mode: mode & ~this.umask & 0o7777 });
      return 0;
    } catch (error) {
      return -errnoOf(error);
    }
  }

  rename(from: string, to: string): number {
    if (!this.mayWrite(from) || !this.mayWrite(to)) return -Errno.EROFS;
    try {
      fs.renameSync(from, to);
      return 0;
    } catch (error) {
      return -errnoOf(error);
    }
  }

  chdir(hostPath: string): number {
    try {
      if (!fs.statSync(hostPath).isDirectory()) return -Errno.ENOTDIR;
      fs.accessSync(hostPath, fs.constants.X_OK);
      this.cwd = hostPath;
      return 0;
    } catch (error) {
      return -errnoOf(error);
    }
  }

  /** access/faccessat: mode is F_OK (0) or a mask of R_OK 4, W_OK 2, X_OK 1. */
  access(hostPath: string, mode: number): number {
    try {
      fs.accessSync(hostPath, mode & 7);
      if ((mode & 2) !== 0 && !this.mayWrite(hostPath)) return -Errno.EROFS;
      return 0;
    } catch (error) {
      return -errnoOf(error);
    }
  }

  /** The whole of an open file's bytes from `offset`, for a file-backed mmap. */
  readForMapping(fd: number, offset: number, into: Uint8Array): number {
    const file = this.file(fd);
    if (file === null || file.kind !== 'host') return -Errno.EBADF;
    if (!file.readable) return -Errno.EACCES;
    if (!file.positioned) return -Errno.ENODEV;
    let done = 0;
    try {
      while (done < into.length) {
        const n = fs.readSync(file.hostFd, into, done, into.length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
    } catch (error) {
      return -errnoOf(error);
    }
    return done;
  }

  /** Closes everything the guest opened (at exit). */
  closeAll(): void {
    for (let fd = 0; fd < this.descriptors.length; fd++) if (this.descriptors[fd] !== null) this.close(fd);
  }
}
