// EPT paging-structure entry bits, EPTP fields and the EPT-violation exit qualification
// (x86-virtualization-facts.md §6.1, §6.2, §4.5). Bits the sheet takes from Bochs alone are
// single-source; EPTP bit 7 is Bochs-only too (KVM treats bits 11:7 as reserved, §11.8).
import { bitConstant, constant, type VmxConstant, type VmxConstantGroup } from './vmxTypes';

const entry = 'ept-entry';
const bochs = { confidence: 'single-source' } as const;
/** Bits 51:12: physical address of the next table or the page (bits ≥ MAXPHYADDR must be 0). */
const ADDRESS_MASK = 0x000ffffffffff000n;

const entryBits: readonly VmxConstant[] = [
  bitConstant(entry, 'EPT_READ', 0, 'read access'),
  bitConstant(entry, 'EPT_WRITE', 1, 'write access'),
  bitConstant(entry, 'EPT_EXECUTE', 2, 'execute access (supervisor-mode with MBEC)'),
  constant(entry, 'EPT_RWX', 7, 'read, write and execute'),
  constant(entry, 'EPT_MEMORY_TYPE_SHIFT', 3, 'leaf memory type, bits 5:3'),
  constant(entry, 'EPT_MEMORY_TYPE_MASK', 0x38, 'leaf memory type, bits 5:3 (0 in non-leaf entries)'),
  constant(entry, 'EPT_MEMORY_TYPE_UC', 0 << 3, 'leaf memory type uncacheable'),
  constant(entry, 'EPT_MEMORY_TYPE_WC', 1 << 3, 'leaf memory type write-combining'),
  constant(entry, 'EPT_MEMORY_TYPE_WT', 4 << 3, 'leaf memory type write-through'),
  constant(entry, 'EPT_MEMORY_TYPE_WP', 5 << 3, 'leaf memory type write-protected'),
  constant(entry, 'EPT_MEMORY_TYPE_WB', 6 << 3, 'leaf memory type write-back'),
  bitConstant(entry, 'EPT_IGNORE_PAT', 6, 'ignore PAT (leaf only)'),
  bitConstant(entry, 'EPT_PAGE_SIZE', 7, 'large page: 1 GiB in a PDPTE, 2 MiB in a PDE'),
  bitConstant(entry, 'EPT_ACCESSED', 8, 'accessed (when EPTP A/D is enabled)'),
  bitConstant(entry, 'EPT_DIRTY', 9, 'dirty, leaf only (when EPTP A/D is enabled)'),
  bitConstant(entry, 'EPT_USER_EXECUTE', 10, 'user-mode execute (MBEC only)'),
  constant(entry, 'EPT_ADDRESS_MASK', ADDRESS_MASK, 'physical address of next table or page, bits 51:12'),
  bitConstant(entry, 'EPT_VERIFY_GUEST_PAGING', 57, 'verify guest paging (HLAT)', bochs),
  bitConstant(entry, 'EPT_PAGING_WRITE_ACCESS', 58, 'paging-write access (HLAT)', bochs),
  bitConstant(entry, 'EPT_SUPERVISOR_SHADOW_STACK', 60, 'supervisor shadow-stack page', bochs),
  bitConstant(entry, 'EPT_SUB_PAGE_WRITE', 61, 'sub-page write permission', bochs),
  bitConstant(entry, 'EPT_SUPPRESS_VE', 63, 'suppress #VE'),
];

const eptp = 'eptp';
const eptpFields: readonly VmxConstant[] = [
  constant(eptp, 'EPTP_MEMORY_TYPE_UC', 0, 'paging-structure memory type uncacheable, bits 2:0'),
  constant(eptp, 'EPTP_MEMORY_TYPE_WB', 6, 'paging-structure memory type write-back, bits 2:0'),
  constant(eptp, 'EPTP_WALK_LENGTH_SHIFT', 3, 'page-walk length - 1, bits 5:3'),
  constant(eptp, 'EPTP_WALK_LENGTH_4', 3 << 3, '4-level page walk'),
  constant(eptp, 'EPTP_WALK_LENGTH_5', 4 << 3, '5-level page walk (if supported)'),
  bitConstant(eptp, 'EPTP_AD_ENABLE', 6, 'enable EPT accessed/dirty flags'),
  bitConstant(eptp, 'EPTP_SUPERVISOR_SHADOW_STACK', 7, 'supervisor shadow-stack control (KVM: reserved)', bochs),
  constant(eptp, 'EPTP_PML4_MASK', ADDRESS_MASK, 'PML4 physical address, bits 51:12'),
];

const violation = 'ept-violation-qualification';
const violationBits: readonly VmxConstant[] = [
  bitConstant(violation, 'EPT_VIOLATION_READ', 0, 'access was a data read'),
  bitConstant(violation, 'EPT_VIOLATION_WRITE', 1, 'access was a data write'),
  bitConstant(violation, 'EPT_VIOLATION_FETCH', 2, 'access was an instruction fetch'),
  bitConstant(violation, 'EPT_VIOLATION_READABLE', 3, 'GPA was readable'),
  bitConstant(violation, 'EPT_VIOLATION_WRITABLE', 4, 'GPA was writable'),
  bitConstant(violation, 'EPT_VIOLATION_EXECUTABLE', 5, 'GPA was executable'),
  bitConstant(violation, 'EPT_VIOLATION_USER_EXECUTABLE', 6, 'GPA was user-mode executable (MBEC)'),
  bitConstant(violation, 'EPT_VIOLATION_LINEAR_VALID', 7, 'guest-linear address field valid'),
  bitConstant(violation, 'EPT_VIOLATION_FINAL_TRANSLATION', 8, 'access to the final translation, not a guest paging entry'),
  bitConstant(violation, 'EPT_VIOLATION_USER_PAGE', 9, 'advanced info: guest page was user-mode'),
  bitConstant(violation, 'EPT_VIOLATION_WRITABLE_PAGE', 10, 'advanced info: guest page was writable'),
  bitConstant(violation, 'EPT_VIOLATION_EXECUTE_DISABLE_PAGE', 11, 'advanced info: guest page was execute-disable'),
  bitConstant(violation, 'EPT_VIOLATION_NMI_UNBLOCKING', 12, 'NMI unblocking due to IRET'),
  bitConstant(violation, 'EPT_VIOLATION_SHADOW_STACK', 13, 'shadow-stack access (CET)', bochs),
  bitConstant(violation, 'EPT_VIOLATION_SUPERVISOR_SHADOW_STACK_PAGE', 14, 'supervisor shadow-stack page (CET)', bochs),
];

export const eptGroups: readonly VmxConstantGroup[] = [
  { title: 'EPT paging-structure entry bits', source: '§6.1', constants: entryBits },
  { title: 'EPT pointer (VMCS_EPT_POINTER)', source: '§6.2', constants: eptpFields },
  { title: 'EPT-violation exit qualification (EXIT_REASON_EPT_VIOLATION)', source: '§4.5', constants: violationBits },
];
