/**
 * Architectural exceptions raised while executing an instruction. Handlers throw a
 * `CpuFault`; the run loop catches it and delivers the event through the IDT (or turns
 * it into a VM exit). It never escapes the machine.
 */

export const Vector = {
  DE: 0,
  DB: 1,
  NMI: 2,
  BP: 3,
  OF: 4,
  BR: 5,
  UD: 6,
  NM: 7,
  DF: 8,
  TS: 10,
  NP: 11,
  SS: 12,
  GP: 13,
  PF: 14,
  MF: 16,
  AC: 17,
  MC: 18,
  XM: 19,
} as const;

export const vectorNames: Readonly<Record<number, string>> = {
  0: '#DE divide error',
  1: '#DB debug',
  2: 'NMI',
  3: '#BP breakpoint',
  4: '#OF overflow',
  5: '#BR bound range',
  6: '#UD invalid opcode',
  7: '#NM device not available',
  8: '#DF double fault',
  10: '#TS invalid TSS',
  11: '#NP segment not present',
  12: '#SS stack fault',
  13: '#GP general protection',
  14: '#PF page fault',
  16: '#MF x87 error',
  17: '#AC alignment check',
  18: '#MC machine check',
  19: '#XM SIMD exception',
};

/** Vectors that push an error code (SDM Vol. 3 6.15). */
export function hasErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17 || vector === 21;
}

export class CpuFault {
  constructor(
    readonly vector: number,
    readonly errorCode: number | undefined = undefined,
    /** For #UD: the simulator does not implement this instruction (not an architectural #UD). */
    readonly unimplemented: string | undefined = undefined,
    /** For #PF: the faulting linear address (goes to CR2). */
    readonly address: number | undefined = undefined,
  ) {}

  describe(): string {
    const name = vectorNames[this.vector] ?? `vector ${this.vector}`;
    if (this.unimplemented !== undefined) return `not implemented by the simulator: ${this.unimplemented}`;
    const code = this.errorCode !== undefined ? ` (error code 0x${this.errorCode.toString(16)})` : '';
    const address = this.address !== undefined ? ` at 0x${BigInt.asUintN(64, BigInt(this.address)).toString(16)}` : '';
    return `${name}${code}${address}`;
  }
}

export const gp0 = (): CpuFault => new CpuFault(Vector.GP, 0);
export const ud = (): CpuFault => new CpuFault(Vector.UD);
