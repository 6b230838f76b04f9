/** qcow2 files start with "QFI\xfb". */
export const QCOW2_MAGIC = 0x514649fb;

/** Bytes of the header needed to read the virtual size. */
export const QCOW2_HEADER_MIN = 32;

/**
 * Virtual size (bytes) declared by a qcow2 header, or undefined when the bytes are not a
 * qcow2 header. Offsets from the qcow2 spec: magic at 0, version at 4, size (u64 BE) at 24.
 */
export function qcow2VirtualSize(head: Uint8Array): number | undefined {
  if (head.length < QCOW2_HEADER_MIN) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (view.getUint32(0) !== QCOW2_MAGIC) return undefined;
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3) return undefined;
  const size = view.getBigUint64(24);
  return size > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(size);
}
