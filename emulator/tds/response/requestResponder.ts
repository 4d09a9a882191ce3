// Turns the engine's RequestOutput stream for one request into tokens, in the shapes SQL Server
// uses (tds.md 1.8):
//   batch:          [COLMETADATA ROW*] DONE(MORE|COUNT) ... last DONE without MORE
//   sp_executesql:  [COLMETADATA ROW*] DONEINPROC(MORE|COUNT) ... RETURNSTATUS RETURNVALUE* DONEPROC
//   errors:         ERROR, DONE/DONEINPROC(ERROR), and the final DONE/DONEPROC carries ERROR too
// Every token is written as soon as it is known; only the latest DONE is held back until we know
// whether more follows (the MORE bit), because FreeTDS hangs if the last DONE says MORE.
import { ByteWriter } from '../byteWriter';
import { writeColMetadata } from '../tokens/colmetadata';
import { DoneCommand, DoneStatus, type DoneKind, type DoneToken, writeDone } from '../tokens/done';
import { isErrorMessage, writeMessage } from '../tokens/message';
import { writeReturnStatus } from '../tokens/returnStatus';
import { writeReturnValue } from '../tokens/returnValue';
import { writeRow } from '../tokens/row';
import type { ColumnSpec, RequestOutput, RpcParameter, SqlMessage, SqlType, SqlValue } from '../types';
import { downlevelColumn, downlevelValue, needsDownlevel } from '../datatypes/downlevel';
import { messagesFromThrown } from './engineErrors';
import type { ResponseWriter } from './responseWriter';

export interface ResponderContext {
  writer: ResponseWriter;
  collation: Buffer;
  serverName: string;
  /** writes ENVCHANGE tokens if the session's database (or similar state) changed */
  writeStateChanges(w: ByteWriter): void;
  /** a transaction is open (DONE_INXACT) */
  inTransaction(): boolean;
  /** resolves when the client has caught up with what was written */
  waitWritable(): Promise<void>;
  /** a TDS 7.2 client: DATE/DATETIME2/DATETIMEOFFSET travel as NVARCHAR text */
  downlevelDates?: boolean;
  /** the engine asked for the connection to be dropped */
  resetConnection(): void;
}

export type ResponseShape =
  | { kind: 'batch' }
  /** an RPC; `last` clears MORE on its DONEPROC (several RPCs can share one message) */
  | { kind: 'rpc'; params: readonly RpcParameter[]; last: boolean };

/** close: the response is complete and the server closes the connection after it (a killed session) */
export type ResponderOutcome = 'completed' | 'aborted' | 'reset' | 'close';

interface PendingReturnValue {
  name: string;
  paramType: SqlType;
  value: SqlValue;
}

export class RequestResponder {
  private pendingDone: DoneToken | undefined;
  private resultSinceDone = false;
  private errorSinceDone = false;
  private anyError = false;
  private returnStatus: number | undefined;
  private aborted = false;
  private closeAfter = false;
  private readonly returnValues: PendingReturnValue[] = [];

  constructor(
    private readonly ctx: ResponderContext,
    private readonly shape: ResponseShape,
  ) {}

  private get statementDoneKind(): DoneKind {
    return this.shape.kind === 'batch' ? 'done' : 'doneInProc';
  }

