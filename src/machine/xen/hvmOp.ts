/**
 * hvm_op(op, arg): HVMOP_set_param / get_param (public/hvm/params.h) for
 * HVM_PARAM_CALLBACK_IRQ — type "vector" (2 << 56 | vector) selects the event-channel
 * upcall vector — and Hyperscope's console parameters (HVM_PARAM.console_gref /
 * console_evtchn: writing the port connects the built-in console back end). Once
 * connected, Xen's HVM_PARAM_CONSOLE_PFN / CONSOLE_EVTCHN read back the ring and port.
 */
import { Errno, HVM_PARAM, HVMOP } from './abi';
import { fail, type XenArgs, type XenPlatform } from './platform';

const CALLBACK_TYPE_VECTOR = 2n;

function setParam(xen: XenPlatform, index: number, value: bigint): bigint {
  switch (index) {
    case HVM_PARAM.callback_irq: {
      const type = value >> 56n;
      if (value !== 0n && (type !== CALLBACK_TYPE_VECTOR || (value & 0xffn) < 0x20n || (value & 0x00ffffffffffff00n) !== 0n)) return fail(Errno.EINVAL);
      break;
    }
    case HVM_PARAM.console_gref:
      if (value > 0xffffffffn) return fail(Errno.EINVAL);
      break;
    case HVM_PARAM.console_evtchn: {
      const gref = xen.state.params.get(HVM_PARAM.console_gref);
      if (gref === undefined || value > 0xffffffffn) return fail(Errno.EINVAL);
      const result = xen.backend.connect(Number(gref), Number(value));
      if (result !== 0) return fail(result);
      break;
    }
    default:
      return fail(Errno.EINVAL);
  }
  xen.state.params.set(index, value);
  return 0n;
}

/** HVM_PARAM_CONSOLE_PFN (17) / CONSOLE_EVTCHN (18), as a Xen guest reads them: the connected ring's frame and port. */
const CONSOLE_PFN = 17;
const CONSOLE_EVTCHN = 18;

function getParam(xen: XenPlatform, index: number): bigint | undefined {
  const console = xen.state.console;
  if (index === CONSOLE_PFN || index === CONSOLE_EVTCHN) {
    if (console.guestPort === undefined || console.gref === undefined) return 0n;
    return BigInt(index === CONSOLE_EVTCHN ? console.guestPort : (xen.grants.entry(console.gref)?.frame ?? 0));
  }
  if (!Object.values(HVM_PARAM).includes(index as never)) return undefined;
  return xen.state.params.get(index) ?? 0n;
}

/** HVMOP_set_evtchn_upcall_vector {u32 vcpu; u8 vector}: the per-vCPU upcall vector, delivered through the virtual APIC (the guest EOIs it). */
function setUpcallVector(xen: XenPlatform, arg: bigint): bigint {
  const op = xen.mem.read(arg, 5);
  if (!op) return fail(Errno.EFAULT);
  const vcpu = new DataView(op.buffer).getUint32(0, true);
  const vector = op[4]!;
  if (vcpu !== 0) return fail(Errno.ENOENT);
  if (vector < 0x10) return fail(Errno.EINVAL);
  xen.state.upcallVector = vector;
  return 0n;
}

export function hvmOp(xen: XenPlatform, args: XenArgs): bigint {
  const [op, arg] = args;
  if (op === BigInt(HVMOP.set_evtchn_upcall_vector)) return setUpcallVector(xen, arg);
  if (op !== BigInt(HVMOP.set_param) && op !== BigInt(HVMOP.get_param)) return fail(Errno.ENOSYS);
  const param = xen.mem.read(arg, 16);
  if (!param) return fail(Errno.EFAULT);
  const v = new DataView(param.buffer);
  const dom = v.getUint16(0, true);
  const index = v.getUint32(4, true);
  if (!xen.isSelf(dom)) return fail(Errno.ESRCH);
  if (op === BigInt(HVMOP.set_param)) return setParam(xen, index, v.getBigUint64(8, true));
  const value = getParam(xen, index);
  if (value === undefined) return fail(Errno.EINVAL);
  return xen.mem.writeU64(arg + 8n, value) ? 0n : fail(Errno.EFAULT);
}
