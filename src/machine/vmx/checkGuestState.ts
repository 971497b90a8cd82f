/**
 * VM-entry checks on the guest-state area (SDM 26.3.1; fact sheet §10.3), in the SDM's
 * order: control/debug registers and MSRs, segment and descriptor-table registers
 * (checkGuestSegments.ts), RIP and RFLAGS, non-register state, VMCS link pointer,
 * PDPTEs. A failure is a VM exit with reason 33 | 0x80000000 after loading host state.
 */
import { Ar } from '../cpu/segment';
import { Cr0, Cr4, Efer } from '../paging/walker';
import { Cr0Fixed, Cr4Fixed, VMCS_REVISION_ID, honoursFixed } from './capabilities';
import { F } from './fields';
import { Activity, Interruptibility } from './guestState';
import { injection } from './checkControls';
import { SEGMENT_CHECKS } from './checkGuestSegments';
import { aligned, canonical, physicalOk, validPat, type EntryCheck, type EntryContext } from './entryCheck';

const REGS = '26.3.1.1';
const RIP_FLAGS = '26.3.1.4';
const NON_REG = '26.3.1.5';
const PDPTE = '26.3.1.6';

const get = (c: EntryContext, encoding: number): bigint => c.vmcs.get(encoding);
const ug = (c: EntryContext): boolean => c.controls.secondary.unrestrictedGuest;
const ia32e = (c: EntryContext): boolean => c.controls.entry.ia32eModeGuest;
const cr0 = (c: EntryContext): number => c.vmcs.get32(F.GUEST_CR0);
const cr4 = (c: EntryContext): number => c.vmcs.get32(F.GUEST_CR4);
/** Guest RFLAGS bits `mask` (bit-precise reads keep the entry-check cache valid across status-flag changes). */
const rflags = (c: EntryContext, mask: number): number => c.vmcs.bits(F.GUEST_RFLAGS, mask);
const interruptibility = (c: EntryContext): number => c.vmcs.get32(F.GUEST_INTERRUPTIBILITY_INFO);

/** RFLAGS reserved bits 63:22, 15, 5, 3: bits 31:0 here, bits 63:32 all reserved. */
const RFLAGS_RESERVED_LOW = 0xffc08028;
const EFER_RESERVED = ~BigInt(Efer.SCE | Efer.LME | Efer.LMA | Efer.NXE) & 0xffffffffffffffffn;
const PENDING_DEBUG_RESERVED = 0xffffffffffffaff0n;
const PENDING_DEBUG_BS = 0x4000n;
const PDPTE_RESERVED = 0xffffc000000001e6n; // bits 63:46, 8:5, 2:1

/** Without EPT, VM entry loads the PDPTEs from guest memory at CR3 bits 31:5 (SDM 26.3.1.6); reading CPU memory keeps the check from being cached. */
function pdptesAtCr3(c: EntryContext): bigint[] {
  const base = Number(get(c, F.GUEST_CR3) & 0xffffffe0n);
  return [0, 1, 2, 3].map((i) => c.cpu.mem.read64(base + i * 8));
}

