// Kernel errno values that policies return negated (`return -EPERM`), as BPF programs do.
// Values are the generic Linux ones (include/uapi/asm-generic/errno-base.h, errno.h;
// ENOTSUPP from include/linux/errno.h). Not an exhaustive table: only what the block layer,
// UFQ and the ported schedulers use or may report.

export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const EBADF = 9;
export const EAGAIN = 11;
/** Same value as EAGAIN on Linux. */
export const EWOULDBLOCK = EAGAIN;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ERANGE = 34;
export const EDEADLK = 35;
export const ENOSYS = 38;
export const ENODATA = 61;
export const ETIME = 62;
export const EOPNOTSUPP = 95;
export const ETIMEDOUT = 110;
export const EALREADY = 114;
export const EINPROGRESS = 115;
export const ECANCELED = 125;
/** Kernel-internal "operation not supported" (never reaches user space on a real system). */
export const ENOTSUPP = 524;

const NAMES: Readonly<Record<number, string>> = {
  [EPERM]: 'EPERM',
  [ENOENT]: 'ENOENT',
  [ESRCH]: 'ESRCH',
  [EINTR]: 'EINTR',
  [EIO]: 'EIO',
  [ENXIO]: 'ENXIO',
  [E2BIG]: 'E2BIG',
  [EBADF]: 'EBADF',
  [EAGAIN]: 'EAGAIN',
  [ENOMEM]: 'ENOMEM',
  [EACCES]: 'EACCES',
  [EFAULT]: 'EFAULT',
  [EBUSY]: 'EBUSY',
  [EEXIST]: 'EEXIST',
  [ENODEV]: 'ENODEV',
  [EINVAL]: 'EINVAL',
  [ENOSPC]: 'ENOSPC',
  [ERANGE]: 'ERANGE',
  [EDEADLK]: 'EDEADLK',
  [ENOSYS]: 'ENOSYS',
  [ENODATA]: 'ENODATA',
  [ETIME]: 'ETIME',
  [EOPNOTSUPP]: 'EOPNOTSUPP',
  [ETIMEDOUT]: 'ETIMEDOUT',
  [EALREADY]: 'EALREADY',
  [EINPROGRESS]: 'EINPROGRESS',
  [ECANCELED]: 'ECANCELED',
  [ENOTSUPP]: 'ENOTSUPP',
};

/** Symbolic name of an errno, given as positive or negated value (`-12` -> `'ENOMEM'`); `E<n>` if unknown. */
export function errno_name(err: number): string {
  const n = Math.abs(err);
  return NAMES[n] ?? `E${n}`;
}
