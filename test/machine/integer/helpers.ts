/** Shared bits of the integer-instruction unit tests: nasm-or-skip and a one-line runner. */
import { cpuTest, hasNasm, nasm, type CpuTest } from '../cpuRunner';

/** `skip` option for tests that assemble with nasm. */
export const needsNasm = hasNasm() ? false : 'nasm not installed';

/** Assembles `source` and returns a runner (run it with `.run(n)` or `.runToStop()`). */
export function asm(source: string): CpuTest {
  return cpuTest(nasm(source));
}

/** Data address the tests use (RAM above the image; identity-mapped). */
export const DATA = 0x200000;
