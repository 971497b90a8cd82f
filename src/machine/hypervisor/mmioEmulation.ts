/**
 * MMIO emulation for guest mode, the way KVM's instruction emulator does it: device
 * pages are guest-physical but not mapped in EPT, so a guest access is an EPT violation
 * (reason 48). The hypervisor fetches the instruction at the guest RIP through the
 * guest's own translation, decodes it, performs the access on the device, writes the
 * destination register and moves RIP past the instruction. Supported: MOV r/m←reg,
 * reg←r/m, r/m←imm (1, 2, 4, 8 bytes), MOVZX/MOVSX/MOVSXD loads, and ADD/SUB/AND/OR/XOR
 * (read-modify-write of the device register) and CMP/TEST (flags only) with a register or
 * immediate operand (mmioAlu.ts). Anything else stops the machine naming the instruction,
 * the GPA and the device.
 */
import { Decoder, DecoderOptions, Formatter, FormatterSyntax, MemorySizeExt, Mnemonic, OpKind, type Instruction } from 'iced-x86';
import type { Cpu } from '../cpu/cpu';
import { gprOf, type GprRef } from '../cpu/registers';
import { Ar } from '../cpu/segment';
import type { MmioHandler } from '../memory/physicalMemory';
import { EptTranslator } from '../paging/ept';
import { Access } from '../paging/types';
import { Cr0, walk, type PagingRegisters } from '../paging/walker';
import { F } from '../vmx/fields';
import type { Vmcs } from '../vmx/vmcs';
import type { VmxUnit } from '../vmx/vmxUnit';
import { ALU_OPS, alu, type AluOp } from './mmioAlu';
import { ARITH_FLAGS } from '../cpu/flags';

/** A device's register page in guest-physical space. */
export interface GuestMmioRegion {
  readonly base: number;
  readonly size: number;
  readonly handler: MmioHandler;
}

/** What an emulated instruction does, decoded once per (RIP, bytes). */
interface Plan {
  readonly bitness: number;
  readonly bytes: Uint8Array;
  readonly length: number;
  readonly text: string;
  /**
   * 'load': device → register; 'store': register → device; 'store-imm': immediate → device;
   * 'alu': `op` on the device value and a register (`reg`) or the immediate, written back
   * to the device (or only flags for CMP/TEST); with `regFirst` the register is the left
   * operand (CMP reg, [mem]) and, for the others, the destination.
   */
  readonly kind: 'load' | 'store' | 'store-imm' | 'alu';
  readonly op?: AluOp;
  readonly regFirst?: boolean;
  /** Bytes accessed on the device. */
  readonly size: number;
  readonly reg: GprRef | undefined;
  readonly immediate: bigint;
  readonly signExtend: boolean;
}

export interface MmioExit {
  readonly cpu: Cpu;
  readonly unit: VmxUnit;
  readonly vmcs: Vmcs;
}

const MAX_INSTRUCTION = 15;
/** EPT-violation qualification bit 2: the access was an instruction fetch. */
const EPT_FETCH = 4;
const hex = (value: number | bigint): string => '0x' + BigInt.asUintN(64, BigInt(value)).toString(16);
const MOVES = new Set<number>([Mnemonic.Mov, Mnemonic.Movzx, Mnemonic.Movsx, Mnemonic.Movsxd]);

export class MmioEmulator {
  /** Accesses emulated, by region base. */
  readonly accesses = new Map<number, number>();
  private readonly plans = new Map<number, Plan>();
  /** EPT of the guest, rebuilt when EPTP changes (no state: it reads the tables each time). */
  private ept: EptTranslator | undefined;

  constructor(readonly regions: readonly GuestMmioRegion[]) {}

  regionAt(gpa: number): GuestMmioRegion | undefined {
    return this.regions.find((r) => gpa >= r.base && gpa < r.base + r.size);
  }

