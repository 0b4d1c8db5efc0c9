// Processes that a test starts itself, beyond the run's own servers: more BFF replicas (the real
// binary), a redis-server it can freeze, and a load balancer in front of the replicas. Each is
// started on 127.0.0.1 and stopped by its PID; waits are on conditions (a port that answers, a
// process that exits), bounded only by the test's own timeout.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect } from '@playwright/test';

import { bffEnv } from './env';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Waits until check() is true, polling; the test's timeout is the only bound. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  await expect.poll(check, { message: what, intervals: [50, 100, 200], timeout: 0 }).toBe(true);
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200;
  } catch {
    return false;
  }
}

/** A process started by a test: its output is kept for failure messages. */
class Proc {
  child?: ChildProcess;
  output = '';
  exited?: Promise<unknown>;

  constructor(readonly name: string) {}

  start(command: string, args: string[], env: Record<string, string>): void {
    const child = spawn(command, args, { cwd: repo, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (b) => { this.output += b; });
    child.stderr!.on('data', (b) => { this.output += b; });
    this.exited = once(child, 'exit');
    this.child = child;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.running) throw new Error(`${this.name} is not running:\n${this.output}`);
    process.kill(this.child!.pid!, sig);
  }

  /** Stops the process by its PID (SIGTERM, or SIGCONT first when it is frozen) and waits for it to exit. */
  async stop(): Promise<void> {
    if (!this.running) return;
    process.kill(this.child!.pid!, 'SIGCONT');
    process.kill(this.child!.pid!, 'SIGTERM');
    await this.exited;
  }
}

/**
 * A BFF replica: bin/gatehouse with the run's environment (the dev provider, the demo API) and
 * the overrides given, on 127.0.0.1:port.
 */
export class Replica extends Proc {
  constructor(name: string, readonly port: number, private readonly env: Record<string, string>) {
    super(name);
  }

  /** Starts the binary and waits until /healthz answers, or fails with its output if it exits. */
  async start(): Promise<void> {
    super.start('bin/gatehouse', [], { ...bffEnv, GATEHOUSE_ADDR: `127.0.0.1:${this.port}`, ...this.env });
    await until(`${this.name} answers /healthz`, async () => {
      if (!this.running) throw new Error(`${this.name} exited:\n${this.output}`);
      return answers(`http://127.0.0.1:${this.port}/healthz`);
    });
  }

  /** Stops it with SIGTERM, as a deploy does, and starts it again on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    expect(this.child!.exitCode, `${this.name} exits cleanly on SIGTERM:\n${this.output}`).toBe(0);
    await this.start();
  }

  /** GET path on this replica directly, with the given session cookie. */
  async get(pathname: string, cookie?: string): Promise<{ status: number; body: any }> {
    const res = await fetch(`http://127.0.0.1:${this.port}${pathname}`, { headers: cookie ? { Cookie: cookie } : {} });
    const text = await res.text();
    let body: unknown = text;
    try { body = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body };
  }
}

/** A free TCP port on 127.0.0.1 (bound to port 0, then released). */
export async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as net.AddressInfo;
  s.close();
  await once(s, 'close');
  return port;
}

/** A redis-server of a test's own, on a free port, in the foreground, with nothing saved to disk. */
export class Redis extends Proc {
  port = 0;

  constructor() {
    super('redis-server');
  }

  get url(): string { return `redis://127.0.0.1:${this.port}/0`; }

  async start(): Promise<void> {
    this.port = await freePort();
    super.start('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {});
    await until(`${this.name} accepts connections`, async () => {
      if (!this.running) throw new Error(`${this.name} exited:\n${this.output}`);
      return this.output.includes('Ready to accept connections');
    });
  }

  /** Stops the process (SIGSTOP): connections stay open and nothing answers, as a Redis that hangs. */
  freeze(): void { this.signal('SIGSTOP'); }

  /** Lets it go on (SIGCONT), with everything it held. */
  thaw(): void { this.signal('SIGCONT'); }
}

/**
 * A load balancer on 127.0.0.1:port in front of replicas: it forwards each request, unchanged, to
 * the replica the test picks (`use`), or to each in turn (`roundRobin`). The replicas' public URL
 * is the balancer's origin, as behind a real one.
 */
export class Balancer {
  private server?: http.Server;
  private targets: Replica[] = [];
  private next = 0;
  /** How many requests each replica received, by name. */
  readonly served = new Map<string, number>();

  constructor(readonly port: number) {}

  get origin(): string { return `http://localhost:${this.port}`; }

  /** Sends every request to replica from now on. */
  use(replica: Replica): void { this.targets = [replica]; this.next = 0; }

  /** Sends the requests to replicas in turn from now on. */
  roundRobin(...replicas: Replica[]): void { this.targets = replicas; this.next = 0; }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const target = this.targets[this.next++ % this.targets.length];
      if (!target) {
        res.writeHead(502).end('no replica');
        return;
      }
      this.served.set(target.name, (this.served.get(target.name) ?? 0) + 1);
      const out = http.request({
        host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers,
      }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      });
      out.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
      req.pipe(out);
    });
    this.server.keepAliveTimeout = 1_000;
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}
