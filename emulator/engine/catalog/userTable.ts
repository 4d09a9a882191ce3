// A user table as the evaluator scans it: the Id key plus Always Encrypted columns (ciphertext, as a
// client without the column master key sees them), with as many rows as the estate says.
import type { VirtualTable } from '../../sql/context';
import type { SqlValue } from '../../tds/types';
import type { TableInfo } from '../model';
import { columnsOf } from './userObjects';

/** what an encrypted cell looks like without the key: version byte 0x01 then opaque bytes */
const CIPHERTEXT = Buffer.from('01a3f4c2d9e8b7a6958473625140312f1e0d', 'hex');

export function userTable(table: TableInfo): VirtualTable {
  const columns = columnsOf(table);
  return {
    columns: columns.map((col) => ({
      name: col.name,
      type: col.wireType,
      nullable: col.isNullable,
      length: col.wireType === 'varbinary' ? 8000 : undefined,
    })),
    *rows() {
      for (let id = 1; id <= table.rowCount; id++) {
        const row: SqlValue[] = [id];
        for (let i = 1; i < columns.length; i++) row.push(CIPHERTEXT);
        yield row;
      }
    },
  };
}
