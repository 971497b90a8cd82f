// Event injection and guest-state formats: interruption information (§3.3), guest
// interruptibility and activity state (§3.4), segment access rights (§1.3) from
// x86-virtualization-facts.md. AR bit 12 (AVL) is [U] there: unconfirmed by name.
import { bitConstant, constant, type VmxConstant, type VmxConstantGroup } from './vmxTypes';

const info = 'interruption-information';
const interruptionInformation: readonly VmxConstant[] = [
  constant(info, 'INTR_INFO_VECTOR_MASK', 0xff, 'vector, bits 7:0'),
  constant(info, 'INTR_INFO_TYPE_MASK', 0x700, 'event type, bits 10:8'),
  constant(info, 'INTR_TYPE_EXTERNAL_INTERRUPT', 0 << 8, 'type 0: external interrupt'),
  constant(info, 'INTR_TYPE_NMI', 2 << 8, 'type 2: NMI'),
  constant(info, 'INTR_TYPE_HARD_EXCEPTION', 3 << 8, 'type 3: hardware exception'),
  constant(info, 'INTR_TYPE_SOFT_INTERRUPT', 4 << 8, 'type 4: software interrupt (INT n)'),
  constant(info, 'INTR_TYPE_PRIV_SOFT_EXCEPTION', 5 << 8, 'type 5: privileged software exception (INT1)'),
  constant(info, 'INTR_TYPE_SOFT_EXCEPTION', 6 << 8, 'type 6: software exception (INT3/INTO)'),
  constant(info, 'INTR_TYPE_OTHER_EVENT', 7 << 8, 'type 7: other event (MTF)'),
  bitConstant(info, 'INTR_INFO_DELIVER_CODE', 11, 'deliver error code'),
  bitConstant(info, 'INTR_INFO_UNBLOCK_NMI', 12, 'NMI unblocking due to IRET (exit and IDT-vectoring only)'),
  constant(info, 'INTR_INFO_RESERVED_MASK', 0x7ffff000, 'reserved on VM entry, bits 30:12'),
  bitConstant(info, 'INTR_INFO_VALID', 31, 'valid'),
];

const blocking = 'guest-interruptibility';
const activity = 'guest-activity-state';
const interruptibilityAndActivity: readonly VmxConstant[] = [
  bitConstant(blocking, 'GUEST_INTR_STATE_STI', 0, 'blocking by STI'),
  bitConstant(blocking, 'GUEST_INTR_STATE_MOV_SS', 1, 'blocking by MOV SS'),
  bitConstant(blocking, 'GUEST_INTR_STATE_SMI', 2, 'blocking by SMI'),
  bitConstant(blocking, 'GUEST_INTR_STATE_NMI', 3, 'blocking by NMI'),
  bitConstant(blocking, 'GUEST_INTR_STATE_ENCLAVE', 4, 'enclave interruption'),
  constant(activity, 'GUEST_ACTIVITY_ACTIVE', 0, 'activity state: active'),
  constant(activity, 'GUEST_ACTIVITY_HLT', 1, 'activity state: HLT'),
  constant(activity, 'GUEST_ACTIVITY_SHUTDOWN', 2, 'activity state: shutdown'),
  constant(activity, 'GUEST_ACTIVITY_WAIT_SIPI', 3, 'activity state: wait-for-SIPI'),
];

const ar = 'segment-access-rights';
const accessRights: readonly VmxConstant[] = [
  constant(ar, 'VMX_AR_TYPE_MASK', 0x0f, 'segment type, bits 3:0'),
  bitConstant(ar, 'VMX_AR_S', 4, 'descriptor type: 1 code/data, 0 system'),
  constant(ar, 'VMX_AR_DPL_SHIFT', 5, 'DPL, bits 6:5'),
  constant(ar, 'VMX_AR_DPL_MASK', 0x60, 'DPL, bits 6:5'),
  bitConstant(ar, 'VMX_AR_P', 7, 'present'),
  bitConstant(ar, 'VMX_AR_AVL', 12, 'available for software (AVL)', { confidence: 'unconfirmed' }),
  bitConstant(ar, 'VMX_AR_L', 13, '64-bit code segment'),
  bitConstant(ar, 'VMX_AR_DB', 14, 'default operation size (D/B)'),
  bitConstant(ar, 'VMX_AR_G', 15, 'granularity'),
  bitConstant(ar, 'VMX_AR_UNUSABLE', 16, 'segment unusable'),
  constant(ar, 'VMX_AR_RESERVED_MASK', 0xfffe0f00, 'reserved bits, must be 0'),
];

export const eventStateGroups: readonly VmxConstantGroup[] = [
  { title: 'Interruption information (VM-entry, VM-exit and IDT-vectoring)', source: '§3.3', constants: interruptionInformation },
  { title: 'Guest interruptibility state and activity state', source: '§3.4', constants: interruptibilityAndActivity },
  { title: 'Segment access rights (VMCS_GUEST_*_AR_BYTES)', source: '§1.3', constants: accessRights },
];
