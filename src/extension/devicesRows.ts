// The Devices view's rows (plain data, no `vscode`): each virtio device (status, counters,
// queues with descriptors and rings), the IOMMU (translation state, registers, root and
// context entries, domains, fault records, blocked DMAs, IOTLB), the hypercall log and
// counts, and the Xen event channels and grant table. Queue areas and IOMMU tables carry
// memory references ("Open in Memory View").
import type { DevicesResult, HypercallsInfo, IommuInfo, VirtioDeviceInfo, VirtqueueInfo, XenInfo } from '../protocol/dap';
import type { ViewRow } from './viewRow';

const hex = (n: number): string => '0x' + n.toString(16);
const LOG_ROWS = 32;
/** "1 domain", "2 domains". */
const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

function queueRow(queue: VirtqueueInfo, space: string): ViewRow {
  const children: ViewRow[] = [
    { label: 'descriptor table', description: queue.desc, memory: `${space}:${queue.desc}`, children: queue.descriptors.map((d) => ({ label: `desc[${d.index}]`, description: `${d.addr} len ${d.len}${d.flags.length ? ` ${d.flags.join('|')}` : ''}${d.flags.includes('NEXT') ? ` → ${d.next}` : ''}`, memory: `${space}:${d.addr}` })) },
    { label: 'available ring', description: queue.avail ? `idx ${queue.avail.idx}, flags ${queue.avail.flags}` : queue.driver, memory: `${space}:${queue.driver}`, children: queue.avail?.ring.map((head, i) => ({ label: `ring[${i}]`, description: `head ${head}` })) },
    { label: 'used ring', description: queue.used ? `idx ${queue.used.idx}, flags ${queue.used.flags}` : queue.device, memory: `${space}:${queue.device}`, children: queue.used?.ring.map((e, i) => ({ label: `ring[${i}]`, description: `id ${e.id}, len ${e.len}` })) },
  ];
  if (queue.unreadable) children.push({ label: 'unreadable', description: queue.unreadable, icon: 'warning' });
  return {
    label: `queue ${queue.index}`,
    description: queue.ready ? `size ${queue.size} · next avail ${queue.lastAvail} · used ${queue.usedIdx} · ${queue.served} served` : 'not ready',
    icon: queue.ready ? 'list-ordered' : 'circle-slash',
    children: queue.ready ? children : undefined,
  };
}

function virtioRow(device: VirtioDeviceInfo, space: string, registers: 'gpa' | 'hpa'): ViewRow {
  const served = device.queues.reduce((sum, q) => sum + q.served, 0);
  const details: ViewRow[] = [
    { label: 'status', description: `${hex(device.status)} ${device.statusBits.join(' | ') || '(reset)'}` },
    { label: 'registers', description: `${registers} ${device.base} · vector ${hex(device.vector)}`, memory: `${registers}:${device.base}` },
    { label: 'features', description: device.negotiatedFeatures },
    { label: 'counters', description: `${count(device.notifications, 'notification')} · ${count(device.interrupts, 'interrupt')} · ${count(device.dmaFaults, 'DMA fault')}` },
    ...(device.problem ? [{ label: 'problem', description: device.problem, icon: 'error' }] : []),
    ...device.queues.map((q) => queueRow(q, space)),
    { label: 'device', description: Object.entries(device.device).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' · ') },
  ];
  return { label: `virtio-${device.kind} ${device.sourceId}`, description: `${device.statusBits.includes('DRIVER_OK') ? 'DRIVER_OK' : device.statusBits.join('|') || 'reset'} · ${served} served${device.dmaFaults ? ` · ${count(device.dmaFaults, 'DMA fault')}` : ''}`, icon: device.problem ? 'error' : 'plug', children: details };
}

