/**
 * Xen's CPUID leaves (public/arch-x86/cpuid.h) and the hypercall page (fact sheet §9.1):
 * 128 stubs of 32 bytes, `mov eax, n; vmcall; ret`, entry 23 (iret) `ud2` as for HVM.
 */
import { Hc, PAGE } from './abi';

export const XEN_CPUID_BASE = 0x40000000;
const XEN_MAX_LEAF = XEN_CPUID_BASE + 4;
/** "XenVMMXenVMM" in EBX, ECX, EDX. */
const SIGNATURE = [0x566e6558, 0x65584d4d, 0x4d4d566e] as const;
/** Xen 4.17. */
export const XEN_VERSION = { major: 4, minor: 17 } as const;
/** Guest TSC in kHz: one tick per instruction, the guest clock's 1 GHz. */
const TSC_KHZ = 1_000_000;
const HVM_VCPU_ID_PRESENT = 1 << 3;
const HVM_DOMID_PRESENT = 1 << 4;

/** EAX, EBX, ECX, EDX for a Xen leaf; undefined outside 0x40000000–0x400000ff. */
export function xenCpuid(leaf: number, subleaf: number): readonly number[] | undefined {
  if (leaf < XEN_CPUID_BASE || leaf > XEN_CPUID_BASE + 0xff) return undefined;
  switch (leaf - XEN_CPUID_BASE) {
    case 0:
      return [XEN_MAX_LEAF, ...SIGNATURE];
    case 1:
      return [((XEN_VERSION.major << 16) | XEN_VERSION.minor) >>> 0, 0, 0, 0];
    case 2: // hypercall pages, MSR base, features
      return [1, XEN_CPUID_BASE, 0, 0];
    case 3: // time: sub-leaf 0 flags/TSC mode/kHz, 1 the pvclock scale (ns = (tsc << 1) · 2^31 >> 32), 2 host kHz
      return subleaf === 0 ? [0, 0, TSC_KHZ, 0] : subleaf === 1 ? [0, 0, 0x80000000, 1] : subleaf === 2 ? [0, 0, TSC_KHZ, 0] : [0, 0, 0, 0];
    case 4: // HVM features: vCPU id 0 in EBX, domain id 1 in ECX
      return subleaf === 0 ? [HVM_VCPU_ID_PRESENT | HVM_DOMID_PRESENT, 0, 1, 0] : [0, 0, 0, 0];
    default:
      return [0, 0, 0, 0];
  }
}

/** The 4 KiB hypercall page. */
export function fillHypercallPage(): Uint8Array {
  const page = new Uint8Array(PAGE).fill(0xcc);
  for (let n = 0; n < 128; n++) {
    const at = n * 32;
    if (n === Hc.iret) {
      page.set([0x0f, 0x0b], at);
      continue;
    }
    page.set([0xb8, n, 0, 0, 0, 0x0f, 0x01, 0xc1, 0xc3], at);
  }
  return page;
}
