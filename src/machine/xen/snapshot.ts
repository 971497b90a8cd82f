/** Reverse-execution state of the paravirtual layer: the hypercall log and the Xen personality's state. */
import type { Snapshotable } from '../debug/snapshotable';
import type { HypercallMonitor } from './hypercallLog';
import type { XenPlatform } from './platform';
import type { XenState } from './state';

interface Paravirt {
  readonly hypercalls: HypercallMonitor;
  readonly xen: XenPlatform | undefined;
}

interface ParavirtSnapshot {
  readonly hypercalls: ReturnType<HypercallMonitor['saveState']>;
  readonly xen: XenState | undefined;
}

/** A snapshotable for whatever hypervisor `current()` returns (none in bare mode). */
export function paravirtSnapshotable(current: () => Paravirt | undefined): Snapshotable {
  return {
    snapshotName: 'paravirt',
    saveState: (): ParavirtSnapshot | undefined => {
      const pv = current();
      return pv && { hypercalls: pv.hypercalls.saveState(), xen: pv.xen?.saveState() };
    },
    restoreState: (state) => {
      const saved = state as ParavirtSnapshot | undefined;
      const pv = current();
      if (!saved || !pv) return;
      pv.hypercalls.restoreState(saved.hypercalls);
      if (saved.xen) pv.xen?.restoreState(saved.xen);
    },
  };
}