function iommuRow(iommu: IommuInfo): ViewRow {
  const faults = iommu.faultLog.length;
  const roots: ViewRow[] = iommu.rootEntries.map((root) => ({
    label: `bus ${hex(root.bus)}`,
    description: `${root.value} · ${root.outcome === 'next' ? root.flags.join(' ') : root.outcome}`,
    memory: `hpa:${hex(root.entryAddress)}`,
    children: root.contexts.map((c) => ({ label: `${c.name}`, description: `${c.outcome === 'next' ? c.flags.slice(1).join(' ') : `${c.outcome} · ${c.flags.join(' ')}`}`, tooltip: `context entry at hpa ${hex(c.entryAddress)}\n${c.valueHigh} ${c.value}`, memory: `hpa:${hex(c.entryAddress)}`, icon: c.outcome === 'next' ? 'pass' : 'warning' })),
  }));
  const children: ViewRow[] = [
    { label: 'registers', children: Object.entries(iommu.registers).map(([name, value]) => ({ label: name, description: value })) },
    { label: 'root table', description: iommu.rootTablePointerSet ? hex(iommu.rootTable) : 'not set (GCMD.SRTP never written)', memory: iommu.rootTablePointerSet ? `hpa:${hex(iommu.rootTable)}` : undefined, children: roots, expanded: roots.length > 0 && roots.length < 4 },
    { label: 'domains', description: `${iommu.domains.length}`, children: iommu.domains.map((d) => ({ label: `domain ${d.domainId}`, description: `${d.sourceIds.join(', ')} · second level ${hex(d.secondLevelRoot)}`, memory: `hpa:${hex(d.secondLevelRoot)}` })) },
    {
      label: 'fault records',
      description: `${iommu.faultRecords.length}${iommu.faultStatus.overflow ? ' · overflow (PFO)' : ''}${iommu.faultStatus.interruptPending ? ' · interrupt pending' : ''}`,
      children: iommu.faultRecords.map((r) => ({ label: `FRCD${r.index}`, description: `${r.sourceId} ${r.type} ${hex(r.address)} · ${r.reasonName} (${hex(r.reason)})`, icon: 'error' })),
    },
    {
      label: 'blocked DMAs',
      description: `${faults}`,
      children: [...iommu.faultLog].reverse().map((f) => ({ label: `${f.write ? 'write' : 'read'} ${hex(f.address)}`, description: `source ${hex(f.sourceId)} · ${f.reasonName} (${hex(f.reason)})${f.suppressed ? ' · FPD: not recorded' : f.overflow ? ' · dropped (overflow)' : ''}`, tooltip: f.text, icon: 'error' })),
    },
    { label: 'IOTLB', description: `${iommu.iotlb.size} / ${iommu.iotlb.capacity} entries · context cache ${iommu.contextCache.join(', ') || 'empty'}`, children: iommu.iotlb.entries.map((e) => ({ label: `domain ${e.domainId} ${hex(e.address)}`, description: `→ ${hex(e.hostPhysical)} · ${e.pageSize >= 1 << 20 ? `${e.pageSize >> 20} MiB` : '4 KiB'} · ${e.read ? 'R' : '-'}${e.write ? 'W' : '-'}` })) },
  ];
  return { label: 'IOMMU (VT-d)', description: `${iommu.translationEnabled ? 'translation on' : 'translation off'} · ${count(iommu.domains.length, 'domain')} · ${count(faults, 'blocked DMA')}`, icon: faults > 0 ? 'warning' : 'shield', children, expanded: faults > 0 };
}

function hypercallsRow(hypercalls: HypercallsInfo): ViewRow {
  const counts = Object.entries(hypercalls.counts).sort(([, a], [, b]) => b - a);
  return {
    label: 'Hypercalls',
    description: count(hypercalls.total, 'call'),
    icon: 'call-outgoing',
    children: [
      { label: 'counts', children: counts.map(([name, count]) => ({ label: name, description: `×${count}` })) },
      { label: 'log', description: `latest ${Math.min(LOG_ROWS, hypercalls.log.length)}`, children: hypercalls.log.slice(-LOG_ROWS).reverse().map((r) => ({ label: `${r.name} (${r.number})`, description: `(${r.args.join(', ')}) → ${r.result}${r.error ? ` ${r.error}` : ''} · rip ${r.rip}`, icon: r.error ? 'error' : undefined })) },
    ],
  };
}

function xenRow(xen: XenInfo): ViewRow {
  return {
    label: 'Xen',
    description: `${count(xen.eventChannels.length, 'event channel')} · ${count(xen.grantTable.entries.length, 'grant')}`,
    icon: 'server-process',
    children: [
      { label: 'event channels', children: xen.eventChannels.map((c) => ({ label: `port ${c.port}`, description: `${c.state}${c.virq !== undefined ? ` virq ${c.virq}` : ''}${c.remotePort !== undefined ? ` → dom${c.remoteDomain ?? '?'} port ${c.remotePort}` : c.remoteDomain !== undefined ? ` dom${c.remoteDomain}` : ''}${c.pending ? ' · pending' : ''}${c.masked ? ' · masked' : ''}` })) },
      { label: 'grant table', description: `${xen.grantTable.frames} / ${xen.grantTable.maxFrames} frames`, children: xen.grantTable.entries.map((g) => ({ label: `ref ${g.ref}`, description: `${g.flags.join(' ')} · dom${g.domid} · frame ${hex(g.frame)}` })) },
      { label: 'upcalls', description: `${xen.upcalls}${xen.upcallPending ? ' · pending' : ''}${xen.callbackVector !== null ? ` · vector ${hex(xen.callbackVector)}` : ''}` },
    ],
  };
}

/** Rows pointing at memory get the context value the "Open in Memory View" action is offered on. */
function markMemory(rows: ViewRow[]): ViewRow[] {
  for (const row of rows) {
    if (row.memory?.startsWith(':')) row.memory = undefined; // no address space to name
    if (row.memory && !row.context) row.context = 'hyperscope.deviceRow.memory';
    if (row.children) markMemory(row.children);
  }
  return rows;
}

export function devicesRows(result: DevicesResult): ViewRow[] {
  // device addresses are guest-physical in guest mode (the built-in hypervisor maps them 1:1),
  // host-physical in bare mode while translation is off, and IOVAs (no memory link) otherwise
  const space = result.mode === 'guest' ? 'gpa' : result.iommu.translationEnabled ? '' : 'hpa';
  const rows = result.virtio.map((d) => virtioRow(d, space, result.mode === 'guest' ? 'gpa' : 'hpa'));
  if (rows.length === 0) rows.push({ label: 'no virtio devices', description: 'add "devices" to the launch configuration', icon: 'info' });
  rows.push(iommuRow(result.iommu));
  if (result.hypercalls) rows.push(hypercallsRow(result.hypercalls));
  if (result.xen) rows.push(xenRow(result.xen));
  return markMemory(rows);
}
