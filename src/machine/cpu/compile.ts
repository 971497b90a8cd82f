/**
 * Turns a decoded instruction into an executable closure. Handler factories are
 * registered per iced `Mnemonic` by the execute/*.ts modules; an instruction without a
 * handler compiles to one that raises #UD marked "not implemented by the simulator".
 */
import type { Cpu } from './cpu';
import type { Decoded } from './decoded';
import { CpuFault, Vector } from './fault';

/** Executes one instruction. On entry `cpu.rip` already points at the next instruction. */
export type Exec = (cpu: Cpu) => void;

/** Builds the executor for a decoded instruction, or returns undefined when the form is not supported. */
export type Factory = (d: Decoded) => Exec | undefined;

export interface CompiledInsn {
  readonly exec: Exec;
  readonly length: number;
  readonly decoded: Decoded;
  /** Cached link to the instruction that followed last time (fall-through or taken branch). */
  linkRip: number;
  link: CompiledInsn | undefined;
  linkGeneration: number;
  /** `cpu.linkContext` when the link was made (VMX root and non-root code keep separate links valid). */
  linkContext: number;
}

/** Factories per mnemonic, tried in registration order until one accepts the operand form. */
const factories = new Map<number, Factory[]>();

export function registerHandlers(table: Iterable<readonly [number, Factory]>): void {
  for (const [mnemonic, factory] of table) {
    const list = factories.get(mnemonic);
    if (list) list.push(factory);
    else factories.set(mnemonic, [factory]);
  }
}

export function hasHandler(mnemonic: number): boolean {
  return factories.has(mnemonic);
}

function mnemonicText(d: Decoded): string {
  return d.text.split(' ')[0] ?? d.text;
}

export function unimplemented(d: Decoded): Exec {
  const name = mnemonicText(d);
  return () => {
    throw new CpuFault(Vector.UD, undefined, name);
  };
}

export function compile(d: Decoded): CompiledInsn {
  let exec: Exec | undefined;
  for (const factory of factories.get(d.mnemonic) ?? []) {
    try {
      exec = factory(d);
    } catch {
      exec = undefined; // a factory that cannot build this form behaves like a missing one
    }
    if (exec) break;
  }
  return { exec: exec ?? unimplemented(d), length: d.length, decoded: d, linkRip: NaN, link: undefined, linkGeneration: -1, linkContext: -1 };
}
