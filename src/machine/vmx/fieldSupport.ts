/**
 * VMCS fields that exist only on processors supporting the 1-setting of a VM-execution
 * control (SDM Vol. 3D Appendix B footnotes): when the capability MSRs report that control
 * as fixed to 0, VMREAD and VMWRITE of the field fail with VMfailValid(12) "unsupported VMCS
 * component" (SDM 31.3 VMREAD/VMWRITE), as on Bochs. capabilities.ts applies this table to
 * its allowed-1 settings (`fieldExists`, IA32_VMX_VMCS_ENUM).
 */
import { Pin, Primary, Secondary } from './controls';
import { F } from './fields';

/** Secondary control bit 31, "notify VM exiting" (not in controls.ts: never advertised). */
const NOTIFY_VM_EXITING = 2 ** 31;

type Group = 'pin' | 'primary' | 'secondary';

/** Field → the control whose 1-setting makes it exist. */
const FEATURE_OF: ReadonlyArray<[number[], Group, number]> = [
  [[F.POSTED_INTR_NV, F.POSTED_INTR_DESC_ADDR], 'pin', Pin.processPostedInterrupts],
  [[F.VIRTUAL_APIC_PAGE_ADDR, F.TPR_THRESHOLD], 'primary', Primary.useTprShadow],
  [[F.TERTIARY_VM_EXEC_CONTROL], 'primary', Primary.activateTertiaryControls],
  [[F.APIC_ACCESS_ADDR], 'secondary', Secondary.virtualizeApicAccesses],
  [[F.EOI_EXIT_BITMAP0, F.EOI_EXIT_BITMAP1, F.EOI_EXIT_BITMAP2, F.EOI_EXIT_BITMAP3, F.GUEST_INTR_STATUS], 'secondary', Secondary.virtualInterruptDelivery],
  [[F.PLE_GAP, F.PLE_WINDOW], 'secondary', Secondary.pauseLoopExiting],
  [[F.VM_FUNCTION_CONTROL, F.EPTP_LIST_ADDRESS], 'secondary', Secondary.enableVmFunctions],
  [[F.VMREAD_BITMAP, F.VMWRITE_BITMAP], 'secondary', Secondary.vmcsShadowing],
  [[F.PML_ADDRESS, F.GUEST_PML_INDEX], 'secondary', Secondary.enablePml],
  [[F.EPTP_INDEX, F.VE_INFO_ADDRESS], 'secondary', Secondary.eptViolationVe],
  [[F.XSS_EXIT_BITMAP], 'secondary', Secondary.enableXsaves],
  [[F.TSC_MULTIPLIER], 'secondary', Secondary.useTscScaling],
  [[F.NOTIFY_WINDOW], 'secondary', NOTIFY_VM_EXITING],
];

/** Encodings of the fields whose control may not be 1 (`mayBeOne`: the allowed-1 settings). */
export function absentFields(mayBeOne: Readonly<Record<Group, number>>): ReadonlySet<number> {
  return new Set(FEATURE_OF.filter(([, group, bit]) => ((mayBeOne[group] / bit) & 1) === 0).flatMap(([fields]) => fields));
}
