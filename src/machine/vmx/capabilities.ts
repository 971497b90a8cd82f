/**
 * The simulated CPU's VMX capability MSRs 0x480–0x491 (fact sheet §1.4, §6.2): one
 * coherent model with EPT (4-level, 2 MiB/1 GiB pages, A/D, execute-only), VPID,
 * unrestricted guest and the preemption timer. A control MSR's low dword is allowed-0
 * (bits that must be 1), its high dword allowed-1 (bits that may be 1). The TRUE_*
 * MSRs are the ones VM entry checks against (IA32_VMX_BASIC bit 55 = 1).
 */
import { EntryCtl, ExitCtl, Pin, Primary, Secondary } from './controls';
import { VMCS_FIELDS } from './fields';
import { absentFields } from './fieldSupport';

export const VmxMsr = {
  BASIC: 0x480,
  PINBASED_CTLS: 0x481,
  PROCBASED_CTLS: 0x482,
  EXIT_CTLS: 0x483,
  ENTRY_CTLS: 0x484,
  MISC: 0x485,
  CR0_FIXED0: 0x486,
  CR0_FIXED1: 0x487,
  CR4_FIXED0: 0x488,
  CR4_FIXED1: 0x489,
  VMCS_ENUM: 0x48a,
  PROCBASED_CTLS2: 0x48b,
  EPT_VPID_CAP: 0x48c,
  TRUE_PINBASED_CTLS: 0x48d,
  TRUE_PROCBASED_CTLS: 0x48e,
  TRUE_EXIT_CTLS: 0x48f,
  TRUE_ENTRY_CTLS: 0x490,
  VMFUNC: 0x491,
} as const;

/** VMCS revision identifier of this model (bits 30:0 of IA32_VMX_BASIC and of every VMCS region). */
export const VMCS_REVISION_ID = 0x48535631; // "HSV1"
/** MAXPHYADDR of the model (also the page walker's). */
export const MAX_PHYSICAL_ADDRESS_BITS = 46;

/** A control word's capability: bits that must be 1 and bits that may be 1. */
export interface ControlCapability {
  readonly mustBeOne: number;
  readonly mayBeOne: number;
}

function capability(mustBeOne: number, supported: number): ControlCapability {
  return { mustBeOne: mustBeOne >>> 0, mayBeOne: (mustBeOne | supported) >>> 0 };
}

function sum(...bits: number[]): number {
  return bits.reduce((a, b) => a + b, 0);
}

// Default-1 values from the fact sheet §1.4 (identical in Linux and Bochs).
const PIN_DEFAULT1 = 0x16;
const PRIMARY_DEFAULT1 = 0x0401e172;
const PRIMARY_TRUE_DEFAULT1 = 0x04006172;
const EXIT_DEFAULT1 = 0x00036dff;
const EXIT_TRUE_DEFAULT1 = 0x00036dfb;
const ENTRY_DEFAULT1 = 0x000011ff;
const ENTRY_TRUE_DEFAULT1 = 0x000011fb;

const PIN_SUPPORTED = Pin.externalInterruptExiting | Pin.nmiExiting | Pin.virtualNmis | Pin.activatePreemptionTimer;
const PRIMARY_SUPPORTED = sum(
  Primary.interruptWindowExiting, Primary.useTscOffsetting, Primary.hltExiting, Primary.invlpgExiting, Primary.mwaitExiting,
  Primary.rdpmcExiting, Primary.rdtscExiting, Primary.cr3LoadExiting, Primary.cr3StoreExiting, Primary.cr8LoadExiting,
  Primary.cr8StoreExiting, Primary.nmiWindowExiting, Primary.movDrExiting, Primary.unconditionalIoExiting, Primary.useIoBitmaps,
  Primary.monitorTrapFlag, Primary.useMsrBitmaps, Primary.monitorExiting, Primary.pauseExiting, Primary.activateSecondaryControls,
);
const SECONDARY_SUPPORTED = Secondary.enableEpt | Secondary.descriptorTableExiting | Secondary.enableRdtscp | Secondary.enableVpid | Secondary.wbinvdExiting | Secondary.unrestrictedGuest;
const EXIT_SUPPORTED = sum(
  ExitCtl.saveDebugControls, ExitCtl.hostAddressSpaceSize, ExitCtl.acknowledgeInterruptOnExit, ExitCtl.savePat, ExitCtl.loadPat,
  ExitCtl.saveEfer, ExitCtl.loadEfer, ExitCtl.savePreemptionTimer,
);
const ENTRY_SUPPORTED = EntryCtl.loadDebugControls | EntryCtl.ia32eModeGuest | EntryCtl.loadPat | EntryCtl.loadEfer;

/** What VM entry checks control fields against (the TRUE_* MSRs). */
export const TrueControls = {
  pin: capability(PIN_DEFAULT1, PIN_SUPPORTED),
  primary: capability(PRIMARY_TRUE_DEFAULT1, PRIMARY_SUPPORTED | PRIMARY_DEFAULT1),
  secondary: capability(0, SECONDARY_SUPPORTED),
  exit: capability(EXIT_TRUE_DEFAULT1, EXIT_SUPPORTED | EXIT_DEFAULT1),
  entry: capability(ENTRY_TRUE_DEFAULT1, ENTRY_SUPPORTED | ENTRY_DEFAULT1),
} as const;

const ABSENT_FIELDS = absentFields({ pin: TrueControls.pin.mayBeOne, primary: TrueControls.primary.mayBeOne, secondary: TrueControls.secondary.mayBeOne });

/** Whether the field with this (full-access) encoding exists on our CPU model (fieldSupport.ts). */
export function fieldExists(encoding: number): boolean {
  return !ABSENT_FIELDS.has(encoding);
}

