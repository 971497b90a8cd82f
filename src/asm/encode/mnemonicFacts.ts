// What the encoder needs to know about a written mnemonic (lower case, as parsed): its
// iced spelling, whether it is a string instruction, its relative-branch forms per mode.
// Looked up once per spelling instead of once per line and pass.
import { canonicalMnemonic } from './candidates';
import { type BranchForms, branchForms, isStringInstruction } from './special';

export interface MnemonicFacts {
  /** The iced spelling (`jz` → `je`). */
  canonical: string;
  string: boolean;
  /** Branch forms by mode, filled on first use (null: not a branch in that mode). */
  branch16?: BranchForms | null;
  branch32?: BranchForms | null;
  branch64?: BranchForms | null;
}

const facts = new Map<string, MnemonicFacts>();

export function mnemonicFacts(mnemonic: string): MnemonicFacts {
  let f = facts.get(mnemonic);
  if (f === undefined) {
    f = { canonical: canonicalMnemonic(mnemonic), string: isStringInstruction(mnemonic), branch16: undefined, branch32: undefined, branch64: undefined };
    if (facts.size < 10_000) facts.set(mnemonic, f);
  }
  return f;
}

/** The mnemonic's relative-branch forms in `bitness`-bit mode, or null. */
export function branchFormsOf(f: MnemonicFacts, bitness: 16 | 32 | 64): BranchForms | null {
  if (bitness === 64) return f.branch64 !== undefined ? f.branch64 : (f.branch64 = branchForms(f.canonical, 64) ?? null);
  if (bitness === 32) return f.branch32 !== undefined ? f.branch32 : (f.branch32 = branchForms(f.canonical, 32) ?? null);
  return f.branch16 !== undefined ? f.branch16 : (f.branch16 = branchForms(f.canonical, 16) ?? null);
}
