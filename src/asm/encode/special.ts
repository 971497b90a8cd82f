// Instructions whose operands are implicit in iced's tables: string instructions
// (movsb … scasq, insb, outsb) and relative branches (jmp/jcc/call/loop/jrcxz).
import { Code, Instruction, Register, RepPrefixKind } from 'iced-x86';

type StringCreator = (addressSize: number, segment: Register, rep: RepPrefixKind) => Instruction;

const seg = (f: (a: number, s: Register, r: RepPrefixKind) => Instruction): StringCreator => f;
const noSeg = (f: (a: number, r: RepPrefixKind) => Instruction): StringCreator => (a, _s, r) => f(a, r);

const STRING_INSTRUCTIONS: Readonly<Record<string, StringCreator>> = {
  movsb: seg(Instruction.createMovsb), movsw: seg(Instruction.createMovsw), movsd: seg(Instruction.createMovsd), movsq: seg(Instruction.createMovsq),
  lodsb: seg(Instruction.createLodsb), lodsw: seg(Instruction.createLodsw), lodsd: seg(Instruction.createLodsd), lodsq: seg(Instruction.createLodsq),
  cmpsb: seg(Instruction.createCmpsb), cmpsw: seg(Instruction.createCmpsw), cmpsd: seg(Instruction.createCmpsd), cmpsq: seg(Instruction.createCmpsq),
  outsb: seg(Instruction.createOutsb), outsw: seg(Instruction.createOutsw), outsd: seg(Instruction.createOutsd),
  stosb: noSeg(Instruction.createStosb), stosw: noSeg(Instruction.createStosw), stosd: noSeg(Instruction.createStosd), stosq: noSeg(Instruction.createStosq),
  scasb: noSeg(Instruction.createScasb), scasw: noSeg(Instruction.createScasw), scasd: noSeg(Instruction.createScasd), scasq: noSeg(Instruction.createScasq),
  insb: noSeg(Instruction.createInsb), insw: noSeg(Instruction.createInsw), insd: noSeg(Instruction.createInsd),
};

export function isStringInstruction(mnemonic: string): boolean {
  return STRING_INSTRUCTIONS[mnemonic] !== undefined;
}

/** Creates a string instruction with its rep prefix; undefined if not one. */
export function createStringInstruction(mnemonic: string, bitness: number, rep: 'none' | 'rep' | 'repne', segment = Register.None): Instruction | undefined {
  const create = STRING_INSTRUCTIONS[mnemonic];
  if (create === undefined) return undefined;
  if (bitness !== 64 && mnemonic.endsWith('q')) return undefined;
  return create(bitness, segment, rep === 'rep' ? RepPrefixKind.Repe : rep === 'repne' ? RepPrefixKind.Repne : RepPrefixKind.None);
}

const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

export interface BranchForms {
  /** rel8 form, if any. */
  short?: Code;
  /** rel16/rel32 form, if any. */
  near?: Code;
}

const codes = Code as unknown as Record<string, Code | undefined>;

function title(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The rel8 / rel16-32 codes of a branch mnemonic (iced spelling) in a mode; undefined if not a branch. */
export function branchForms(mnemonic: string, bitness: number): BranchForms | undefined {
  const b = String(bitness);
  const nearSuffix = bitness === 16 ? 'rel16' : `rel32_${b}`;
  if (mnemonic === 'jmp' || (mnemonic.startsWith('j') && CONDITIONS.includes(mnemonic.slice(1)))) {
    const t = title(mnemonic);
    return { short: codes[`${t}_rel8_${b}`], near: codes[`${t}_${nearSuffix}`] };
  }
  if (mnemonic === 'call') return { near: codes[`Call_${nearSuffix}`] };
  const counter = bitness === 64 ? 'RCX' : bitness === 32 ? 'ECX' : 'CX';
  const loops: Record<string, string> = { loop: 'Loop', loope: 'Loope', loopz: 'Loope', loopne: 'Loopne', loopnz: 'Loopne' };
  const loop = loops[mnemonic];
  if (loop !== undefined) return { short: codes[`${loop}_rel8_${b}_${counter}`] };
  if (mnemonic === 'jcxz') return { short: codes[`Jcxz_rel8_${b}`] };
  if (mnemonic === 'jecxz') return { short: codes[`Jecxz_rel8_${b}`] };
  if (mnemonic === 'jrcxz') return { short: codes[`Jrcxz_rel8_${b}`] };
  return undefined;
}

export function isBranchMnemonic(mnemonic: string): boolean {
  return branchForms(mnemonic, 64) !== undefined || branchForms(mnemonic, 32) !== undefined;
}

/** Encoded length of a branch form (independent of the target). */
const branchLengths = new Map<Code, number>();
export function branchLength(code: Code, encode: (instruction: Instruction) => number): number {
  let length = branchLengths.get(code);
  if (length === undefined) {
    length = encode(Instruction.createBranch(code, 0n));
    branchLengths.set(code, length);
  }
  return length;
}
