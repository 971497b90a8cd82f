// Instruction forms, taken from iced-x86's own opcode tables (OpCodeInfo), grouped by
// mnemonic. This is how we avoid a hand-written opcode table: for `add eax, 5` we list
// every legacy-encoded iced Code whose mnemonic is ADD and match operands against its
// operand kinds.
import { Code, CodeExt, EncodingKind, Mnemonic, OpCodeOperandKind as K } from 'iced-x86';

export interface Candidate {
  code: Code;
  kinds: K[];
  /** Operation size in bytes from the r/m or register operand kinds, else iced's operand size, 0 if none. */
  size: number;
  mode16: boolean;
  mode32: boolean;
  mode64: boolean;
  /** Far pointer memory form (call/jmp m16:xx) or other forms we only use on request. */
  far: boolean;
  /** Size of the memory operand in bytes (`r64m16` forms: 2), 0 if none or unsized. */
  memSize: number;
}

const SKIP_PREFIX = /^(VEX|EVEX|XOP|MVEX|D3NOW)_/;

/** nasm spellings that iced names differently. */
const ALIASES: Readonly<Record<string, string>> = {
  sal: 'shl',
  icebp: 'int1',
};

/** Condition-code spellings nasm accepts → the one iced uses. */
const CONDITION_ALIASES: Readonly<Record<string, string>> = {
  z: 'e', nz: 'ne', c: 'b', nae: 'b', nc: 'ae', nb: 'ae', na: 'be', nbe: 'a', nge: 'l', nl: 'ge', ng: 'le', nle: 'g', pe: 'p', po: 'np',
};

/** Maps nasm's spelling of a mnemonic to iced's (`setz` → `sete`, `jnae` → `jb`, `sysret` → `sysretd`). */
export function canonicalMnemonic(mnemonic: string): string {
  const alias = ALIASES[mnemonic];
  if (alias !== undefined) return alias;
  for (const prefix of ['cmov', 'set', 'j']) {
    if (mnemonic.startsWith(prefix)) {
      const cc = CONDITION_ALIASES[mnemonic.slice(prefix.length)];
      if (cc !== undefined) return prefix + cc;
    }
  }
  return mnemonic;
}

let byMnemonic: Map<string, Candidate[]> | undefined;

/** Operation size implied by an operand kind (bytes), 0 when it implies none. */
export function kindSize(kind: K): number {
  switch (kind) {
    case K.r8_or_mem: case K.r8_reg: case K.r8_opcode: case K.al: case K.cl:
      return 1;
    case K.r16_or_mem: case K.r16_reg: case K.r16_opcode: case K.r16_rm: case K.r16_reg_mem: case K.ax: case K.dx:
      return 2;
    case K.r32_or_mem: case K.r32_reg: case K.r32_opcode: case K.r32_rm: case K.r32_reg_mem: case K.eax:
      return 4;
    case K.r64_or_mem: case K.r64_reg: case K.r64_opcode: case K.r64_rm: case K.r64_reg_mem: case K.rax:
      return 8;
  }
  return 0;
}

const SUPPORTED_KINDS = new Set<K>([
  K.mem_offs, K.mem, K.r8_or_mem, K.r16_or_mem, K.r32_or_mem, K.r64_or_mem, K.r8_reg, K.r8_opcode, K.r16_reg, K.r16_reg_mem,
  K.r16_rm, K.r16_opcode, K.r32_reg, K.r32_reg_mem, K.r32_rm, K.r32_opcode, K.r64_reg, K.r64_reg_mem, K.r64_rm, K.r64_opcode,
  K.seg_reg, K.cr_reg, K.dr_reg, K.es, K.cs, K.ss, K.ds, K.fs, K.gs, K.al, K.cl, K.ax, K.dx, K.eax, K.rax, K.imm8, K.imm8_const_1,
  K.imm8sex16, K.imm8sex32, K.imm8sex64, K.imm16, K.imm32, K.imm32sex64, K.imm64,
]);

function build(): Map<string, Candidate[]> {
  const map = new Map<string, Candidate[]>();
  const mnemonicNames = Mnemonic as unknown as Record<number, string>;
  for (const [name, value] of Object.entries(Code)) {
    if (typeof value !== 'number' || SKIP_PREFIX.test(name) || value === (Code.INVALID as number)) continue;
    const info = CodeExt.opCode(value);
    try {
      if (info.encoding !== EncodingKind.Legacy || !info.isInstruction) continue;
      const kinds: K[] = [];
      for (let i = 0; i < info.opCount; i++) kinds.push(info.opKind(i));
      // Forms with implicit or exotic operands (string ops, branches, x87, SSE) are handled elsewhere or not at all.
      if (!kinds.every((k) => SUPPORTED_KINDS.has(k))) continue;
      const mnemonic = (mnemonicNames[info.mnemonic] ?? '').toLowerCase();
      const size = kinds.reduce((s, k) => s || kindSize(k), 0) || info.operandSize / 8;
      const candidate: Candidate = { code: value, kinds, size, mode16: info.mode16, mode32: info.mode32, mode64: info.mode64, far: /^(Call|Jmp)_m16(16|32|64)$/.test(name), memSize: /r(32|64)m16/.test(name) ? 2 : kinds.reduce((s, k) => s || (k === K.r8_or_mem || k === K.r16_or_mem || k === K.r32_or_mem || k === K.r64_or_mem ? kindSize(k) : 0), 0) };
      const list = map.get(mnemonic);
      if (list === undefined) map.set(mnemonic, [candidate]);
      else list.push(candidate);
    } finally {
      info.free();
    }
  }
  for (const list of map.values()) list.sort((a, b) => a.code - b.code);
  return map;
}

/** All encodable forms of a mnemonic (nasm spelling), lowest Code first. */
export function candidatesFor(mnemonic: string): readonly Candidate[] {
  byMnemonic ??= build();
  return byMnemonic.get(canonicalMnemonic(mnemonic)) ?? [];
}

/** Whether iced knows this mnemonic (for deciding label vs instruction). */
export function isKnownMnemonic(mnemonic: string): boolean {
  return candidatesFor(mnemonic).length > 0;
}
