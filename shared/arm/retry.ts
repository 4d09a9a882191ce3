// The retry policy the ARM client's pipeline runs instead of the SDK default: the default honours
// Retry-After only on 429 and 503 and backs off blindly on 500; ARM sends Retry-After on 5xx too.
// Retries 408, 429 and 5xx (not 501/505) and network errors; waits Retry-After (seconds or HTTP
// date, or retry-after-ms) when present, otherwise exponential backoff with jitter.
// A POST is an action (failover, setRole, completeRestore): after a 5xx or a broken connection
// ARM may have acted, so it is never sent again blindly. Only a 429 (ARM refused it unseen) or a
// connection that was never made is retried; the step reads the world back before posting again.
import { retryPolicy, type PipelinePolicy, type PipelineResponse, type RetryStrategy } from '@azure/core-rest-pipeline';

export interface ArmRetryOptions {
  maxRetries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

const RETRY_STATUS = (s: number): boolean => s === 408 || s === 429 || (s >= 500 && s !== 501 && s !== 505);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'REQUEST_SEND_ERROR']);

/** milliseconds the response asks us to wait, if it says */
export function retryAfterMs(response: PipelineResponse | undefined, now: number = Date.now()): number | undefined {
  if (!response) return undefined;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const v = response.headers.get(name);
    if (v !== undefined && /^\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  }
  const v = response.headers.get('retry-after');
  if (v === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export function armRetryStrategy(options: ArmRetryOptions = {}): RetryStrategy {
  const base = options.baseDelayMs ?? 800;
  const max = options.maxDelayMs ?? 60_000;
  return {
    name: 'armRetryAfterStrategy',
    retry({ response, responseError, retryCount }) {
      const status = response?.status ?? responseError?.statusCode;
      const networkFailure = responseError !== undefined && status === undefined && NETWORK_CODES.has(responseError.code ?? '');
      if (!(status !== undefined && RETRY_STATUS(status)) && !networkFailure) return { skipStrategy: true };
      const asked = retryAfterMs(response);
      if (asked !== undefined) return { retryAfterInMs: Math.min(asked, max) };
      const backoff = Math.min(max, base * 2 ** retryCount);
      return { retryAfterInMs: backoff / 2 + Math.random() * (backoff / 2) };
    },
  };
}

/** For POST: only what proves ARM never took the request in. */
export function armPostRetryStrategy(options: ArmRetryOptions = {}): RetryStrategy {
  const general = armRetryStrategy(options);
  return {
    name: 'armPostRetryStrategy',
    retry(state) {
      const status = state.response?.status ?? state.responseError?.statusCode;
      const neverConnected = state.responseError !== undefined && status === undefined && state.responseError.code === 'ECONNREFUSED';
      if (status !== 429 && !neverConnected) return { skipStrategy: true };
      return general.retry(state);
    },
  };
}

export function armRetryPolicy(options: ArmRetryOptions = {}): PipelinePolicy {
  const maxRetries = options.maxRetries ?? 4;
  const general = retryPolicy([armRetryStrategy(options)], { maxRetries });
  const posts = retryPolicy([armPostRetryStrategy(options)], { maxRetries });
  return {
    name: 'armRetryPolicy',
    sendRequest: (request, next) => (request.method === 'POST' ? posts : general).sendRequest(request, next),
  };
}
