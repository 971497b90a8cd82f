// VMX capability MSRs, IA32_FEATURE_CONTROL bits, IA32_VMX_EPT_VPID_CAP bits and the
// INVEPT/INVVPID types (x86-virtualization-facts.md §1.4, §6.2; all [C]).
import { bitConstant, constant, type VmxConstantGroup } from './vmxTypes';

type Row = readonly [name: string, value: number, description: string];

const msrs: readonly Row[] = [
  ['IA32_FEATURE_CONTROL', 0x03a, 'IA32_FEATURE_CONTROL (lock, VMX outside SMX)'],
  ['IA32_VMX_BASIC', 0x480, 'IA32_VMX_BASIC (revision ID, VMCS size, memory type)'],
  ['IA32_VMX_PINBASED_CTLS', 0x481, 'allowed pin-based controls'],
  ['IA32_VMX_PROCBASED_CTLS', 0x482, 'allowed primary processor-based controls'],
  ['IA32_VMX_EXIT_CTLS', 0x483, 'allowed VM-exit controls'],
  ['IA32_VMX_ENTRY_CTLS', 0x484, 'allowed VM-entry controls'],
  ['IA32_VMX_MISC', 0x485, 'IA32_VMX_MISC (preemption-timer rate, activity states, CR3 targets)'],
  ['IA32_VMX_CR0_FIXED0', 0x486, 'CR0 bits fixed to 1 in VMX operation'],
  ['IA32_VMX_CR0_FIXED1', 0x487, 'CR0 bits allowed to be 1 in VMX operation'],
  ['IA32_VMX_CR4_FIXED0', 0x488, 'CR4 bits fixed to 1 in VMX operation'],
  ['IA32_VMX_CR4_FIXED1', 0x489, 'CR4 bits allowed to be 1 in VMX operation'],
  ['IA32_VMX_VMCS_ENUM', 0x48a, 'highest VMCS field index'],
  ['IA32_VMX_PROCBASED_CTLS2', 0x48b, 'allowed secondary processor-based controls'],
  ['IA32_VMX_EPT_VPID_CAP', 0x48c, 'EPT and VPID capabilities'],
  ['IA32_VMX_TRUE_PINBASED_CTLS', 0x48d, 'allowed pin-based controls (TRUE)'],
  ['IA32_VMX_TRUE_PROCBASED_CTLS', 0x48e, 'allowed primary processor-based controls (TRUE)'],
  ['IA32_VMX_TRUE_EXIT_CTLS', 0x48f, 'allowed VM-exit controls (TRUE)'],
  ['IA32_VMX_TRUE_ENTRY_CTLS', 0x490, 'allowed VM-entry controls (TRUE)'],
  ['IA32_VMX_VMFUNC', 0x491, 'allowed VM functions'],
  ['IA32_VMX_PROCBASED_CTLS3', 0x492, 'allowed tertiary processor-based controls'],
  ['IA32_VMX_EXIT_CTLS2', 0x493, 'allowed secondary VM-exit controls'],
];

const eptVpidCap: readonly (readonly [name: string, bit: number, description: string])[] = [
  ['EXECUTE_ONLY', 0, 'execute-only EPT entries supported'],
  ['PAGE_WALK_4', 6, '4-level EPT page walk supported'],
  ['PAGE_WALK_5', 7, '5-level EPT page walk supported'],
  ['UC', 8, 'uncacheable EPTP memory type supported'],
  ['WB', 14, 'write-back EPTP memory type supported'],
  ['2MB_PAGE', 16, '2 MiB EPT pages supported'],
  ['1GB_PAGE', 17, '1 GiB EPT pages supported'],
  ['INVEPT', 20, 'INVEPT supported'],
  ['AD_BITS', 21, 'EPT accessed/dirty flags supported'],
  ['ADVANCED_VIOLATION_INFO', 22, 'advanced EPT-violation information'],
  ['INVEPT_SINGLE_CONTEXT', 25, 'INVEPT single-context type supported'],
  ['INVEPT_ALL_CONTEXT', 26, 'INVEPT all-context type supported'],
  ['INVVPID', 32, 'INVVPID supported'],
  ['INVVPID_INDIVIDUAL_ADDRESS', 40, 'INVVPID individual-address type supported'],
  ['INVVPID_SINGLE_CONTEXT', 41, 'INVVPID single-context type supported'],
  ['INVVPID_ALL_CONTEXT', 42, 'INVVPID all-context type supported'],
  ['INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS', 43, 'INVVPID single-context-retaining-globals type supported'],
];

export const vmxMsrGroups: readonly VmxConstantGroup[] = [
  { title: 'VMX MSRs (RDMSR/WRMSR index)', source: '§1.4', constants: msrs.map(([name, value, description]) => constant('vmx-msr', `MSR_${name}`, value, description)) },
  {
    title: 'IA32_FEATURE_CONTROL bits',
    source: '§1.4',
    constants: [
      bitConstant('feature-control-bit', 'FEATURE_CONTROL_LOCKED', 0, 'lock bit (WRMSR faults once set)'),
      bitConstant('feature-control-bit', 'FEATURE_CONTROL_VMX_OUTSIDE_SMX', 2, 'enable VMXON outside SMX operation'),
    ],
  },
  { title: 'IA32_VMX_EPT_VPID_CAP bits', source: '§6.2', constants: eptVpidCap.map(([name, bit, description]) => bitConstant('ept-vpid-capability', `VMX_EPT_VPID_CAP_${name}`, bit, description)) },
  {
    title: 'INVEPT and INVVPID types (register operand)',
    source: '§6.2',
    constants: [
      constant('invalidation-type', 'INVEPT_SINGLE_CONTEXT', 1, 'INVEPT type: single context'),
      constant('invalidation-type', 'INVEPT_GLOBAL', 2, 'INVEPT type: global (all contexts)'),
      constant('invalidation-type', 'INVVPID_INDIVIDUAL_ADDRESS', 0, 'INVVPID type: individual address'),
      constant('invalidation-type', 'INVVPID_SINGLE_CONTEXT', 1, 'INVVPID type: single context'),
      constant('invalidation-type', 'INVVPID_ALL_CONTEXTS', 2, 'INVVPID type: all contexts'),
      constant('invalidation-type', 'INVVPID_SINGLE_CONTEXT_RETAINING_GLOBALS', 3, 'INVVPID type: single context retaining globals'),
    ],
  },
];
