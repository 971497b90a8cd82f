// WalkGrid → HTML (pure string building, every value escaped). A table with role="grid":
// one row per guest level, one cell per access, each cell with an aria label that reads
// the whole access ("Access 5: guest PML4[0] at GPA 0x5000 …"). Only classes, no inline
// styles (the CSP forbids them); media/pageWalk.css colours them with theme variables.
import { COLUMN_TITLES, GUEST_COLUMN, LEVEL_NAMES, pageSizeText, stepName, type GridCell, type GridRow, type WalkGrid } from './walkGrid';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** What a cell says to a screen reader: the access in words, or why it is empty. */
export function cellLabel(row: GridRow, column: number, cell: GridCell): string {
  const place = `${row.title} row, ${COLUMN_TITLES[column] ?? ''} column`;
  const step = cell.step;
  if (!step) return `${place}: ${cell.note ?? 'empty'}`;
  const serves = step.table === 'ept' ? ` translating ${row.guestLevel === 0 ? 'the data address' : `the guest ${LEVEL_NAMES[row.guestLevel]} table`}` : '';
  const where = step.table === 'guest' && step.entryAddress !== step.entryHostAddress ? `GPA ${step.entryAddress} (HPA ${step.entryHostAddress})` : `HPA ${step.entryHostAddress}`;
  const flags = step.flags.length ? step.flags.join(' ') : 'no flags';
  const size = step.pageSize ? `, ${pageSizeText(step.pageSize)} page` : '';
  return `Access ${cell.number ?? '?'}: ${step.table === 'guest' ? 'guest ' : ''}${stepName(step)}${serves} at ${where}, value ${step.value}, ${flags}, ${step.outcome}${size}${cell.state === 'stop' ? ' — the walk stops here' : ''}`;
}

function cellBody(cell: GridCell): string {
  const step = cell.step;
  if (!step) return `<span class="note">${escapeHtml(cell.note ?? '')}</span>`;
  const address =
    step.table === 'guest' && step.entryAddress !== step.entryHostAddress
      ? `<span class="addr">gpa ${escapeHtml(step.entryAddress)}</span><span class="addr">hpa ${escapeHtml(step.entryHostAddress)}</span>`
      : `<span class="addr">hpa ${escapeHtml(step.entryHostAddress)}</span>`;
  return [
    `<span class="num" aria-hidden="true">${cell.number ?? ''}</span>`,
    `<span class="name">${escapeHtml(stepName(step))}</span>`,
    address,
    `<span class="value">${escapeHtml(step.value)}</span>`,
    `<span class="flags">${escapeHtml(step.flags.join(' '))}</span>`,
    `<span class="outcome">${escapeHtml(step.outcome)}${step.pageSize ? ` · ${pageSizeText(step.pageSize)}` : ''}</span>`,
  ].join('');
}

function renderCell(row: GridRow, rowIndex: number, column: number, cell: GridCell): string {
  const focusable = rowIndex === 0 && column === 0 ? '0' : '-1';
  const number = cell.number === undefined ? '' : ` data-number="${cell.number}"`;
  return `<td role="gridcell" class="cell ${cell.state}" tabindex="${focusable}" data-row="${rowIndex}" data-column="${column}"${number} aria-label="${escapeHtml(cellLabel(row, column, cell))}">${cellBody(cell)}</td>`;
}

function renderRow(row: GridRow, rowIndex: number): string {
  const gpa = row.guestPhysical ? `<span class="addr">${row.guestLevel === 0 ? 'gpa' : 'entry gpa'} ${escapeHtml(row.guestPhysical)}</span>` : '';
  return `<tr role="row"><th scope="row" role="rowheader"><span class="name">${escapeHtml(row.title)}</span>${gpa}</th>${row.cells.map((cell, column) => renderCell(row, rowIndex, column, cell)).join('')}</tr>`;
}

/** The headline (where and why the walk stopped, TLB) and the grid. */
export function renderGrid(grid: WalkGrid): string {
  const columns = COLUMN_TITLES.map((title, column) =>
    column === GUEST_COLUMN ? `<th scope="col" role="columnheader">Guest entry / data</th>` : `<th scope="col" role="columnheader" class="ept-column">${escapeHtml(title)}</th>`,
  ).join('');
  const caption = `${grid.layout === 'two-dimensional' ? 'Two-dimensional walk (guest paging × EPT)' : 'One-dimensional walk (no EPT)'} of ${grid.linear}: ${grid.accessCount} ${grid.accessCount === 1 ? 'access' : 'accesses'}`;
  return [
    `<div class="summary">`,
    `<p class="stop stop-${grid.stop.kind}" data-stop="${grid.stop.kind}">${escapeHtml(grid.stop.text)}</p>`,
    `<p class="tlb">${escapeHtml(grid.tlb)}</p>`,
    `</div>`,
    `<table class="walk ${grid.layout}" role="grid" aria-label="${escapeHtml(caption)}" data-layout="${grid.layout}">`,
    `<caption>${escapeHtml(caption)}</caption>`,
    `<thead><tr role="row"><th scope="col" role="columnheader">Guest level</th>${columns}</tr></thead>`,
    `<tbody>${grid.rows.map(renderRow).join('')}</tbody>`,
    `</table>`,
  ].join('');
}

/** A message in place of the grid (no session, request failed). */
export function renderMessage(text: string): string {
  return `<div class="summary"><p class="stop stop-none" data-stop="none">${escapeHtml(text)}</p></div>`;
}
