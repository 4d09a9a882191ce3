// The supervisor `npm start` keeps the Functions host under: a host killed with SIGKILL is started
// again on the same port after the back-off, with one plain log line; the queue message it held is
// released as the runtime releases a dead worker's message (visible again after visibilityTimeout,
// dequeued once more); it gives up after too many exits; stop() (Ctrl-C) restarts nothing.
// The "host" here is a small script speaking the host process's IPC, so the test is quick.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { HostSupervisor, type RestartPolicy } from '../../../local/supervisor';
import { startAzurite, type AzuriteInstance } from '../../helpers/azurite';
import { waitFor } from './hostHarness';

const FAKE_HOST = `
const port = process.env.FAKE_PORT || '7999';
if (process.env.HELD) process.send(JSON.parse(process.env.HELD));
process.send({ ready: true, url: 'http://127.0.0.1:' + port });
if (process.env.EXIT_AFTER_MS) setTimeout(() => process.exit(Number(process.env.EXIT_CODE || 1)), Number(process.env.EXIT_AFTER_MS));
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1000);
`;

const QUICK: RestartPolicy = { baseDelayMs: 50, maxDelayMs: 200, maxExits: 3, windowMs: 60_000 };

let script: string;
const children: ChildProcess[] = [];
const supervisors: HostSupervisor[] = [];

beforeAll(() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-host-'));
  script = path.join(dir, 'fakeHost.js');
  writeFileSync(script, FAKE_HOST);
});

afterAll(async () => {
  await Promise.all(supervisors.map((s) => s.stop(500)));
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function supervise(envFor: (start: number, port: number | undefined) => Record<string, string>, extra: { onGiveUp?: (m: string) => void } = {}) {
  const lines: string[] = [];
  const ports: (number | undefined)[] = [];
  const restarted: { pid: number; restart: number }[] = [];
  let starts = 0;
  const supervisor = new HostSupervisor({
    spawn: (port) => {
      ports.push(port);
      const child = fork(script, [], { env: { ...process.env, ...envFor(starts++, port) }, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
      children.push(child);
      return child;
    },
    log: (line) => lines.push(line),
    onRestarted: (r) => restarted.push({ pid: r.pid, restart: r.restart }),
    onGiveUp: extra.onGiveUp ?? (() => undefined),
    policy: QUICK,
  });
  supervisors.push(supervisor);
  return { supervisor, lines, ports, restarted };
}

describe('the host supervisor', () => {
  it('restarts a host killed with SIGKILL on the same port, and says so in one line', async () => {
    const { supervisor, lines, ports, restarted } = supervise((_n, port) => ({ FAKE_PORT: String(port ?? 7123) }));
    const first = await supervisor.start();
    expect(first.url).toBe('http://127.0.0.1:7123');
    process.kill(first.pid, 'SIGKILL');
    await waitFor('the restart', () => restarted[0]);
    expect(restarted[0].pid).not.toBe(first.pid);
    expect(supervisor.pid).toBe(restarted[0].pid);
    expect(ports).toEqual([undefined, 7123]);
    expect(lines[0]).toBe('the Functions host exited (code 137); restarting it in 0 s (restart 1)…');
    expect(lines[1]).toMatch(/^the Functions host is back \(pid \d+, [\d.]+ s after it exited\)$/);
    // Ctrl-C: stopped for good
    const pid = supervisor.pid as number;
    await supervisor.stop();
    await new Promise((r) => setTimeout(r, 300));
    expect(restarted).toHaveLength(1);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('gives up when the host keeps exiting, with a message that says what to do', async () => {
    let gaveUp: string | undefined;
    // every host dies 30 ms after it is ready
    const { supervisor, lines } = supervise(() => ({ EXIT_AFTER_MS: '30', EXIT_CODE: '3' }), { onGiveUp: (m) => (gaveUp = m) });
    await supervisor.start();
    await waitFor('giving up', () => gaveUp, 10_000);
    expect(gaveUp).toBe('the Functions host kept exiting (3 times within 1 minutes)');
    expect(lines.filter((l) => l.startsWith('the Functions host exited (code 3); restarting it'))).toHaveLength(2);
    expect(lines[lines.length - 1]).toBe(
      'the Functions host exited (code 3); it exited 3 times within 1 minutes, so it is not restarted again: look at its last messages above, fix the cause, and run npm start again',
    );
  });
});

describe('a queue message held by a host that dies', () => {
  let azurite: AzuriteInstance;

  beforeAll(async () => {
    azurite = await startAzurite();
  });

  afterAll(async () => {
    await azurite?.stop();
  });

  it('is visible again after host.json visibilityTimeout, not after the 10 minutes it was received for', async () => {
    const queue = new QueueClient(azurite.connectionString, 'operations');
    await queue.createIfNotExists();
    await queue.sendMessage('work');
    // the host receives it for 10 minutes, as the Functions host does while a function runs
    const [held] = (await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 600 })).receivedMessageItems;
    const event = { kind: 'queueMessage', event: 'received', connection: azurite.connectionString, queue: 'operations', messageId: held.messageId, popReceipt: held.popReceipt, retryVisibilitySeconds: 1 };
    const { supervisor, lines } = supervise((n): Record<string, string> => (n === 0 ? { HELD: JSON.stringify(event) } : {}));
    const first = await supervisor.start();
    process.kill(first.pid, 'SIGKILL');
    await waitFor('the restart', () => lines.find((l) => l.startsWith('the Functions host is back')));
    expect(lines.find((l) => l.startsWith('the Functions host is back'))).toMatch(/; 1 queue message it was handling shows again 1 s after the exit \(host\.json visibilityTimeout\)$/);
    const again = await waitFor(
      'the message to show again',
      async () => (await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 30 })).receivedMessageItems[0],
      10_000,
    );
    expect(again.messageId).toBe(held.messageId);
    expect(again.dequeueCount).toBe(2);
  });
});
