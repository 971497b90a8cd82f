// Debug-console commands for the virtio devices: `input` (bytes for the guest's console:
// the virtio console's receive queue when the machine has one, else the serial port),
// `balloon [pages]` (the balloon's target, like `virsh setmem`) and `virtio` (a summary
// of each device: status, features, queues, counters).
import type { Machine } from '../machine/machine';
import type { VirtioSlot } from '../machine/devices/virtio/virtioDevices';
import { Status } from '../machine/devices/virtio/constants';

/** Text with \n, \r, \t, \\ and \xNN escapes as bytes; surrounding double quotes are dropped. */
export function inputBytes(text: string): number[] {
  const body = /^".*"$/s.test(text) ? text.slice(1, -1) : text;
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\' || i + 1 >= body.length) {
      bytes.push(body.charCodeAt(i) & 0xff);
      continue;
    }
    const next = body[++i]!;
    const hex = /^x([0-9a-f]{2})/i.exec(body.slice(i));
    if (hex) {
      bytes.push(Number.parseInt(hex[1]!, 16));
      i += 2;
    } else bytes.push(({ n: 10, r: 13, t: 9, '0': 0 } as Record<string, number>)[next] ?? next.charCodeAt(0));
  }
  return bytes;
}

export function inputCommand(args: string, machine: Machine): string {
  if (args === '') throw new Error('usage: input <text>   (escapes: \\n \\r \\t \\xNN; e.g. input hello\\n)');
  const bytes = inputBytes(args);
  const console = machine.virtio?.console;
  if (console) {
    console.receive(bytes);
    const waiting = console.pendingInput;
    return `${bytes.length} byte${bytes.length === 1 ? '' : 's'} for the virtio console${waiting ? ` (${waiting} waiting for receiveq buffers)` : ''}`;
  }
  machine.serial.receive(bytes);
  return `${bytes.length} byte${bytes.length === 1 ? '' : 's'} for the serial port (COM1)`;
}

export function balloonCommand(args: string, machine: Machine): string {
  const balloon = machine.virtio?.balloon;
  if (!balloon) throw new Error('this machine has no virtio balloon (launch.json: "devices": { "balloon": true })');
  if (args !== '') {
    const pages = /^(0x[0-9a-f]+|\d+)$/i.test(args) ? Number(args) : NaN;
    if (!Number.isSafeInteger(pages) || pages < 0 || pages > 0xffffffff) throw new Error(`usage: balloon [pages]   (a page count 0..0xffffffff, got '${args}')`);
    balloon.setTarget(pages);
  }
  const d = balloon.describe();
  return `balloon: target ${d.numPages} pages (num_pages), driver reports ${d.actual} (actual), ${d.pagesInBalloon} pages given back (${Number(d.pagesInBalloon) * 4} KiB)${d.refused ? `, ${d.refused} refused: ${String(d.lastRefusal)}` : ''}`;
}

const STATUS_NAMES: [number, string][] = [
  [Status.ACKNOWLEDGE, 'ACKNOWLEDGE'],
  [Status.DRIVER, 'DRIVER'],
  [Status.FEATURES_OK, 'FEATURES_OK'],
  [Status.DRIVER_OK, 'DRIVER_OK'],
  [Status.DEVICE_NEEDS_RESET, 'DEVICE_NEEDS_RESET'],
  [Status.FAILED, 'FAILED'],
];

function describeSlot(slot: VirtioSlot): string[] {
  const t = slot.transport;
  const status = STATUS_NAMES.filter(([bit]) => t.status & bit).map(([, name]) => name);
  const lines = [
    `virtio-mmio ${slot.index}: ${t.device.kind} at 0x${slot.base.toString(16)}, vector 0x${slot.vector.toString(16)}, source-id ${slot.sourceId >>> 8}:${(slot.sourceId >>> 3) & 0x1f}.${slot.sourceId & 7}`,
    `  status 0x${t.status.toString(16)} ${status.join('|') || '(reset)'}, features 0x${t.negotiated.toString(16)}, interrupt status ${t.interruptStatus}, notifications ${t.stats.notifications}, interrupts ${t.stats.interrupts}, DMA faults ${t.stats.dmaFaults}`,
  ];
  if (t.problem) lines.push(`  problem: ${t.problem}`);
  for (const q of t.queues) {
    lines.push(`  queue ${q.index}: ${q.ready ? 'ready' : 'not ready'}, size ${q.size}/${q.maxSize}, desc 0x${q.desc.toString(16)}, avail 0x${q.driver.toString(16)}, used 0x${q.device.toString(16)}, last avail ${q.lastAvail}, used idx ${q.usedIdx}, served ${q.served}`);
  }
  const device = Object.entries(t.device.describe()).map(([k, v]) => `${k} ${String(v)}`);
  lines.push(`  ${device.join(', ')}`);
  return lines;
}

export function virtioCommand(_args: string, machine: Machine): string {
  const slots = machine.virtio?.slots ?? [];
  if (slots.length === 0) return 'no virtio devices (launch.json: "devices": { "console": true, "disk": "disk.img", "balloon": true })';
  return slots.flatMap(describeSlot).join('\n');
}
