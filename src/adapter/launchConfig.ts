// Validation of the launch configuration: every field checked for presence, type and
// range before anything runs, each problem reported with the field's name and how to fix
// it. Unknown fields are errors (with a did-you-mean) so typos do not pass silently.
import { isAbsolute, resolve } from 'node:path';
import { DEVICE_FIELDS, GUEST_FIELDS, LAUNCH_FIELDS, type GuestLaunchOptions, type HyperscopeLaunchArguments } from '../protocol/dap';
import type { DeviceChoices } from './diskImage';
import { parseInteger } from './format';

export class LaunchError extends Error {}

/** Launch configuration after validation, with defaults applied and paths absolute. */
export interface LaunchConfig {
  readonly program: string;
  readonly mode: 'bare' | 'guest';
  readonly stopOnEntry: boolean;
  readonly memoryMB: number;
  readonly maxInstructions: number | undefined;
  /** An address, or a label to look up once the program is assembled. */
  readonly entry: number | string | undefined;
  /** "Run Without Debugging": breakpoints are ignored. */
  readonly noDebug: boolean;
  /** mode "guest": the hypervisor's controls. */
  readonly guest: GuestLaunchOptions;
  /** virtio devices (the disk path made absolute); undefined when none. */
  readonly devices: DeviceChoices | undefined;
}

/** Fields VS Code and other clients add to every configuration. */
const CLIENT_FIELDS = new Set(['type', 'request', 'name', 'noDebug', 'presentation', 'internalConsoleOptions', 'preLaunchTask', 'postDebugTask', 'debugServer', 'suppressMultipleSessionWarning', 'serverReadyAction', 'windows', 'linux', 'osx']);
const KNOWN = new Set<string>(LAUNCH_FIELDS);

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function suggestion(field: string): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of LAUNCH_FIELDS) {
    const d = distance(field, known);
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best ? ` (did you mean '${best}'?)` : ` (known fields: ${LAUNCH_FIELDS.join(', ')})`;
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'an array' : `a${typeof value === 'object' ? 'n' : ''} ${typeof value}`;
}

function integerField(args: Record<string, unknown>, field: string, min: number, max: number, prefix = ''): number | undefined {
  const value = args[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new LaunchError(`launch field '${prefix}${field}' must be an integer, got ${typeName(value)} (${JSON.stringify(value)})`);
  if (value < min || value > max) throw new LaunchError(`launch field '${prefix}${field}' must be between ${min} and ${max}, got ${value}`);
  return value;
}

function entryField(value: unknown): number | string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new LaunchError(`launch field 'entry' must be a non-negative address, got ${value}`);
    return value;
  }
  if (typeof value !== 'string' || value.trim() === '') throw new LaunchError(`launch field 'entry' must be an address (number or "0x..." string) or a label, got ${typeName(value)}`);
  const number = parseInteger(value);
  if (number !== undefined) {
    if (number < 0n || number > BigInt(Number.MAX_SAFE_INTEGER)) throw new LaunchError(`launch field 'entry' is out of range: ${value}`);
    return Number(number);
  }
  return value.trim();
}

/** Checks `raw` (the launch request's arguments) and returns the configuration or throws LaunchError. */
export function validateLaunchArguments(raw: unknown = {}): LaunchConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new LaunchError(`launch arguments must be an object, got ${typeName(raw)}`);
  const args = raw as Record<string, unknown>;
  for (const field of Object.keys(args)) {
    if (!KNOWN.has(field) && !CLIENT_FIELDS.has(field) && !field.startsWith('__')) throw new LaunchError(`unknown launch field '${field}'${suggestion(field)}`);
  }
  const typed = args as Partial<Record<keyof HyperscopeLaunchArguments, unknown>>;
  if (typed.program === undefined) throw new LaunchError(`launch field 'program' is missing: name the .hvasm source, flat binary or ELF file to debug`);
  if (typeof typed.program !== 'string' || typed.program.trim() === '') throw new LaunchError(`launch field 'program' must be a non-empty path string, got ${typeName(typed.program)}`);
  if (typed.cwd !== undefined && typeof typed.cwd !== 'string') throw new LaunchError(`launch field 'cwd' must be a path string, got ${typeName(typed.cwd)}`);
  const mode = typed.mode ?? 'bare';
  if (mode !== 'bare' && mode !== 'guest') throw new LaunchError(`launch field 'mode' must be "bare" or "guest", got ${JSON.stringify(mode)}`);
  if (typed.stopOnEntry !== undefined && typeof typed.stopOnEntry !== 'boolean') throw new LaunchError(`launch field 'stopOnEntry' must be true or false, got ${typeName(typed.stopOnEntry)}`);
  const base = typeof typed.cwd === 'string' ? resolve(typed.cwd) : process.cwd();
  return {
    program: isAbsolute(typed.program) ? typed.program : resolve(base, typed.program),
    mode,
    stopOnEntry: typed.stopOnEntry === true,
    memoryMB: integerField(args, 'memoryMB', 2, 16384) ?? 128,
    maxInstructions: integerField(args, 'maxInstructions', 1, Number.MAX_SAFE_INTEGER),
    entry: entryField(typed.entry),
    noDebug: args.noDebug === true,
    guest: withParavirt(guestField(args.guest, mode), paravirtField(typed.paravirt, mode)),
    devices: devicesField(args.devices, base),
  };
}

