/**
 * Primary fault logging (VT-d 7.3.1): a ring of fault-recording registers (128 bits each),
 * FSTS (PFO overflow, PPF pending, FRI next index) and the fault event interrupt
 * (FECTL/FEDATA/FEADDR). A fault goes to the register at FRI; if that register still holds
 * an unserviced fault (F = 1) or PFO is already set, the fault is dropped and PFO is set.
 * An interrupt message is generated only when no fault condition was pending before.
 */
import type { InterruptSink } from '../devices/dma';
import { FAULT_RECORD_COUNT, Fectl, Fsts } from './registers';

export interface FaultRecord {
  /** F: the record holds an unserviced fault. */
  valid: boolean;
  /** Faulting page address (FI, bits 63:12). */
  pageAddress: number;
  sourceId: number;
  reason: number;
  /** T: true for a read request, false for a write. */
  read: boolean;
}

export interface FaultRecordingState {
  readonly records: FaultRecord[];
  readonly nextIndex: number;
  readonly overflow: boolean;
  readonly fectl: number;
  readonly fedata: number;
  readonly feaddr: number;
  readonly feuaddr: number;
}

const TWO32 = 4294967296;

export class FaultRecording {
  records: FaultRecord[] = emptyRecords();
  nextIndex = 0;
  overflow = false;
  /** IM (reset 1) and IP. */
  fectl = Fectl.IM >>> 0;
  fedata = 0;
  feaddr = 0;
  feuaddr = 0;
  /** Where fault event interrupts go (the vector is FEDATA bits 7:0). */
  interruptSink: InterruptSink | undefined;

  get pending(): boolean {
    return this.records.some((record) => record.valid);
  }

  /** FSTS: PFO, PPF, FRI. */
  get status(): number {
    return (this.overflow ? Fsts.PFO : 0) | (this.pending ? Fsts.PPF : 0) | (this.nextIndex << Fsts.FRI_SHIFT);
  }

  /** Records a fault; returns its record index, or 'overflow' when it was dropped. */
  record(sourceId: number, address: number, write: boolean, reason: number): number | 'overflow' {
    const wasPending = this.overflow || this.pending;
    if (this.overflow) return 'overflow';
    const slot = this.records[this.nextIndex]!;
    if (slot.valid) {
      this.overflow = true;
      if (!wasPending) this.event();
      return 'overflow';
    }
    const index = this.nextIndex;
    Object.assign(slot, { valid: true, pageAddress: address - (address % 4096), sourceId: sourceId & 0xffff, reason, read: !write });
    this.nextIndex = (this.nextIndex + 1) % this.records.length;
    if (!wasPending) this.event();
    return index;
  }

  /** Reads dword `dword` (0–3) of fault-recording register `index`. */
  readRecord(index: number, dword: number): number {
    const record = this.records[index];
    if (record === undefined || !record.valid) return 0;
    switch (dword) {
      case 0:
        return (record.pageAddress % TWO32) >>> 0;
      case 1:
        return Math.floor(record.pageAddress / TWO32) >>> 0;
      case 2:
        return record.sourceId;
      default:
        return (record.reason | (record.read ? 1 << 30 : 0) | (1 << 31)) >>> 0;
    }
  }

  /** Writes to a record: only F (bit 127) is writable, and only by writing 1 (clear). */
  writeRecord(index: number, dword: number, value: number): void {
    const record = this.records[index];
    if (record === undefined || dword !== 3 || (value & (1 << 31)) === 0) return;
    record.valid = false;
    this.maybeClearPending();
  }

  /** FSTS write: PFO is write-1-to-clear; PPF and FRI are read-only. */
  writeStatus(value: number): void {
    if (value & Fsts.PFO) this.overflow = false;
    this.maybeClearPending();
  }

  /** FECTL write: IM is writable; unmasking with IP set sends the held interrupt. */
  writeControl(value: number): void {
    const masked = (value & Fectl.IM) !== 0;
    this.fectl = ((this.fectl & Fectl.IP) | (masked ? Fectl.IM : 0)) >>> 0;
    if (!masked && this.fectl & Fectl.IP) {
      this.fectl = 0;
      this.send();
    }
  }

  saveState(): FaultRecordingState {
    return { records: this.records.map((record) => ({ ...record })), nextIndex: this.nextIndex, overflow: this.overflow, fectl: this.fectl, fedata: this.fedata, feaddr: this.feaddr, feuaddr: this.feuaddr };
  }

  restoreState(state: FaultRecordingState): void {
    this.records = state.records.map((record) => ({ ...record }));
    Object.assign(this, { nextIndex: state.nextIndex, overflow: state.overflow, fectl: state.fectl, fedata: state.fedata, feaddr: state.feaddr, feuaddr: state.feuaddr });
  }

  reset(): void {
    this.restoreState({ records: emptyRecords(), nextIndex: 0, overflow: false, fectl: Fectl.IM >>> 0, fedata: 0, feaddr: 0, feuaddr: 0 });
  }

  private event(): void {
    if (this.fectl & Fectl.IM) this.fectl = (this.fectl | Fectl.IP) >>> 0;
    else this.send();
  }

  private send(): void {
    this.interruptSink?.(this.fedata & 0xff);
  }

  /** IP clears once software has serviced every fault condition. */
  private maybeClearPending(): void {
    if (!this.overflow && !this.pending) this.fectl = (this.fectl & ~Fectl.IP) >>> 0;
  }
}

function emptyRecords(): FaultRecord[] {
  return Array.from({ length: FAULT_RECORD_COUNT }, () => ({ valid: false, pageAddress: 0, sourceId: 0, reason: 0, read: false }));
}
