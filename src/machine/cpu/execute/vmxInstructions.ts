/**
 * The VMX instructions (SDM Vol. 3 31.3, fact sheet §5 and §10.0): VMXON, VMXOFF,
 * VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMLAUNCH, VMRESUME, VMCALL, INVEPT,
 * INVVPID, VMFUNC. Order of checks as in the SDM pseudocode: #UD (outside VMX operation,
 * CR0.PE = 0, RFLAGS.VM, compatibility mode), VM exit in non-root operation, #GP(0) at
 * CPL > 0, operand faults, then VMsucceed / VMfailInvalid / VMfailValid(n).
 */
import { Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import type { Cpu } from '../cpu';
import { OperandKind, type Decoded, type Operand } from '../decoded';
import { gp0, ud } from '../fault';
import { Flag } from '../flags';
import { effectiveAddress } from '../operands';
import { Ar } from '../segment';
import { Cr0, Cr4, Efer } from '../../paging/walker';
import { Cr0Fixed, Cr4Fixed, VMCS_REVISION_ID, honoursFixed } from '../../vmx/capabilities';
import { eptpValid } from '../../vmx/checkControls';
import { EntryFailure } from '../../vmx/entryCheck';
import { ExitReason } from '../../vmx/exitReasons';
import { VmxError } from '../../vmx/instructionErrors';
import { vmxInstructionExit } from '../../vmx/instructionInfo';
import { vmread, vmwrite } from '../../vmx/vmcs';
import { vmEntry } from '../../vmx/vmEntry';
import { VmExit } from '../../vmx/vmExit';
import { vmxUnitOf, type VmxUnit } from '../../vmx/vmxUnit';
import { Msr } from '../msrIndex';

const TWO32 = 4294967296;

/** #UD conditions shared by every VMX instruction (besides "not in VMX operation"). */
function badMode(cpu: Cpu): boolean {
  return !(cpu.cr0 & Cr0.PE) || (cpu.flagBits & Flag.VM) !== 0 || ((cpu.efer & Efer.LMA) !== 0 && !(cpu.cs.accessRights & Ar.L));
}

/** The checks before the operation of every VMX instruction except VMXON and VMCALL. */
function prologue(cpu: Cpu, d: Decoded, reason: number): VmxUnit {
  const unit = vmxUnitOf(cpu);
  if (unit.operation === 'off' || badMode(cpu)) throw ud();
  if (unit.operation === 'non-root') throw new VmExit(vmxInstructionExit(d, reason, cpu.rip));
  if (cpu.cpl > 0) throw gp0();
  return unit;
}

/** Reads a 64-bit physical-address operand (m64). */
function readAddress(cpu: Cpu, op: Operand): { lo: number; hi: number; value: number } {
  const lo = cpu.read64(effectiveAddress(cpu, op.mem!));
  const hi = cpu.hiOut;
  return { lo, hi, value: hi * TWO32 + lo };
}

/** 4 KiB aligned and below 2^MAXPHYADDR (46). */
function validRegionAddress(a: { lo: number; hi: number }): boolean {
  return (a.lo & 0xfff) === 0 && a.hi >>> 14 === 0;
}

function memoryForm(d: Decoded, i = 0): Operand | undefined {
  const op = d.operands[i];
  return op?.kind === OperandKind.Memory ? op : undefined;
}

const vmxon: Factory = (d) => {
  const op = memoryForm(d);
  if (!op) return undefined;
  return (cpu) => {
    const unit = vmxUnitOf(cpu);
    if (badMode(cpu) || !(cpu.cr4 & Cr4.VMXE)) throw ud();
    if (unit.operation === 'non-root') throw new VmExit(vmxInstructionExit(d, ExitReason.Vmxon, cpu.rip));
    if (unit.operation === 'root') {
      if (cpu.cpl > 0) throw gp0();
      return unit.fail(VmxError.VmxonInRoot);
    }
    const featureControl = cpu.msrs.get(Msr.IA32_FEATURE_CONTROL) ?? 0n;
    const fixedOk = honoursFixed(BigInt(cpu.cr0 >>> 0), Cr0Fixed) && honoursFixed(BigInt(cpu.cr4 >>> 0), Cr4Fixed);
    if (cpu.cpl > 0 || !fixedOk || (featureControl & 5n) !== 5n) throw gp0();
    const address = readAddress(cpu, op);
    if (!validRegionAddress(address)) return unit.failInvalid();
    const revision = cpu.mem.read32(address.value) >>> 0;
    if (revision !== VMCS_REVISION_ID) return unit.failInvalid(); // also rejects bit 31 (shadow) set
    unit.operation = 'root';
    unit.vmxonPointer = address.value;
    unit.vmxonEpoch++;
    unit.current = undefined;
    unit.succeed();
  };
};

const vmxoff: Factory = (d) => (cpu) => {
  const unit = prologue(cpu, d, ExitReason.Vmxoff);
  unit.operation = 'off';
  unit.vmxonPointer = -1;
  unit.current = undefined;
  unit.succeed();
};

const vmclear: Factory = (d) => {
  const op = memoryForm(d);
  if (!op) return undefined;
  return (cpu) => {
    const unit = prologue(cpu, d, ExitReason.Vmclear);
    const address = readAddress(cpu, op);
    if (!validRegionAddress(address)) return unit.fail(VmxError.VmclearInvalidAddress);
    if (address.value === unit.vmxonPointer) return unit.fail(VmxError.VmclearVmxonPointer);
    unit.store.clear(address.value);
    if (unit.current?.address === address.value) unit.current = undefined;
    unit.succeed();
  };
};

const vmptrld: Factory = (d) => {
  const op = memoryForm(d);
  if (!op) return undefined;
  return (cpu) => {
    const unit = prologue(cpu, d, ExitReason.Vmptrld);
    const address = readAddress(cpu, op);
    if (!validRegionAddress(address)) return unit.fail(VmxError.VmptrldInvalidAddress);
    if (address.value === unit.vmxonPointer) return unit.fail(VmxError.VmptrldVmxonPointer);
    const { revision, shadow } = unit.store.revisionAt(address.value);
    if (revision !== VMCS_REVISION_ID || shadow) return unit.fail(VmxError.VmptrldBadRevision); // no VMCS shadowing
    unit.current = unit.store.at(address.value);
    unit.succeed();
  };
};

const vmptrst: Factory = (d) => {
  const op = memoryForm(d);
  if (!op) return undefined;
  return (cpu) => {
    const unit = prologue(cpu, d, ExitReason.Vmptrst);
    const linear = effectiveAddress(cpu, op.mem!);
    const address = unit.current?.address;
    if (address === undefined) cpu.write64(linear, 0xffffffff, 0xffffffff);
    else cpu.write64(linear, address >>> 0, Math.floor(address / TWO32));
    unit.succeed();
  };
};

/** Operand size of VMREAD/VMWRITE: 64 bits in 64-bit mode, else 32. */
function readSource(cpu: Cpu, op: Operand, size: number): bigint {
  if (op.kind === OperandKind.Register) {
    const lo = cpu.readReg(op.reg!);
    return size === 8 ? (BigInt(cpu.hiOut) << 32n) | BigInt(lo) : BigInt(lo);
  }
  const linear = effectiveAddress(cpu, op.mem!);
  if (size === 8) {
    const lo = cpu.read64(linear);
    return (BigInt(cpu.hiOut) << 32n) | BigInt(lo);
  }
  return BigInt(cpu.read32(linear));
}

const vmreadInsn: Factory = (d) => {
  const [dst, src] = d.operands;
  if (!dst || !src?.reg) return undefined;
  const size = d.bitness === 64 ? 8 : 4;
  return (cpu) => {
    const unit = prologue(cpu, d, ExitReason.Vmread);
    if (!unit.current) return unit.failInvalid();
    const result = vmread(unit.current, readSource(cpu, src, size));
    if (!result.ok) return unit.failValid(result.error);
    const value = BigInt.asUintN(size * 8, result.value);
    const lo = Number(value & 0xffffffffn);
    const hi = Number(value >> 32n);
    if (dst.kind === OperandKind.Register) cpu.writeReg(dst.reg!, lo, hi);
    else cpu.writeSized(effectiveAddress(cpu, dst.mem!), size, lo, hi);
    unit.succeed();
  };
};

const vmwriteInsn: Factory = (d) => {
  const [dst, src] = d.operands;
  if (!dst?.reg || !src) return undefined;
  const size = d.bitness === 64 ? 8 : 4;
  return (cpu) => {
    const unit = prologue(cpu, d, ExitReason.Vmwrite);
    if (!unit.current) return unit.failInvalid();
    const value = readSource(cpu, src, size);
    const result = vmwrite(unit.current, readSource(cpu, dst, size), value);
    if (!result.ok) return unit.failValid(result.error);
    unit.succeed();
  };
};

function entryInstruction(launch: boolean): Factory {
  return (d) => (cpu) => {
    const unit = prologue(cpu, d, launch ? ExitReason.Vmlaunch : ExitReason.Vmresume);
    if (!unit.current) {
      unit.lastEntryFailure = new EntryFailure('basic', 'P3', [], 'no current VMCS (VMPTRLD one first)', '26.1', undefined, undefined);
      return unit.failInvalid();
    }
    const own = cpu.rip - d.length;
    if (cpu.interruptShadowRip === own && cpu.movSsShadowRip === own) {
      unit.lastEntryFailure = new EntryFailure('basic', 'P4', [], 'VM entry right after MOV SS / POP SS (events blocked by MOV SS)', '26.1', VmxError.EntryBlockedByMovSs, undefined);
      return unit.failValid(VmxError.EntryBlockedByMovSs);
    }
    vmEntry(unit, launch, cpu.instret + 1);
  };
}

const vmcall: Factory = (d) => (cpu) => {
  const unit = vmxUnitOf(cpu);
  if (unit.operation === 'non-root') return unit.exitInstruction(vmxInstructionExit(d, ExitReason.Vmcall, cpu.rip), d.length);
  if (unit.operation === 'off') throw ud();
  if (cpu.cpl > 0) throw gp0();
  unit.fail(VmxError.VmcallInRoot); // no dual-monitor treatment of SMIs in this model
};

/** INVEPT / INVVPID: register type, m128 descriptor. */
function invalidation(reason: number, run: (cpu: Cpu, unit: VmxUnit, type: bigint, low: bigint, high: bigint) => void): Factory {
  return (d) => {
    const [typeOp, descOp] = d.operands;
    if (!typeOp?.reg || descOp?.kind !== OperandKind.Memory) return undefined;
    return (cpu) => {
      const unit = prologue(cpu, d, reason);
      const type = readSource(cpu, typeOp, d.bitness === 64 ? 8 : 4);
      const linear = effectiveAddress(cpu, descOp.mem!);
      const low = readSource64(cpu, linear);
      const high = readSource64(cpu, linear + 8);
      run(cpu, unit, type, low, high);
    };
  };
}

function readSource64(cpu: Cpu, linear: number): bigint {
  const lo = cpu.read64(linear);
  return (BigInt(cpu.hiOut) << 32n) | BigInt(lo);
}

const invept = invalidation(ExitReason.Invept, (cpu, unit, type, eptp) => {
  if (type !== 1n && type !== 2n) return unit.fail(VmxError.InvalidInveptOperand);
  if (type === 1n && !eptpValid(eptp)) return unit.fail(VmxError.InvalidInveptOperand);
  const tags = unit.tags.where((_, e) => e !== -1n && (type === 2n || e === eptp));
  cpu.tlb.flushWhere((ctx) => tags.has(ctx));
  cpu.codeGeneration++;
  unit.succeed();
});

const invvpid = invalidation(ExitReason.Invvpid, (cpu, unit, type, low, high) => {
  const vpid = Number(low & 0xffffn);
  if (type > 3n || low >> 16n !== 0n) return unit.fail(VmxError.InvalidInveptOperand);
  if (type !== 2n && vpid === 0) return unit.fail(VmxError.InvalidInveptOperand);
  const linear = BigInt.asIntN(64, high);
  if (type === 0n && (linear < -(1n << 47n) || linear >= 1n << 47n)) return unit.fail(VmxError.InvalidInveptOperand);
  const tags = unit.tags.where((v) => v !== 0 && (type === 2n || v === vpid));
  if (type === 0n) for (const tag of tags) cpu.tlb.invalidatePage(Math.floor(Number(linear) / 4096), tag);
  else if (type === 3n) for (const tag of tags) cpu.tlb.flushContext(tag, false);
  else cpu.tlb.flushWhere((ctx) => tags.has(ctx));
  cpu.codeGeneration++;
  unit.succeed();
});

/** VMFUNC: no VM functions in this model (secondary control 13 is not allowed), so always #UD. */
const vmfunc: Factory = () => () => {
  throw ud();
};

export const vmxHandlers: [number, Factory][] = [
  [Mnemonic.Vmxon, vmxon],
  [Mnemonic.Vmxoff, vmxoff],
  [Mnemonic.Vmclear, vmclear],
  [Mnemonic.Vmptrld, vmptrld],
  [Mnemonic.Vmptrst, vmptrst],
  [Mnemonic.Vmread, vmreadInsn],
  [Mnemonic.Vmwrite, vmwriteInsn],
  [Mnemonic.Vmlaunch, entryInstruction(true)],
  [Mnemonic.Vmresume, entryInstruction(false)],
  [Mnemonic.Vmcall, vmcall],
  [Mnemonic.Invept, invept],
  [Mnemonic.Invvpid, invvpid],
  [Mnemonic.Vmfunc, vmfunc],
];

