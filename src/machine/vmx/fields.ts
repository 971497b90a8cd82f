/**
 * Every VMCS field the simulator supports (fact sheet §1.2), with its width and type
 * decoded from the encoding (§1.1):
 *
 *   encoding: 31..15 reserved | 14..13 width | 12 reserved | 11..10 type | 9..1 index | 0 high access
 *   width: 0 = 16-bit, 1 = 64-bit, 2 = 32-bit, 3 = natural;  type: 0 control, 1 read-only data, 2 guest, 3 host
 */

export type FieldWidth = 16 | 32 | 64 | 'natural';
export type FieldType = 'control' | 'read-only' | 'guest' | 'host';

export interface VmcsField {
  readonly encoding: number;
  readonly name: string;
  readonly width: FieldWidth;
  readonly type: FieldType;
}

const WIDTHS: readonly FieldWidth[] = [16, 64, 32, 'natural'];
const TYPES: readonly FieldType[] = ['control', 'read-only', 'guest', 'host'];

/** Field encodings by name (fact sheet §1.2). */
export const F = {
  // 16-bit
  VPID: 0x0000,
  POSTED_INTR_NV: 0x0002,
  EPTP_INDEX: 0x0004,
  GUEST_ES_SELECTOR: 0x0800,
  GUEST_CS_SELECTOR: 0x0802,
  GUEST_SS_SELECTOR: 0x0804,
  GUEST_DS_SELECTOR: 0x0806,
  GUEST_FS_SELECTOR: 0x0808,
  GUEST_GS_SELECTOR: 0x080a,
  GUEST_LDTR_SELECTOR: 0x080c,
  GUEST_TR_SELECTOR: 0x080e,
  GUEST_INTR_STATUS: 0x0810,
  GUEST_PML_INDEX: 0x0812,
  HOST_ES_SELECTOR: 0x0c00,
  HOST_CS_SELECTOR: 0x0c02,
  HOST_SS_SELECTOR: 0x0c04,
  HOST_DS_SELECTOR: 0x0c06,
  HOST_FS_SELECTOR: 0x0c08,
  HOST_GS_SELECTOR: 0x0c0a,
  HOST_TR_SELECTOR: 0x0c0c,
  // 64-bit
  IO_BITMAP_A: 0x2000,
  IO_BITMAP_B: 0x2002,
  MSR_BITMAP: 0x2004,
  VM_EXIT_MSR_STORE_ADDR: 0x2006,
  VM_EXIT_MSR_LOAD_ADDR: 0x2008,
  VM_ENTRY_MSR_LOAD_ADDR: 0x200a,
  EXECUTIVE_VMCS_POINTER: 0x200c,
  PML_ADDRESS: 0x200e,
  TSC_OFFSET: 0x2010,
  VIRTUAL_APIC_PAGE_ADDR: 0x2012,
  APIC_ACCESS_ADDR: 0x2014,
  POSTED_INTR_DESC_ADDR: 0x2016,
  VM_FUNCTION_CONTROL: 0x2018,
  EPT_POINTER: 0x201a,
  EOI_EXIT_BITMAP0: 0x201c,
  EOI_EXIT_BITMAP1: 0x201e,
  EOI_EXIT_BITMAP2: 0x2020,
  EOI_EXIT_BITMAP3: 0x2022,
  EPTP_LIST_ADDRESS: 0x2024,
  VMREAD_BITMAP: 0x2026,
  VMWRITE_BITMAP: 0x2028,
  VE_INFO_ADDRESS: 0x202a,
  XSS_EXIT_BITMAP: 0x202c,
  TSC_MULTIPLIER: 0x2032,
  TERTIARY_VM_EXEC_CONTROL: 0x2034,
  GUEST_PHYSICAL_ADDRESS: 0x2400,
  VMCS_LINK_POINTER: 0x2800,
  GUEST_IA32_DEBUGCTL: 0x2802,
  GUEST_IA32_PAT: 0x2804,
  GUEST_IA32_EFER: 0x2806,
  GUEST_IA32_PERF_GLOBAL_CTRL: 0x2808,
  GUEST_PDPTE0: 0x280a,
  GUEST_PDPTE1: 0x280c,
  GUEST_PDPTE2: 0x280e,
  GUEST_PDPTE3: 0x2810,
  HOST_IA32_PAT: 0x2c00,
  HOST_IA32_EFER: 0x2c02,
  HOST_IA32_PERF_GLOBAL_CTRL: 0x2c04,
  // 32-bit
  PIN_BASED_VM_EXEC_CONTROL: 0x4000,
  CPU_BASED_VM_EXEC_CONTROL: 0x4002,
  EXCEPTION_BITMAP: 0x4004,
  PAGE_FAULT_ERROR_CODE_MASK: 0x4006,
  PAGE_FAULT_ERROR_CODE_MATCH: 0x4008,
  CR3_TARGET_COUNT: 0x400a,
  VM_EXIT_CONTROLS: 0x400c,
  VM_EXIT_MSR_STORE_COUNT: 0x400e,
  VM_EXIT_MSR_LOAD_COUNT: 0x4010,
  VM_ENTRY_CONTROLS: 0x4012,
  VM_ENTRY_MSR_LOAD_COUNT: 0x4014,
  VM_ENTRY_INTR_INFO: 0x4016,
  VM_ENTRY_EXCEPTION_ERROR_CODE: 0x4018,
  VM_ENTRY_INSTRUCTION_LEN: 0x401a,
  TPR_THRESHOLD: 0x401c,
  SECONDARY_VM_EXEC_CONTROL: 0x401e,
  PLE_GAP: 0x4020,
  PLE_WINDOW: 0x4022,
  NOTIFY_WINDOW: 0x4024,
  VM_INSTRUCTION_ERROR: 0x4400,
  VM_EXIT_REASON: 0x4402,
  VM_EXIT_INTR_INFO: 0x4404,
  VM_EXIT_INTR_ERROR_CODE: 0x4406,
  IDT_VECTORING_INFO: 0x4408,
  IDT_VECTORING_ERROR_CODE: 0x440a,
  VM_EXIT_INSTRUCTION_LEN: 0x440c,
  VMX_INSTRUCTION_INFO: 0x440e,
  GUEST_ES_LIMIT: 0x4800,
  GUEST_CS_LIMIT: 0x4802,
  GUEST_SS_LIMIT: 0x4804,
  GUEST_DS_LIMIT: 0x4806,
  GUEST_FS_LIMIT: 0x4808,
  GUEST_GS_LIMIT: 0x480a,
  GUEST_LDTR_LIMIT: 0x480c,
  GUEST_TR_LIMIT: 0x480e,
  GUEST_GDTR_LIMIT: 0x4810,
  GUEST_IDTR_LIMIT: 0x4812,
  GUEST_ES_AR: 0x4814,
  GUEST_CS_AR: 0x4816,
  GUEST_SS_AR: 0x4818,
  GUEST_DS_AR: 0x481a,
  GUEST_FS_AR: 0x481c,
  GUEST_GS_AR: 0x481e,
  GUEST_LDTR_AR: 0x4820,
  GUEST_TR_AR: 0x4822,
  GUEST_INTERRUPTIBILITY_INFO: 0x4824,
  GUEST_ACTIVITY_STATE: 0x4826,
  GUEST_SMBASE: 0x4828,
  GUEST_SYSENTER_CS: 0x482a,
  VMX_PREEMPTION_TIMER_VALUE: 0x482e,
  HOST_IA32_SYSENTER_CS: 0x4c00,
  // natural width
  CR0_GUEST_HOST_MASK: 0x6000,
  CR4_GUEST_HOST_MASK: 0x6002,
  CR0_READ_SHADOW: 0x6004,
  CR4_READ_SHADOW: 0x6006,
  CR3_TARGET_VALUE0: 0x6008,
  CR3_TARGET_VALUE1: 0x600a,
  CR3_TARGET_VALUE2: 0x600c,
  CR3_TARGET_VALUE3: 0x600e,
  EXIT_QUALIFICATION: 0x6400,
  IO_RCX: 0x6402,
  IO_RSI: 0x6404,
  IO_RDI: 0x6406,
  IO_RIP: 0x6408,
  GUEST_LINEAR_ADDRESS: 0x640a,
  GUEST_CR0: 0x6800,
  GUEST_CR3: 0x6802,
  GUEST_CR4: 0x6804,
  GUEST_ES_BASE: 0x6806,
  GUEST_CS_BASE: 0x6808,
  GUEST_SS_BASE: 0x680a,
  GUEST_DS_BASE: 0x680c,
  GUEST_FS_BASE: 0x680e,
  GUEST_GS_BASE: 0x6810,
  GUEST_LDTR_BASE: 0x6812,
  GUEST_TR_BASE: 0x6814,
  GUEST_GDTR_BASE: 0x6816,
  GUEST_IDTR_BASE: 0x6818,
  GUEST_DR7: 0x681a,
  GUEST_RSP: 0x681c,
  GUEST_RIP: 0x681e,
  GUEST_RFLAGS: 0x6820,
  GUEST_PENDING_DBG_EXCEPTIONS: 0x6822,
  GUEST_SYSENTER_ESP: 0x6824,
  GUEST_SYSENTER_EIP: 0x6826,
  HOST_CR0: 0x6c00,
  HOST_CR3: 0x6c02,
  HOST_CR4: 0x6c04,
  HOST_FS_BASE: 0x6c06,
  HOST_GS_BASE: 0x6c08,
  HOST_TR_BASE: 0x6c0a,
  HOST_GDTR_BASE: 0x6c0c,
  HOST_IDTR_BASE: 0x6c0e,
  HOST_IA32_SYSENTER_ESP: 0x6c10,
  HOST_IA32_SYSENTER_EIP: 0x6c12,
  HOST_RSP: 0x6c14,
  HOST_RIP: 0x6c16,
} as const;

