/**
 * A guest virtio-console driver (NASM, for test/machine/cpuRunner's nasm, which adds bits/org)
 * whose one transmit buffer lies outside guest RAM, so the IOMMU blocks the device's DMA:
 * ACKNOWLEDGE|DRIVER, VERSION_1, FEATURES_OK; queue 1 (size 8) with its descriptor table at
 * 0x200000, driver ring 0x200080, device ring 0x200100; DRIVER_OK; one 16-byte descriptor at
 * 0x7f000000 made available; notify; HLT.
 */
export const BLOCKED_DMA_DRIVER = `
  mov rbx, 0xd0000000
  mov dword [rbx + 0x70], 3
  mov dword [rbx + 0x24], 1
  mov dword [rbx + 0x20], 1
  mov dword [rbx + 0x70], 11
  mov dword [rbx + 0x30], 1
  mov dword [rbx + 0x38], 8
  mov dword [rbx + 0x80], 0x200000
  mov dword [rbx + 0x90], 0x200080
  mov dword [rbx + 0xa0], 0x200100
  mov dword [rbx + 0x44], 1
  mov dword [rbx + 0x70], 15
  mov qword [0x200000], 0x7f000000
  mov dword [0x200008], 16
  mov word [0x200084], 0
  mov word [0x200082], 1
  mov dword [rbx + 0x50], 1
  hlt
`;
