/**
 * `NonRootHooks` for a guest: decides, from the controls decoded at VM entry, whether
 * an instruction exits (SDM 26.1), and throws the `VmExit` signal with its
 * qualification. Unconditional exits: CPUID, GETSEC, INVD, XSETBV, VMX instructions.
 */
import { Mnemonic } from 'iced-x86';
import { ud } from '../cpu/fault';
import { Attention } from '../cpu/cpu';
import { Intercept, type InterceptInfo, type NmiMode, type NonRootHooks } from '../cpu/intercept';
import { cltsExit, lmswExit, movFromCrExit, movToCrExit } from './crAccess';
import { ExitReason } from './exitReasons';
import { F } from './fields';
import { descriptorTableExit } from './instructionInfo';
import { ioExit } from './ioExit';
import { msrExits } from './msrExit';
import { VmExit, type ExitInfo } from './vmExit';
import type { VmxUnit } from './vmxUnit';
import type { Controls } from './controls';

/** LGDT-class instruction identity (bits 29:28 of the instruction information). */
const DESCRIPTOR_TABLE: Readonly<Record<number, { reason: number; identity: number }>> = {
  [Mnemonic.Sgdt]: { reason: ExitReason.GdtrIdtrAccess, identity: 0 },
  [Mnemonic.Sidt]: { reason: ExitReason.GdtrIdtrAccess, identity: 1 },
  [Mnemonic.Lgdt]: { reason: ExitReason.GdtrIdtrAccess, identity: 2 },
  [Mnemonic.Lidt]: { reason: ExitReason.GdtrIdtrAccess, identity: 3 },
  [Mnemonic.Sldt]: { reason: ExitReason.LdtrTrAccess, identity: 0 },
  [Mnemonic.Str]: { reason: ExitReason.LdtrTrAccess, identity: 1 },
  [Mnemonic.Lldt]: { reason: ExitReason.LdtrTrAccess, identity: 2 },
  [Mnemonic.Ltr]: { reason: ExitReason.LdtrTrAccess, identity: 3 },
};

const VMX_MNEMONICS: Readonly<Record<number, number>> = {
  [Mnemonic.Vmcall]: ExitReason.Vmcall,
  [Mnemonic.Vmclear]: ExitReason.Vmclear,
  [Mnemonic.Vmlaunch]: ExitReason.Vmlaunch,
  [Mnemonic.Vmptrld]: ExitReason.Vmptrld,
  [Mnemonic.Vmptrst]: ExitReason.Vmptrst,
  [Mnemonic.Vmread]: ExitReason.Vmread,
  [Mnemonic.Vmresume]: ExitReason.Vmresume,
  [Mnemonic.Vmwrite]: ExitReason.Vmwrite,
  [Mnemonic.Vmxoff]: ExitReason.Vmxoff,
  [Mnemonic.Vmxon]: ExitReason.Vmxon,
  [Mnemonic.Invept]: ExitReason.Invept,
  [Mnemonic.Invvpid]: ExitReason.Invvpid,
  [Mnemonic.Vmfunc]: ExitReason.Vmfunc,
};

/** An instruction-caused exit with no qualification (`when` false: no exit). */
function instructionExit(reason: number, length: number, when: boolean): ExitInfo | undefined {
  return when ? { reason, instructionLength: length } : undefined;
}

export class GuestIntercepts implements NonRootHooks {
  constructor(private readonly unit: VmxUnit) {}

  intercept(kind: Intercept, info: InterceptInfo): void {
    const unit = this.unit;
    const vmcs = unit.current;
    const controls = unit.controls;
    if (!vmcs || !controls) return;
    const exit = this.decide(kind, info, controls);
    if (exit) throw new VmExit(exit);
  }

  exitsNow(kind: Intercept, info: InterceptInfo): boolean {
    const unit = this.unit;
    const controls = unit.controls;
    if (!unit.current || !controls) return false;
    const exit = this.decide(kind, info, controls);
    if (!exit) return false;
    unit.exitInstruction(exit, info.length);
    return true;
  }

