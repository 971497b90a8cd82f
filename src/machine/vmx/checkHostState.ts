/**
 * VM-entry checks on the host-state area (SDM 26.2.2–26.2.4; fact sheet §10.2). A
 * failure is VMfailValid(8).
 */
import { Cr4, Efer } from '../paging/walker';
import { Cr0Fixed, Cr4Fixed, honoursFixed } from './capabilities';
import { F } from './fields';
import { HOST_SELECTORS } from './segmentFields';
import { canonical, physicalOk, processorLma, validPat, type EntryCheck, type EntryContext } from './entryCheck';

const REGS = '26.2.2';
const SEGS = '26.2.3';
const SIZE = '26.2.4';

const get = (c: EntryContext, encoding: number): bigint => c.vmcs.get(encoding);
const hostLong = (c: EntryContext): boolean => c.controls.exit.hostAddressSpaceSize;

const selectorChecks: EntryCheck[] = (Object.entries(HOST_SELECTORS) as [string, number][]).map(([name, encoding]) => ({
  id: 'H7',
  fields: [`HOST_${name}_SELECTOR`],
  rule: `host ${name} selector must have RPL = 0 and TI = 0`,
  sdm: SEGS,
  violated: (c: EntryContext) => (c.vmcs.get32(encoding) & 7) !== 0,
}));

const canonicalFields: [string, number][] = [
  ['HOST_FS_BASE', F.HOST_FS_BASE],
  ['HOST_GS_BASE', F.HOST_GS_BASE],
  ['HOST_GDTR_BASE', F.HOST_GDTR_BASE],
  ['HOST_IDTR_BASE', F.HOST_IDTR_BASE],
  ['HOST_TR_BASE', F.HOST_TR_BASE],
  ['HOST_IA32_SYSENTER_ESP', F.HOST_IA32_SYSENTER_ESP],
  ['HOST_IA32_SYSENTER_EIP', F.HOST_IA32_SYSENTER_EIP],
];

const EFER_RESERVED = ~BigInt(Efer.SCE | Efer.LME | Efer.LMA | Efer.NXE) & 0xffffffffffffffffn;

export const HOST_CHECKS: readonly EntryCheck[] = [
  {
    id: 'H1',
    fields: ['HOST_CR0'],
    rule: 'host CR0 must honour IA32_VMX_CR0_FIXED0/FIXED1 (PE, NE and PG set; bits 63:32 clear)',
    sdm: REGS,
    violated: (c) => !honoursFixed(get(c, F.HOST_CR0), Cr0Fixed),
  },
  {
    id: 'H2',
    fields: ['HOST_CR4'],
    rule: 'host CR4 must honour IA32_VMX_CR4_FIXED0/FIXED1 (VMXE set, unsupported bits clear)',
    sdm: REGS,
    violated: (c) => !honoursFixed(get(c, F.HOST_CR4), Cr4Fixed),
  },
  { id: 'H3', fields: ['HOST_CR3'], rule: 'host CR3 must be below 2^MAXPHYADDR', sdm: REGS, violated: (c) => !physicalOk(get(c, F.HOST_CR3)) },
  ...canonicalFields.slice(5).map(([name, encoding]) => ({ id: 'H9', fields: [name], rule: `${name} must be canonical`, sdm: REGS, violated: (c: EntryContext) => !canonical(get(c, encoding)) })),
  {
    id: 'H10',
    fields: ['VM_EXIT_CONTROLS', 'HOST_IA32_PAT'],
    rule: "exit control 'load IA32_PAT' requires every host PAT entry to be a valid memory type (0, 1, 4, 5, 6, 7)",
    sdm: REGS,
    violated: (c) => c.controls.exit.loadPat && !validPat(get(c, F.HOST_IA32_PAT)),
  },
  {
    id: 'H11',
    fields: ['VM_EXIT_CONTROLS', 'HOST_IA32_EFER'],
    rule: "exit control 'load IA32_EFER' requires host EFER reserved bits clear and EFER.LMA = EFER.LME = 'host address-space size'",
    sdm: REGS,
    violated: (c) => {
      if (!c.controls.exit.loadEfer) return false;
      const efer = get(c, F.HOST_IA32_EFER);
      const lma = (efer & BigInt(Efer.LMA)) !== 0n;
      const lme = (efer & BigInt(Efer.LME)) !== 0n;
      return (efer & EFER_RESERVED) !== 0n || lma !== hostLong(c) || lme !== hostLong(c);
    },
  },
  ...selectorChecks,
  {
    id: 'H8',
    fields: ['HOST_CS_SELECTOR'],
    rule: 'host CS selector must not be 0',
    sdm: SEGS,
    violated: (c) => c.vmcs.get32(HOST_SELECTORS.CS) === 0,
  },
  {
    id: 'H8',
    fields: ['HOST_TR_SELECTOR'],
    rule: 'host TR selector must not be 0',
    sdm: SEGS,
    violated: (c) => c.vmcs.get32(HOST_SELECTORS.TR) === 0,
  },
  {
    id: 'H8',
    fields: ['HOST_SS_SELECTOR', 'VM_EXIT_CONTROLS'],
    rule: "host SS selector must not be 0 unless 'host address-space size' is 1",
    sdm: SEGS,
    violated: (c) => c.vmcs.get32(HOST_SELECTORS.SS) === 0 && !hostLong(c),
  },
  ...canonicalFields.slice(0, 5).map(([name, encoding]) => ({ id: 'H9', fields: [name], rule: `${name} must be canonical`, sdm: SEGS, violated: (c: EntryContext) => !canonical(get(c, encoding)) })),
  {
    id: 'H4',
    fields: ['VM_EXIT_CONTROLS'],
    rule: "in IA-32e mode (EFER.LMA = 1) the exit control 'host address-space size' must be 1",
    sdm: SIZE,
    violated: (c) => processorLma(c) && !hostLong(c),
  },
  {
    id: 'H4',
    fields: ['VM_EXIT_CONTROLS', 'VM_ENTRY_CONTROLS'],
    rule: "outside IA-32e mode 'host address-space size' and 'IA-32e mode guest' must both be 0",
    sdm: SIZE,
    violated: (c) => !processorLma(c) && (hostLong(c) || c.controls.entry.ia32eModeGuest),
  },
  {
    id: 'H5',
    fields: ['VM_EXIT_CONTROLS', 'HOST_CR4'],
    rule: "'host address-space size' = 1 requires host CR4.PAE = 1",
    sdm: SIZE,
    violated: (c) => hostLong(c) && (c.vmcs.get32(F.HOST_CR4) & Cr4.PAE) === 0,
  },
  {
    id: 'H5',
    fields: ['VM_EXIT_CONTROLS', 'HOST_RIP'],
    rule: "'host address-space size' = 1 requires a canonical host RIP",
    sdm: SIZE,
    violated: (c) => hostLong(c) && !canonical(get(c, F.HOST_RIP)),
  },
  {
    id: 'H6',
    fields: ['VM_EXIT_CONTROLS', 'HOST_CR4', 'HOST_RIP'],
    rule: "'host address-space size' = 0 requires host CR4.PCIDE = 0 and host RIP bits 63:32 = 0",
    sdm: SIZE,
    violated: (c) => !hostLong(c) && ((c.vmcs.get32(F.HOST_CR4) & Cr4.PCIDE) !== 0 || get(c, F.HOST_RIP) >> 32n !== 0n),
  },
];