/** Checks `devices`: console/diskWritable/diskReadOnly booleans, disk a path, balloon true or { targetPages }. */
function devicesField(value: unknown, base: string): DeviceChoices | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LaunchError(`launch field 'devices' must be an object like { "console": true, "disk": "disk.img" }, got ${typeName(value)}`);
  const devices = value as Record<string, unknown>;
  for (const field of Object.keys(devices)) {
    if (!(DEVICE_FIELDS as readonly string[]).includes(field)) throw new LaunchError(`unknown field 'devices.${field}' (known: ${DEVICE_FIELDS.join(', ')})`);
  }
  for (const flag of ['console', 'diskWritable', 'diskReadOnly'] as const) {
    if (devices[flag] !== undefined && typeof devices[flag] !== 'boolean') throw new LaunchError(`launch field 'devices.${flag}' must be true or false, got ${typeName(devices[flag])}`);
  }
  const disk = devices.disk;
  if (disk !== undefined && (typeof disk !== 'string' || disk.trim() === '')) throw new LaunchError(`launch field 'devices.disk' must be the path of a disk image, got ${typeName(disk)}`);
  if (disk === undefined && (devices.diskWritable !== undefined || devices.diskReadOnly !== undefined)) throw new LaunchError(`launch fields 'devices.diskWritable' and 'devices.diskReadOnly' need 'devices.disk'`);
  if (devices.diskWritable === true && devices.diskReadOnly === true) throw new LaunchError(`launch fields 'devices.diskWritable' and 'devices.diskReadOnly' exclude each other`);
  return {
    console: devices.console === true,
    disk: typeof disk === 'string' ? (isAbsolute(disk) ? disk : resolve(base, disk)) : undefined,
    diskWritable: devices.diskWritable === true,
    diskReadOnly: devices.diskReadOnly === true,
    balloon: balloonField(devices.balloon),
  };
}

function balloonField(value: unknown): DeviceChoices['balloon'] {
  if (value === undefined || typeof value === 'boolean') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LaunchError(`launch field 'devices.balloon' must be true, false or { "targetPages": N }, got ${typeName(value)}`);
  const balloon = value as Record<string, unknown>;
  for (const field of Object.keys(balloon)) if (field !== 'targetPages') throw new LaunchError(`unknown field 'devices.balloon.${field}' (known: targetPages)`);
  return { targetPages: integerField(balloon, 'targetPages', 0, 0xffffffff, 'devices.balloon.') ?? 0 };
}

function integerList(value: unknown, field: string, max: number): number[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max)) {
    throw new LaunchError(`launch field 'guest.${field}' must be a list of integers 0..0x${max.toString(16)}`);
  }
  return value as number[];
}

/** Checks `paravirt` ("kvm" or "xen", mode "guest" only); it travels in the guest options. */
function paravirtField(value: unknown, mode: string, name = 'paravirt'): Pick<GuestLaunchOptions, 'paravirt'> {
  if (value === undefined) return {};
  if (value !== 'kvm' && value !== 'xen') throw new LaunchError(`launch field '${name}' must be "kvm" or "xen", got ${JSON.stringify(value)}`);
  if (mode !== 'guest') throw new LaunchError(`launch field '${name}' applies only to mode "guest"`);
  return { paravirt: value };
}

/** `paravirt` at the top level or in `guest` (the same setting: they must agree). */
function withParavirt(guest: GuestLaunchOptions, top: Pick<GuestLaunchOptions, 'paravirt'>): GuestLaunchOptions {
  if (top.paravirt === undefined) return guest;
  if (guest.paravirt !== undefined && guest.paravirt !== top.paravirt) throw new LaunchError(`launch fields 'paravirt' ("${top.paravirt}") and 'guest.paravirt' ("${guest.paravirt}") disagree: keep one`);
  return { ...guest, paravirt: top.paravirt };
}

/** Checks `guest` (only meaningful with mode "guest"). */
function guestField(value: unknown, mode: string): GuestLaunchOptions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LaunchError(`launch field 'guest' must be an object, got ${typeName(value)}`);
  if (mode !== 'guest') throw new LaunchError(`launch field 'guest' applies only to mode "guest"`);
  const guest = value as Record<string, unknown>;
  for (const field of Object.keys(guest)) {
    if (!(GUEST_FIELDS as readonly string[]).includes(field)) throw new LaunchError(`unknown field 'guest.${field}' (known: ${GUEST_FIELDS.join(', ')})`);
  }
  const out: GuestLaunchOptions = {};
  const memory = integerField(guest, 'guestMemoryMB', 2, 8192, 'guest.');
  if (memory !== undefined) {
    if (memory % 2 !== 0) throw new LaunchError(`launch field 'guest.guestMemoryMB' must be a multiple of 2, got ${memory}`);
    out.guestMemoryMB = memory;
  }
  for (const flag of ['hltExiting', 'cr3Exiting'] as const) {
    if (guest[flag] === undefined) continue;
    if (typeof guest[flag] !== 'boolean') throw new LaunchError(`launch field 'guest.${flag}' must be true or false, got ${typeName(guest[flag])}`);
    out[flag] = guest[flag] as boolean;
  }
  if (guest.ioExitPorts !== undefined) out.ioExitPorts = guest.ioExitPorts === 'all' ? 'all' : integerList(guest.ioExitPorts, 'ioExitPorts', 0xffff);
  if (guest.msrExits !== undefined) out.msrExits = integerList(guest.msrExits, 'msrExits', 0xffffffff);
  const bitmap = integerField(guest, 'exceptionBitmap', 0, 0xffffffff, 'guest.');
  if (bitmap !== undefined) out.exceptionBitmap = bitmap;
  const timer = integerField(guest, 'preemptionTimer', 0, 0xffffffff, 'guest.');
  if (timer !== undefined) out.preemptionTimer = timer;
  if (guest.paravirt !== undefined) out.paravirt = paravirtField(guest.paravirt, mode, 'guest.paravirt').paravirt;
  return out;
}