  /** Emulates the guest's access to `gpa` in `region`; on anything it cannot do, requests a stop and leaves RIP. */
  emulate(exit: MmioExit, region: GuestMmioRegion, gpa: number): void {
    const rip = exit.vmcs.get(F.GUEST_RIP);
    const where = `at guest RIP ${hex(rip)} accessing guest-physical ${hex(gpa)} (${region.handler.name}, register page ${hex(region.base)})`;
    if (exit.vmcs.get32(F.EXIT_QUALIFICATION) & EPT_FETCH) return exit.cpu.requestStop('vm-exit', `MMIO emulation: instruction fetch from a device register page ${where}: the guest jumped into device memory`);
    const bytes = this.fetchInstruction(exit, Number(BigInt.asIntN(64, rip)));
    if (typeof bytes === 'string') return exit.cpu.requestStop('vm-exit', `MMIO emulation: cannot fetch the instruction ${where}: ${bytes}`);
    const plan = this.planFor(rip, bytes, codeBitness(exit.vmcs));
    if (typeof plan === 'string') return exit.cpu.requestStop('vm-exit', `MMIO emulation: ${plan} ${where}`);
    const offset = gpa - region.base;
    if (offset + plan.size > region.size) return exit.cpu.requestStop('vm-exit', `MMIO emulation: '${plan.text}' crosses the end of the register page ${where}`);
    if (plan.kind === 'alu') emulateAlu(exit, plan, region.handler, offset);
    else if (plan.kind === 'load') writeRegister(exit, plan.reg!, extend(deviceRead(region.handler, offset, plan.size), plan.size, plan.signExtend));
    else deviceWrite(region.handler, offset, plan.size, plan.kind === 'store' ? readRegister(exit, plan.reg!) : plan.immediate);
    exit.vmcs.set(F.GUEST_RIP, rip + BigInt(plan.length));
    this.accesses.set(region.base, (this.accesses.get(region.base) ?? 0) + 1);
  }

  /**
   * Up to 15 instruction bytes at guest-linear `rip` (fewer when the next page does not
   * translate): the guest's page walk through its EPT, without side effects, with the
   * guest paging registers the exit saved in the VMCS (the built-in hypervisor saves EFER).
   */
  private fetchInstruction(exit: MmioExit, rip: number): Uint8Array | string {
    const vmcs = exit.vmcs;
    const eptp = vmcs.get(F.EPT_POINTER);
    if (this.ept?.eptp !== eptp) this.ept = new EptTranslator(exit.cpu.mem, eptp);
    const ept = this.ept;
    const regs: PagingRegisters = {
      cr0: vmcs.get32(F.GUEST_CR0),
      cr3: Number(vmcs.get(F.GUEST_CR3)),
      cr4: vmcs.get32(F.GUEST_CR4),
      efer: Number(vmcs.get(F.GUEST_IA32_EFER) & 0xffffffffn),
    };
    const translate = (linear: number): number | string => {
      if (!(regs.cr0 & Cr0.PG)) {
        const physical = ept.translate(linear >>> 0, { access: Access.Execute, linear, pagingStructure: false, sideEffects: false, trace: undefined, forGuestLevel: 0, user: false });
        return physical >= 0 ? physical : `EPT does not map guest-physical ${hex(linear >>> 0)}`;
      }
      const result = walk(exit.cpu.mem, regs, linear, { kind: Access.Execute, user: false }, false, ept);
      return result.ok ? result.physical : result.reason;
    };
    const out: number[] = [];
    let linear = rip;
    while (out.length < MAX_INSTRUCTION) {
      const physical = translate(linear);
      if (typeof physical === 'string') {
        if (out.length === 0) return physical;
        break;
      }
      const inPage = Math.min(MAX_INSTRUCTION - out.length, 4096 - (physical % 4096));
      out.push(...exit.cpu.mem.peek(physical, inPage));
      linear += inPage;
    }
    return Uint8Array.from(out);
  }