/** Highest index (bits 9:1) of a field that exists, for IA32_VMX_VMCS_ENUM (SDM A.9). */
const HIGHEST_EXISTING_INDEX = Math.max(...[...VMCS_FIELDS.keys()].filter(fieldExists).map((e) => (e >>> 1) & 0x1ff));

/** Whether `value` respects a capability: `(V & must) == must && (V & ~may) == 0`. */
export function controlAllowed(value: number, cap: ControlCapability): boolean {
  return ((value & cap.mustBeOne) >>> 0) === cap.mustBeOne && ((value & ~cap.mayBeOne) >>> 0) === 0;
}

export const Cr0Fixed = { fixed0: 0x80000021, fixed1: 0xffffffff } as const;
/** CR4 bits the CPU implements (execute/controlRegs.ts CR4_SUPPORTED): VME..OSXMMEXCPT and VMXE. */
export const Cr4Fixed = { fixed0: 0x2000, fixed1: 0x000027ff } as const;

export const MiscInfo = {
  /** The preemption timer counts down by 1 every 2^rate TSC ticks. */
  preemptionTimerRate: 5,
  storesLma: true,
  /** Activity states supported besides active (0): HLT (1). */
  activityHlt: true,
  cr3TargetCount: 4,
  /** Maximum MSR-list entries: (n + 1) * 512 with n = 0. */
  maxMsrListEntries: 512,
} as const;

/** IA32_VMX_EPT_VPID_CAP bits (fact sheet §6.2). */
export const EptCap = {
  executeOnly: 1n << 0n,
  walkLength4: 1n << 6n,
  uncacheable: 1n << 8n,
  writeBack: 1n << 14n,
  pages2M: 1n << 16n,
  pages1G: 1n << 17n,
  invept: 1n << 20n,
  accessedDirty: 1n << 21n,
  inveptSingleContext: 1n << 25n,
  inveptAllContext: 1n << 26n,
  invvpid: 1n << 32n,
  invvpidIndividualAddress: 1n << 40n,
  invvpidSingleContext: 1n << 41n,
  invvpidAllContext: 1n << 42n,
  invvpidSingleContextRetainingGlobals: 1n << 43n,
} as const;

const EPT_VPID_CAP = Object.values(EptCap).reduce((a, b) => a | b, 0n);

function controlMsr(cap: ControlCapability): bigint {
  return (BigInt(cap.mayBeOne) << 32n) | BigInt(cap.mustBeOne);
}

const BASIC =
  BigInt(VMCS_REVISION_ID) |
  (4096n << 32n) | // VMCS region size
  (6n << 50n) | // write-back VMCS memory type
  (1n << 54n) | // INS/OUTS exits report instruction information (address size, segment)
  (1n << 55n); // TRUE_* controls exist

const MISC =
  BigInt(MiscInfo.preemptionTimerRate) |
  (1n << 5n) | // exits store EFER.LMA into "IA-32e mode guest"
  (1n << 6n) | // HLT activity state
  (BigInt(MiscInfo.cr3TargetCount) << 16n);

/** Every capability MSR's value by index. */
export const VMX_CAPABILITY_MSRS: ReadonlyMap<number, bigint> = new Map<number, bigint>([
  [VmxMsr.BASIC, BASIC],
  [VmxMsr.PINBASED_CTLS, controlMsr(capability(PIN_DEFAULT1, PIN_SUPPORTED))],
  [VmxMsr.PROCBASED_CTLS, controlMsr(capability(PRIMARY_DEFAULT1, PRIMARY_SUPPORTED))],
  [VmxMsr.EXIT_CTLS, controlMsr(capability(EXIT_DEFAULT1, EXIT_SUPPORTED))],
  [VmxMsr.ENTRY_CTLS, controlMsr(capability(ENTRY_DEFAULT1, ENTRY_SUPPORTED))],
  [VmxMsr.MISC, MISC],
  [VmxMsr.CR0_FIXED0, BigInt(Cr0Fixed.fixed0)],
  [VmxMsr.CR0_FIXED1, BigInt(Cr0Fixed.fixed1)],
  [VmxMsr.CR4_FIXED0, BigInt(Cr4Fixed.fixed0)],
  [VmxMsr.CR4_FIXED1, BigInt(Cr4Fixed.fixed1)],
  [VmxMsr.VMCS_ENUM, BigInt(HIGHEST_EXISTING_INDEX << 1)],
  [VmxMsr.PROCBASED_CTLS2, controlMsr(TrueControls.secondary)],
  [VmxMsr.EPT_VPID_CAP, EPT_VPID_CAP],
  [VmxMsr.TRUE_PINBASED_CTLS, controlMsr(TrueControls.pin)],
  [VmxMsr.TRUE_PROCBASED_CTLS, controlMsr(TrueControls.primary)],
  [VmxMsr.TRUE_EXIT_CTLS, controlMsr(TrueControls.exit)],
  [VmxMsr.TRUE_ENTRY_CTLS, controlMsr(TrueControls.entry)],
  [VmxMsr.VMFUNC, 0n],
]);

/** Whether a 64-bit CR value honours FIXED0 (must be 1) and FIXED1 (may be 1; bits 63:32 are 0 in both FIXED1 MSRs). */
export function honoursFixed(value: bigint, fixed: { fixed0: number; fixed1: number }): boolean {
  if (value >> 32n !== 0n) return false;
  const low = Number(value);
  return ((low & fixed.fixed0) >>> 0) === fixed.fixed0 >>> 0 && ((low & ~fixed.fixed1) >>> 0) === 0;
}
