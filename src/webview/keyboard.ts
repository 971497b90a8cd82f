/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Arrow-key navigation of the walk grid (the ARIA grid pattern with a roving tabindex):
// one cell is in the tab order; arrows move focus between cells, Home/End to the row's
// ends, Ctrl+Home/Ctrl+End to the first/last cell, N / Shift+N to the next/previous
// numbered access in walk order.

const MOVES: Record<string, (row: number, column: number, rows: number, columns: number) => [number, number]> = {
  ArrowRight: (r, c, _rows, columns) => [r, Math.min(c + 1, columns - 1)],
  ArrowLeft: (r, c) => [r, Math.max(c - 1, 0)],
  ArrowDown: (r, c, rows) => [Math.min(r + 1, rows - 1), c],
  ArrowUp: (r, c) => [Math.max(r - 1, 0), c],
  Home: (r) => [r, 0],
  End: (r, _c, _rows, columns) => [r, columns - 1],
};

function cellAt(root: ParentNode, row: number, column: number): HTMLElement | null {
  return root.querySelector<HTMLElement>(`[role="gridcell"][data-row="${row}"][data-column="${column}"]`);
}

function position(cell: HTMLElement): [number, number] {
  return [Number(cell.dataset.row), Number(cell.dataset.column)];
}

/** Makes `cell` the one tab stop of the grid and focuses it. */
export function focusCell(root: ParentNode, cell: HTMLElement): void {
  for (const other of root.querySelectorAll<HTMLElement>('[role="gridcell"][tabindex="0"]')) other.tabIndex = -1;
  cell.tabIndex = 0;
  cell.focus();
}

/** The cell of the numbered access after (or before) `from` in walk order. */
function numberedNeighbour(root: ParentNode, from: HTMLElement, step: 1 | -1): HTMLElement | null {
  const cells = [...root.querySelectorAll<HTMLElement>('[role="gridcell"][data-number]')].sort((a, b) => Number(a.dataset.number) - Number(b.dataset.number));
  const current = Number(from.dataset.number ?? (step > 0 ? 0 : cells.length + 1));
  return (step > 0 ? cells.find((c) => Number(c.dataset.number) > current) : [...cells].reverse().find((c) => Number(c.dataset.number) < current)) ?? null;
}

function target(root: ParentNode, cell: HTMLElement, event: KeyboardEvent): HTMLElement | null {
  const all = root.querySelectorAll<HTMLElement>('[role="gridcell"]');
  const last = all[all.length - 1];
  if (!last) return null;
  const [rows, columns] = position(last).map((n) => n + 1) as [number, number];
  if (event.ctrlKey && event.key === 'Home') return cellAt(root, 0, 0);
  if (event.ctrlKey && event.key === 'End') return last;
  if (event.key === 'n' || event.key === 'N') return numberedNeighbour(root, cell, event.shiftKey ? -1 : 1);
  const move = MOVES[event.key];
  if (!move) return null;
  const [row, column] = position(cell);
  const [toRow, toColumn] = move(row, column, rows, columns);
  return cellAt(root, toRow, toColumn);
}

/** Handles navigation keys for every grid rendered inside `root`, now and later. */
export function installGridKeyboard(root: HTMLElement): void {
  root.addEventListener('keydown', (event) => {
    const cell = (event.target as Element | null)?.closest<HTMLElement>('[role="gridcell"]');
    if (!cell || !root.contains(cell)) return;
    const next = target(root, cell, event);
    if (!next) return;
    event.preventDefault();
    focusCell(root, next);
  });
}
