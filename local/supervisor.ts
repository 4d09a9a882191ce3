// Keeps the local Functions host running under `npm start`, as the Functions runtime keeps its
// language worker running: a host that exits unexpectedly is started again, after a back-off
// (1 s, 2 s, 4 s … at most 30 s), on the same port, with everything else (Azurite, the emulated
// estate, ARM) left as it is. Ten exits within five minutes and it gives up.
//
// The queue messages a dead host was handling are released as the runtime releases a message
// whose invocation failed because its worker died: visible again after host.json's
// visibilityTimeout, with one more dequeue. Without that they would stay invisible for the
// 10 minutes the host receives them for.
import type { ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { QueueClient } from '@azure/storage-queue';
import type { QueueMessageEvent } from './host/queueTriggers';

export interface RestartPolicy {
  /** the first back-off; each further exit within the window doubles it */
  baseDelayMs: number;
  maxDelayMs: number;
  /** this many exits within windowMs: give up */
  maxExits: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { baseDelayMs: 1000, maxDelayMs: 30_000, maxExits: 10, windowMs: 5 * 60_000 };

export type RestartDecision = { giveUp: true; exits: number } | { giveUp: false; delayMs: number; exits: number };

/** What to do after an exit at `now`, given the times of every exit so far (this one included). */
export function decideRestart(exitTimes: number[], now: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): RestartDecision {
  const recent = exitTimes.filter((t) => now - t < policy.windowMs).length;
  if (recent >= policy.maxExits) return { giveUp: true, exits: recent };
  return { giveUp: false, exits: recent, delayMs: Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, recent - 1)) };
}

/** The exit code as a shell reports it: a signal's death is 128 + its number (SIGKILL: 137). */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? osConstants.signals[signal] : undefined;
  return n === undefined ? 1 : 128 + n;
}

export function isQueueMessageEvent(m: unknown): m is QueueMessageEvent {
  const o = m as Partial<QueueMessageEvent> | null;
  return typeof o === 'object' && o !== null && o.kind === 'queueMessage' && typeof o.messageId === 'string' && typeof o.queue === 'string';
}

interface HeldMessage {
  connection: string;
  queue: string;
  messageId: string;
  popReceipt: string;
  retryVisibilitySeconds: number;
}

/** Releases the messages a dead host held; resolves with how many, and after how long they show again. */
export async function releaseMessages(held: HeldMessage[]): Promise<{ released: number; visibleInSeconds: number }> {
  let released = 0;
  let visibleInSeconds = 0;
  await Promise.all(
    held.map(async (m) => {
      try {
        await new QueueClient(m.connection, m.queue).updateMessage(m.messageId, m.popReceipt, undefined, m.retryVisibilitySeconds);
        released++;
        visibleInSeconds = Math.max(visibleInSeconds, m.retryVisibilitySeconds);
      } catch {
        // deleted or updated meanwhile (the host finished it as it died): nothing held any more
      }
    }),
  );
  return { released, visibleInSeconds };
}

export interface HostReady {
  url: string;
  pid: number;
}

export interface SupervisorOptions {
  /** starts a host process (forked with an IPC channel); `port` is the port of the first start once known */
  spawn(port: number | undefined): ChildProcess;
  log(line: string): void;
  /** called when a restarted host is ready */
  onRestarted?(ready: HostReady & { restart: number; downMs: number }): void;
  /** called once when it gives up; the caller stops everything */
  onGiveUp(message: string): void;
  policy?: RestartPolicy;
  now?: () => number;
}

