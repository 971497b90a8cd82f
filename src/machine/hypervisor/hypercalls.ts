/**
 * VMCALL hypercalls of the built-in hypervisor, KVM-style (fact sheet §9.5): number in
 * RAX, arguments in RBX, RCX, RDX, RSI, result in RAX; an unknown number returns
 * −KVM_ENOSYS (−1000). The table is open: devices and paravirtual features add entries.
 */

export interface HypercallContext {
  readonly args: readonly [bigint, bigint, bigint, bigint];
  /** Reads guest-physical memory (undefined outside guest RAM). */
  readGuest(gpa: number, length: number): Uint8Array | undefined;
  /** Writes console text (the serial port's output). */
  console(text: string): void;
}

export type Hypercall = (ctx: HypercallContext) => bigint;

export const KVM_ENOSYS = 1000n;
export const KVM_EFAULT = 14n;

/** KVM error names by (positive) value, for the hypercall log. */
export function kvmErrorName(errno: number): string | undefined {
  return ({ 1000: 'KVM_ENOSYS', 14: 'KVM_EFAULT', 22: 'KVM_EINVAL', 7: 'KVM_E2BIG', 1: 'KVM_EPERM', 95: 'KVM_EOPNOTSUPP' } as Record<number, string>)[errno];
}

export const Hypercalls = {
  /** KVM_HC_FEATURES: no paravirtual features. */
  features: 3,
  /** Hyperscope: print RCX bytes of guest-physical memory at RBX on the console. */
  consoleWrite: 0x100,
} as const;

const table = new Map<number, { name: string; call: Hypercall }>([
  [Hypercalls.features, { name: 'KVM_HC_FEATURES', call: () => 0n }],
  [
    Hypercalls.consoleWrite,
    {
      name: 'console write',
      call: (ctx) => {
        const bytes = ctx.readGuest(Number(ctx.args[0]), Math.min(Number(ctx.args[1]), 4096));
        if (!bytes) return -KVM_EFAULT;
        ctx.console(String.fromCharCode(...bytes));
        return BigInt(bytes.length);
      },
    },
  ],
]);

export function registerHypercall(number: number, name: string, call: Hypercall): void {
  table.set(number, { name, call });
}

/** The registered hypercalls as [number, name], by number. */
export function hypercallEntries(): [number, string][] {
  return [...table].sort(([a], [b]) => a - b).map(([number, entry]) => [number, entry.name]);
}

export function hypercallName(number: number): string | undefined {
  return table.get(number)?.name;
}

/** Runs hypercall `number`; the value for RAX. */
export function runHypercall(number: number, ctx: HypercallContext): bigint {
  const entry = table.get(number);
  return entry ? entry.call(ctx) : -KVM_ENOSYS;
}
