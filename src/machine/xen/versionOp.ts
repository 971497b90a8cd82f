/** xen_version(cmd, arg) (public/version.h): Xen 4.17 with HVM features; strings NUL-padded. */
import { Errno, XENVER } from './abi';
import { XEN_VERSION } from './cpuidLeaves';
import { fail, type XenArgs, type XenPlatform } from './platform';

/** XENFEAT_* bits of sub-map 0: auto_translated_physmap 2, mmu_pt_update_preserve_ad 5, hvm_callback_vector 8, hvm_safe_pvclock 9. */
const FEATURES = (1 << 2) | (1 << 5) | (1 << 8) | (1 << 9);
/** HYPERVISOR_VIRT_START on x86-64. */
const VIRT_START = 0xffff800000000000n;

function text(value: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < Math.min(value.length, size - 1); i++) out[i] = value.charCodeAt(i);
  return out;
}

const STRINGS = new Map<number, Uint8Array>([
  [XENVER.extraversion, text('.0-hyperscope', 16)],
  [XENVER.compile_info, Uint8Array.from([...text('hyperscope', 64), ...text('hyperscope', 16), ...text('localdomain', 32), ...text('simulated', 32)])],
  [XENVER.capabilities, text('hvm-3.0-x86_64', 1024)],
  [XENVER.changeset, text('hyperscope built-in hypervisor', 64)],
  [XENVER.guest_handle, new Uint8Array(16)],
  [XENVER.commandline, new Uint8Array(1024)],
]);

export function xenVersion(xen: XenPlatform, args: XenArgs): bigint {
  const [cmd, arg] = args;
  if (cmd > 0xffffn) return fail(Errno.ENOSYS);
  const command = Number(cmd);
  if (command === XENVER.version) return BigInt((XEN_VERSION.major << 16) | XEN_VERSION.minor);
  if (command === XENVER.pagesize) return 4096n;
  const bytes = STRINGS.get(command);
  if (bytes) return xen.mem.write(arg, bytes) ? 0n : fail(Errno.EFAULT);
  if (command === XENVER.platform_parameters) return xen.mem.writeU64(arg, VIRT_START) ? 0n : fail(Errno.EFAULT);
  if (command === XENVER.get_features) {
    const index = xen.mem.readU32(arg);
    if (index === undefined) return fail(Errno.EFAULT);
    return xen.mem.writeU32(arg + 4n, index === 0 ? FEATURES : 0) ? 0n : fail(Errno.EFAULT);
  }
  return fail(Errno.ENOSYS);
}