/** Waits for the host's `{ ready, url }` message, or its exit. */
function whenReady(child: ChildProcess): Promise<HostReady> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { ready?: boolean; url?: string }): void => {
      if (!m || typeof m !== 'object' || !('ready' in m)) return;
      cleanup();
      if (m.ready && m.url) resolve({ url: m.url, pid: child.pid ?? 0 });
      else reject(new Error('the host did not start'));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      reject(new Error(`the local Functions host exited with code ${exitCodeOf(code, signal)}`));
    };
    const cleanup = (): void => {
      child.removeListener('message', onMessage);
      child.removeListener('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export class HostSupervisor {
  private child: ChildProcess | undefined;
  private stopping = false;
  private port: number | undefined;
  private readonly exits: number[] = [];
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly held = new Map<string, HeldMessage>();
  private readonly policy: RestartPolicy;
  private readonly now: () => number;

  constructor(private readonly options: SupervisorOptions) {
    this.policy = options.policy ?? DEFAULT_RESTART_POLICY;
    this.now = options.now ?? Date.now;
  }

  /** the running host's pid (undefined between a crash and its restart) */
  get pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  get restartCount(): number {
    return this.restarts;
  }

  /** Starts the first host; rejects when it cannot start (then nothing is restarted). */
  async start(): Promise<HostReady> {
    const child = this.launch();
    const ready = await whenReady(child);
    this.port = Number(new URL(ready.url).port);
    this.watch(child);
    return ready;
  }

  /** Stops the host for good (Ctrl-C): no restart; SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private launch(): ChildProcess {
    const child = this.options.spawn(this.port);
    this.child = child;
    child.on('message', (m: unknown) => {
      if (!isQueueMessageEvent(m)) return;
      const k = `${m.queue}/${m.messageId}`;
      if (m.event === 'received') this.held.set(k, { connection: m.connection, queue: m.queue, messageId: m.messageId, popReceipt: m.popReceipt, retryVisibilitySeconds: m.retryVisibilitySeconds });
      else this.held.delete(k);
    });
    return child;
  }

  private watch(child: ChildProcess): void {
    child.once('exit', (code, signal) => {
      if (this.stopping || child !== this.child) return;
      // Ctrl-C reaches the whole process group: the host may exit on it a moment before this
      // process's own handler calls stop(); such an exit is not a crash
      const byTerminal = code === 0 || signal === 'SIGINT' || signal === 'SIGTERM';
      setTimeout(() => {
        if (!this.stopping) void this.crashed(exitCodeOf(code, signal));
      }, byTerminal ? 500 : 0);
    });
  }

  private async crashed(code: number): Promise<void> {
    const at = this.now();
    this.exits.push(at);
    const held = [...this.held.values()];
    this.held.clear();
    const decision = decideRestart(this.exits, at, this.policy);
    if (decision.giveUp) {
      this.options.log(`the Functions host exited (code ${code}); it exited ${decision.exits} times within ${Math.round(this.policy.windowMs / 60_000)} minutes, so it is not restarted again: look at its last messages above, fix the cause, and run npm start again`);
      this.options.onGiveUp(`the Functions host kept exiting (${decision.exits} times within ${Math.round(this.policy.windowMs / 60_000)} minutes)`);
      return;
    }
    this.restarts++;
    this.options.log(`the Functions host exited (code ${code}); restarting it in ${Math.round(decision.delayMs / 1000)} s (restart ${this.restarts})…`);
    const release = releaseMessages(held);
    this.restartTimer = setTimeout(() => void this.relaunch(at, release), decision.delayMs);
  }

  private async relaunch(crashedAt: number, release: Promise<{ released: number; visibleInSeconds: number }>): Promise<void> {
    if (this.stopping) return;
    const child = this.launch();
    try {
      const ready = await whenReady(child);
      if (this.stopping) return;
      this.watch(child);
      const { released, visibleInSeconds } = await release;
      const note = released > 0 ? `; ${released} queue message${released === 1 ? '' : 's'} it was handling show${released === 1 ? 's' : ''} again ${visibleInSeconds} s after the exit (host.json visibilityTimeout)` : '';
      this.options.log(`the Functions host is back (pid ${ready.pid}, ${((this.now() - crashedAt) / 1000).toFixed(1)} s after it exited)${note}`);
      this.options.onRestarted?.({ ...ready, restart: this.restarts, downMs: this.now() - crashedAt });
    } catch (err) {
      if (this.stopping) return;
      // it died before it was ready: one more exit
      void this.crashed(Number(/code (\d+)/.exec(String(err))?.[1] ?? 1));
    }
  }
}
