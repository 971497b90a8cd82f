/**
 * multicall(list, nr) (public/xen.h multicall_entry, 64 bytes on x86-64: op, result,
 * args[6]): each entry's hypercall runs in order and its result is written back; a
 * multicall inside a multicall is refused with -EINVAL in that entry.
 */
import { Errno, Hc } from './abi';
import { fail, type XenArgs, type XenPlatform } from './platform';

const ENTRY = 64;
const MAX_ENTRIES = 1024;

export function multicall(xen: XenPlatform, args: XenArgs): bigint {
  const [list, count] = args;
  if (count > BigInt(MAX_ENTRIES)) return fail(Errno.EINVAL);
  if (xen.multicallDepth > 0) return fail(Errno.EINVAL);
  xen.multicallDepth++;
  try {
    for (let i = 0; i < Number(count); i++) {
      const at = list + BigInt(i * ENTRY);
      const entry = xen.mem.read(at, ENTRY);
      if (!entry) return fail(Errno.EFAULT);
      const v = new DataView(entry.buffer);
      const op = v.getBigUint64(0, true);
      const callArgs: XenArgs = [v.getBigUint64(16, true), v.getBigUint64(24, true), v.getBigUint64(32, true), v.getBigUint64(40, true), v.getBigUint64(48, true)];
      const number = op > 0xffffn ? -1 : Number(op);
      const result = number === Hc.multicall ? fail(Errno.EINVAL) : number < 0 ? fail(Errno.ENOSYS) : xen.hypercall(number, callArgs);
      if (!xen.mem.writeU64(at + 8n, result)) return fail(Errno.EFAULT);
      xen.log(number < 0 ? 0xffff : number, callArgs, result, 0n, true);
      if (xen.cpu.stopRequest?.reason === 'exit') break; // a shutdown ends the batch
    }
    return 0n;
  } finally {
    xen.multicallDepth--;
  }
}
