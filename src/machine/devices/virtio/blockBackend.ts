/**
 * Where a virtio-blk device keeps its sectors. The machine has no file system: the CLI
 * and the debug adapter open the disk image and hand the device a `BlockImage`; by
 * default an `OverlayBlockBackend` keeps every write in memory so the user's image is
 * never modified (and reverse execution can rewind the disk with the rest of the machine).
 */

export const SECTOR_SIZE = 512;

/** A disk image as the host reads it (a file, or bytes in memory). */
export interface BlockImage {
  /** Size in 512-byte sectors. */
  readonly sectors: number;
  /** A name for reports (the file's path). */
  readonly name: string;
  /** `count` sectors from `sector` (the caller checks the range). */
  read(sector: number, count: number): Uint8Array;
  /** Present only when the image may be modified (`diskWritable`). */
  write?(sector: number, data: Uint8Array): void;
  flush?(): void;
}

/** What the block device serves requests from. */
export interface BlockBackend {
  readonly sectors: number;
  readonly name: string;
  readonly readOnly: boolean;
  read(sector: number, count: number): Uint8Array;
  write(sector: number, data: Uint8Array): void;
  flush(): void;
  /** State that reverse execution saves (the overlay's sectors); undefined when writes go through to the image. */
  saveState?(): unknown;
  restoreState?(state: unknown): void;
}

/** Why `byteLength` cannot be a disk image, or undefined. */
export function imageSizeProblem(byteLength: number): string | undefined {
  if (byteLength === 0) return 'the disk image is empty; it must hold at least one 512-byte sector';
  if (byteLength % SECTOR_SIZE !== 0) return `the disk image is ${byteLength} bytes, not a multiple of 512 (the virtio-blk sector size)`;
  return undefined;
}

/** An image held in memory (tests, generated fixtures). */
export class MemoryBlockImage implements BlockImage {
  readonly sectors: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly name = 'memory',
  ) {
    const problem = imageSizeProblem(bytes.length);
    if (problem !== undefined) throw new RangeError(problem);
    this.sectors = bytes.length / SECTOR_SIZE;
  }

  read(sector: number, count: number): Uint8Array {
    return this.bytes.slice(sector * SECTOR_SIZE, (sector + count) * SECTOR_SIZE);
  }

  write(sector: number, data: Uint8Array): void {
    this.bytes.set(data, sector * SECTOR_SIZE);
  }
}

/**
 * Copy-on-write over an image: written sectors live in a map (each entry replaced, never
 * mutated, so a snapshot is a shallow copy of the map).
 */
export class OverlayBlockBackend implements BlockBackend {
  readonly sectors: number;
  readonly name: string;
  private overlay = new Map<number, Uint8Array>();

  constructor(
    private readonly image: BlockImage,
    readonly readOnly = false,
  ) {
    this.sectors = image.sectors;
    this.name = image.name;
  }

  /** Sectors written since boot (none of them reached the image). */
  get dirtySectors(): number {
    return this.overlay.size;
  }

  read(sector: number, count: number): Uint8Array {
    const out = this.image.read(sector, count);
    for (let i = 0; i < count; i++) {
      const written = this.overlay.get(sector + i);
      if (written) out.set(written, i * SECTOR_SIZE);
    }
    return out;
  }

  write(sector: number, data: Uint8Array): void {
    for (let i = 0; i * SECTOR_SIZE < data.length; i++) this.overlay.set(sector + i, data.slice(i * SECTOR_SIZE, (i + 1) * SECTOR_SIZE));
  }

  flush(): void {}

  saveState(): Map<number, Uint8Array> {
    return new Map(this.overlay);
  }

  restoreState(state: unknown): void {
    this.overlay = new Map(state as Map<number, Uint8Array>);
  }
}

/** Writes go to the image itself (the user opted in with `diskWritable`); reverse execution cannot undo them. */
export class WriteThroughBlockBackend implements BlockBackend {
  readonly readOnly = false;
  readonly sectors: number;
  readonly name: string;

  constructor(private readonly image: BlockImage & Required<Pick<BlockImage, 'write'>>) {
    this.sectors = image.sectors;
    this.name = image.name;
  }

  read(sector: number, count: number): Uint8Array {
    return this.image.read(sector, count);
  }

  write(sector: number, data: Uint8Array): void {
    this.image.write(sector, data);
  }

  flush(): void {
    this.image.flush?.();
  }
}
