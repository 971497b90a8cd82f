// VM-execution, VM-exit and VM-entry control bits (x86-virtualization-facts.md §2, all
// sources agree) and the default-1 settings of the control MSRs (§1.4). Controls the fact
// sheet lists only for Bochs are marked single-source.
import { bitConstant, constant, type VmxConstantGroup, type VmxConstantKind } from './vmxTypes';

type Row = readonly [name: string, bit: number, description: string, bochsOnly?: true];

function bits(kind: VmxConstantKind, prefix: string, rows: readonly Row[]): VmxConstantGroup['constants'] {
  return rows.map(([name, bit, description, bochsOnly]) => bitConstant(kind, `${prefix}${name}`, bit, description, bochsOnly ? { confidence: 'single-source' } : {}));
}

const pinBased: readonly Row[] = [
  ['EXTERNAL_INTERRUPT_EXITING', 0, 'external-interrupt exiting'],
  ['NMI_EXITING', 3, 'NMI exiting'],
  ['VIRTUAL_NMIS', 5, 'virtual NMIs'],
  ['ACTIVATE_PREEMPTION_TIMER', 6, 'activate VMX-preemption timer'],
  ['PROCESS_POSTED_INTERRUPTS', 7, 'process posted interrupts'],
];

const primary: readonly Row[] = [
  ['INTERRUPT_WINDOW_EXITING', 2, 'interrupt-window exiting'],
  ['USE_TSC_OFFSETTING', 3, 'use TSC offsetting'],
  ['HLT_EXITING', 7, 'HLT exiting'],
  ['INVLPG_EXITING', 9, 'INVLPG exiting'],
  ['MWAIT_EXITING', 10, 'MWAIT exiting'],
  ['RDPMC_EXITING', 11, 'RDPMC exiting'],
  ['RDTSC_EXITING', 12, 'RDTSC exiting'],
  ['CR3_LOAD_EXITING', 15, 'CR3-load exiting'],
  ['CR3_STORE_EXITING', 16, 'CR3-store exiting'],
  ['ACTIVATE_TERTIARY_CONTROLS', 17, 'activate tertiary controls'],
  ['CR8_LOAD_EXITING', 19, 'CR8-load exiting'],
  ['CR8_STORE_EXITING', 20, 'CR8-store exiting'],
  ['USE_TPR_SHADOW', 21, 'use TPR shadow'],
  ['NMI_WINDOW_EXITING', 22, 'NMI-window exiting'],
  ['MOV_DR_EXITING', 23, 'MOV-DR exiting'],
  ['UNCONDITIONAL_IO_EXITING', 24, 'unconditional I/O exiting (ignored when I/O bitmaps are used)'],
  ['USE_IO_BITMAPS', 25, 'use I/O bitmaps'],
  ['MONITOR_TRAP_FLAG', 27, 'monitor trap flag'],
  ['USE_MSR_BITMAPS', 28, 'use MSR bitmaps'],
  ['MONITOR_EXITING', 29, 'MONITOR exiting'],
  ['PAUSE_EXITING', 30, 'PAUSE exiting'],
  ['ACTIVATE_SECONDARY_CONTROLS', 31, 'activate secondary controls'],
];

const secondary: readonly Row[] = [
  ['VIRTUALIZE_APIC_ACCESSES', 0, 'virtualize APIC accesses'],
  ['ENABLE_EPT', 1, 'enable EPT'],
  ['DESCRIPTOR_TABLE_EXITING', 2, 'descriptor-table exiting'],
  ['ENABLE_RDTSCP', 3, 'enable RDTSCP'],
  ['VIRTUALIZE_X2APIC_MODE', 4, 'virtualize x2APIC mode'],
  ['ENABLE_VPID', 5, 'enable VPID'],
  ['WBINVD_EXITING', 6, 'WBINVD exiting'],
  ['UNRESTRICTED_GUEST', 7, 'unrestricted guest'],
  ['APIC_REGISTER_VIRTUALIZATION', 8, 'APIC-register virtualization'],
  ['VIRTUAL_INTERRUPT_DELIVERY', 9, 'virtual-interrupt delivery'],
  ['PAUSE_LOOP_EXITING', 10, 'PAUSE-loop exiting'],
  ['RDRAND_EXITING', 11, 'RDRAND exiting'],
  ['ENABLE_INVPCID', 12, 'enable INVPCID'],
  ['ENABLE_VM_FUNCTIONS', 13, 'enable VM functions'],
  ['VMCS_SHADOWING', 14, 'VMCS shadowing'],
  ['ENCLS_EXITING', 15, 'ENCLS exiting'],
  ['RDSEED_EXITING', 16, 'RDSEED exiting'],
  ['ENABLE_PML', 17, 'enable PML'],
  ['EPT_VIOLATION_VE', 18, 'EPT-violation #VE'],
  ['CONCEAL_VMX_FROM_PT', 19, 'conceal VMX from PT'],
  ['ENABLE_XSAVES_XRSTORS', 20, 'enable XSAVES/XRSTORS'],
  ['MODE_BASED_EPT_EXECUTE', 22, 'mode-based execute control for EPT'],
  ['SUB_PAGE_WRITE_PERMISSIONS', 23, 'sub-page write permissions for EPT (Bochs only)', true],
  ['PT_USE_GUEST_PHYSICAL', 24, 'Intel PT uses guest-physical addresses'],
  ['USE_TSC_SCALING', 25, 'use TSC scaling'],
  ['ENABLE_USER_WAIT_PAUSE', 26, 'enable user wait and pause'],
  ['ENCLV_EXITING', 28, 'ENCLV exiting'],
  ['BUS_LOCK_DETECTION', 30, 'VMM bus-lock detection'],
  ['NOTIFY_VM_EXITING', 31, 'notify VM exiting (instruction timeout)'],
];

