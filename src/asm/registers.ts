// Register names as nasm spells them → iced-x86 Register, size and class.
import { Register } from 'iced-x86';

export type RegisterClass = 'gpr' | 'segment' | 'control' | 'debug' | 'ip';

export interface RegisterInfo {
  name: string;
  reg: Register;
  /** Size in bytes (segment registers: 2). */
  size: number;
  cls: RegisterClass;
  /** High-byte register (ah/ch/dh/bh): cannot be used with a REX prefix. */
  high?: boolean;
  /** Needs a REX prefix (spl/bpl/sil/dil, r8-r15 forms). */
  rex?: boolean;
}

const table = new Map<string, RegisterInfo>();

function add(name: string, reg: Register, size: number, cls: RegisterClass, extra: Partial<RegisterInfo> = {}): void {
  table.set(name, { name, reg, size, cls, ...extra });
}

const LEGACY = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
LEGACY.forEach((base, i) => {
  add(base, (Register.AX as number) + i, 2, 'gpr');
  add(`e${base}`, (Register.EAX as number) + i, 4, 'gpr');
  add(`r${base}`, (Register.RAX as number) + i, 8, 'gpr');
});
['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'].forEach((name, i) => add(name, (Register.AL as number) + i, 1, 'gpr', i >= 4 ? { high: true } : {}));
['spl', 'bpl', 'sil', 'dil'].forEach((name, i) => add(name, (Register.SPL as number) + i, 1, 'gpr', { rex: true }));
for (let n = 8; n < 16; n++) {
  add(`r${n}`, (Register.R8 as number) + n - 8, 8, 'gpr', { rex: true });
  add(`r${n}d`, (Register.R8D as number) + n - 8, 4, 'gpr', { rex: true });
  add(`r${n}w`, (Register.R8W as number) + n - 8, 2, 'gpr', { rex: true });
  add(`r${n}b`, (Register.R8L as number) + n - 8, 1, 'gpr', { rex: true });
  add(`r${n}l`, (Register.R8L as number) + n - 8, 1, 'gpr', { rex: true });
}
['es', 'cs', 'ss', 'ds', 'fs', 'gs'].forEach((name, i) => add(name, (Register.ES as number) + i, 2, 'segment'));
for (let n = 0; n < 16; n++) add(`cr${n}`, (Register.CR0 as number) + n, 8, 'control');
for (let n = 0; n < 16; n++) add(`dr${n}`, (Register.DR0 as number) + n, 8, 'debug');
add('rip', Register.RIP, 8, 'ip');
add('eip', Register.EIP, 4, 'ip');

/** Looks up a register by name, case-insensitively. */
export function registerByName(name: string): RegisterInfo | undefined {
  return table.get(name.length <= 5 ? name.toLowerCase() : '');
}

/** All register names (for completion and the grammar). */
export function registerNames(): string[] {
  return [...table.keys()];
}
