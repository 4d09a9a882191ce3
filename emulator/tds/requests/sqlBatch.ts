// SQL_BATCH: ALL_HEADERS, then the batch text in UTF-16LE up to the end of the message.
import { readAllHeaders } from './allHeaders';

export function parseSqlBatch(payload: Buffer): string {
  const { bodyOffset } = readAllHeaders(payload);
  const text = payload.subarray(bodyOffset);
  return text.subarray(0, text.length - (text.length % 2)).toString('utf16le');
}
