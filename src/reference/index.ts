/**
 * An embedded, in-process reference deployment that answers like Glance 25.1.0 (Zed) as captured:
 * Glance on one port, Keystone v3 on another, an nginx-like front proxy on a third, all on
 * loopback, with switchable fault modes that reproduce what clients saw from broken deployments.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { DataStore } from './data-store.js';
import { CAPTURED_DELAYS, FAULT_NAMES, type FaultDelays, type FaultName, faultRecord } from './faults.js';
import { GlanceServer } from './glance-server.js';
import { Keystone } from './keystone.js';
import { type AccountSpec, type RoleName, resolveAccounts } from './keystone-accounts.js';
import { deadPort, Listener } from './listener.js';
import { FrontProxy } from './proxy.js';
import { Registry } from './registry.js';
import { loadSchemas } from './schemas.js';
import { DEFAULT_STORES_SPEC, parseStores } from './stores.js';

export { CAPTURED_DELAYS, FAULTS, type Fault, type FaultDelays, type FaultName } from './faults.js';
export { type AccountSpec, MAX_EXTRA_MEMBERS, type RoleName } from './keystone-accounts.js';
export { DEFAULT_STORES_SPEC, parseStores, type StoreConfig } from './stores.js';

export interface ReferenceOptions {
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  /** Glance port (0 = ephemeral). */
  port?: number;
  /** Keystone port (0 = ephemeral). */
  keystonePort?: number;
  /** Front proxy port (0 = ephemeral). */
  proxyPort?: number;
  /**
   * Users to create besides (or overriding the password, project or roles of) the built-in admin
   * and demo: a users file (YAML or JSON) or the entries themselves.
   */
  users?: string | ReadonlyArray<AccountSpec>;
  /** How many member users member1…memberN to add, each in its own project of the same name. */
  extraMembers?: number;
  /** Where image data lives; default a new temp dir, removed on close. */
  dataDir?: string;
  /** 'keystone' (default) checks tokens; 'none' runs every request as an admin context. */
  auth?: 'keystone' | 'none';
  fault?: FaultName | null;
  /**
   * Store configuration: "multi:<id>[,<id>…]" (enabled_backends, the first id the default; default
   * "multi:fs", as the lab runs) or "legacy" (the deprecated [glance_store] stores = file,http).
   */
  stores?: string;
  /** Lifetime of issued tokens (default 3600). */
  tokenTtlSeconds?: number;
  /** Overrides for the timing-bound faults (default: as captured). Tests shrink them. */
  delays?: Partial<FaultDelays>;
  log?: (line: string) => void;
}

export interface ReferenceUser {
  name: string;
  password: string;
  /** True when the reference generated the password (a given one is never printed). */
  passwordGenerated: boolean;
  project: string;
  /** The highest of its roles on its project. */
  role: 'admin' | 'member' | 'reader';
  /** The roles assigned on its project (a token also carries those they imply). */
  roles: ReadonlyArray<RoleName>;
  domain: 'Default';
}

export interface ReferenceServer {
  glanceUrl: string;
  /** Identity endpoint including /v3. */
  keystoneUrl: string;
  /** The nginx-like front proxy in front of Glance. */
  proxyUrl: string;
  users: ReadonlyArray<ReferenceUser>;
  /** The store configuration in canonical form ("multi:fs", "legacy"). */
  stores: string;
  setFault(f: FaultName | null): void;
  fault(): FaultName | null;
  close(): Promise<void>;
}

function checkHost(host: string): void {
  const loopback = host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  if (!loopback) throw new ConfigError(`reference host must be a loopback address (got "${host}")`);
}

