// The "Devices" scope: the `hyperscope/devices` picture as a variables tree — one node
// per virtio device (status, counters, queues with descriptors and rings), the IOMMU
// (translation state, root/context entries, domains, fault records and log, IOTLB), the
// hypercall log and counts (guest mode), and the Xen event channels and grant table.
// References are numbered by path, so expanded nodes stay expanded across stops; the
// picture is taken once per stop (when the client asks for scopes). The scope appears while
// there is something to show (virtio devices, guest mode, or an IOMMU that is on or faulted).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Machine } from '../machine/machine';
import type { DevicesResult } from '../protocol/dap';
import { devicesRequest } from './devicesRequest';
import type { ScopeProvider } from './variables';

type Json = string | number | boolean | null | undefined | Json[] | { [key: string]: Json };

/** Keys whose numbers are addresses (shown in hex). */
const ADDRESS_KEYS = /address|base|table|root|hostphysical|secondlevel|^gpa|^hpa/i;
const MAX_REFERENCES = 4000;

function isObject(value: Json): value is { [key: string]: Json } | Json[] {
  return typeof value === 'object' && value !== null;
}

function show(key: string, value: Json): string {
  if (typeof value === 'number') return ADDRESS_KEYS.test(key) ? '0x' + value.toString(16) : String(value);
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.every((v) => !isObject(v)) && value.length <= 8 ? value.map((v) => show(key, v)).join(', ') : `${value.length} items`;
  const parts = Object.entries(value).filter(([, v]) => !isObject(v) && v !== undefined).slice(0, 4).map(([k, v]) => `${k}: ${show(k, v)}`);
  return parts.length > 0 ? parts.join(', ') : `${Object.keys(value).length} entries`;
}

/** A row's name for an array element: its name/kind/port/ref if it has one. */
function elementName(value: Json, index: number): string {
  if (isObject(value) && !Array.isArray(value)) {
    for (const key of ['name', 'kind', 'port', 'ref', 'bus', 'index', 'domainId']) {
      const label = value[key];
      if (typeof label === 'string' || typeof label === 'number') return key === 'name' || key === 'kind' ? `[${index}] ${label}` : `[${index}] ${key} ${label}`;
    }
  }
  return `[${index}]`;
}

/** The scope's top level: the parts that exist for this machine. */
export function devicesTree(result: DevicesResult): { [key: string]: Json } {
  const tree: { [key: string]: Json } = {};
  tree['mode'] = result.mode;
  for (const device of result.virtio) tree[`virtio-${device.kind} ${device.sourceId}`] = device as unknown as Json;
  tree['IOMMU'] = result.iommu as unknown as Json;
  if (result.hypercalls) tree['Hypercalls'] = result.hypercalls as unknown as Json;
  if (result.xen) tree['Xen'] = result.xen as unknown as Json;
  return tree;
}

export class DevicesScope implements ScopeProvider {
  private readonly paths = new Map<string, number>();
  private readonly byReference = new Map<number, string[]>();
  private snapshot: { [key: string]: Json } | undefined;

  constructor(
    private readonly first: number,
    private readonly machine: () => Machine | undefined,
  ) {}

  scopes(): DebugProtocol.Scope[] {
    this.snapshot = undefined; // a new stop: take a new picture on demand
    const machine = this.machine();
    // shown while there is something to show: devices, guest mode (hypercalls), an IOMMU in use
    if (!machine || (!machine.virtio && !machine.hypervisor && !machine.iommu.translationEnabled && machine.iommu.faultLog.length === 0)) return [];
    return [{ name: 'Devices', variablesReference: this.referenceFor([]), expensive: true }];
  }

  variables(reference: number): DebugProtocol.Variable[] | undefined {
    const path = this.byReference.get(reference);
    if (path === undefined) return undefined;
    const machine = this.machine();
    if (!machine) return [];
    this.snapshot ??= devicesTree(devicesRequest(machine));
    let node: Json = this.snapshot;
    for (const key of path) node = isObject(node) ? (node as Record<string, Json>)[key] : undefined;
    if (!isObject(node)) return [];
    const entries: [string, string, Json][] = Array.isArray(node) ? node.map((v, i) => [String(i), elementName(v, i), v]) : Object.entries(node).filter(([, v]) => v !== undefined).map(([k, v]) => [k, k, v]);
    return entries.map(([key, name, value]) => {
      const children = isObject(value) && (Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0);
      return { name, value: show(key, value), variablesReference: children ? this.referenceFor([...path, key]) : 0, type: 'device state' };
    });
  }

  private referenceFor(path: string[]): number {
    const key = path.join('\u0000');
    let reference = this.paths.get(key);
    if (reference === undefined) {
      if (this.paths.size >= MAX_REFERENCES) return 0;
      reference = this.first + this.paths.size;
      this.paths.set(key, reference);
      this.byReference.set(reference, path);
    }
    return reference;
  }
}
