/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The visualizer's page: an address form over the walk grid. Shows what the host posts,
// remembers it (so a panel hidden and shown again redraws at once), tells the host when it
// is ready and what it rendered. main.ts mounts it with the real VS Code API; tests mount it
// in jsdom with a fake.
import type { HostMessage, RenderedSummary, WalkAccess, WalkTarget } from '../protocol/webview';
import { focusCell, installGridKeyboard } from './keyboard';
import { renderGrid, renderMessage } from './render';
import { StateStore, type WebviewApi } from './state';
import { buildGrid } from './walkGrid';

const FORM = `<form class="ask" aria-label="Address to walk">
<label for="address">Guest-virtual address</label>
<input id="address" name="address" type="text" spellcheck="false" autocomplete="off" placeholder="0x100000, or rip" aria-describedby="address-help">
<select id="access" name="access" aria-label="Access kind"><option value="read">read</option><option value="write">write</option><option value="execute">execute</option></select>
<button type="submit" id="walk-button">Walk</button>
<button type="button" id="rip-button">Follow RIP</button>
<button type="button" id="cr2-button" title="Walk CR2, the address of the last page fault">Faulting address (CR2)</button>
<span id="address-help" class="help">Enter walks the address; arrow keys move between accesses, N / Shift+N in walk order.</span>
</form>
<p id="announce" class="visually-hidden" role="status"></p>
<div id="walk"></div>`;

const ACCESSES: readonly WalkAccess[] = ['read', 'write', 'execute'];

function describeTarget(target: WalkTarget | undefined): string {
  return !target ? 'rip' : target.kind === 'address' ? target.address : target.kind;
}

/** What the walk element shows now, read back from the DOM (the host's tests assert on it). */
export function summarize(walk: ParentNode, fromState = false): RenderedSummary {
  const table = walk.querySelector<HTMLElement>('table[role="grid"]');
  const accesses = [...walk.querySelectorAll<HTMLElement>('[role="gridcell"][data-number]')]
    .sort((a, b) => Number(a.dataset.number) - Number(b.dataset.number))
    .map((cell) => `${cell.dataset.number}. ${cell.getAttribute('aria-label') ?? ''}`);
  const layout = table?.dataset.layout;
  return {
    linear: /of (\S+):/.exec(table?.getAttribute('aria-label') ?? '')?.[1] ?? '',
    layout: layout === 'two-dimensional' || layout === 'one-dimensional' ? layout : 'none',
    accesses,
    stop: walk.querySelector('.stop')?.textContent ?? '',
    skippedCells: walk.querySelectorAll('[role="gridcell"].skipped').length,
    tlb: walk.querySelector('.tlb')?.textContent ?? '',
    fromState,
  };
}

/** The grid position that has keyboard focus, if focus is in the grid. */
function focusedPosition(walk: HTMLElement): { row: string; column: string } | undefined {
  const cell = walk.ownerDocument.activeElement as HTMLElement | null;
  if (!cell || !walk.contains(cell) || cell.getAttribute('role') !== 'gridcell') return undefined;
  return { row: cell.dataset.row ?? '0', column: cell.dataset.column ?? '0' };
}

/** After a redraw (a new stop), keeps keyboard focus on the same grid position. */
function refocus(walk: HTMLElement, position: { row: string; column: string }): void {
  const cell = walk.querySelector<HTMLElement>(`[role="gridcell"][data-row="${position.row}"][data-column="${position.column}"]`);
  if (cell) focusCell(walk, cell);
}

export function mount(root: HTMLElement, api: WebviewApi): void {
  const store = new StateStore(api);
  root.innerHTML = FORM;
  const form = root.querySelector('form') as HTMLFormElement;
  const input = root.querySelector('#address') as HTMLInputElement;
  const access = root.querySelector('#access') as HTMLSelectElement;
  const walk = root.querySelector('#walk') as HTMLElement;
  const announce = root.querySelector('#announce') as HTMLElement;
  installGridKeyboard(walk);

  const show = (message: HostMessage, fromState = false): void => {
    const focused = focusedPosition(walk);
    walk.innerHTML = message.type === 'walk' ? renderGrid(buildGrid(message.result)) : renderMessage(message.reason);
    if (focused) refocus(walk, focused);
    // One live region that outlives the redraws: screen readers hear the headline, not the whole grid.
    announce.textContent = walk.querySelector('.stop')?.textContent ?? '';
    input.value = describeTarget(message.target);
    if (message.target.kind === 'address') access.value = message.target.access;
    store.update({ last: message, target: message.target });
    api.postMessage({ type: 'rendered', summary: summarize(walk, fromState) });
  };
  const request = (address: string): void => {
    const kind = ACCESSES.find((a) => a === access.value) ?? 'read';
    api.postMessage({ type: 'requestWalk', address, access: kind });
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    request(input.value);
  });
  root.querySelector('#rip-button')?.addEventListener('click', () => request('rip'));
  root.querySelector('#cr2-button')?.addEventListener('click', () => request('cr2'));
  window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
    const message = event.data;
    if (message && (message.type === 'walk' || message.type === 'unavailable')) show(message);
  });

  const restored = store.current;
  if (restored.last) show(restored.last, true);
  else walk.innerHTML = renderMessage('Start a Hyperscope debug session and stop it: the walk of RIP appears here.');
  api.postMessage({ type: 'ready', target: restored.target });
}
