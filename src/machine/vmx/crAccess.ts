/**
 * Control-register accesses in non-root operation (SDM 26.1.3, 27.2.1; fact sheet
 * §4.1): when MOV CR, CLTS and LMSW exit, and the exit qualification
 * (3:0 CR number, 5:4 access type, 6 LMSW operand type, 11:8 GPR, 31:16 LMSW data).
 */
import { Cr0 } from '../paging/walker';
import type { InterceptInfo } from '../cpu/intercept';
import type { Controls } from './controls';
import { ExitReason } from './exitReasons';
import { F } from './fields';
import type { Vmcs } from './vmcs';
import type { ExitInfo } from './vmExit';

export const CrAccessType = { MovToCr: 0, MovFromCr: 1, Clts: 2, Lmsw: 3 } as const;

function exit(info: InterceptInfo, qualification: number, guestLinear?: number): ExitInfo {
  return { reason: ExitReason.CrAccess, qualification, instructionLength: info.length, guestLinear };
}

function qualificationOf(register: number, type: number, gpr: number): number {
  return (register & 0xf) | (type << 4) | ((gpr & 0xf) << 8);
}

/** MOV to CR0/CR3/CR4/CR8: the exit, or undefined when the write proceeds. */
export function movToCrExit(vmcs: Vmcs, controls: Controls, info: InterceptInfo): ExitInfo | undefined {
  const register = info.register ?? 0;
  const value = info.value ?? 0n;
  const q = exit(info, qualificationOf(register, CrAccessType.MovToCr, info.gpr ?? 0));
  switch (register) {
    case 0:
    case 4: {
      const mask = vmcs.get(register === 0 ? F.CR0_GUEST_HOST_MASK : F.CR4_GUEST_HOST_MASK);
      const shadow = vmcs.get(register === 0 ? F.CR0_READ_SHADOW : F.CR4_READ_SHADOW);
      return (value & mask) !== (shadow & mask) ? q : undefined;
    }
    case 3: {
      if (!controls.primary.cr3LoadExiting) return undefined;
      const count = vmcs.get32(F.CR3_TARGET_COUNT);
      for (let i = 0; i < count && i < 4; i++) if (vmcs.get(F.CR3_TARGET_VALUE0 + 2 * i) === value) return undefined;
      return q;
    }
    case 8:
      return controls.primary.cr8LoadExiting ? q : undefined;
    default:
      return undefined;
  }
}

/** MOV from CR3/CR8. */
export function movFromCrExit(controls: Controls, info: InterceptInfo): ExitInfo | undefined {
  const register = info.register ?? 0;
  const exits = (register === 3 && controls.primary.cr3StoreExiting) || (register === 8 && controls.primary.cr8StoreExiting);
  return exits ? exit(info, qualificationOf(register, CrAccessType.MovFromCr, info.gpr ?? 0)) : undefined;
}

/** CLTS exits when CR0.TS is host-owned and the read shadow has TS set. */
export function cltsExit(vmcs: Vmcs, info: InterceptInfo): ExitInfo | undefined {
  const owned = (vmcs.get32(F.CR0_GUEST_HOST_MASK) & Cr0.TS) !== 0;
  const shadowed = (vmcs.get32(F.CR0_READ_SHADOW) & Cr0.TS) !== 0;
  return owned && shadowed ? exit(info, qualificationOf(0, CrAccessType.Clts, 0)) : undefined;
}

/** LMSW exits when it would set a host-owned PE the shadow has clear, or change a host-owned MP/EM/TS. */
export function lmswExit(vmcs: Vmcs, info: InterceptInfo): ExitInfo | undefined {
  const mask = vmcs.get32(F.CR0_GUEST_HOST_MASK);
  const shadow = vmcs.get32(F.CR0_READ_SHADOW);
  const source = Number((info.value ?? 0n) & 0xffffn);
  const pe = mask & Cr0.PE && !(shadow & Cr0.PE) && source & Cr0.PE;
  const others = mask & 0xe & (shadow ^ source);
  if (!pe && !others) return undefined;
  const memory = info.memoryOperand === true;
  const qualification = qualificationOf(0, CrAccessType.Lmsw, 0) | (memory ? 0x40 : 0) | (source << 16);
  return exit(info, qualification >>> 0, memory ? info.linearAddress : undefined);
}
