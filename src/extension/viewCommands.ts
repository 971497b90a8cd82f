// Row actions of the tree views: "Open in Memory View" (any row that points at memory:
// page-table and EPT entries, VMCS address fields, page-walk steps) and "Edit Value" on a
// writable VMCS field. The memory view is VS Code's: a `vscode-debug-memory` document
// (`vscode-debug-memory://<session id>/<memory reference>/<name>.bin`, the URI VS Code's
// own "View Binary Data" opens) shown in the hex editor when it is installed; the adapter
// serves it through readMemory/writeMemory, so `gpa:`/`hpa:`/`gva:` references all work.
import * as vscode from 'vscode';
import { CustomRequest, type WriteVmcsFieldArguments, type WriteVmcsFieldResult } from '../protocol/dap';
import { describeError, log } from './outputChannel';
import type { ViewRow } from './viewRow';

export const VIEW_COMMANDS = {
  openMemory: 'hyperscope.openMemory',
  editVmcsField: 'hyperscope.vmcs.editField',
} as const;

/** VS Code's scheme for debug memory documents (its file system provider calls readMemory). */
export const DEBUG_MEMORY_SCHEME = 'vscode-debug-memory';
const HEX_EDITOR_EXTENSION = 'ms-vscode.hexeditor';
const HEX_EDITOR_VIEW = 'hexEditor.hexedit';

/** The document URI of `memoryReference` in `session`, built the way VS Code builds it. */
export function memoryUri(sessionId: string, memoryReference: string, displayName = memoryReference.replace(/:/g, '-')): vscode.Uri {
  return vscode.Uri.from({ scheme: DEBUG_MEMORY_SCHEME, authority: sessionId, path: `/${encodeURIComponent(memoryReference)}/${encodeURIComponent(displayName)}.bin` });
}

function memoryOf(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  const memory = (target as ViewRow | null | undefined)?.memory;
  return typeof memory === 'string' ? memory : undefined;
}

function hyperscopeSession(): vscode.DebugSession | undefined {
  const session = vscode.debug.activeDebugSession;
  return session?.type === 'hyperscope' ? session : undefined;
}

/** Opens the memory a row (or a reference string) points at; returns the document URI, or undefined when there is nothing to open. */
export async function openMemory(target: unknown): Promise<vscode.Uri | undefined> {
  const reference = memoryOf(target);
  const session = hyperscopeSession();
  if (!reference || !session) {
    void vscode.window.showInformationMessage(!session ? 'Hyperscope: open memory while a Hyperscope debug session is active.' : 'Hyperscope: this row does not point at memory.');
    return undefined;
  }
  const uri = memoryUri(session.id, reference);
  log().info(`opening memory ${reference} (${uri.toString()})`);
  if (vscode.extensions.getExtension(HEX_EDITOR_EXTENSION)) await vscode.commands.executeCommand('vscode.openWith', uri, HEX_EDITOR_VIEW, { preview: false });
  else {
    await vscode.commands.executeCommand('vscode.open', uri, { preview: false });
    void vscode.window.showInformationMessage('Hyperscope: install the Hex Editor extension (ms-vscode.hexeditor) to browse and edit this memory as bytes.');
  }
  return uri;
}

/**
 * "Edit Value" on a writable VMCS field: asks for the value (a number or an expression
 * such as `rax + 8`; tests pass it) and writes it through `hyperscope/writeVmcsField`,
 * which validates it and writes it through VMWRITE's path. The adapter's state-changed
 * event refreshes the views.
 */
export async function editVmcsField(target: unknown, typed?: string): Promise<WriteVmcsFieldResult | undefined> {
  const field = (target as ViewRow | null | undefined)?.vmcsField;
  const session = hyperscopeSession();
  if (!field || !session) return undefined;
  const value = typed ?? (await vscode.window.showInputBox({ title: `Edit ${field.name}`, prompt: 'New value: a number (0x…) or an expression over registers and labels', value: field.value, validateInput: (text) => (text.trim() ? undefined : 'Enter a value') }));
  if (value === undefined) return undefined;
  try {
    const args: WriteVmcsFieldArguments = { field: field.name, value };
    const result = (await session.customRequest(CustomRequest.writeVmcsField, args)) as WriteVmcsFieldResult;
    log().info(`VMCS ${result.name} = ${result.value}${result.note ? ` (${result.note})` : ''}`);
    if (result.note) void vscode.window.showInformationMessage(`Hyperscope: ${result.name} = ${result.value}: ${result.note}`);
    return result;
  } catch (error) {
    void vscode.window.showErrorMessage(`Hyperscope: cannot set ${field.name}: ${describeError(error)}`);
    return undefined;
  }
}

export function registerViewCommands(): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(VIEW_COMMANDS.openMemory, (target?: unknown) => openMemory(target)),
    vscode.commands.registerCommand(VIEW_COMMANDS.editVmcsField, (target?: unknown, value?: unknown) => editVmcsField(target, typeof value === 'string' ? value : undefined)),
  );
}
