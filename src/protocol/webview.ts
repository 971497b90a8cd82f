// Messages between the page-walk visualizer webview (src/webview) and its panel host
// (src/extension/pageWalkPanel.ts), over postMessage. Imports only the DAP types.
import type { PageWalkResult } from './dap';

/** The webview's view type: panel creation, the serializer and the activation event use it. */
export const PAGE_WALK_VIEW_TYPE = 'hyperscope.pageWalkVisualizer';

export type WalkAccess = 'read' | 'write' | 'execute';

/** What the panel walks: the current RIP (as an instruction fetch), CR2 (the last page-fault address, as a read) or an address the user gave. */
export type WalkTarget = { kind: 'rip' } | { kind: 'cr2' } | { kind: 'address'; address: string; access: WalkAccess };

/** Host → webview. */
export type HostMessage =
  /** A walk to show, with the target it answers. */
  | { type: 'walk'; target: WalkTarget; result: PageWalkResult }
  /** No walk to show (no session, or the request failed), and why. */
  | { type: 'unavailable'; target: WalkTarget; reason: string };

/** What the webview rendered, reported back so tests in the extension host can read it. */
export interface RenderedSummary {
  linear: string;
  /** 'two-dimensional' under EPT, 'one-dimensional' without it; 'none' when no walk is shown. */
  layout: 'two-dimensional' | 'one-dimensional' | 'none';
  /** The numbered accesses in order: "N. <aria label>". */
  accesses: string[];
  /** The headline: translation or stop reason. */
  stop: string;
  /** Cells greyed out because the walk stopped (or shortcut) before them. */
  skippedCells: number;
  tlb: string;
  /** Drawn from the webview's saved state on load (before the host answered), not from a host message. */
  fromState: boolean;
}

/** Webview → host. */
export type WebviewMessage =
  /** The script loaded (again, after the panel was hidden and shown); carries the restored target. */
  | { type: 'ready'; target?: WalkTarget }
  /** The user asked for an address ('rip' or empty: follow RIP again). */
  | { type: 'requestWalk'; address: string; access: WalkAccess }
  | { type: 'rendered'; summary: RenderedSummary };

/** Target named by what the user typed: 'rip' (or nothing) follows RIP, 'cr2' the faulting address. */
export function targetOf(address: string, access: WalkAccess): WalkTarget {
  const trimmed = address.trim();
  const register = trimmed.toLowerCase();
  if (trimmed === '' || register === 'rip') return { kind: 'rip' };
  if (register === 'cr2') return { kind: 'cr2' };
  return { kind: 'address', address: trimmed, access };
}

/** "rip, execute" / "cr2, read" / "0x1000 (write)": what a target walks, in words. */
export function targetLabel(target: WalkTarget): string {
  return target.kind === 'rip' ? 'rip, execute' : target.kind === 'cr2' ? 'cr2, read' : target.access;
}