function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Starts Keystone, Glance and the front proxy; resolves once all three accept connections. */
export async function startReference(opts: ReferenceOptions = {}): Promise<ReferenceServer> {
  const host = opts.host ?? '127.0.0.1';
  checkHost(host);
  if (opts.fault != null && !FAULT_NAMES.has(opts.fault))
    throw new ConfigError(`unknown fault "${String(opts.fault)}"`);
  const stores = parseStores(opts.stores ?? DEFAULT_STORES_SPEC);
  const ports = { port: opts.port, keystonePort: opts.keystonePort, proxyPort: opts.proxyPort };
  for (const [name, port] of Object.entries(ports))
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
      throw new ConfigError(`${name} must be an integer from 0 to 65535 (got ${String(port)})`);
  // Settled before anything starts, so a bad users file leaves nothing behind.
  const accounts = await resolveAccounts(opts);
  const log = opts.log ?? (() => {});
  const delays: FaultDelays = { ...CAPTURED_DELAYS, ...opts.delays };
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'glance-reference-')));
  const store = new DataStore(dataDir);
  await store.init();

  let current: FaultName | null = null;
  const fault = () => current;
  const keystone = new Keystone(opts.tokenTtlSeconds ?? 3600, accounts);
  let keystoneBase = '';
  const glance = new GlanceServer({
    registry: new Registry(),
    store,
    schemas: loadSchemas(),
    stores,
    keystone,
    auth: opts.auth ?? 'keystone',
    fault,
    delays,
    log,
    keystoneBase: () => keystoneBase,
  });
  const proxy = new FrontProxy({ fault, delays, log });
  const keystoneHttp = createServer((req, res) => {
    // Keystone shares the database server with Glance (as in the lab): with it down, uwsgi closes logins without a reply.
    if (current === 'db-down' && req.method === 'POST' && (req.url ?? '').startsWith('/v3/auth/tokens')) {
      req.socket.destroy();
      return;
    }
    void keystone.handle(req, res);
  });
  const listeners = {
    keystone: new Listener(keystoneHttp, host),
    glance: new Listener(glance.server, host),
    proxy: new Listener(proxy.server, host),
  };
  const bind = async (name: string, listener: Listener, port: number) => {
    try {
      await listener.start(port);
    } catch (err) {
      throw new ConfigError(
        `cannot listen on ${hostPort(host, port)} for ${name}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  };
  let unusedPort = 0;
  try {
    await bind('keystone', listeners.keystone, opts.keystonePort ?? 0);
    await bind('glance', listeners.glance, opts.port ?? 0);
    await bind('proxy', listeners.proxy, opts.proxyPort ?? 0);
    // Found after the three others are bound, so it is none of theirs.
    unusedPort = await deadPort(host);
  } catch (err) {
    await Promise.all(Object.values(listeners).map((l) => l.close()));
    await store.close();
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  keystoneBase = `http://${hostPort(host, listeners.keystone.port)}`;
  const glanceUrl = `http://${hostPort(host, listeners.glance.port)}`;
  const proxyUrl = `http://${hostPort(host, listeners.proxy.port)}`;
  // Where catalog-wrong-port sends the public endpoint: a port nothing listens on.
  const deadUrl = `http://${hostPort(host, unusedPort)}`;
  keystone.setUrls(keystoneBase, () => {
    const record = faultRecord(current);
    const url = record?.viaProxy ? proxyUrl : glanceUrl;
    return { public: record?.deadPublicEndpoint ? deadUrl : url, admin: url, internal: url };
  });
  proxy.setUpstream(host, listeners.glance.port);

  let closing = false;
  const relisten = (name: string) => (err: Error) => log(`${name} could not listen again: ${err.message}`);
  const setFault = (next: FaultName | null): void => {
    if (next !== null && !FAULT_NAMES.has(next)) throw new ConfigError(`unknown fault "${String(next)}"`);
    const previous = current;
    current = next;
    if (previous !== next) glance.faultSwitched();
    if (closing) return;
    const was = faultRecord(previous);
    const now = faultRecord(next);
    if (was?.restartsGlance || now?.restartsGlance) glance.clearTokenCache();
    const stops = now?.stops ?? [];
    if (stops.includes('glance')) {
      listeners.glance.stop();
      // A stopped glance-api comes back with an empty token cache.
      glance.clearTokenCache();
    } else {
      listeners.glance.resume(relisten('glance'));
    }
    if (stops.includes('keystone')) listeners.keystone.stop();
    else listeners.keystone.resume(relisten('keystone'));
    if (previous === 'db-hung' && next !== 'db-hung') glance.releaseDatabase();
    log(`fault ${previous ?? 'none'} -> ${next ?? 'none'}`);
  };
  setFault(opts.fault ?? null);

  let closed: Promise<void> | undefined;
  return {
    glanceUrl,
    keystoneUrl: `${keystoneBase}/v3`,
    proxyUrl,
    users: keystone.users.map((u) => ({
      name: u.name,
      password: u.password,
      passwordGenerated: u.passwordGenerated,
      project: u.project.name,
      role: u.role,
      roles: u.assignedRoles,
      domain: u.domain,
    })),
    stores: stores.spec,
    setFault,
    fault,
    close: () => {
      closing = true;
      closed ??= (async () => {
        await glance.shutdown();
        proxy.close();
        await Promise.all([listeners.proxy.close(), listeners.glance.close(), listeners.keystone.close()]);
        await store.close();
        if (ownDir) await rm(dataDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}
