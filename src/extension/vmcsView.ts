// The "VMCS" view in Run and Debug: the current VMCS from `hyperscope/vmcs`, grouped
// (controls, exit information, guest state, host state); read-only fields marked with a
// lock, writable ones with a pencil; control words expand to their named bits.
import type { VmcsFieldInfo, VmcsGroupInfo, VmcsResult } from '../protocol/dap';
import { CustomRequest } from '../protocol/dap';
import type { DebugEvents } from './debugEvents';
import { RequestTreeView } from './requestView';
import type { ViewRow } from './viewRow';

export const VMCS_VIEW = 'hyperscope.vmcs';

function fieldRow(field: VmcsFieldInfo): ViewRow {
  const access = field.readOnly ? 'read-only' : 'writable';
  const encoding = `0x${field.encoding.toString(16).padStart(4, '0')}`;
  return {
    label: field.name,
    description: `${field.value}${field.decoded !== undefined ? ` · ${field.decoded}` : ''} · ${access}`,
    tooltip: `${field.name} (encoding ${encoding}, ${access})\n${field.value}${field.decoded !== undefined ? `\n${field.decoded}` : ''}`,
    icon: field.readOnly ? 'lock' : 'edit',
    context: `${field.readOnly ? 'hyperscope.vmcsField.readOnly' : 'hyperscope.vmcsField.writable'}${field.memoryReference ? '.memory' : ''}`,
    vmcsField: { name: field.name, value: field.value },
    ...(field.memoryReference ? { memory: field.memoryReference } : {}),
    children: field.bits?.map((b) => ({ label: b.name, description: `bit ${b.bit} = ${b.set ? 1 : 0}`, icon: b.set ? 'pass-filled' : 'circle-large-outline' })),
  };
}

function groupRow(group: VmcsGroupInfo): ViewRow {
  const reason = group.group === 'Exit information' ? group.fields.find((f) => f.name === 'VM_EXIT_REASON') : undefined;
  const reasonText = reason ? `exit reason ${Number(BigInt(reason.value) & 0xffffn)} (${reason.decoded ?? '?'})` : undefined;
  return {
    label: group.group,
    description: reasonText ?? `${group.fields.length} fields`,
    children: group.fields.map(fieldRow),
    expanded: group.group === 'Exit information',
    icon: group.group === 'Exit information' ? 'lock' : 'symbol-namespace',
  };
}

/** The rows for one result: the groups, or a message when there is no current VMCS. */
export function vmcsRows(result: VmcsResult): ViewRow[] {
  if (!result.available) return [{ label: result.reason, icon: 'info' }];
  return result.groups.map(groupRow);
}

export function createVmcsView(events: DebugEvents): RequestTreeView<VmcsResult> {
  return new RequestTreeView<VmcsResult>(events, { viewId: VMCS_VIEW, command: CustomRequest.vmcs, what: 'VMCS', rows: vmcsRows });
}
