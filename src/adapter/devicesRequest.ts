// `hyperscope/devices`: the machine's devices for the Devices scope and view — virtio
// devices with their queues decoded from memory, the IOMMU (registers, root/context
// entries, domains, fault records and log, IOTLB), the built-in hypervisor's hypercall
// log, and the Xen personality's event channels and grant table. No side effects.
import type { Machine } from '../machine/machine';
import { formatSourceId } from '../machine/devices/dma';
import { Status } from '../machine/devices/virtio/constants';
import { describeXen } from '../machine/xen/describe';
import type { DevicesArguments, DevicesResult, VirtioDeviceInfo, XenInfo } from '../protocol/dap';
import { decodeVirtqueue } from './devicesVirtqueue';
import { parseInteger } from './format';
import { UserError } from './errors';

const DEFAULT_RING_ENTRIES = 16;
const MAX_RING_ENTRIES = 256;

const STATUS_NAMES = Object.entries(Status) as [string, number][];

export function statusBits(status: number): string[] {
  return STATUS_NAMES.filter(([, bit]) => status & bit).map(([name]) => name);
}

export function virtioDevices(machine: Machine, ringEntries = DEFAULT_RING_ENTRIES): VirtioDeviceInfo[] {
  const limit = Math.max(0, Math.min(MAX_RING_ENTRIES, Math.floor(ringEntries)));
  return (machine.virtio?.slots ?? []).map((slot) => {
    const d = slot.transport.describe();
    return {
      index: slot.index,
      kind: d.kind,
      deviceId: d.deviceId,
      base: '0x' + slot.base.toString(16),
      sourceId: formatSourceId(slot.sourceId),
      vector: slot.vector,
      status: d.status,
      statusBits: statusBits(d.status),
      negotiatedFeatures: d.negotiatedFeatures,
      interruptStatus: d.interruptStatus,
      problem: d.problem,
      notifications: d.notifications,
      interrupts: d.interrupts,
      dmaFaults: d.dmaFaults,
      queues: d.queues.map((queue) => decodeVirtqueue(machine, slot.sourceId, queue, limit)),
      device: d.device,
    };
  });
}

export function devicesRequest(machine: Machine, args: DevicesArguments = {}): DevicesResult {
  const hypervisor = machine.hypervisor;
  const result: DevicesResult = {
    mode: hypervisor ? 'guest' : 'bare',
    virtio: virtioDevices(machine, args.maxRingEntries),
    iommu: machine.iommu.describe(),
  };
  if (hypervisor) result.hypercalls = hypercallsOf(machine);
  if (hypervisor?.xen) result.xen = describeXen(hypervisor.xen) as unknown as XenInfo;
  if (args.translate) result.translation = translation(machine, args.translate);
  return result;
}

/** The hypercall log and counts of the built-in hypervisor (guest mode), JSON-able. */
export function hypercallsOf(machine: Machine): DevicesResult['hypercalls'] {
  const monitor = machine.hypervisor?.hypercalls;
  if (!monitor) return undefined;
  const described = monitor.describe();
  return { total: described.total, counts: described.counts, log: described.log.map((r) => ({ ...r, args: [...r.args] })) };
}

function translation(machine: Machine, request: NonNullable<DevicesArguments['translate']>): DevicesResult['translation'] {
  const sourceId = parseSourceId(request.sourceId);
  const address = typeof request.address === 'number' ? request.address : Number(parseInteger(request.address) ?? NaN);
  if (!Number.isFinite(address) || address < 0) throw new UserError(`devices: '${String(request.address)}' is not a device address`);
  return machine.iommu.translateTrace(sourceId, address, request.write ?? false);
}

/** A requester id as a number or "bb:dd.f" (hex bus and device, as lspci prints them). */
export function parseSourceId(value: number | string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff) return value;
  const text = String(value).trim();
  const match = /^([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/i.exec(text);
  if (match) {
    const device = parseInt(match[2]!, 16);
    if (device < 32) return (parseInt(match[1]!, 16) << 8) | (device << 3) | parseInt(match[3]!, 10);
  }
  const number = parseInteger(text);
  if (number !== undefined && number >= 0n && number <= 0xffffn) return Number(number);
  throw new UserError(`devices: '${text}' is not a requester id (a number or bus:device.function such as 00:01.0)`);
}
