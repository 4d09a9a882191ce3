// The user objects a database holds, derived from its TableInfo list: schemas with SQL Server's
// fixed ids, tables with stable object ids, and the columns the emulator gives every table.
import type { SqlType } from '../../tds/types';
import type { Database, TableInfo } from '../model';
import { sameName, stableId } from '../names';

export interface SchemaRow {
  name: string;
  schemaId: number;
  principalId: number;
}

const BUILT_IN_SCHEMAS: SchemaRow[] = [
  { name: 'dbo', schemaId: 1, principalId: 1 },
  { name: 'guest', schemaId: 2, principalId: 2 },
  { name: 'INFORMATION_SCHEMA', schemaId: 3, principalId: 3 },
  { name: 'sys', schemaId: 4, principalId: 4 },
];

const ROLE_SCHEMAS: SchemaRow[] = [
  'db_owner',
  'db_accessadmin',
  'db_securityadmin',
  'db_ddladmin',
  'db_backupoperator',
  'db_datareader',
  'db_datawriter',
  'db_denydatareader',
  'db_denydatawriter',
].map((name, i) => ({ name, schemaId: 16384 + i + (i >= 4 ? 1 : 0), principalId: 16384 + i + (i >= 4 ? 1 : 0) }));

export function schemasOf(db: Database): SchemaRow[] {
  const user: SchemaRow[] = [];
  for (const t of db.tables) {
    if (BUILT_IN_SCHEMAS.some((s) => sameName(s.name, t.schema)) || user.some((s) => sameName(s.name, t.schema))) continue;
    user.push({ name: t.schema, schemaId: 5 + user.length, principalId: 1 });
  }
  return [...BUILT_IN_SCHEMAS, ...user, ...ROLE_SCHEMAS];
}

export function schemaIdOf(db: Database, schema: string): number | undefined {
  return schemasOf(db).find((s) => sameName(s.name, schema))?.schemaId;
}

/** a user table's object_id: stable for the same schema-qualified name, so restored copies match */
export function objectIdOf(table: TableInfo): number {
  return stableId(`${table.schema}.${table.name}`.toLowerCase());
}

export function findTable(db: Database, schema: string, name: string): TableInfo | undefined {
  return db.tables.find((t) => sameName(t.schema, schema) && sameName(t.name, name));
}

export function findTableById(db: Database, objectId: number): TableInfo | undefined {
  return db.tables.find((t) => objectIdOf(t) === objectId);
}

export interface UserColumn {
  columnId: number;
  name: string;
  /** the declared type */
  typeName: 'int' | 'nvarchar';
  systemTypeId: number;
  maxLength: number;
  isIdentity: boolean;
  isNullable: boolean;
  /** Always Encrypted: 2 = RANDOMIZED */
  encryptionType: number | null;
  /** the wire type a client without the column master key reads */
  wireType: SqlType;
}

/** every table has an identity key column `Id`; Always Encrypted columns follow it */
export function columnsOf(table: TableInfo): UserColumn[] {
  const id: UserColumn = {
    columnId: 1,
    name: 'Id',
    typeName: 'int',
    systemTypeId: 56,
    maxLength: 4,
    isIdentity: true,
    isNullable: false,
    encryptionType: null,
    wireType: 'int',
  };
  const encrypted = (table.encryptedColumns ?? []).map<UserColumn>((name, i) => ({
    columnId: i + 2,
    name,
    typeName: 'nvarchar',
    systemTypeId: 231,
    maxLength: 200,
    isIdentity: false,
    isNullable: true,
    encryptionType: 2,
    wireType: 'varbinary',
  }));
  return [id, ...encrypted];
}
