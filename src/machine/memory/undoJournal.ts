/**
 * Page-granular undo journal for reverse execution. After `checkpoint()`, the first
 * write to each RAM page copies the page's old contents into the current epoch; undoing
 * epochs newest-first restores RAM exactly as it was at an earlier checkpoint.
 */

const PAGE = 4096;

export class UndoJournal {
  /** Epoch in which each page was last saved (−1: never). */
  private readonly savedEpoch: Int32Array;
  /** epochs[i]: page number → contents at the start of epoch i. */
  private readonly epochs: Map<number, Uint8Array>[] = [];
  /** Epoch number of epochs[0] (older epochs are dropped to bound memory). */
  private firstEpoch = 0;
  private savedPages = 0;

  constructor(
    private readonly ram: Uint8Array,
    /** Called for each page restored, so decoded code on it is dropped. */
    private readonly onRestore: (page: number) => void,
  ) {
    this.savedEpoch = new Int32Array(ram.length / PAGE).fill(-1);
  }

  /** The epoch writes are currently recorded in. */
  get epoch(): number {
    return this.firstEpoch + this.epochs.length - 1;
  }

  /** Starts a new epoch; returns its number. */
  checkpoint(): number {
    this.epochs.push(new Map());
    return this.epoch;
  }

  /** Call before writing RAM page `page`. */
  beforeWrite(page: number): void {
    const epoch = this.epoch;
    if (this.savedEpoch[page] === epoch || this.epochs.length === 0) return;
    this.savedEpoch[page] = epoch;
    this.epochs[this.epochs.length - 1]!.set(page, this.ram.slice(page * PAGE, page * PAGE + PAGE));
    this.savedPages++;
  }

  /** Restores RAM to the start of `epoch` and discards it and every newer epoch. */
  rewindTo(epoch: number): void {
    if (epoch < this.firstEpoch || epoch > this.epoch) throw new RangeError(`epoch ${epoch} is not in the journal (${this.firstEpoch}..${this.epoch})`);
    while (this.epoch >= epoch) {
      const pages = this.epochs.pop()!;
      this.savedPages -= pages.size;
      for (const [page, contents] of pages) {
        this.ram.set(contents, page * PAGE);
        this.savedEpoch[page] = -1;
        this.onRestore(page);
      }
    }
  }

  /** Drops the oldest epoch (bounded memory); returns false when only the current one is left. */
  dropOldest(): boolean {
    if (this.epochs.length <= 1) return false;
    this.savedPages -= this.epochs.shift()!.size;
    this.firstEpoch++;
    return true;
  }

  get oldestEpoch(): number {
    return this.firstEpoch;
  }

  /** Bytes held by saved pages. */
  get bytes(): number {
    return this.savedPages * PAGE;
  }
}
