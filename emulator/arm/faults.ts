// Failure injection for the ARM emulator: the next requests answer 429 (throttled) or a 5xx, with
// Retry-After, before anything else happens.
export type ArmFault =
  | { kind: 'throttle'; count: number; retryAfterSeconds?: number }
  | { kind: 'serverError'; count: number; status?: number; retryAfterSeconds?: number };

export interface FaultReply {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

export class ArmFaults {
  private queue: ArmFault[] = [];
  /** requests answered by a fault so far (tests check retries happened) */
  served = 0;

  inject(fault: ArmFault): void {
    if (!Number.isInteger(fault.count) || fault.count < 1) throw new RangeError('"count" must be an integer >= 1');
    if (fault.kind !== 'throttle' && fault.kind !== 'serverError') throw new RangeError('"kind" must be throttle or serverError');
    this.queue.push({ ...fault });
  }

  clear(): void {
    this.queue = [];
  }

  list(): ArmFault[] {
    return this.queue.map((f) => ({ ...f }));
  }

  /** consumes one pending fault, if any */
  next(): FaultReply | undefined {
    const f = this.queue[0];
    if (!f) return undefined;
    f.count -= 1;
    if (f.count <= 0) this.queue.shift();
    this.served += 1;
    if (f.kind === 'throttle') {
      return {
        status: 429,
        code: 'SubscriptionTooManyRequests',
        message: 'The subscription has made too many requests. Please retry after some time.',
        retryAfterSeconds: f.retryAfterSeconds ?? 1,
      };
    }
    const status = f.status ?? 500;
    return {
      status,
      code: status === 500 ? 'InternalServerError' : status === 503 ? 'ServiceUnavailable' : 'GatewayTimeout',
      message: 'An unexpected error occured while processing the request.',
      retryAfterSeconds: f.retryAfterSeconds,
    };
  }
}
