/** A small, strict command-line parser: known flags only, with clear errors. */

export class UsageError extends Error {}

export interface FlagSpec {
  readonly name: string;
  /** Takes a value (`--name VALUE` or `--name=VALUE`). */
  readonly value: boolean;
}

export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: Map<string, string | true>;
}

export function parseArgs(args: string[], specs: FlagSpec[]): ParsedArgs {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const [rawName, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const name = rawName.replace(/^--?/, '');
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option ${rawName}`);
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`option --${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`option --${name} needs a value`);
    flags.set(name, value);
  }
  return { positionals, flags };
}

/** Parses a non-negative integer given in decimal or 0x-hex. */
export function parseInteger(text: string, what: string): number {
  const trimmed = text.trim().replace(/_/g, '');
  const value = /^0x[0-9a-f]+$/i.test(trimmed) ? Number.parseInt(trimmed.slice(2), 16) : /^[0-9]+$/.test(trimmed) ? Number.parseInt(trimmed, 10) : NaN;
  if (!Number.isSafeInteger(value)) throw new UsageError(`${what} must be a non-negative integer (decimal or 0x-hex), got '${text}'`);
  return value;
}
