// Linux errno numbers (include/uapi/asm-generic/errno-base.h, errno.h), the same on every
// architecture l4vm emulates except where noted, and the mapping from Node's error codes.

export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENODATA: 61,
  EOVERFLOW: 75,
  ENOTSOCK: 88,
  EOPNOTSUPP: 95,
  ETIMEDOUT: 110,
} as const;

/**
 * Not an errno: returned by a system call that cannot finish yet (an empty pipe, a child still
 * running). The process waits and the call is retried by the scheduler (linux-processes.ts).
 */
export const BLOCKED = -0x4000_0000;

/** The Linux errno for an error thrown by Node's fs (its `code`), EIO when unknown. */
export function errnoOf(error: unknown): number {
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  if (typeof code === 'string' && code in Errno) return Errno[code as keyof typeof Errno];
  if (code === 'ENOTSUP') return Errno.EOPNOTSUPP;
  if (code === 'EWOULDBLOCK') return Errno.EAGAIN;
  return Errno.EIO;
}