  private decide(kind: Intercept, info: InterceptInfo, c: Controls): ExitInfo | undefined {
    const vmcs = this.unit.current!;
    const simple = (reason: number, when = true): ExitInfo | undefined => instructionExit(reason, info.length, when);
    switch (kind) {
      case Intercept.Cpuid:
        return instructionExit(ExitReason.Cpuid, info.length, true);
      case Intercept.Getsec:
        return simple(ExitReason.Getsec);
      case Intercept.Invd:
        return simple(ExitReason.Invd);
      case Intercept.Xsetbv:
        return simple(ExitReason.Xsetbv);
      case Intercept.VmxInstruction:
        return simple(VMX_MNEMONICS[info.mnemonic ?? -1] ?? ExitReason.Vmcall);
      case Intercept.Hlt:
        return simple(ExitReason.Hlt, c.primary.hltExiting);
      case Intercept.Invlpg:
        return c.primary.invlpgExiting ? { reason: ExitReason.Invlpg, instructionLength: info.length, qualification: info.nonCanonicalAddress ?? BigInt.asUintN(64, BigInt(info.linearAddress ?? 0)) } : undefined;
      case Intercept.Invpcid:
        if (!c.secondary.enableInvpcid) throw ud();
        return simple(ExitReason.Invpcid, c.primary.invlpgExiting);
      case Intercept.Mwait:
        return simple(ExitReason.Mwait, c.primary.mwaitExiting);
      case Intercept.Monitor:
        return simple(ExitReason.Monitor, c.primary.monitorExiting);
      case Intercept.Pause:
        return simple(ExitReason.Pause, c.primary.pauseExiting);
      case Intercept.Rdpmc:
        return simple(ExitReason.Rdpmc, c.primary.rdpmcExiting);
      case Intercept.Rdtsc:
        return simple(ExitReason.Rdtsc, c.primary.rdtscExiting);
      case Intercept.Rdtscp:
        if (!c.secondary.enableRdtscp) throw ud();
        return simple(ExitReason.Rdtscp, c.primary.rdtscExiting);
      case Intercept.Rdrand:
        return simple(ExitReason.Rdrand, c.secondary.rdrandExiting);
      case Intercept.Rdseed:
        return simple(ExitReason.Rdseed, c.secondary.rdseedExiting);
      case Intercept.Wbinvd:
        return simple(ExitReason.Wbinvd, c.secondary.wbinvdExiting);
      case Intercept.MovToCr:
        return movToCrExit(vmcs, c, info);
      case Intercept.MovFromCr:
        return movFromCrExit(c, info);
      case Intercept.Clts:
        return cltsExit(vmcs, info);
      case Intercept.Lmsw:
        return lmswExit(vmcs, info);
      case Intercept.MovDr: {
        if (!c.primary.movDrExiting) return undefined;
        const qualification = ((info.register ?? 0) & 7) | (info.toRegister ? 0 : 0x10) | (((info.gpr ?? 0) & 0xf) << 8);
        return { reason: ExitReason.MovDr, qualification, instructionLength: info.length };
      }
      case Intercept.Io:
        return ioExit(this.unit.cpu.mem, vmcs, c, info);
      case Intercept.Rdmsr:
        return simple(ExitReason.Rdmsr, msrExits(this.unit.cpu.mem, vmcs, c, info.msr ?? 0, false));
      case Intercept.Wrmsr:
        return simple(ExitReason.Wrmsr, msrExits(this.unit.cpu.mem, vmcs, c, info.msr ?? 0, true));
      case Intercept.DescriptorTable: {
        const entry = DESCRIPTOR_TABLE[info.mnemonic ?? -1];
        if (!entry || !c.secondary.descriptorTableExiting) return undefined;
        return { ...descriptorTableExit(info.decoded, entry.reason, entry.identity, info.length, this.unit.cpu.rip), guestLinear: info.linearAddress };
      }
      default:
        return undefined;
    }
  }

  /** MOV from CR0/CR4: host-owned bits (set in the guest/host mask) read from the read shadow. */
  readControlRegister(register: 0 | 4, actual: number): number {
    const vmcs = this.unit.current;
    if (!vmcs) return actual;
    const mask = vmcs.get32(register === 0 ? F.CR0_GUEST_HOST_MASK : F.CR4_GUEST_HOST_MASK);
    const shadow = vmcs.get32(register === 0 ? F.CR0_READ_SHADOW : F.CR4_READ_SHADOW);
    return ((actual & ~mask) | (shadow & mask)) >>> 0;
  }

  singleStringIteration(): boolean {
    return this.unit.controls?.primary.monitorTrapFlag ?? false;
  }

  nmiMode(): NmiMode {
    const pin = this.unit.controls?.pin;
    return !pin?.nmiExiting ? 'physical' : pin.virtualNmis ? 'virtual' : 'exiting';
  }

  /** IRET cleared virtual-NMI blocking: with "NMI-window exiting" the guest exits before its next instruction (SDM 25.2). */
  nmiWindowOpened(): void {
    const unit = this.unit;
    if (!unit.controls?.primary.nmiWindowExiting) return;
    unit.exit({ reason: ExitReason.NmiWindow }, unit.cpu.rip);
    unit.cpu.attention |= Attention.VmExit; // IRET retired; the run loop ends its step here
  }
}
