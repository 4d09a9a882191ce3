// Runs one invocation the way the Node.js worker does: build the core invocation context from an
// RPC InvocationRequest, let the app's programming model (`@azure/functions`) convert it into
// (context, inputs), run preInvocation hooks, the handler, postInvocation hooks, and convert the
// result back into an RPC InvocationResponse. Around it, the host's own log lines:
// `Executing 'Functions.X' (Reason=..., Id=...)` and `Executed 'Functions.X' (Succeeded|Failed, ...)`.
import { randomUUID } from 'node:crypto';
import type {
  CoreInvocationContext,
  RpcInvocationRequest,
  RpcInvocationResponse,
  RpcLogCategory,
  RpcLogLevel,
  RpcTypedData,
} from './coreTypes';
import { coreRegistry, getProgrammingModel } from './functionsCore';
import { describeError, HostEvents } from './hostLog';
import type { LoadedFunction } from './loader';
import { redactSecrets } from '../../shared/redact';

export interface InvocationInput {
  /** the trigger's value, as the host sends it (string, json, bytes or http) */
  triggerData: RpcTypedData;
  triggerMetadata?: Record<string, RpcTypedData>;
  /** why the host runs it, as its `Executing` line says */
  reason: string;
  retryContext?: RpcInvocationRequest['retryContext'];
}

export type InvocationResult =
  | { status: 'Succeeded'; invocationId: string; response: RpcInvocationResponse }
  | { status: 'Failed'; invocationId: string; error: Error };

export class FunctionTimeoutError extends Error {}

function timespan(ms: number): string {
  const s = Math.floor(ms / 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

export class Invoker {
  private readonly running = new Set<Promise<InvocationResult>>();
  readonly appHookData: Record<string, unknown> = {};

  constructor(
    private readonly events: HostEvents,
    private readonly functionTimeoutMs?: number,
  ) {}

  get activeCount(): number {
    return this.running.size;
  }

  invoke(fn: LoadedFunction, input: InvocationInput): Promise<InvocationResult> {
    const run = this.run(fn, input);
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return run;
  }

  /** Resolves when every invocation started so far has finished. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async run(fn: LoadedFunction, input: InvocationInput): Promise<InvocationResult> {
    const invocationId = randomUUID();
    const startedAt = new Date();
    const started = { functionName: fn.name, invocationId, triggerType: fn.trigger.type, reason: input.reason, startedAt };
    const hostCategory = `Function.${fn.name}`;
    this.events.log('information', hostCategory, `Executing 'Functions.${fn.name}' (Reason='${input.reason}', Id=${invocationId})`, {
      functionName: fn.name,
      invocationId,
    });
    this.events.emit('invocationStarted', started);
    let error: Error | undefined;
    let response: RpcInvocationResponse | undefined;
    try {
      response = await this.withTimeout(fn, this.execute(fn, invocationId, input));
    } catch (err) {
      error = describeError(err);
    }
    const durationMs = Date.now() - startedAt.getTime();
    const status = error ? 'Failed' : 'Succeeded';
    this.events.log(
      error ? 'error' : 'information',
      hostCategory,
      `Executed 'Functions.${fn.name}' (${status}, Id=${invocationId}, Duration=${durationMs}ms)`,
      { functionName: fn.name, invocationId },
    );
    if (error) {
      // A function's error may quote the request URL it was called with (?code=) or a SAS, and
      // this line is written by the host, not by the app's own (redacting) error handling.
      this.events.log(
        'error',
        hostCategory,
        redactSecrets(
          `System.Private.CoreLib: Exception while executing function: Functions.${fn.name}. System.Private.CoreLib: Result: Failure\n` +
            `Exception: ${error.message}\nStack: ${error.stack ?? error.message}`,
        ),
        { functionName: fn.name, invocationId },
      );
    }
    this.events.emit('invocationFinished', { ...started, status, durationMs, error });
    return error ? { status: 'Failed', invocationId, error } : { status: 'Succeeded', invocationId, response: response ?? {} };
  }

  private withTimeout<T>(fn: LoadedFunction, work: Promise<T>): Promise<T> {
    const limit = this.functionTimeoutMs;
    if (!limit) return work;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new FunctionTimeoutError(`Timeout value of ${timespan(limit)} was exceeded by function: Functions.${fn.name}`)),
        limit,
      );
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  private async execute(fn: LoadedFunction, invocationId: string, input: InvocationInput): Promise<RpcInvocationResponse> {
    const request: RpcInvocationRequest = {
      invocationId,
      functionId: fn.functionId,
      inputData: [{ name: fn.trigger.name, data: input.triggerData }],
      triggerMetadata: input.triggerMetadata ?? {},
      traceContext: { traceParent: `00-${randomUUID().replace(/-/g, '')}-${randomUUID().replace(/-/g, '').slice(0, 16)}-00`, traceState: '', attributes: {} },
      retryContext: input.retryContext,
    };
    const holder: { invocationContext?: unknown } = {};
    const coreCtx: CoreInvocationContext = {
      invocationId,
      request,
      metadata: fn.metadata,
      state: undefined,
      log: (level, category, message) => this.forwardLog(fn, invocationId, holder.invocationContext, level, category, message),
    };
    const model = await getProgrammingModel().getInvocationModel(coreCtx);
    const { context, inputs } = await model.getArguments();
    holder.invocationContext = context;
    const hookData: Record<string, unknown> = {};

    coreCtx.state = 'preInvocationHooks';
    const pre: Record<string, unknown> = { invocationContext: context, inputs, functionCallback: fn.callback, hookData, appHookData: this.appHookData };
    for (const hook of coreRegistry.hooksFor('preInvocation')) await hook(pre);

    coreCtx.state = 'invocation';
    let result: unknown;
    let failure: unknown;
    try {
      result = await model.invokeFunction(context, pre.inputs as unknown[], pre.functionCallback as LoadedFunction['callback']);
    } catch (err) {
      failure = err;
    }

    coreCtx.state = 'postInvocationHooks';
    const post: Record<string, unknown> = { invocationContext: context, inputs: pre.inputs, result, error: failure, hookData, appHookData: this.appHookData };
    for (const hook of coreRegistry.hooksFor('postInvocation')) await hook(post);
    coreCtx.state = undefined;
    if (post.error !== undefined && post.error !== null) throw post.error;
    return model.getResponse(context, post.result);
  }

  private forwardLog(
    fn: LoadedFunction,
    invocationId: string,
    invocationContext: unknown,
    level: RpcLogLevel,
    category: RpcLogCategory,
    message: string,
  ): void {
    const hookCtx: Record<string, unknown> = { level, message, category, invocationContext, hookData: {}, appHookData: this.appHookData };
    for (const hook of coreRegistry.hooksFor('log')) hook(hookCtx);
    // As in the worker, log hooks may rewrite only user logs.
    const finalLevel = category === 'user' ? (hookCtx.level as RpcLogLevel) : level;
    const finalMessage = category === 'user' ? String(hookCtx.message) : message;
    this.events.log(finalLevel, category === 'user' ? `Function.${fn.name}.User` : `Function.${fn.name}`, finalMessage, {
      functionName: fn.name,
      invocationId,
    });
  }
}
