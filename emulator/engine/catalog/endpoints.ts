// sys.certificates, sys.endpoints, sys.database_mirroring_endpoints and sys.tcp_endpoints. The
// system endpoints every instance has, plus the database mirroring endpoint and the certificates a
// Managed Instance link's setup creates on SQL Server (from the HADR state).
import type { CertificateRow, MirroringEndpointRow } from '../hadr';
import { bit, c, view, type Field } from './columns';
import type { CatalogScope } from './scope';

const PVT_KEY_DESC: Record<CertificateRow['pvtKeyEncryptionType'], string> = {
  NA: 'NO_PRIVATE_KEY',
  MK: 'ENCRYPTED_BY_MASTER_KEY',
  PW: 'ENCRYPTED_BY_PASSWORD',
  SK: 'ENCRYPTED_BY_SERVICE_MASTER_KEY',
};

/** sys.certificates lives in each database; the link's certificates are in master */
export function sysCertificates(scope: CatalogScope) {
  return view<CertificateRow>(
    [
      c.sysname('name', (r) => r.name),
      c.int('certificate_id', (r) => r.certificateId),
      c.int('principal_id', (r) => r.principalId, true),
      // char(2): plain ASCII, sent as varchar
      c.varchar('pvt_key_encryption_type', 2, (r) => r.pvtKeyEncryptionType, false),
      c.nvarchar('pvt_key_encryption_type_desc', 60, (r) => PVT_KEY_DESC[r.pvtKeyEncryptionType]),
      c.bit('is_active_for_begin_dialog', () => 1, true),
      c.nvarchar('issuer_name', 442, (r) => r.issuerName),
      c.nvarchar('cert_serial_number', 64, (r) => r.serialNumber),
      c.varbinary('sid', 85, (r) => r.sid),
      c.nvarchar('string_sid', 128, (r) => r.stringSid),
      c.nvarchar('subject', 4000, (r) => r.subject),
      c.datetime('expiry_date', (r) => r.expiryDate),
      c.datetime('start_date', (r) => r.startDate),
      c.varbinary('thumbprint', 32, (r) => r.thumbprint, false),
      c.nvarchar('attested_by', 260, () => null),
      c.datetime('pvt_key_last_backup_date', () => null),
      c.int('key_length', (r) => r.keyLength, true),
    ],
    () => (scope.database.name.toLowerCase() === 'master' ? (scope.instance.hadr.certificates ?? []) : []),
  );
}

interface EndpointRow {
  name: string;
  endpointId: number;
  protocol: 1 | 2 | 3 | 4 | 5;
  type: 1 | 2 | 3 | 4;
  state: 0 | 1 | 2;
  isAdmin: boolean;
  /** TCP endpoints */
  port?: number;
  isDynamicPort?: boolean;
  mirroring?: MirroringEndpointRow;
}

const PROTOCOL_DESC = ['', 'HTTP', 'TCP', 'NAMED_PIPES', 'SHARED_MEMORY', 'VIA'];
const TYPE_DESC = ['', 'SOAP', 'TSQL', 'SERVICE_BROKER', 'DATABASE_MIRRORING'];
const STATE_DESC = ['STARTED', 'STOPPED', 'DISABLED'];

/** the system endpoints (ids 1-4; INFERRED which ones a Linux host lists) and the link's mirroring endpoint */
function endpointRows(scope: CatalogScope): EndpointRow[] {
  const rows: EndpointRow[] = [
    { name: 'Dedicated Admin Connection', endpointId: 1, protocol: 2, type: 2, state: 0, isAdmin: true, port: 0, isDynamicPort: true },
    { name: 'TSQL Local Machine', endpointId: 2, protocol: 4, type: 2, state: 0, isAdmin: false },
    { name: 'TSQL Named Pipes', endpointId: 3, protocol: 3, type: 2, state: 0, isAdmin: false },
    { name: 'TSQL Default TCP', endpointId: 4, protocol: 2, type: 2, state: 0, isAdmin: false, port: 0, isDynamicPort: true },
  ];
  const m = scope.instance.hadr.mirroringEndpoint;
  if (m) rows.push({ name: m.name, endpointId: m.endpointId, protocol: 2, type: 4, state: 0, isAdmin: false, port: m.port, isDynamicPort: false, mirroring: m });
  return rows;
}

function endpointColumns(): Field<EndpointRow>[] {
  return [
    c.sysname('name', (r) => r.name),
    c.int('endpoint_id', (r) => r.endpointId),
    c.int('principal_id', () => 1, true),
    c.tinyint('protocol', (r) => r.protocol),
    c.nvarchar('protocol_desc', 60, (r) => PROTOCOL_DESC[r.protocol]),
    c.tinyint('type', (r) => r.type),
    c.nvarchar('type_desc', 60, (r) => TYPE_DESC[r.type]),
    c.tinyint('state', (r) => r.state, true),
    c.nvarchar('state_desc', 60, (r) => STATE_DESC[r.state]),
    c.bit('is_admin_endpoint', (r) => bit(r.isAdmin)),
  ];
}

export function sysEndpoints(scope: CatalogScope) {
  return view<EndpointRow>(endpointColumns(), () => endpointRows(scope));
}

export function sysTcpEndpoints(scope: CatalogScope) {
  return view<EndpointRow>(
    [
      ...endpointColumns(),
      c.int('port', (r) => r.port ?? 0),
      c.bit('is_dynamic_port', (r) => bit(r.isDynamicPort === true)),
      // LISTENER_IP = ALL
      c.nvarchar('ip_address', 45, () => null),
    ],
    () => endpointRows(scope).filter((r) => r.protocol === 2),
  );
}

export function sysDatabaseMirroringEndpoints(scope: CatalogScope) {
  return view<EndpointRow>(
    [
      ...endpointColumns(),
      // ROLE = ALL, AUTHENTICATION = CERTIFICATE, ENCRYPTION = REQUIRED ALGORITHM AES (the link's setup)
      c.tinyint('role', () => 3, true),
      c.nvarchar('role_desc', 60, () => 'ALL'),
      c.bit('is_encryption_enabled', () => 1),
      c.tinyint('connection_auth', () => 4),
      c.nvarchar('connection_auth_desc', 60, () => 'CERTIFICATE'),
      c.int('certificate_id', (r) => r.mirroring?.certificateId ?? 0),
      c.tinyint('encryption_algorithm', () => 2),
      c.nvarchar('encryption_algorithm_desc', 60, () => 'AES'),
    ],
    () => endpointRows(scope).filter((r) => r.type === 4),
  );
}