const exitControls: readonly Row[] = [
  ['SAVE_DEBUG_CONTROLS', 2, 'save debug controls (bit 2; an old Linux header said bit 1)'],
  ['HOST_ADDRESS_SPACE_SIZE', 9, 'host address-space size (64-bit host)'],
  ['LOAD_IA32_PERF_GLOBAL_CTRL', 12, 'load IA32_PERF_GLOBAL_CTRL'],
  ['ACK_INTERRUPT_ON_EXIT', 15, 'acknowledge interrupt on exit'],
  ['SAVE_IA32_PAT', 18, 'save IA32_PAT'],
  ['LOAD_IA32_PAT', 19, 'load IA32_PAT'],
  ['SAVE_IA32_EFER', 20, 'save IA32_EFER'],
  ['LOAD_IA32_EFER', 21, 'load IA32_EFER'],
  ['SAVE_PREEMPTION_TIMER', 22, 'save VMX-preemption-timer value'],
  ['CLEAR_IA32_BNDCFGS', 23, 'clear IA32_BNDCFGS'],
  ['CONCEAL_VMX_FROM_PT', 24, 'conceal VMX from PT'],
  ['CLEAR_IA32_RTIT_CTL', 25, 'clear IA32_RTIT_CTL'],
  ['LOAD_CET_STATE', 28, 'load host CET state'],
  ['ACTIVATE_SECONDARY_CONTROLS', 31, 'activate secondary VM-exit controls (Bochs only)', true],
];

const entryControls: readonly Row[] = [
  ['LOAD_DEBUG_CONTROLS', 2, 'load debug controls (DR7, IA32_DEBUGCTL)'],
  ['IA32E_MODE_GUEST', 9, 'IA-32e mode guest'],
  ['TO_SMM', 10, 'entry to SMM'],
  ['DEACTIVATE_DUAL_MONITOR', 11, 'deactivate dual-monitor treatment'],
  ['LOAD_IA32_PERF_GLOBAL_CTRL', 13, 'load IA32_PERF_GLOBAL_CTRL'],
  ['LOAD_IA32_PAT', 14, 'load IA32_PAT'],
  ['LOAD_IA32_EFER', 15, 'load IA32_EFER'],
  ['LOAD_IA32_BNDCFGS', 16, 'load IA32_BNDCFGS'],
  ['CONCEAL_VMX_FROM_PT', 17, 'conceal VMX from PT'],
  ['LOAD_IA32_RTIT_CTL', 18, 'load IA32_RTIT_CTL'],
  ['LOAD_CET_STATE', 20, 'load guest CET state'],
];

const kind = 'control-default1';

export const vmxControlGroups: readonly VmxConstantGroup[] = [
  { title: 'Pin-based VM-execution controls (VMCS_PIN_BASED_VM_EXEC_CONTROL)', source: '§2.1', constants: bits('pin-based-control', 'PIN_', pinBased) },
  { title: 'Primary processor-based VM-execution controls (VMCS_CPU_BASED_VM_EXEC_CONTROL)', source: '§2.2', constants: bits('primary-processor-based-control', 'CPU_', primary) },
  { title: 'Secondary processor-based VM-execution controls (VMCS_SECONDARY_VM_EXEC_CONTROL)', source: '§2.3', constants: bits('secondary-processor-based-control', 'CPU2_', secondary) },
  { title: 'VM-exit controls (VMCS_VM_EXIT_CONTROLS)', source: '§2.4', constants: bits('vm-exit-control', 'EXIT_', exitControls) },
  { title: 'VM-entry controls (VMCS_VM_ENTRY_CONTROLS)', source: '§2.5', constants: bits('vm-entry-control', 'ENTRY_', entryControls) },
  {
    title: 'Default-1 control bits (must be 1 unless the TRUE_* MSR allows 0)',
    source: '§1.4',
    constants: [
      constant(kind, 'VMX_PIN_BASED_DEFAULT1', 0x00000016, 'pin-based controls that must be 1'),
      constant(kind, 'VMX_PROC_BASED_DEFAULT1', 0x0401e172, 'primary processor-based controls that must be 1'),
      constant(kind, 'VMX_TRUE_PROC_BASED_DEFAULT1', 0x04006172, 'with TRUE MSRs: CR3-load/store exiting become optional'),
      constant(kind, 'VMX_EXIT_DEFAULT1', 0x00036dff, 'VM-exit controls that must be 1'),
      constant(kind, 'VMX_TRUE_EXIT_DEFAULT1', 0x00036dfb, 'VM-exit controls that must be 1 (TRUE MSR)'),
      constant(kind, 'VMX_ENTRY_DEFAULT1', 0x000011ff, 'VM-entry controls that must be 1'),
      constant(kind, 'VMX_TRUE_ENTRY_DEFAULT1', 0x000011fb, 'VM-entry controls that must be 1 (TRUE MSR)'),
    ],
  },
];