  private planFor(rip: bigint, bytes: Uint8Array, bitness: number): Plan | string {
    const key = Number(BigInt.asUintN(52, rip));
    const cached = this.plans.get(key);
    if (cached && cached.bitness === bitness && cached.bytes.every((b, i) => bytes[i] === b)) return cached;
    const plan = decodePlan(rip, bytes, bitness);
    if (typeof plan !== 'string') this.plans.set(key, plan);
    return plan;
  }
}

/** The guest's code size from CS: 64-bit (L), 32-bit (D/B) or 16-bit — compatibility-mode code decodes differently. */
function codeBitness(vmcs: Vmcs): number {
  const ar = vmcs.get32(F.GUEST_CS_AR);
  return ar & Ar.L ? 64 : ar & Ar.DB ? 32 : 16;
}

function decodePlan(rip: bigint, bytes: Uint8Array, bitness: number): Plan | string {
  const decoder = new Decoder(bitness, bytes, DecoderOptions.None);
  decoder.ip = BigInt.asUintN(64, rip);
  const instruction = decoder.decode();
  try {
    if (instruction.isInvalid) return `undecodable instruction bytes ${[...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
    const text = formatInstruction(instruction);
    const plan = classify(instruction, text, bytes.slice(0, instruction.length), bitness);
    return plan ?? `unsupported instruction '${text}' (emulated on device registers: MOV, MOVZX, MOVSX, MOVSXD, and ADD/SUB/AND/OR/XOR/CMP/TEST with a general-purpose register or an immediate)`;
  } finally {
    instruction.free();
    decoder.free();
  }
}

function classify(instruction: Instruction, text: string, bytes: Uint8Array, bitness: number): Plan | undefined {
  const op = ALU_OPS.get(instruction.mnemonic);
  if (op !== undefined) return classifyAlu(instruction, op, text, bytes, bitness);
  if (!MOVES.has(instruction.mnemonic) || instruction.opCount !== 2) return undefined;
  const size = MemorySizeExt.size(instruction.memorySize);
  if (![1, 2, 4, 8].includes(size)) return undefined;
  const base = { bitness, bytes, length: instruction.length, text, size, immediate: 0n, signExtend: instruction.mnemonic !== Mnemonic.Movzx && instruction.mnemonic !== Mnemonic.Mov };
  const [k0, k1] = [instruction.op0Kind, instruction.op1Kind];
  if (k0 === OpKind.Register && k1 === OpKind.Memory) {
    const reg = gprOf(instruction.op0Register);
    return reg ? { ...base, kind: 'load', reg } : undefined;
  }
  if (instruction.mnemonic !== Mnemonic.Mov || k0 !== OpKind.Memory) return undefined;
  if (k1 === OpKind.Register) {
    const reg = gprOf(instruction.op1Register);
    return reg ? { ...base, kind: 'store', reg } : undefined;
  }
  if (k1 === OpKind.Immediate8 || k1 === OpKind.Immediate16 || k1 === OpKind.Immediate32 || k1 === OpKind.Immediate32to64) {
    return { ...base, kind: 'store-imm', reg: undefined, immediate: BigInt.asUintN(64, instruction.immediate(1)) };
  }
  return undefined;
}

const IMMEDIATES = new Set<number>([OpKind.Immediate8, OpKind.Immediate16, OpKind.Immediate32, OpKind.Immediate8to16, OpKind.Immediate8to32, OpKind.Immediate8to64, OpKind.Immediate32to64]);

/** ALU forms with one memory operand (the device register) and a GPR or an immediate (no LOCK: the device access is not atomic anyway). */
function classifyAlu(instruction: Instruction, op: AluOp, text: string, bytes: Uint8Array, bitness: number): Plan | undefined {
  if (instruction.opCount !== 2) return undefined;
  const size = MemorySizeExt.size(instruction.memorySize);
  if (![1, 2, 4, 8].includes(size)) return undefined;
  const base = { bitness, bytes, length: instruction.length, text, size, signExtend: false, kind: 'alu' as const, op };
  const [k0, k1] = [instruction.op0Kind, instruction.op1Kind];
  if (k0 === OpKind.Memory && k1 === OpKind.Register) {
    const reg = gprOf(instruction.op1Register);
    return reg ? { ...base, reg, immediate: 0n, regFirst: false } : undefined;
  }
  if (k0 === OpKind.Register && k1 === OpKind.Memory) {
    const reg = gprOf(instruction.op0Register);
    return reg ? { ...base, reg, immediate: 0n, regFirst: true } : undefined;
  }
  if (k0 === OpKind.Memory && IMMEDIATES.has(k1)) {
    return { ...base, reg: undefined, immediate: BigInt.asUintN(size * 8, BigInt.asUintN(64, instruction.immediate(1))), regFirst: false };
  }
  return undefined;
}

/** Reads the device register, computes, writes the result back (device or register) and updates RFLAGS' status flags. */
function emulateAlu(exit: MmioExit, plan: Plan, handler: MmioHandler, offset: number): void {
  const device = deviceRead(handler, offset, plan.size);
  const other = plan.reg ? readRegister(exit, plan.reg) : plan.immediate;
  const [a, b] = plan.regFirst ? [other, device] : [device, other];
  const { value, flags } = alu(plan.op!, a, b, plan.size);
  if (value !== undefined) {
    if (plan.regFirst) writeRegister(exit, plan.reg!, value);
    else deviceWrite(handler, offset, plan.size, value);
  }
  exit.vmcs.set(F.GUEST_RFLAGS, (exit.vmcs.get(F.GUEST_RFLAGS) & ~BigInt(ARITH_FLAGS)) | flags);
}

let formatter: Formatter | undefined;

function formatInstruction(instruction: Instruction): string {
  formatter ??= new Formatter(FormatterSyntax.Nasm);
  return formatter.format(instruction);
}

/** Register page access of 1, 2, 4 bytes, or 8 as two 4-byte accesses (low first). */
function deviceRead(handler: MmioHandler, offset: number, size: number): bigint {
  if (size === 8) return BigInt(handler.read(offset, 4) >>> 0) | (BigInt(handler.read(offset + 4, 4) >>> 0) << 32n);
  return BigInt(handler.read(offset, size) >>> 0) & ((1n << BigInt(size * 8)) - 1n);
}

function deviceWrite(handler: MmioHandler, offset: number, size: number, value: bigint): void {
  if (size === 8) {
    handler.write(offset, 4, Number(value & 0xffffffffn));
    handler.write(offset + 4, 4, Number((value >> 32n) & 0xffffffffn));
  } else handler.write(offset, size, Number(value & ((1n << BigInt(size * 8)) - 1n)));
}

function extend(value: bigint, size: number, signed: boolean): bigint {
  return signed ? BigInt.asUintN(64, BigInt.asIntN(size * 8, value)) : value;
}

/** The guest's GPR (RSP is in the VMCS guest-state area after an exit; the others in the CPU). */
function readRegister(exit: MmioExit, reg: GprRef): bigint {
  const full = reg.index === 4 ? exit.vmcs.get(F.GUEST_RSP) : exit.cpu.getGpr(reg.index);
  if (reg.high8) return (full >> 8n) & 0xffn;
  return BigInt.asUintN(reg.size * 8, full);
}

/** x86-64 destination rules: 32-bit writes zero-extend, 8/16-bit writes keep the other bits. */
function writeRegister(exit: MmioExit, reg: GprRef, value: bigint): void {
  const old = reg.index === 4 ? exit.vmcs.get(F.GUEST_RSP) : exit.cpu.getGpr(reg.index);
  let next: bigint;
  if (reg.size === 8) next = BigInt.asUintN(64, value);
  else if (reg.size === 4) next = BigInt.asUintN(32, value);
  else if (reg.high8) next = (old & ~0xff00n) | ((value & 0xffn) << 8n);
  else {
    const mask = (1n << BigInt(reg.size * 8)) - 1n;
    next = (old & ~mask) | (value & mask);
  }
  if (reg.index === 4) exit.vmcs.set(F.GUEST_RSP, next);
  else exit.cpu.setGpr(reg.index, next);
}
