// What a word at the start of a statement is: an instruction prefix, a directive, a
// mnemonic (nasm's spelling, checked against iced's tables), or none (then a label).
import { canonicalMnemonic, isKnownMnemonic } from './encode/candidates';
import { isBranchMnemonic, isStringInstruction } from './encode/special';

export const DATA_UNITS: Readonly<Record<string, number>> = { db: 1, dw: 2, dd: 4, dq: 8, dt: 10, do: 16, ddq: 16, dy: 32 };
export const RES_UNITS: Readonly<Record<string, number>> = { resb: 1, resw: 2, resd: 4, resq: 8, rest: 10, reso: 16, resdq: 16, resy: 32 };
const PREFIXES = new Set(['lock', 'rep', 'repe', 'repz', 'repne', 'repnz', 'o16', 'o32', 'o64', 'a16', 'a32', 'a64']);
const OTHER_DIRECTIVES = new Set(['times', 'equ', 'org', 'bits', 'use16', 'use32', 'use64', 'section', 'segment', 'align', 'alignb', 'default', 'global', 'extern', 'common', 'cpu', 'static', 'warning']);
const EXTRA_MNEMONICS = new Set(['pushf', 'popf', 'iret', 'sysret', 'movsxd']);

const enum WordClass {
  Prefix = 1,
  Directive = 2,
  Instruction = 4,
}

/** Lower-case word → WordClass bits; words are classified once (the checks build iced names). */
const wordClasses = new Map<string, number>();

export function classify(word: string): number {
  let bits = wordClasses.get(word);
  if (bits === undefined) {
    bits = 0;
    if (PREFIXES.has(word)) bits |= WordClass.Prefix;
    if (DATA_UNITS[word] !== undefined || RES_UNITS[word] !== undefined || OTHER_DIRECTIVES.has(word)) bits |= WordClass.Directive;
    if (EXTRA_MNEMONICS.has(word) || isStringInstruction(word) || isBranchMnemonic(canonicalMnemonic(word)) || isKnownMnemonic(word)) bits |= WordClass.Instruction;
    if (wordClasses.size < 10_000) wordClasses.set(word, bits);
  }
  return bits;
}

export function isDirectiveName(word: string): boolean {
  return (classify(word) & WordClass.Directive) !== 0;
}

export function isInstructionName(word: string): boolean {
  return (classify(word) & WordClass.Instruction) !== 0;
}

export function isPrefix(word: string): boolean {
  return (classify(word) & WordClass.Prefix) !== 0;
}
