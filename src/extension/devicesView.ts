// The "Devices" view in Run and Debug: the machine's devices from `hyperscope/devices`
// (rows in devicesRows.ts) — virtio queues, the IOMMU's tables and faults, hypercalls,
// Xen event channels and grant table — refreshed on every stop.
import { CustomRequest, type DevicesResult } from '../protocol/dap';
import type { DebugEvents } from './debugEvents';
import { RequestTreeView } from './requestView';
import { devicesRows } from './devicesRows';

export const DEVICES_VIEW = 'hyperscope.devices';

export function createDevicesView(events: DebugEvents): RequestTreeView<DevicesResult> {
  return new RequestTreeView<DevicesResult>(events, { viewId: DEVICES_VIEW, command: CustomRequest.devices, what: 'Devices', rows: devicesRows });
}
