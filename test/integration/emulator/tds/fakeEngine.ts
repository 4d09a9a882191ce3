// A test-only EngineEndpoint: NOT a SQL engine. It records what it received and answers with
// scripted outputs chosen by the statement text, so the tests exercise the protocol layer only.
import type {
  ClientRequest,
  ColumnSpec,
  EngineEndpoint,
  EngineSession,
  LoginRequest,
  LoginResult,
  RequestOutput,
  SqlMessage,
  SqlValue,
  TransactionEvent,
  TransactionRequest,
} from '../../../../emulator/tds/types';

export const PASSWORD = 'S3cret!pw';
export const ACCESS_TOKEN = 'eyJ0eXAiOiJKV1QifQ.fake.token';

/** One value of every SqlType, with the column each travels in. */
export const TYPED_COLUMNS: ColumnSpec[] = [
  { name: 'nv', type: 'nvarchar', length: 50 },
  { name: 'nvmax', type: 'nvarchar' },
  { name: 'v', type: 'varchar', length: 20 },
  { name: 'i', type: 'int' },
  { name: 'bi', type: 'bigint' },
  { name: 'b', type: 'bit' },
  { name: 'dt2', type: 'datetime2', scale: 7 },
  { name: 'dto', type: 'datetimeoffset', scale: 7 },
  { name: 'dt', type: 'datetime' },
  { name: 'd', type: 'date' },
  { name: 'dec', type: 'decimal', precision: 18, scale: 4 },
  { name: 'f', type: 'float' },
  { name: 'g', type: 'uniqueidentifier' },
  { name: 'vb', type: 'varbinary', length: 16 },
  { name: 'vbmax', type: 'varbinary' },
];

export const TYPED_ROW: SqlValue[] = [
  'héllo wörld ✓',
  'x'.repeat(5000),
  'café',
  -123456,
  9007199254740993n,
  true,
  new Date('2024-02-29T13:14:15.123Z'),
  new Date('2024-02-29T13:14:15.123Z'),
  new Date('2024-02-29T13:14:15.123Z'),
  new Date('2024-02-29T00:00:00.000Z'),
  '12345.6789',
  3.14159,
  '6F9619FF-8B86-D011-B42D-00C04FD430C8',
  Buffer.from([0xde, 0xad, 0xbe, 0xef]),
  Buffer.alloc(10_000, 7),
];

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function sqlOf(request: ClientRequest): string {
  return request.kind === 'rpc' ? request.procName : request.sql;
}

export class FakeSession implements EngineSession {
  readonly requests: ClientRequest[] = [];
  readonly transactions: Array<{ kind: TransactionRequest; name: string }> = [];
  readonly aborted: string[] = [];
  private events: TransactionEvent[] = [];
  closed = false;
  resets = 0;
  /** result sets the 'huge' statement has handed over so far */
  hugeYielded = 0;
  private database: string;

  constructor(
    readonly spid: number,
    private readonly login: LoginRequest,
    private readonly loginDatabase: string,
  ) {
    this.database = loginDatabase;
  }

  currentDatabase(): string {
    return this.database;
  }

  close(): void {
    this.closed = true;
  }

  reset(): void {
    this.resets++;
    this.database = this.loginDatabase;
  }

  drainTransactionEvents(): TransactionEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  transaction(kind: TransactionRequest, name: string): SqlMessage | undefined {
    this.transactions.push({ kind, name });
    if (kind === 'commit' && !this.transactions.some((t) => t.kind === 'begin')) {
      return { number: 3902, state: 1, class: 16, message: 'The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.' };
    }
    return undefined;
  }

  execute(request: ClientRequest, signal: AbortSignal): AsyncIterable<RequestOutput> {
    this.requests.push(request);
    return this.script(request, signal);
  }

