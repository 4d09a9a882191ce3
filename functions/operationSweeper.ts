// Timer: the safety net that publishes outcomes a crashed worker left behind, revives operations
// whose message was lost and ends overdue ones (through their cleanup).
import { app, InvocationContext, Timer } from '@azure/functions';
import { invocationLogger } from '../shared/platform/logger';
import { getRuntime } from '../shared/runtime';

export async function operationSweeper(timer: Timer, context: InvocationContext): Promise<void> {
  const { engine } = await getRuntime();
  const report = await engine.sweep(invocationLogger(context));
  if (timer.isPastDue) context.warn('operationSweeper is running late');
  context.log(
    `swept ${report.examined} open operations: ${report.revived.length} revived, ${report.expired.length} ended past their deadline or approval, ${report.published.length} outcomes published`,
  );
}

app.timer('operationSweeper', {
  schedule: '0 */1 * * * *',
  runOnStartup: false,
  handler: operationSweeper,
});
