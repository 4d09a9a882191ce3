// The TDS listener: one TdsConnection (and one engine session) per TCP connection, served on
// 127.0.0.1. Plaintext, TLS inside PRELOGIN and TDS 8 strict TLS share the one port.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { type ConnectionSummary, TdsConnection } from './connection';
import type { EngineEndpoint, TlsMaterial } from './types';

export interface TdsServerOptions {
  tls: TlsMaterial;
  /**
   * 'protocol' (default): the TDS layer keeps prepared handles per connection and sends each
   * sp_execute/sp_prepexec to the engine as sp_executesql. 'engine': those RPCs reach the engine
   * as { kind: 'rpc' } like any other procedure.
   */
  preparedStatements?: 'protocol' | 'engine';
}

export class TdsServer {
  private readonly server: net.Server;
  private readonly connectionSet = new Set<TdsConnection>();
  private readonly preloginTls: tls.SecureContext;
  private readonly strictTls: tls.SecureContext;
  private readonly preparedStatements: 'protocol' | 'engine';

  constructor(
    private readonly endpoint: EngineEndpoint,
    options: TdsServerOptions,
  ) {
    const material = { key: options.tls.key, cert: options.tls.cert };
    // tedious caps TLS inside PRELOGIN at 1.2, and the PRELOGIN flight wrapping assumes 1.2's handshake.
    this.preloginTls = tls.createSecureContext({ ...material, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    this.strictTls = tls.createSecureContext({ ...material, minVersion: 'TLSv1.2' });
    this.preparedStatements = options.preparedStatements ?? 'protocol';
    this.server = net.createServer((socket) => this.onConnection(socket));
    this.server.on('error', () => undefined);
  }

  /** Starts listening; resolves with the bound port (pass 0 for a free one). */
  listen(port = 0, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /** Stops listening and drops every connection. */
  close(): Promise<void> {
    for (const connection of [...this.connectionSet]) connection.destroy();
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
    });
  }

  /** Open client connections. */
  get connectionCount(): number {
    return this.connectionSet.size;
  }

  /** One line per open connection: encryption mode, login state, spid, packet size. */
  connections(): ConnectionSummary[] {
    return [...this.connectionSet].map((c) => c.summary);
  }

  get listening(): boolean {
    return this.server.listening;
  }

  private onConnection(socket: net.Socket): void {
    socket.on('error', () => undefined);
    let accept: boolean;
    try {
      accept = this.endpoint.acceptConnections();
    } catch {
      accept = false;
    }
    if (!accept) {
      // An instance that is down: the connection is refused outright.
      socket.resetAndDestroy();
      return;
    }
    const connection = new TdsConnection(
      socket,
      {
        endpoint: this.endpoint,
        preloginTls: this.preloginTls,
        strictTls: this.strictTls,
        preparedStatements: this.preparedStatements,
      },
      (closed) => this.connectionSet.delete(closed),
    );
    this.connectionSet.add(connection);
    connection.start();
  }
}
