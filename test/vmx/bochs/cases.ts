/**
 * The differential VMX cases (cases/<name>.asm) with what each one checks, the SDM
 * sections it exercises, and — per case — the report keys left out of the comparison
 * because Bochs 2.7 deviates from the SDM there (each with the reason and SDM section).
 * Keys starting with `cap_` (capability MSR values of the two CPU models) are never compared.
 */
export interface DiffCase {
  name: string;
  what: string;
  sdm: string;
  /** key → why it is not compared (a documented Bochs deviation). */
  ignore?: Record<string, string>;
}

export const DIFF_CASES: readonly DiffCase[] = [
  {
    name: 'vmx-instructions',
    what: 'VMXON/VMCLEAR/VMPTRLD/VMPTRST/VMREAD/VMWRITE/VMXOFF: VMsucceed, VMfailInvalid, VMfailValid 2, 3, 9, 10, 11, 12, 13 (per MISC bit 29), 15; field widths',
    sdm: 'SDM Vol. 3C 30.2, 31.3; 25.11.2 (field encodings)',
  },
  { name: 'launch-state', what: 'VMRESUME of a clear VMCS (5), VMLAUNCH of a launched VMCS (4), VMCLEAR resets the launch state', sdm: 'SDM 31.3 VMLAUNCH/VMRESUME, 25.11.3' },
  { name: 'invept-invvpid', what: 'INVEPT/INVVPID types, VPID 0, non-canonical address, reserved descriptor bits → VMfailValid 28', sdm: 'SDM 31.3 INVEPT/INVVPID' },
  { name: 'exit-cpuid', what: 'CPUID exit (10) and VMCALL exit (18): reason, qualification, length, guest RIP, guest GPRs across a resume', sdm: 'SDM 26.1.2, 27.2.1, 27.2.5' },
];