  private async *script(request: ClientRequest, signal: AbortSignal): AsyncGenerator<RequestOutput> {
    const statements = sqlOf(request)
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const statement of statements) {
      yield* this.statement(statement, request, signal);
      if (signal.aborted) {
        this.aborted.push(statement);
        return;
      }
    }
  }

  private async *statement(text: string, request: ClientRequest, signal: AbortSignal): AsyncGenerator<RequestOutput> {
    const lower = text.toLowerCase();
    const params = request.kind === 'batch' ? [] : request.params;
    if (lower === 'select 1') {
      yield { type: 'resultSet', resultSet: { columns: [{ name: '', type: 'int' }], rows: [[1]] } };
      yield { type: 'statementDone', rowCount: 1 };
    } else if (lower === 'typed') {
      yield { type: 'resultSet', resultSet: { columns: TYPED_COLUMNS, rows: [TYPED_ROW] } };
      yield { type: 'statementDone', rowCount: 1 };
    } else if (lower === 'nulls') {
      yield { type: 'resultSet', resultSet: { columns: TYPED_COLUMNS, rows: [TYPED_COLUMNS.map(() => null)] } };
      yield { type: 'statementDone', rowCount: 1 };
    } else if (lower === 'echo') {
      // Echoes every parameter back as one column of its own type: a decode + encode round trip.
      const columns: ColumnSpec[] = params.map((p) => ({
        name: p.name.replace(/^@/, ''),
        type: p.type,
        length: p.length,
        precision: p.precision,
        scale: p.scale,
      }));
      yield { type: 'resultSet', resultSet: { columns, rows: [params.map((p) => p.value)] } };
      yield { type: 'statementDone', rowCount: 1 };
    } else if (lower === 'describe') {
      // What the protocol layer decoded, as text, for assertions on names/types/flags.
      const rows = params.map((p) => [p.name, p.type, p.output, p.length ?? null, p.precision ?? null, p.scale ?? null]);
      const columns: ColumnSpec[] = [
        { name: 'name', type: 'nvarchar', length: 128 },
        { name: 'type', type: 'nvarchar', length: 128 },
        { name: 'output', type: 'bit' },
        { name: 'length', type: 'int' },
        { name: 'precision', type: 'int' },
        { name: 'scale', type: 'int' },
      ];
      yield { type: 'resultSet', resultSet: { columns, rows } };
      yield { type: 'statementDone', rowCount: rows.length };
    } else if (lower === 'output') {
      for (const p of params.filter((q) => q.output)) {
        const value = p.type === 'int' ? Number(p.value ?? 0) + 41 : `out:${String(p.value)}`;
        yield { type: 'returnValue', name: p.name, paramType: p.type, value };
      }
      yield { type: 'returnStatus', value: 7 };
      yield { type: 'statementDone' };
    } else if (lower === 'multi') {
      yield { type: 'resultSet', resultSet: { columns: [{ name: 'n', type: 'int' }], rows: [[1], [2]] } };
      yield { type: 'statementDone', rowCount: 2 };
      yield { type: 'resultSet', resultSet: { columns: [{ name: 's', type: 'nvarchar', length: 10 }], rows: [['a']] } };
      yield { type: 'statementDone', rowCount: 1 };
      yield { type: 'statementDone', rowCount: 5 }; // an UPDATE
      yield { type: 'resultSet', resultSet: { columns: [{ name: 'x', type: 'bit' }], rows: [[false]] } };
      yield { type: 'statementDone', rowCount: 1 };
    } else if (lower === 'progress') {
      for (let pct = 10; pct <= 100; pct += 10) {
        yield { type: 'message', message: { number: 3211, state: 1, class: 0, message: `${pct} percent processed.` } };
        await sleep(50, signal);
        if (signal.aborted) return;
      }
      yield {
        type: 'message',
        message: { number: 3014, state: 1, class: 0, message: 'RESTORE DATABASE successfully processed 1 pages.' },
      };
      yield { type: 'statementDone' };
    } else if (lower === 'fail') {
      yield {
        type: 'message',
        message: { number: 3201, state: 2, class: 16, message: "Cannot open backup device 'x.bak'. Operating system error 2." },
      };
      yield { type: 'message', message: { number: 3013, state: 1, class: 16, message: 'RESTORE DATABASE is terminating abnormally.' } };
      yield { type: 'statementDone', error: true };
    } else if (lower === 'throw') {
      throw Object.assign(new Error("Invalid object name 'nope'."), { number: 208, state: 1, severity: 16 });
    } else if (lower === 'sleep') {
      await sleep(30_000, signal);
      if (!signal.aborted) yield { type: 'statementDone' };
    } else if (lower === 'reset') {
      yield { type: 'resetConnection' };
    } else if (lower === 'huge') {
      // 50 result sets of ~2 MB each, produced lazily: shows whether the server applies backpressure
      const columns: ColumnSpec[] = [{ name: 'filler', type: 'nvarchar', length: 1000 }];
      const rows: SqlValue[][] = Array.from({ length: 1000 }, () => ['w'.repeat(1000)]);
      for (let i = 0; i < 50 && !signal.aborted; i++) {
        this.hugeYielded++;
        yield { type: 'resultSet', resultSet: { columns, rows } };
        yield { type: 'statementDone', rowCount: rows.length };
      }
    } else if (lower === 'big') {
      const rows: SqlValue[][] = [];
      for (let i = 1; i <= 3000; i++) rows.push([i, `row ${i} ${'.'.repeat(i % 50)}`]);
      const columns: ColumnSpec[] = [
        { name: 'id', type: 'int' },
        { name: 'name', type: 'nvarchar', length: 100 },
      ];
      yield { type: 'resultSet', resultSet: { columns, rows } };
      yield { type: 'statementDone', rowCount: rows.length };
    } else if (lower.startsWith('use ')) {
      this.database = text.slice(4).trim();
      yield { type: 'statementDone' };
    } else if (lower === 'begin tran') {
      this.events.push('begin');
      yield { type: 'statementDone' };
    } else if (lower === 'commit tran') {
      this.events.push('commit');
      yield { type: 'statementDone' };
    } else if (lower === 'deadlock') {
      // a deadlock victim: SQL Server rolls the transaction back
      this.events.push('rollback');
      yield {
        type: 'message',
        message: { number: 1205, state: 51, class: 13, message: 'Transaction (Process ID 51) was deadlocked and has been chosen as the deadlock victim.' },
      };
      yield { type: 'statementDone', error: true };
    } else if (lower === 'whoami') {
      const columns: ColumnSpec[] = [
        { name: 'user', type: 'nvarchar', length: 128 },
        { name: 'db', type: 'nvarchar', length: 128 },
        { name: 'app', type: 'nvarchar', length: 128 },
        { name: 'spid', type: 'int' },
      ];
      yield { type: 'resultSet', resultSet: { columns, rows: [[this.login.userName, this.database, this.login.appName, this.spid]] } };
      yield { type: 'statementDone', rowCount: 1 };
    } else if (lower.startsWith('print ')) {
      yield { type: 'message', message: { number: 0, state: 1, class: 0, message: text.slice(6) } };
    }
    // anything else (tedious's initial SET batch): no output
  }
}

export class FakeEndpoint implements EngineEndpoint {
  readonly serverName = 'EMUHOST\\SQL2022';
  readonly versionBytes: [number, number, number, number] = [16, 0, 0x10, 0x27];
  readonly logins: LoginRequest[] = [];
  readonly sessions: FakeSession[] = [];
  accepting = true;
  /** called on every login attempt (tests snapshot server state there) */
  onLogin: (() => void) | undefined;
  private nextSpid = 51;

  acceptConnections(): boolean {
    return this.accepting;
  }

  async login(request: LoginRequest): Promise<LoginResult> {
    this.logins.push(request);
    this.onLogin?.();
    if (request.userName === 'explode') throw new Error('engine bug during login');
    if (request.password !== PASSWORD && request.accessToken !== ACCESS_TOKEN) {
      return {
        ok: false,
        error: { number: 18456, state: 1, class: 14, message: `Login failed for user '${request.userName}'.` },
      };
    }
    const database = request.database || 'master';
    const session = new FakeSession(this.nextSpid++, request, database);
    this.sessions.push(session);
    return { ok: true, session, database };
  }
}
