/**
 * virtio 1.x numbers (fact sheet §8): device status bits, feature bits, device ids,
 * virtio-mmio register offsets and virtqueue descriptor/ring flags.
 */

/** Device status (§8.2). Writing 0 resets the device. */
export const Status = {
  ACKNOWLEDGE: 1,
  DRIVER: 2,
  DRIVER_OK: 4,
  FEATURES_OK: 8,
  DEVICE_NEEDS_RESET: 0x40,
  FAILED: 0x80,
} as const;

/** Transport feature bits (§8.3), as bigint bit masks. */
export const Feature = {
  INDIRECT_DESC: 1n << 28n,
  EVENT_IDX: 1n << 29n,
  VERSION_1: 1n << 32n,
} as const;

/** Device ids (§8.4). */
export const DeviceId = { BLOCK: 2, CONSOLE: 3, BALLOON: 5 } as const;

export const VIRTIO_MMIO_MAGIC = 0x74726976; // "virt"
export const VIRTIO_MMIO_VERSION = 2;
/** "HYPS": this simulator's vendor id (QEMU uses "QEMU"). */
export const VIRTIO_VENDOR_ID = 0x53505948;

/** virtio-mmio register offsets (§8.7). */
export const Reg = {
  MagicValue: 0x000,
  Version: 0x004,
  DeviceID: 0x008,
  VendorID: 0x00c,
  DeviceFeatures: 0x010,
  DeviceFeaturesSel: 0x014,
  DriverFeatures: 0x020,
  DriverFeaturesSel: 0x024,
  QueueSel: 0x030,
  QueueNumMax: 0x034,
  QueueNum: 0x038,
  QueueReady: 0x044,
  QueueNotify: 0x050,
  InterruptStatus: 0x060,
  InterruptACK: 0x064,
  Status: 0x070,
  QueueDescLow: 0x080,
  QueueDescHigh: 0x084,
  QueueDriverLow: 0x090,
  QueueDriverHigh: 0x094,
  QueueDeviceLow: 0x0a0,
  QueueDeviceHigh: 0x0a4,
  ConfigGeneration: 0x0fc,
  Config: 0x100,
} as const;

/** InterruptStatus bits. */
export const Interrupt = { USED_BUFFER: 1, CONFIG_CHANGE: 2 } as const;

/** Descriptor flags (§8.1). */
export const Desc = { NEXT: 1, WRITE: 2, INDIRECT: 4 } as const;

/** Available-ring flags: the driver does not want used-buffer interrupts. */
export const AVAIL_F_NO_INTERRUPT = 1;

/** Largest split-queue size the spec allows. */
export const MAX_QUEUE_SIZE = 32768;
