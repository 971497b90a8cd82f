// The "EPT" view in Run and Debug: the current VMCS's extended page tables from
// `hyperscope/eptTables` (rows in eptRows.ts); each table is fetched when its entry is
// expanded (by host-physical table address).
import { CustomRequest, type EptTablesResult } from '../protocol/dap';
import type { DebugEvents } from './debugEvents';
import { RequestTreeView } from './requestView';
import { eptChildRows, eptRows } from './eptRows';

export const EPT_VIEW = 'hyperscope.ept';

export function createEptView(events: DebugEvents): RequestTreeView<EptTablesResult> {
  return new RequestTreeView<EptTablesResult>(events, { viewId: EPT_VIEW, command: CustomRequest.eptTables, what: 'EPT', rows: eptRows, children: eptChildRows });
}
