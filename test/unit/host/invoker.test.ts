// The invocation pipeline on its own: a function registered through the real `@azure/functions`
// (which reaches the shim through jest's moduleNameMapper), invoked with an RPC request.
import { app } from '@azure/functions';
import { coreRegistry } from '../../../local/host/functionsCore';
import { HostEvents, HostLogEntry } from '../../../local/host/hostLog';
import { Invoker } from '../../../local/host/invoker';
import type { LoadedFunction } from '../../../local/host/loader';

function loaded(name: string): LoadedFunction {
  const registration = coreRegistry.functions.find((f) => f.metadata.name === name);
  if (!registration) throw new Error(`${name} was not registered through @azure/functions-core`);
  const [triggerName, trigger] = Object.entries(registration.metadata.bindings).find(([, b]) => b.direction === 'in') ?? [];
  if (!triggerName || !trigger) throw new Error('no trigger');
  return {
    name,
    functionId: name,
    metadata: { ...registration.metadata, functionId: name },
    callback: registration.callback,
    trigger: { ...trigger, name: triggerName, type: String(trigger.type) },
  };
}

app.storageQueue('sleepy', {
  queueName: 'q',
  connection: 'AzureWebJobsStorage',
  handler: async (message, context) => {
    context.log('got', message);
    await new Promise((r) => setTimeout(r, Number((message as { ms: number }).ms)));
    return 'done';
  },
});

describe('Invoker', () => {
  it('registers through the shim with the binding metadata the library builds', () => {
    const fn = loaded('sleepy');
    expect(fn.trigger).toMatchObject({ type: 'queueTrigger', direction: 'in', queueName: 'q', connection: 'AzureWebJobsStorage' });
    expect(coreRegistry.programmingModel?.name).toBe('@azure/functions');
  });

  it('converts the input and trigger metadata with the library and logs Executing/Executed around the run', async () => {
    const events = new HostEvents();
    const logs: HostLogEntry[] = [];
    events.on('log', (e) => logs.push(e));
    const result = await new Invoker(events).invoke(loaded('sleepy'), {
      triggerData: { string: '{"ms":1}' },
      triggerMetadata: { DequeueCount: { json: '2' } },
      reason: 'test',
    });
    expect(result.status).toBe('Succeeded');
    if (result.status !== 'Succeeded') return;
    // Non-HTTP return values travel back as typed data, as the worker sends them to the host.
    expect(result.response.returnValue).toEqual({ string: 'done' });
    expect(logs.map((l) => l.message)).toEqual([
      `Executing 'Functions.sleepy' (Reason='test', Id=${result.invocationId})`,
      'got { ms: 1 }',
      expect.stringMatching(new RegExp(`^Executed 'Functions\\.sleepy' \\(Succeeded, Id=${result.invocationId}, Duration=\\d+ms\\)$`)),
    ]);
    expect(logs.every((l) => l.invocationId === result.invocationId)).toBe(true);
  });

  it('fails an invocation that exceeds functionTimeout with the host message', async () => {
    const events = new HostEvents();
    const invoker = new Invoker(events, 1000);
    const result = await invoker.invoke(loaded('sleepy'), { triggerData: { json: '{"ms":1500}' }, reason: 'test' });
    expect(result.status).toBe('Failed');
    if (result.status !== 'Failed') return;
    expect(result.error.message).toBe('Timeout value of 00:00:01 was exceeded by function: Functions.sleepy');
    await invoker.drain();
  });
});
