// LSNs are decimal(25,0) in SQL Server: beyond 2^53, so they travel as strings and compare as bigint.
export type Lsn = bigint;

export function parseLsn(value: string | number | bigint): Lsn {
  if (typeof value === 'bigint') return value;
  const text = String(value).trim();
  if (!/^\d{1,25}$/.test(text)) throw new Error(`"${text}" is not a log sequence number`);
  return BigInt(text);
}

export const formatLsn = (lsn: Lsn): string => lsn.toString();