export type FieldName = keyof typeof F;

export function widthOf(encoding: number): FieldWidth {
  return WIDTHS[(encoding >>> 13) & 3]!;
}

export function typeOf(encoding: number): FieldType {
  return TYPES[(encoding >>> 10) & 3]!;
}

/** The field table, keyed by (full-access) encoding. */
export const VMCS_FIELDS: ReadonlyMap<number, VmcsField> = new Map(
  (Object.entries(F) as [string, number][]).map(([name, encoding]) => [encoding, { encoding, name, width: widthOf(encoding), type: typeOf(encoding) }]),
);

/** Highest field index (bits 9:1) of any supported field, for IA32_VMX_VMCS_ENUM. */
export const HIGHEST_FIELD_INDEX = Math.max(...[...VMCS_FIELDS.keys()].map((e) => (e >>> 1) & 0x1ff));

/**
 * Resolves an encoding as VMREAD/VMWRITE see it: the field and whether the access is
 * the high dword of a 64-bit field. Undefined for reserved bits, unknown fields, or a
 * high access to a field that is not 64 bits wide (VMfailValid 12).
 */
export function resolveEncoding(encoding: number): { field: VmcsField; high: boolean } | undefined {
  if (encoding < 0 || encoding > 0xffffffff || (encoding & 0xffff9000) !== 0) return undefined;
  const high = (encoding & 1) === 1;
  const field = VMCS_FIELDS.get(encoding & ~1);
  if (field === undefined || (high && field.width !== 64)) return undefined;
  return { field, high };
}

export function fieldName(encoding: number): string {
  return VMCS_FIELDS.get(encoding & ~1)?.name ?? `field 0x${encoding.toString(16)}`;
}
