// Declared lengths of (n)var* columns -> TYPE_INFO max length in bytes (PLP_MARKER for MAX).
import { PLP_MARKER } from './typeIds';

/**
 * @param length characters (or bytes for varbinary); undefined or -1 means MAX
 * @param bytesPerUnit 2 for NVARCHAR, 1 otherwise
 * @param maxUnits the largest non-MAX length (4000 for NVARCHAR, 8000 otherwise)
 */
export function maxLengthBytes(length: number | undefined, bytesPerUnit: number, maxUnits: number): number {
  if (length === undefined || length < 0 || length > maxUnits) return PLP_MARKER;
  return Math.max(1, length) * bytesPerUnit;
}
