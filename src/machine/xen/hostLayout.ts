/**
 * Host-physical pages of the Xen personality (documented with the guest-mode layout in
 * hypervisor/layout.ts and the README): the shared-info page and the grant-table frames
 * the guest maps at GFNs of its choice, and the split-EPT table slots shared with
 * virtio-balloon (the 4 KiB table of 2 MiB region r at 0xc00000 + r·0x1000).
 */
export const XenHostLayout = {
  sharedInfo: 0x400000,
  grantFrames: 0x401000,
  grantFrameCount: 4,
  eptSplitTables: 0xc00000,
  /** Regions whose tables fit below guest RAM at 0x1000000: guest RAM up to 2 GiB can be split. */
  splitRegions: 1024,
} as const;
