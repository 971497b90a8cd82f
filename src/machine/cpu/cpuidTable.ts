/**
 * CPUID leaves of the simulated processor: GenuineIntel, family 6 model 0x3C (a
 * Haswell-class signature), long mode, NX, SYSCALL, SYSENTER, 1 GiB pages, RDTSCP, VMX. Only
 * features the simulator implements are reported (no x87/SSE; a local APIC with x2APIC and the TSC-deadline timer). Other units
 * extend the table with `setCpuidLeaf` (the VMX engineer may refine leaf 1 or add leaves).
 * Leaves above the maximum behave as on Intel: they return the highest basic leaf.
 */

export type CpuidRegisters = readonly [eax: number, ebx: number, ecx: number, edx: number];
/** Computes a leaf for a subleaf (ECX); leaves without subleaves ignore it. */
export type CpuidLeaf = (subleaf: number) => CpuidRegisters;

/** Bits of CPUID.1:ECX / EDX and CPUID.80000001h:EDX this CPU reports. */
export const CpuidBit = {
  /** CPUID.1:ECX */
  VMX: 1 << 5,
  X2APIC: 1 << 21,
  TSC_DEADLINE: 1 << 24,
  /** CPUID.1:EDX */
  DE: 1 << 2,
  PSE: 1 << 3,
  TSC: 1 << 4,
  MSR: 1 << 5,
  PAE: 1 << 6,
  MCE: 1 << 7,
  APIC: 1 << 9,
  SEP: 1 << 11,
  PGE: 1 << 13,
  CMOV: 1 << 15,
  PAT: 1 << 16,
  CLFSH: 1 << 19,
  /** CPUID.80000001h:ECX: LAHF/SAHF in 64-bit mode */
  LAHF_LM: 1 << 0,
  /** CPUID.80000001h:EDX */
  SYSCALL: 1 << 11,
  NX: 1 << 20,
  PAGE1GB: 1 << 26,
  RDTSCP: 1 << 27,
  LM: 1 << 29,
} as const;

const MAX_BASIC = 0x7;
const MAX_EXTENDED = 0x80000008;
/** Family 6, model 0x3C, stepping 3 (extended model 3, model 0xC). */
const SIGNATURE = 0x000306c3;
const PHYSICAL_ADDRESS_BITS = 46;
const LINEAR_ADDRESS_BITS = 48;

/** Four ASCII characters as a little-endian dword. */
function dword(text: string, at: number): number {
  let value = 0;
  for (let i = 0; i < 4; i++) value |= (text.charCodeAt(at + i) & 0xff) << (8 * i);
  return value >>> 0;
}

const VENDOR = 'GenuineIntel';
const BRAND = 'Hyperscope simulated x86-64 CPU @ 1 instr/tick'.padEnd(48, '\0');

function brandPart(part: number): CpuidRegisters {
  const at = part * 16;
  return [dword(BRAND, at), dword(BRAND, at + 4), dword(BRAND, at + 8), dword(BRAND, at + 12)];
}

const ZERO: CpuidRegisters = [0, 0, 0, 0];
const E = CpuidBit;

// Fixed leaves are made once (a CPUID loop under a hypervisor asks for them millions of times).
const LEAF_0: CpuidRegisters = [MAX_BASIC, dword(VENDOR, 0), dword(VENDOR, 8), dword(VENDOR, 4)];
// EBX: CLFLUSH line 8*8 = 64 bytes, 1 logical processor, APIC ID 0.
const LEAF_1: CpuidRegisters = [SIGNATURE, 0x00010800, (E.VMX | E.X2APIC | E.TSC_DEADLINE) >>> 0, (E.DE | E.PSE | E.TSC | E.MSR | E.PAE | E.MCE | E.APIC | E.SEP | E.PGE | E.CMOV | E.PAT | E.CLFSH) >>> 0];
const BRAND_PARTS = [brandPart(0), brandPart(1), brandPart(2)] as const;

const leaves = new Map<number, CpuidLeaf>([
  [0x0, () => LEAF_0],
  [0x1, () => LEAF_1],
  [0x2, () => [0x00000001, 0, 0, 0]], // no cache descriptors
  [0x3, () => ZERO],
  [0x4, () => ZERO], // no deterministic cache parameters
  [0x5, () => ZERO],
  [0x6, () => [1 << 2, 0, 0, 0]], // ARAT: the APIC timer runs in every state
  [0x7, () => ZERO], // subleaf 0: max subleaf 0, no structured extended features
  [0x80000000, () => [MAX_EXTENDED, 0, 0, 0]],
  [0x80000001, () => [0, 0, E.LAHF_LM, (E.SYSCALL | E.NX | E.PAGE1GB | E.RDTSCP | E.LM) >>> 0]],
  [0x80000002, () => BRAND_PARTS[0]],
  [0x80000003, () => BRAND_PARTS[1]],
  [0x80000004, () => BRAND_PARTS[2]],
  [0x80000005, () => ZERO],
  [0x80000006, () => ZERO],
  [0x80000007, () => [0, 0, 0, 1 << 8]], // invariant TSC
  [0x80000008, () => [(LINEAR_ADDRESS_BITS << 8) | PHYSICAL_ADDRESS_BITS, 0, 0, 0]],
]);

/** Replaces or adds a leaf (for other units: VMX, hypervisor leaves 0x40000000+). */
export function setCpuidLeaf(leaf: number, compute: CpuidLeaf): void {
  leaves.set(leaf >>> 0, compute);
}

/** The registers CPUID returns for EAX = `leaf`, ECX = `subleaf`. */
export function cpuidResult(leaf: number, subleaf: number): CpuidRegisters {
  const compute = leaves.get(leaf >>> 0);
  if (compute) return compute(subleaf >>> 0);
  // Intel: an invalid leaf returns the data of the highest basic leaf (SDM CPUID, "INPUT EAX = 0").
  return leaves.get(MAX_BASIC)!(subleaf >>> 0);
}
