// Decodes a split virtqueue (fact sheet §8.1) from memory as its device sees it: every
// device address goes through the IOMMU's side-effect-free trace (no fault is recorded,
// no cache filled), then the bytes are peeked from host RAM.
//   descriptor (16 bytes): addr u64 | len u32 | flags u16 | next u16
//   available ring: flags u16 | idx u16 | ring[size] u16      used ring: flags u16 | idx u16 | ring[size] {id u32, len u32}
import type { Machine } from '../machine/machine';
import type { QueueDescription } from '../machine/devices/virtio/transport';
import type { VirtqDescriptorInfo, VirtqueueInfo } from '../protocol/dap';

const DESC_FLAGS: readonly [number, string][] = [[1, 'NEXT'], [2, 'WRITE'], [4, 'INDIRECT']];
const hex = (n: number): string => '0x' + n.toString(16);

/** `length` bytes at a device address of requester `sourceId`, or why they cannot be read. */
export function peekDevice(machine: Machine, sourceId: number, address: number, length: number): Uint8Array | string {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const at = address + done;
    const chunk = Math.min(length - done, 4096 - (at % 4096));
    const trace = machine.iommu.translateTrace(sourceId, at);
    if (trace.fault) return `IOMMU blocks ${hex(at)}: ${trace.fault.text} (fault reason 0x${trace.fault.reason.toString(16)})`;
    const host = trace.hostPhysical ?? at;
    if (!machine.mem.isRam(host, chunk)) return `${hex(at)} is not RAM (host-physical ${hex(host)})`;
    out.set(machine.mem.peek(host, chunk), done);
    done += chunk;
  }
  return out;
}

/** The queue's registers plus its descriptor table and rings (the first `limit` entries of each). */
export function decodeVirtqueue(machine: Machine, sourceId: number, queue: QueueDescription, limit: number): VirtqueueInfo {
  const info: VirtqueueInfo = {
    index: queue.index, size: queue.size, maxSize: queue.maxSize, ready: queue.ready,
    desc: hex(queue.desc), driver: hex(queue.driver), device: hex(queue.device),
    lastAvail: queue.lastAvail, usedIdx: queue.usedIdx, served: queue.served,
    descriptors: [],
  };
  if (!queue.ready || queue.size === 0) return info;
  const count = Math.min(queue.size, limit);
  const table = peekDevice(machine, sourceId, queue.desc, 16 * count);
  const avail = peekDevice(machine, sourceId, queue.driver, 4 + 2 * count);
  const used = peekDevice(machine, sourceId, queue.device, 4 + 8 * count);
  const problems = [table, avail, used].filter((part): part is string => typeof part === 'string');
  if (problems.length > 0) info.unreadable = problems.join('; ');
  if (typeof table !== 'string') info.descriptors = decodeDescriptors(table, count);
  if (typeof avail !== 'string') {
    const view = new DataView(avail.buffer);
    info.avail = { flags: view.getUint16(0, true), idx: view.getUint16(2, true), ring: Array.from({ length: count }, (_, i) => view.getUint16(4 + 2 * i, true)) };
  }
  if (typeof used !== 'string') {
    const view = new DataView(used.buffer);
    info.used = { flags: view.getUint16(0, true), idx: view.getUint16(2, true), ring: Array.from({ length: count }, (_, i) => ({ id: view.getUint32(4 + 8 * i, true), len: view.getUint32(8 + 8 * i, true) })) };
  }
  return info;
}

function decodeDescriptors(bytes: Uint8Array, count: number): VirtqDescriptorInfo[] {
  const view = new DataView(bytes.buffer);
  const out: VirtqDescriptorInfo[] = [];
  for (let i = 0; i < count; i++) {
    const at = 16 * i;
    const addr = view.getBigUint64(at, true);
    const len = view.getUint32(at + 8, true);
    const flags = view.getUint16(at + 12, true);
    if (addr === 0n && len === 0 && flags === 0) continue;
    out.push({ index: i, addr: '0x' + addr.toString(16), len, flags: DESC_FLAGS.filter(([bit]) => flags & bit).map(([, name]) => name), next: view.getUint16(at + 14, true) });
  }
  return out;
}
