// Collation bytes (5: LCID + flags + version in 4 bytes, then sortId) and the code page they imply.
/** SQL_Latin1_General_CP1_CI_AS, SQL Server's default: LCID 0x0409, CI/AI-insensitive flags, sortId 52. */
export const DEFAULT_COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);

/** True when the collation is a _UTF8 one (the fUTF8 bit of the flags), so VARCHAR is UTF-8. */
export function isUtf8Collation(collation: Buffer | undefined): boolean {
  return collation !== undefined && collation.length >= 4 && (collation[3] & 0x04) !== 0;
}
