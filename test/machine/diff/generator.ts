/**
 * Random instruction sequences for the Unicorn differential test. Each template emits
 * NASM lines and says which arithmetic flags it defines, leaves undefined and reads; the
 * generator tracks undefined flags through the sequence (inserting a `cmp` before an
 * instruction that would read an undefined flag) and reports the flags that are
 * architecturally defined at the end, which are the only ones compared.
 */

import { ALL6, Builder, DF, Random } from './builder';
import { TEMPLATES } from './templates';

export { CODE_BASE, DATA_BASE, DATA_SIZE, DF, FS_BASE, GS_BASE, Random, STACK_TOP } from './builder';
export { TEMPLATES } from './templates';

export interface Sequence {
  /** NASM source lines. */
  lines: string[];
  /** Flags whose final value is architecturally defined (compare these). */
  definedFlags: number;
  /** Flags defined between every two templates (compared when a sequence stops at a fault). */
  definedThroughout: number;
  /** Template names used, for coverage. */
  templates: string[];
}

/** Builds a sequence of 1-8 templates; initial flags are all defined. */
export function generateSequence(rng: Random): Sequence {
  const b = new Builder(rng);
  const names = Object.keys(TEMPLATES);
  const count = rng.range(1, 8);
  const lines: string[] = [];
  const templates: string[] = [];
  let undefinedFlags = 0;
  let everUndefined = 0;
  for (let i = 0; i < count; i++) {
    const name = rng.pick(names);
    const e = TEMPLATES[name]!(b);
    if ((e.reads & undefinedFlags) !== 0) {
      lines.push('cmp rax, rcx');
      undefinedFlags = 0;
    }
    lines.push(...e.lines);
    templates.push(name);
    undefinedFlags = (undefinedFlags & ~e.defines) | e.undefines;
    everUndefined |= undefinedFlags;
  }
  return { lines, definedFlags: (ALL6 & ~undefinedFlags) | DF, definedThroughout: (ALL6 & ~everUndefined) | DF, templates };
}
