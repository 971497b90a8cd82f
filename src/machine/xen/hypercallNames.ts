/**
 * Hypercall numbers ↔ names for the debugger (hypercall breakpoints by name or number,
 * completions): Xen's table (public/xen.h) or the KVM-style table of the default personality.
 */
import { hypercallEntries } from '../hypervisor/hypercalls';
import { HYPERCALL_NAMES } from './abi';

export type Personality = 'xen' | 'kvm';

/** Every named hypercall of `personality`, by number. */
export function hypercallTable(personality: Personality): { number: number; name: string }[] {
  if (personality === 'kvm') return hypercallEntries().map(([number, name]) => ({ number, name }));
  return HYPERCALL_NAMES.map((name, number) => ({ number, name })).filter((e) => !/^hypercall_\d+$/.test(e.name));
}

/** A hypercall given as a name ("event_channel_op", case-insensitive) or a number ("32", "0x20"); undefined if unknown. */
export function resolveHypercall(personality: Personality, spec: string): number | undefined {
  const text = spec.trim();
  if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) {
    const value = Number(text);
    return Number.isSafeInteger(value) && value <= 0xffffffff ? value : undefined;
  }
  return hypercallTable(personality).find((e) => e.name.toLowerCase() === text.toLowerCase())?.number;
}
