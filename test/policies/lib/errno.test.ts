// errno values as the Linux generic headers define them (include/uapi/asm-generic/errno-base.h,
// include/uapi/asm-generic/errno.h; ENOTSUPP from include/linux/errno.h).

import { describe, expect, it } from 'vitest';
import * as errno from '../../../src/policies/lib/errno.js';

describe('errno', () => {
  it('has the kernel values', () => {
    expect({
      EPERM: errno.EPERM,
      ENOENT: errno.ENOENT,
      EIO: errno.EIO,
      EAGAIN: errno.EAGAIN,
      ENOMEM: errno.ENOMEM,
      EBUSY: errno.EBUSY,
      EEXIST: errno.EEXIST,
      EINVAL: errno.EINVAL,
      ENOSPC: errno.ENOSPC,
      ENOSYS: errno.ENOSYS,
      EOPNOTSUPP: errno.EOPNOTSUPP,
      ETIMEDOUT: errno.ETIMEDOUT,
      ENOTSUPP: errno.ENOTSUPP,
    }).toEqual({
      EPERM: 1,
      ENOENT: 2,
      EIO: 5,
      EAGAIN: 11,
      ENOMEM: 12,
      EBUSY: 16,
      EEXIST: 17,
      EINVAL: 22,
      ENOSPC: 28,
      ENOSYS: 38,
      EOPNOTSUPP: 95,
      ETIMEDOUT: 110,
      ENOTSUPP: 524,
    });
  });

  it('names negated and positive values', () => {
    expect(errno.errno_name(-12)).toBe('ENOMEM');
    expect(errno.errno_name(16)).toBe('EBUSY');
    expect(errno.errno_name(-9999)).toBe('E9999');
  });
});
