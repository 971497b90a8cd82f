// Opens what the launch configuration (or the CLI) names for the virtio devices: the disk
// image as a file-backed BlockImage (read on demand, never loaded whole), behind an
// in-memory overlay unless the user made the disk writable. The machine itself has no
// file system; this is the host side.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { imageSizeProblem, OverlayBlockBackend, SECTOR_SIZE, WriteThroughBlockBackend, type BlockBackend, type BlockImage } from '../machine/devices/virtio/blockBackend';
import type { VirtioOptions } from '../machine/devices/virtio/virtioDevices';

export class DiskImageError extends Error {}

/** Device choices, from launch.json's `devices` or the CLI flags (paths absolute). */
export interface DeviceChoices {
  readonly console?: boolean;
  readonly disk?: string;
  /** Writes reach the image file (default: an in-memory overlay; the file is never modified). */
  readonly diskWritable?: boolean;
  /** Offer VIRTIO_BLK_F_RO: the guest cannot write at all. */
  readonly diskReadOnly?: boolean;
  readonly balloon?: boolean | { readonly targetPages?: number };
}

/** A disk image file read (and, when writable, written) sector by sector. */
export class FileBlockImage implements BlockImage {
  readonly sectors: number;
  private fd: number | undefined;

  constructor(
    readonly name: string,
    writable: boolean,
  ) {
    let stat;
    try {
      stat = statSync(name);
    } catch {
      throw new DiskImageError(`cannot open disk image ${name}: no such file`);
    }
    if (stat.isDirectory()) throw new DiskImageError(`cannot open disk image ${name}: it is a directory, not an image file`);
    const problem = imageSizeProblem(stat.size);
    if (problem !== undefined) throw new DiskImageError(`cannot use disk image ${name}: ${problem}`);
    try {
      this.fd = openSync(name, writable ? 'r+' : 'r');
    } catch (e) {
      throw new DiskImageError(`cannot open disk image ${name}${writable ? ' for writing (diskWritable)' : ''}: ${(e as Error).message}`);
    }
    this.sectors = fstatSync(this.fd).size / SECTOR_SIZE;
    if (writable) {
      this.write = (sector, data) => void writeSync(this.openFd(), data, 0, data.length, sector * SECTOR_SIZE);
      this.flush = () => fsyncSync(this.openFd());
    }
  }

  write?: (sector: number, data: Uint8Array) => void;
  flush?: () => void;

  private openFd(): number {
    if (this.fd === undefined) throw new DiskImageError(`disk image ${this.name} is closed`);
    return this.fd;
  }

  read(sector: number, count: number): Uint8Array {
    const out = new Uint8Array(count * SECTOR_SIZE);
    readSync(this.openFd(), out, 0, out.length, sector * SECTOR_SIZE);
    return out;
  }

  /** Releases the file handle; reads and writes afterwards throw DiskImageError. Idempotent. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  get isOpen(): boolean {
    return this.fd !== undefined;
  }
}

/** The image file at `path` and its block backend: copy-on-write overlay (default), write-through, or read-only. */
function openDiskFile(path: string, writable: boolean, readOnly: boolean): { image: FileBlockImage; backend: BlockBackend } {
  if (writable && readOnly) throw new DiskImageError('diskWritable and diskReadOnly exclude each other');
  const image = new FileBlockImage(path, writable);
  if (writable) return { image, backend: new WriteThroughBlockBackend(image as FileBlockImage & Required<Pick<BlockImage, 'write'>>) };
  return { image, backend: new OverlayBlockBackend(image, readOnly) };
}

/** The block backend for `path` (its file stays open for the process's lifetime). */
export function openDisk(path: string, writable: boolean, readOnly: boolean): BlockBackend {
  return openDiskFile(path, writable, readOnly).backend;
}

/** One machine's devices and the image file they hold open; `close` releases it (idempotent). */
export interface OpenedDevices {
  readonly options: VirtioOptions | undefined;
  readonly disk: FileBlockImage | undefined;
  close(): void;
}

/** Devices for one machine from the user's choices, with a handle to close the disk image when the machine goes away. Throws DiskImageError. */
export function openDeviceFiles(choices: DeviceChoices | undefined): OpenedDevices {
  if (!choices) return { options: undefined, disk: undefined, close: () => undefined };
  const disk = choices.disk !== undefined ? openDiskFile(choices.disk, choices.diskWritable === true, choices.diskReadOnly === true) : undefined;
  const options: VirtioOptions = { console: choices.console === true, block: disk?.backend, balloon: choices.balloon };
  return {
    options: options.console || options.block || options.balloon ? options : undefined,
    disk: disk?.image,
    close: () => disk?.image.close(),
  };
}

/** Machine device options from the user's choices; undefined when no device is asked for. Throws DiskImageError. */
export function openDevices(choices: DeviceChoices | undefined): VirtioOptions | undefined {
  return openDeviceFiles(choices).options;
}
