// The real wiring: emulator/sql's parser and evaluator, emulator/backup's BACKUP and RESTORE.
import { runBackupStatement } from '../backup';
import { declareVariable, evaluateCondition, evaluateScalar, executeSelect, setVariable } from '../sql/evaluate';
import { parseBatch, statementLine } from '../sql/parser';
import { convertForStore } from '../sql/storeValue';
import type { EngineServices } from './services';

export function defaultServices(): EngineServices {
  return {
    language: { parseBatch, executeSelect, evaluateScalar, evaluateCondition, statementLine, declareVariable, setVariable, convertForStore },
    backup: {
      backup: (host, ctx, stmt) => runBackupStatement(host, ctx, stmt),
      restore: (host, ctx, stmt) => runBackupStatement(host, ctx, stmt),
    },
  };
}