const REGISTER_CHECKS: EntryCheck[] = [
  {
    id: 'G1',
    fields: ['GUEST_CR0'],
    rule: 'guest CR0 must honour IA32_VMX_CR0_FIXED0/FIXED1 (PE, NE, PG set; PE and PG may be 0 under unrestricted guest)',
    sdm: REGS,
    violated: (c) => {
      const relax = ug(c) ? Cr0.PE | Cr0.PG : 0;
      return !honoursFixed(get(c, F.GUEST_CR0), { fixed0: (Cr0Fixed.fixed0 & ~relax) >>> 0, fixed1: Cr0Fixed.fixed1 });
    },
  },
  { id: 'G2', fields: ['GUEST_CR0'], rule: 'guest CR0.PG = 1 requires CR0.PE = 1', sdm: REGS, violated: (c) => (cr0(c) & Cr0.PG) !== 0 && (cr0(c) & Cr0.PE) === 0 },
  {
    id: 'G3',
    fields: ['GUEST_CR4'],
    rule: 'guest CR4 must honour IA32_VMX_CR4_FIXED0/FIXED1 (VMXE set, unsupported bits clear)',
    sdm: REGS,
    violated: (c) => !honoursFixed(get(c, F.GUEST_CR4), Cr4Fixed),
  },
  {
    id: 'G6',
    fields: ['VM_ENTRY_CONTROLS', 'GUEST_DR7'],
    rule: "entry control 'load debug controls' requires guest DR7 bits 63:32 = 0",
    sdm: REGS,
    violated: (c) => c.controls.entry.loadDebugControls && get(c, F.GUEST_DR7) >> 32n !== 0n,
  },
  { id: 'G4', fields: ['GUEST_CR3'], rule: 'guest CR3 must be below 2^MAXPHYADDR', sdm: REGS, violated: (c) => !physicalOk(get(c, F.GUEST_CR3)) },
  {
    id: 'G5',
    fields: ['VM_ENTRY_CONTROLS', 'GUEST_CR0', 'GUEST_CR4'],
    rule: "entry control 'IA-32e mode guest' requires guest CR0.PG = 1 and CR4.PAE = 1",
    sdm: REGS,
    violated: (c) => ia32e(c) && ((cr0(c) & Cr0.PG) === 0 || (cr4(c) & Cr4.PAE) === 0),
  },
  {
    id: 'G5',
    fields: ['VM_ENTRY_CONTROLS', 'GUEST_CR4'],
    rule: "without 'IA-32e mode guest', guest CR4.PCIDE must be 0",
    sdm: REGS,
    violated: (c) => !ia32e(c) && (cr4(c) & Cr4.PCIDE) !== 0,
  },
  {
    id: 'G19',
    fields: ['GUEST_SYSENTER_ESP', 'GUEST_SYSENTER_EIP'],
    rule: 'guest IA32_SYSENTER_ESP and IA32_SYSENTER_EIP must be canonical',
    sdm: REGS,
    violated: (c) => !canonical(get(c, F.GUEST_SYSENTER_ESP)) || !canonical(get(c, F.GUEST_SYSENTER_EIP)),
  },
  {
    id: 'G19',
    fields: ['VM_ENTRY_CONTROLS', 'GUEST_IA32_PAT'],
    rule: "entry control 'load IA32_PAT' requires every guest PAT entry to be a valid memory type",
    sdm: REGS,
    violated: (c) => c.controls.entry.loadPat && !validPat(get(c, F.GUEST_IA32_PAT)),
  },
  {
    id: 'G7',
    fields: ['VM_ENTRY_CONTROLS', 'GUEST_IA32_EFER', 'GUEST_CR0'],
    rule: "entry control 'load IA32_EFER' requires guest EFER reserved bits clear, EFER.LMA = 'IA-32e mode guest', and EFER.LME = 'IA-32e mode guest' when CR0.PG = 1",
    sdm: REGS,
    violated: (c) => {
      if (!c.controls.entry.loadEfer) return false;
      const efer = get(c, F.GUEST_IA32_EFER);
      const lma = (efer & BigInt(Efer.LMA)) !== 0n;
      const lme = (efer & BigInt(Efer.LME)) !== 0n;
      return (efer & EFER_RESERVED) !== 0n || lma !== ia32e(c) || ((cr0(c) & Cr0.PG) !== 0 && lme !== ia32e(c));
    },
  },
];

