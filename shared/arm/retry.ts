// The retry policy the ARM client's pipeline runs instead of the SDK default: the default honours
// Retry-After only on 429 and 503 and backs off blindly on 500; ARM sends Retry-After on 5xx too.
// Retries 408, 429 and 5xx (not 501/505) and network errors; waits Retry-After (seconds or HTTP
// date, or retry-after-ms) when present, otherwise exponential backoff with jitter.
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

export function armRetryPolicy(options: ArmRetryOptions = {}): PipelinePolicy {
  return retryPolicy([armRetryStrategy(options)], { maxRetries: options.maxRetries ?? 4 });
}
