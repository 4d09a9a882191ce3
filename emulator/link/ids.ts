// Stable GUIDs derived from names: the same database gets the same group_database_id on both sides
// of a link, and a SQL Server's local availability group keeps its ids across restarts, without
// storing them anywhere.
import { createHash } from 'node:crypto';

/** a version-5-style GUID (upper case, as SQL Server prints them) from `name` */
export function guidFrom(name: string): string {
  const h = createHash('sha1').update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.toString('hex', 0, 16).toUpperCase();
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