const RIP_RFLAGS_CHECKS: EntryCheck[] = [
  {
    id: 'G18',
    fields: ['GUEST_RIP', 'GUEST_CS_AR', 'VM_ENTRY_CONTROLS'],
    rule: 'guest RIP bits 63:32 must be 0 unless the guest is in IA-32e mode with CS.L = 1 (then bits 63:48 must be identical)',
    sdm: RIP_FLAGS,
    violated: (c) => {
      const ripHigh = c.vmcs.getHigh32(F.GUEST_RIP); // bits 63:32, without BigInt (this check runs on every entry)
      if (ripHigh === 0) return false; // valid in every mode: CS (read only now, so the check cache does not tie this verdict to it) is not needed
      const long = ia32e(c) && (c.vmcs.get32(F.GUEST_CS_AR) & Ar.L) !== 0;
      // SDM 27.3.1.4: bits 63:N identical (N = 48), not "canonical": bit 47 may differ from
      // bits 63:48 — such a RIP passes the check and the first fetch faults (Bochs agrees).
      const top = ripHigh >>> 16;
      return long ? top !== 0 && top !== 0xffff : ripHigh !== 0;
    },
  },
  {
    id: 'G8',
    fields: ['GUEST_RFLAGS'],
    rule: 'guest RFLAGS reserved bits (63:22, 15, 5, 3) must be 0 and bit 1 must be 1',
    sdm: RIP_FLAGS,
    violated: (c) => c.vmcs.getHigh32(F.GUEST_RFLAGS) !== 0 || rflags(c, RFLAGS_RESERVED_LOW) !== 0 || rflags(c, 2) === 0,
  },
  {
    id: 'G8',
    fields: ['GUEST_RFLAGS', 'VM_ENTRY_CONTROLS', 'GUEST_CR0'],
    rule: 'guest RFLAGS.VM must be 0 in IA-32e mode or when CR0.PE = 0',
    sdm: RIP_FLAGS,
    violated: (c) => rflags(c, 0x20000) !== 0 && (ia32e(c) || (cr0(c) & Cr0.PE) === 0),
  },
  {
    id: 'G22',
    fields: ['GUEST_RFLAGS', 'VM_ENTRY_INTR_INFO'],
    rule: 'injecting an external interrupt requires guest RFLAGS.IF = 1',
    sdm: RIP_FLAGS,
    violated: (c) => injection(c).valid && injection(c).type === 0 && rflags(c, 0x200) === 0,
  },
];

