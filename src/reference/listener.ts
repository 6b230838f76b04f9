/** A server bound to one loopback port that can stop refusing and start accepting again, like a daemon restarted. */
import type { Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';

/** A loopback port nothing listens on: bound once to find it, then released. */
export function deadPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Binds one server to one port; stop() and resume() emulate the daemon going away and coming back. */
export class Listener {
  readonly server: Server;
  readonly host: string;
  private boundPort = 0;
  private listening = false;

  constructor(server: Server, host: string) {
    this.server = server;
    this.host = host;
  }

  /** The bound port (after start). */
  get port(): number {
    return this.boundPort;
  }

  /** Whether connections are accepted right now. */
  get up(): boolean {
    return this.listening;
  }

  /** Binds the port (0 picks a free one). */
  start(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, this.host, () => {
        this.server.off('error', onError);
        this.boundPort = (this.server.address() as AddressInfo).port;
        this.listening = true;
        resolve(this.boundPort);
      });
    });
  }

  /** Stops accepting and drops every open connection, so the port refuses at once. */
  stop(): void {
    if (!this.listening) return;
    this.listening = false;
    this.server.close();
    this.server.closeAllConnections();
  }

  /** Accepts again on the same port. Binding happens synchronously; a failure is logged by the caller. */
  resume(onError: (err: Error) => void): void {
    if (this.listening) return;
    this.listening = true;
    const fail = (err: Error) => {
      this.listening = false;
      onError(err);
    };
    this.server.once('error', fail);
    this.server.listen(this.boundPort, this.host, () => this.server.off('error', fail));
  }

  /** Stops for good and waits until the server has released everything. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      const wasListening = this.listening;
      this.listening = false;
      if (!wasListening) {
        this.server.closeAllConnections();
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
