// A row of Hyperscope's tree views as plain data: the tree providers render it, and tests
// read the same rows through the extension's API.
import * as vscode from 'vscode';

export interface ViewRow {
  label: string;
  description?: string;
  tooltip?: string;
  children?: ViewRow[];
  /** Expanded at first render (default: collapsed when it has children). */
  expanded?: boolean;
  /** `contextValue`, for row menus. */
  context?: string;
  /** The guest-virtual address the row stands for (row commands act on it). */
  address?: string;
  /** A codicon id for the row's icon (e.g. `lock`). */
  icon?: string;
  /** Where the row points in memory (`gpa:0x…`, `hpa:0x…`, `gva:0x…`): "Open in Memory View" opens it. */
  memory?: string;
  /** Arguments of the view's request that lists this row's children (expanded lazily, then kept in `children`). */
  expand?: object;
  /** A VMCS field row: the field's name and value ("Edit Value" writes it). */
  vmcsField?: { name: string; value: string };
}

/** The TreeItem for a row. */
export function rowItem(row: ViewRow): vscode.TreeItem {
  const state = !row.children?.length && !row.expand ? vscode.TreeItemCollapsibleState.None : row.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
  const item = new vscode.TreeItem(row.label, state);
  item.description = row.description;
  item.tooltip = row.tooltip;
  item.contextValue = row.context;
  if (row.icon) item.iconPath = new vscode.ThemeIcon(row.icon);
  return item;
}