const NON_REGISTER_CHECKS: EntryCheck[] = [
  {
    id: 'G20',
    fields: ['GUEST_ACTIVITY_STATE'],
    rule: 'guest activity state must be supported: 0 (active) or 1 (HLT) in this model (IA32_VMX_MISC bits 8:6)',
    sdm: NON_REG,
    violated: (c) => c.vmcs.get32(F.GUEST_ACTIVITY_STATE) > Activity.Hlt,
  },
  {
    id: 'G20',
    fields: ['GUEST_ACTIVITY_STATE', 'GUEST_SS_AR'],
    rule: 'guest activity state HLT requires SS.DPL = 0',
    sdm: NON_REG,
    violated: (c) => c.vmcs.get32(F.GUEST_ACTIVITY_STATE) === Activity.Hlt && ((c.vmcs.get32(F.GUEST_SS_AR) >>> 5) & 3) !== 0,
  },
  {
    id: 'G21',
    fields: ['GUEST_INTERRUPTIBILITY_INFO'],
    rule: 'guest interruptibility: bits 31:5 reserved; blocking by STI and by MOV SS not both set; either requires activity state active',
    sdm: NON_REG,
    violated: (c) => {
      const i = interruptibility(c);
      const both = Interruptibility.Sti | Interruptibility.MovSs;
      return i >>> 5 !== 0 || (i & both) === both || ((i & both) !== 0 && c.vmcs.get32(F.GUEST_ACTIVITY_STATE) !== Activity.Active);
    },
  },
  {
    id: 'G21',
    fields: ['GUEST_INTERRUPTIBILITY_INFO', 'GUEST_RFLAGS'],
    rule: 'guest blocking by STI requires RFLAGS.IF = 1',
    sdm: NON_REG,
    violated: (c) => (interruptibility(c) & Interruptibility.Sti) !== 0 && rflags(c, 0x200) === 0,
  },
  {
    id: 'G23',
    fields: ['GUEST_INTERRUPTIBILITY_INFO'],
    rule: 'guest blocking by SMI is only allowed in SMM',
    sdm: NON_REG,
    violated: (c) => (interruptibility(c) & Interruptibility.Smi) !== 0,
  },
  {
    id: 'G22',
    fields: ['GUEST_INTERRUPTIBILITY_INFO', 'VM_ENTRY_INTR_INFO'],
    rule: 'injecting an external interrupt is not allowed with blocking by STI or MOV SS, nor an NMI with blocking by MOV SS or (with virtual NMIs) virtual-NMI blocking',
    sdm: NON_REG,
    violated: (c) => {
      const e = injection(c);
      if (!e.valid || (e.type !== 0 && e.type !== 2)) return false;
      const i = interruptibility(c);
      if (e.type === 0) return (i & (Interruptibility.Sti | Interruptibility.MovSs)) !== 0;
      return (i & Interruptibility.MovSs) !== 0 || (c.controls.pin.virtualNmis && (i & Interruptibility.Nmi) !== 0);
    },
  },
  {
    // "A processor may require bit 0 to be 0" for NMI injection (SDM 26.3.1.5); this one does,
    // and such a failure has its own qualification, 3 (SDM 26.8).
    id: 'G22',
    fields: ['GUEST_INTERRUPTIBILITY_INFO', 'VM_ENTRY_INTR_INFO'],
    rule: 'injecting an NMI is not allowed with blocking by STI (this processor requires interruptibility bit 0 = 0)',
    sdm: NON_REG,
    qualification: 3,
    violated: (c) => {
      const e = injection(c);
      return e.valid && e.type === 2 && (interruptibility(c) & Interruptibility.Sti) !== 0;
    },
  },
  {
    id: 'G24',
    fields: ['GUEST_PENDING_DBG_EXCEPTIONS'],
    rule: 'guest pending debug exceptions: reserved bits (mask 0xffffffffffffaff0) must be 0',
    sdm: NON_REG,
    violated: (c) => (get(c, F.GUEST_PENDING_DBG_EXCEPTIONS) & PENDING_DEBUG_RESERVED) !== 0n,
  },
  {
    id: 'G24',
    fields: ['GUEST_PENDING_DBG_EXCEPTIONS', 'GUEST_RFLAGS', 'GUEST_IA32_DEBUGCTL', 'GUEST_INTERRUPTIBILITY_INFO', 'GUEST_ACTIVITY_STATE'],
    rule: 'with blocking by STI or MOV SS, or the HLT activity state, pending debug exception BS (bit 14) must be 1 exactly when RFLAGS.TF = 1 and IA32_DEBUGCTL.BTF = 0',
    sdm: NON_REG,
    violated: (c) => {
      const blocked = (interruptibility(c) & (Interruptibility.Sti | Interruptibility.MovSs)) !== 0 || c.vmcs.get32(F.GUEST_ACTIVITY_STATE) === Activity.Hlt;
      if (!blocked) return false;
      const stepping = rflags(c, 0x100) !== 0 && (get(c, F.GUEST_IA32_DEBUGCTL) & 2n) === 0n;
      return ((get(c, F.GUEST_PENDING_DBG_EXCEPTIONS) & PENDING_DEBUG_BS) !== 0n) !== stepping;
    },
  },
  {
    id: 'G25',
    fields: ['VMCS_LINK_POINTER'],
    rule: 'VMCS link pointer must be 0xffffffffffffffff, or a 4 KiB aligned address below 2^MAXPHYADDR of a region with this revision identifier (shadow bit clear) other than the current VMCS',
    sdm: NON_REG,
    qualification: 4,
    violated: (c) => {
      const link = get(c, F.VMCS_LINK_POINTER);
      if (link === 0xffffffffffffffffn) return false;
      if (!aligned(link, 4096) || !physicalOk(link) || Number(link) === c.vmcs.address) return true;
      return c.cpu.mem.read32(Number(link)) >>> 0 !== VMCS_REVISION_ID;
    },
  },
  {
    id: 'G26',
    fields: ['GUEST_PDPTE0', 'GUEST_PDPTE1', 'GUEST_PDPTE2', 'GUEST_PDPTE3'],
    rule: 'PAE paging outside IA-32e mode: present guest PDPTEs (the GUEST_PDPTEn fields with EPT, else the four entries at guest CR3) must have reserved bits (2:1, 8:5, 63:MAXPHYADDR) clear',
    sdm: PDPTE,
    qualification: 2,
    violated: (c) => {
      const pae = (cr0(c) & Cr0.PG) !== 0 && (cr4(c) & Cr4.PAE) !== 0 && !ia32e(c);
      if (!pae) return false;
      const entries = c.controls.secondary.enableEpt ? [F.GUEST_PDPTE0, F.GUEST_PDPTE1, F.GUEST_PDPTE2, F.GUEST_PDPTE3].map((f) => get(c, f)) : pdptesAtCr3(c);
      return entries.some((e) => (e & 1n) === 1n && (e & PDPTE_RESERVED) !== 0n);
    },
  },
];

export const GUEST_CHECKS: readonly EntryCheck[] = [...REGISTER_CHECKS, ...SEGMENT_CHECKS, ...RIP_RFLAGS_CHECKS, ...NON_REGISTER_CHECKS];
