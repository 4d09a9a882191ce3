// Timer: the safety net that revives operations whose message was lost and fails overdue ones.
import { app, InvocationContext, Timer } from '@azure/functions';
import { getRuntime } from '../shared/runtime';

export async function operationSweeper(timer: Timer, context: InvocationContext): Promise<void> {
  const { engine } = await getRuntime();
  const report = await engine.sweep();
  if (timer.isPastDue) context.warn('operationSweeper is running late');
  context.log(`swept ${report.examined} open operations: ${report.revived.length} revived, ${report.expired.length} past their deadline`);
}

app.timer('operationSweeper', {
  schedule: '0 */1 * * * *',
  runOnStartup: false,
  handler: operationSweeper,
});