  /** Consumes the engine's output until it ends, the signal aborts (ATTENTION) or a reset. */
  async run(outputs: AsyncIterable<RequestOutput>, signal: AbortSignal): Promise<ResponderOutcome> {
    let outcome: ResponderOutcome = 'completed';
    const aborted = new Promise<'aborted'>((resolve) => {
      if (signal.aborted) resolve('aborted');
      else signal.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    try {
      const iterator = outputs[Symbol.asyncIterator]();
      for (;;) {
        const next = iterator.next();
        const step = await Promise.race([next, aborted]);
        if (step === 'aborted') {
          // Stop listening to the engine at once; it sees the aborted signal and winds down.
          next.catch(() => undefined);
          void Promise.resolve()
            .then(() => iterator.return?.())
            .catch(() => undefined);
          outcome = 'aborted';
          break;
        }
        if (step.done) break;
        if (this.handle(step.value) === 'reset') {
          void Promise.resolve()
            .then(() => iterator.return?.())
            .catch(() => undefined);
          return 'reset';
        }
        this.ctx.writer.scheduleFlush();
        await Promise.race([this.ctx.waitWritable(), aborted]);
      }
    } catch (e) {
      for (const message of messagesFromThrown(e)) this.writeMessage(message);
    }
    this.aborted = outcome === 'aborted';
    this.finish();
    return this.closeAfter ? 'close' : outcome;
  }

  private handle(output: RequestOutput): 'reset' | undefined {
    switch (output.type) {
      case 'resultSet':
        this.writeResultSet(output.resultSet.columns, output.resultSet.rows);
        break;
      case 'message':
        this.writeMessage(output.message);
        break;
      case 'statementDone':
        this.statementDone(output.rowCount, output.error === true);
        break;
      case 'returnValue':
        this.returnValues.push({ name: output.name, paramType: output.paramType, value: output.value });
        break;
      case 'returnStatus':
        this.returnStatus = output.value;
        break;
      case 'resetConnection':
        this.ctx.writer.abandon();
        this.ctx.resetConnection();
        return 'reset';
      case 'endConnection':
        this.closeAfter = true;
        break;
    }
    return undefined;
  }

  private tokens(build: (w: ByteWriter) => void): void {
    const w = new ByteWriter(256);
    build(w);
    this.ctx.writer.write(w.toBuffer());
  }

  /** Sends the held DONE, now known not to be the last one. */
  private releasePendingDone(): void {
    if (!this.pendingDone) return;
    const done = { ...this.pendingDone, status: this.pendingDone.status | DoneStatus.MORE };
    this.pendingDone = undefined;
    this.tokens((w) => writeDone(w, done));
  }

  private writeResultSet(columns: readonly ColumnSpec[], rows: readonly SqlValue[][]): void {
    // SQL Server never sends a result set without columns, and clients are not built for one.
    if (columns.length === 0) return;
    if (this.ctx.downlevelDates && columns.some(needsDownlevel)) {
      const original = columns;
      columns = original.map((c) => (needsDownlevel(c) ? downlevelColumn(c) : c));
      rows = rows.map((row) => row.map((v, i) => (needsDownlevel(original[i]) ? downlevelValue(original[i], v) : v)));
    }
    this.releasePendingDone();
    this.resultSinceDone = true;
    // Rows go out in slices so a huge result set streams packet by packet instead of as one buffer.
    const SLICE = 256;
    this.tokens((w) => writeColMetadata(w, columns, this.ctx.collation));
    for (let i = 0; i < rows.length; i += SLICE) {
      this.tokens((w) => {
        for (const row of rows.slice(i, i + SLICE)) writeRow(w, columns, row);
      });
    }
  }

  private writeMessage(message: SqlMessage): void {
    this.releasePendingDone();
    if (isErrorMessage(message)) {
      this.errorSinceDone = true;
      this.anyError = true;
    }
    this.tokens((w) => writeMessage(w, message, this.ctx.serverName));
  }

  private statementDone(rowCount: number | undefined, error: boolean): void {
    this.releasePendingDone();
    this.tokens((w) => this.ctx.writeStateChanges(w));
    let status = DoneStatus.FINAL;
    if (rowCount !== undefined) status |= DoneStatus.COUNT;
    if (this.ctx.inTransaction()) status |= DoneStatus.INXACT;
    if (error || this.errorSinceDone) status |= DoneStatus.ERROR;
    if (error) this.anyError = true;
    this.pendingDone = {
      kind: this.statementDoneKind,
      status,
      command: this.resultSinceDone ? DoneCommand.SELECT : DoneCommand.NONE,
      rowCount,
    };
    this.resultSinceDone = false;
    this.errorSinceDone = false;
  }

  private finish(): void {
    // A result set or error the engine did not close with statementDone still needs its DONE, or
    // mssql drops the recordset.
    if (this.resultSinceDone || this.errorSinceDone) this.statementDone(undefined, false);
    if (this.shape.kind === 'batch') this.finishBatch();
    else this.finishRpc(this.shape.params, this.shape.last);
  }

  private finishBatch(): void {
    const probe = new ByteWriter(32);
    this.ctx.writeStateChanges(probe);
    let final: DoneToken;
    if (probe.length > 0 || !this.pendingDone) {
      this.releasePendingDone();
      this.ctx.writer.write(probe.toBuffer());
      final = { kind: 'done', status: this.anyError ? DoneStatus.ERROR : DoneStatus.FINAL };
    } else {
      final = this.pendingDone;
      if (this.anyError) final.status |= DoneStatus.ERROR;
      this.pendingDone = undefined;
    }
    this.tokens((w) => writeDone(w, final));
  }

  private finishRpc(params: readonly RpcParameter[], last: boolean): void {
    this.releasePendingDone();
    this.tokens((w) => {
      this.ctx.writeStateChanges(w);
      writeReturnStatus(w, this.returnStatus ?? 0);
      for (const rv of this.returnValues) {
        const index = params.findIndex((p) => p.name.toLowerCase() === rv.name.toLowerCase());
        const declared = index >= 0 ? params[index] : undefined;
        let column: ColumnSpec = {
          name: declared?.name ?? rv.name,
          type: rv.paramType,
          length: declared?.type === rv.paramType ? declared.length : undefined,
          precision: declared?.precision,
          scale: declared?.scale,
        };
        let value = rv.value;
        if (this.ctx.downlevelDates && needsDownlevel(column)) {
          value = downlevelValue(column, value);
          column = downlevelColumn(column);
        }
        writeReturnValue(w, Math.max(0, index), column, value, this.ctx.collation);
      }
      // A cancelled call ends the message: the calls after it in the same RPC batch do not run.
      let status = last || this.aborted ? DoneStatus.FINAL : DoneStatus.MORE;
      if (this.anyError) status |= DoneStatus.ERROR;
      writeDone(w, { kind: 'doneProc', status });
    });
  }
}
