/**
 * Decoded-instruction cache per physical page. Each page keeps one iced Decoder over a
 * copy of its bytes and the compiled instructions by offset. A write to the page (the
 * memory's code-page flag) drops the page; instructions that cross a page boundary are
 * decoded on every execution and never cached.
 */
import { Decoder, DecoderError, DecoderOptions } from 'iced-x86';
import type { PhysicalMemory } from '../memory/physicalMemory';
import { compile, type CompiledInsn } from './compile';
import { extract } from './decoded';

const PAGE = 4096;

class PageCode {
  readonly insns: (CompiledInsn | undefined)[] = new Array<CompiledInsn | undefined>(PAGE);
  readonly decoders = new Map<number, Decoder>();

  constructor(readonly bytes: Uint8Array) {}

  decoder(bitness: number): Decoder {
    let decoder = this.decoders.get(bitness);
    if (!decoder) {
      decoder = new Decoder(bitness, this.bytes, DecoderOptions.None);
      this.decoders.set(bitness, decoder);
    }
    return decoder;
  }

  free(): void {
    for (const decoder of this.decoders.values()) decoder.free();
    this.decoders.clear();
  }
}

export type FetchBytes = (offsetFromRip: number, count: number) => Uint8Array;

export class DecodeCache {
  private readonly pages = new Map<number, PageCode>();
  /** Bumped on every invalidation so instruction links can be validated cheaply. */
  generation = 0;
  compiled = 0;

  constructor(
    private readonly mem: PhysicalMemory,
    /** Called on every invalidation so cached instruction links are re-validated. */
    private readonly onInvalidate: () => void = () => undefined,
  ) {
    mem.onCodeWrite((page) => this.invalidatePage(page));
  }

  invalidatePage(page: number): void {
    const code = this.pages.get(page);
    if (code) {
      code.free();
      this.pages.delete(page);
      this.generation++;
      this.onInvalidate();
    }
  }

  invalidateAll(): void {
    for (const [page, code] of this.pages) {
      code.free();
      this.mem.codePages[page] = 0;
    }
    this.pages.clear();
    this.generation++;
    this.onInvalidate();
  }

  /**
   * The compiled instruction at physical address `physical`, decoded for `bitness`.
   * `fetchCrossing` supplies the bytes of an instruction that continues on the next page.
   */
  lookup(physical: number, bitness: number, fetchCrossing: FetchBytes): CompiledInsn {
    const pageNumber = Math.floor(physical / PAGE);
    const offset = physical - pageNumber * PAGE;
    const cacheable = this.mem.isRam(pageNumber * PAGE, PAGE);
    let page = cacheable ? this.pages.get(pageNumber) : undefined;
    if (page) {
      const hit = page.insns[offset];
      if (hit !== undefined && hit.decoded.bitness === bitness) return hit;
    } else {
      const bytes = cacheable ? this.mem.ram.slice(pageNumber * PAGE, pageNumber * PAGE + PAGE) : this.mem.peek(pageNumber * PAGE, PAGE);
      page = new PageCode(bytes);
      if (cacheable) {
        this.pages.set(pageNumber, page);
        this.mem.codePages[pageNumber] = 1;
      }
    }
    const decoder = page.decoder(bitness);
    decoder.position = offset;
    decoder.ip = BigInt(offset);
    const instruction = decoder.decode();
    try {
      if (instruction.isInvalid && decoder.lastError === DecoderError.NoMoreBytes) {
        return this.decodeCrossing(fetchCrossing, PAGE - offset, bitness);
      }
      const compiled = compile(extract(instruction, bitness));
      if (cacheable) page.insns[offset] = compiled;
      else page.free();
      this.compiled++;
      return compiled;
    } finally {
      instruction.free();
    }
  }

  private decodeCrossing(fetch: FetchBytes, _available: number, bitness: number): CompiledInsn {
    const bytes = fetch(0, 15);
    const decoder = new Decoder(bitness, bytes, DecoderOptions.None);
    decoder.ip = 0n;
    const instruction = decoder.decode();
    try {
      return compile(extract(instruction, bitness));
    } finally {
      instruction.free();
      decoder.free();
    }
  }

  get cachedPages(): number {
    return this.pages.size;
  }
}
