/**
 * `hyperscope run` device flags: --virtio-console, --disk FILE, --disk-writable,
 * --disk-read-only, --balloon, --balloon-target PAGES. The disk image is opened here (the
 * machine has no file system) behind an in-memory overlay unless --disk-writable.
 */
import { resolve } from 'node:path';
import { openDevices, DiskImageError, type DeviceChoices } from '../adapter/diskImage';
import type { VirtioOptions } from '../machine/devices/virtio/virtioDevices';
import { parseInteger, UsageError, type FlagSpec, type ParsedArgs } from './args';

export const DEVICE_FLAGS: FlagSpec[] = [
  { name: 'virtio-console', value: false },
  { name: 'disk', value: true },
  { name: 'disk-writable', value: false },
  { name: 'disk-read-only', value: false },
  { name: 'balloon', value: false },
  { name: 'balloon-target', value: true },
];

export const DEVICE_USAGE = '[--virtio-console] [--disk FILE [--disk-writable | --disk-read-only]] [--balloon] [--balloon-target PAGES]';

export function deviceChoices(parsed: ParsedArgs): DeviceChoices {
  const disk = parsed.flags.get('disk');
  const writable = parsed.flags.has('disk-writable');
  const readOnly = parsed.flags.has('disk-read-only');
  if (disk === undefined && (writable || readOnly)) throw new UsageError('--disk-writable and --disk-read-only need --disk FILE');
  if (writable && readOnly) throw new UsageError('--disk-writable and --disk-read-only exclude each other');
  const target = parsed.flags.get('balloon-target');
  const targetPages = typeof target === 'string' ? parseInteger(target, '--balloon-target') : undefined;
  if (targetPages !== undefined && targetPages > 0xffffffff) throw new UsageError(`--balloon-target must be at most 0xffffffff pages, got ${targetPages}`);
  return {
    console: parsed.flags.has('virtio-console'),
    disk: typeof disk === 'string' ? resolve(disk) : undefined,
    diskWritable: writable,
    diskReadOnly: readOnly,
    balloon: targetPages !== undefined ? { targetPages } : parsed.flags.has('balloon'),
  };
}

/** Machine devices for the flags, or a message for stderr (missing file, directory, bad size). */
export function openDeviceFlags(parsed: ParsedArgs): VirtioOptions | undefined | { error: string } {
  try {
    return openDevices(deviceChoices(parsed));
  } catch (e) {
    if (e instanceof DiskImageError) return { error: `--disk: ${e.message}` };
    throw e;
  }
}
