/** State that reverse execution must save and restore (CPU, devices, VMX). */
export interface Snapshotable {
  /** A name for error messages. */
  readonly snapshotName: string;
  /** Returns an immutable copy of the state. */
  saveState(): unknown;
  /** Restores a value previously returned by `saveState`. */
  restoreState(state: unknown): void;
}
