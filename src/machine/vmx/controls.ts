/**
 * Named bits of the VM-execution, VM-exit and VM-entry controls (fact sheet §2), and
 * `Controls`: one boolean accessor per bit, decoded once per VM entry so exit checks on
 * the hot path are property reads (like Bochs' vmx_ctrls.h).
 */

export const Pin = {
  externalInterruptExiting: 1 << 0,
  nmiExiting: 1 << 3,
  virtualNmis: 1 << 5,
  activatePreemptionTimer: 1 << 6,
  processPostedInterrupts: 1 << 7,
} as const;

export const Primary = {
  interruptWindowExiting: 1 << 2,
  useTscOffsetting: 1 << 3,
  hltExiting: 1 << 7,
  invlpgExiting: 1 << 9,
  mwaitExiting: 1 << 10,
  rdpmcExiting: 1 << 11,
  rdtscExiting: 1 << 12,
  cr3LoadExiting: 1 << 15,
  cr3StoreExiting: 1 << 16,
  activateTertiaryControls: 1 << 17,
  cr8LoadExiting: 1 << 19,
  cr8StoreExiting: 1 << 20,
  useTprShadow: 1 << 21,
  nmiWindowExiting: 1 << 22,
  movDrExiting: 1 << 23,
  unconditionalIoExiting: 1 << 24,
  useIoBitmaps: 1 << 25,
  monitorTrapFlag: 1 << 27,
  useMsrBitmaps: 1 << 28,
  monitorExiting: 1 << 29,
  pauseExiting: 1 << 30,
  activateSecondaryControls: 2 ** 31,
} as const;

export const Secondary = {
  virtualizeApicAccesses: 1 << 0,
  enableEpt: 1 << 1,
  descriptorTableExiting: 1 << 2,
  enableRdtscp: 1 << 3,
  virtualizeX2apicMode: 1 << 4,
  enableVpid: 1 << 5,
  wbinvdExiting: 1 << 6,
  unrestrictedGuest: 1 << 7,
  apicRegisterVirtualization: 1 << 8,
  virtualInterruptDelivery: 1 << 9,
  pauseLoopExiting: 1 << 10,
  rdrandExiting: 1 << 11,
  enableInvpcid: 1 << 12,
  enableVmFunctions: 1 << 13,
  vmcsShadowing: 1 << 14,
  enclsExiting: 1 << 15,
  rdseedExiting: 1 << 16,
  enablePml: 1 << 17,
  eptViolationVe: 1 << 18,
  concealVmxFromPt: 1 << 19,
  enableXsaves: 1 << 20,
  modeBasedExecuteControl: 1 << 22,
  subPageWritePermissions: 1 << 23,
  ptUsesGuestPhysical: 1 << 24,
  useTscScaling: 1 << 25,
  enableUserWaitPause: 1 << 26,
  enclvExiting: 1 << 28,
  busLockDetection: 1 << 30,
  notifyVmExiting: 2 ** 31,
} as const;

export const ExitCtl = {
  saveDebugControls: 1 << 2,
  hostAddressSpaceSize: 1 << 9,
  loadPerfGlobalCtrl: 1 << 12,
  acknowledgeInterruptOnExit: 1 << 15,
  savePat: 1 << 18,
  loadPat: 1 << 19,
  saveEfer: 1 << 20,
  loadEfer: 1 << 21,
  savePreemptionTimer: 1 << 22,
  clearBndcfgs: 1 << 23,
  concealVmxFromPt: 1 << 24,
  clearRtitCtl: 1 << 25,
  loadCetState: 1 << 28,
  activateSecondaryExitControls: 2 ** 31,
} as const;

export const EntryCtl = {
  loadDebugControls: 1 << 2,
  ia32eModeGuest: 1 << 9,
  entryToSmm: 1 << 10,
  deactivateDualMonitor: 1 << 11,
  loadPerfGlobalCtrl: 1 << 13,
  loadPat: 1 << 14,
  loadEfer: 1 << 15,
  loadBndcfgs: 1 << 16,
  concealVmxFromPt: 1 << 17,
  loadRtitCtl: 1 << 18,
  loadCetState: 1 << 20,
} as const;

export type Accessors<T> = { readonly [K in keyof T]: boolean };

/** One boolean per named bit of `table` in `value`. */
export function decodeBits<T extends Record<string, number>>(table: T, value: number): Accessors<T> {
  const out: Record<string, boolean> = {};
  for (const [name, bit] of Object.entries(table)) out[name] = (value & bit) !== 0; // bit 31: both sides convert to int32
  return out as Accessors<T>;
}

/** Names of the bits set in `value`, for the debugger (unnamed bits as "bit n"). */
export function bitNames(table: Record<string, number>, value: number): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    if (((value >>> bit) & 1) === 0) continue;
    const entry = Object.entries(table).find(([, mask]) => mask === 2 ** bit);
    names.push(entry ? entry[0] : `bit ${bit}`);
  }
  return names;
}

/** The five control words of a VMCS, decoded. Secondary controls read as 0 unless activated (fact sheet §2.3). */
export class Controls {
  readonly pin: Accessors<typeof Pin>;
  readonly primary: Accessors<typeof Primary>;
  readonly secondary: Accessors<typeof Secondary>;
  readonly exit: Accessors<typeof ExitCtl>;
  readonly entry: Accessors<typeof EntryCtl>;

  constructor(
    readonly pinValue: number,
    readonly primaryValue: number,
    readonly secondaryRaw: number,
    readonly exitValue: number,
    readonly entryValue: number,
  ) {
    this.pin = decodeBits(Pin, pinValue);
    this.primary = decodeBits(Primary, primaryValue);
    this.secondary = decodeBits(Secondary, this.secondaryValue);
    this.exit = decodeBits(ExitCtl, exitValue);
    this.entry = decodeBits(EntryCtl, entryValue);
  }

  /** Secondary controls as the processor honours them. */
  get secondaryValue(): number {
    return this.primaryValue >>> 31 === 1 ? this.secondaryRaw >>> 0 : 0;
  }
}
