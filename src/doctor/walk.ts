/**
 * `glance-harness doctor`: walks an install link by link — TCP, TLS, versions, token, catalog,
 * image list, the same without a valid token (it must be refused), schemas, a tiny image round trip,
 * database, configuration — and names the cause of the first broken link with the diagnosis rules.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/index.js';
import { readOsloIni } from '../config/oslo-ini.js';
import { generateImage } from '../data/index.js';
import {
  type CatalogFact,
  type Cause,
  causeOf,
  diagnose,
  evidenceOf,
  type Facts,
  originOf,
  ruleById,
  serviceOf,
} from '../diagnosis/index.js';
import { HarnessError } from '../errors.js';
import { type ApiResponse, GlanceClient, type Image, type TokenProvider } from '../glance/index.js';
import { DEFAULT_TIMEOUTS, HttpClient, TransportError } from '../http/client.js';
import { EvidenceRecorder, type Exchange } from '../http/evidence.js';
import { KeystoneSession, StaticTokens, selectEndpoint } from '../keystone/index.js';
import { sizeLabel } from '../load/units.js';
import { newRunId, runImageName, runTags } from '../run/naming.js';
import { secretsOf } from '../target.js';
import { capacityVerdict } from './capacity.js';
import { type ConfigFacts, DEFAULT_HOST, type LintHost, lintGlanceConfig } from './config-lint.js';
import { type DbProvider, type DbTarget, maskDbUrl } from './db.js';
import { answered, answerOf, describeExchange, failed, type Outcome, synthetic } from './outcome.js';
import { tcpProbe, tlsProbe } from './probes.js';
import { readStoredData } from './stored-data.js';
import { probeSwift } from './swift.js';
import type { DoctorReport, DoctorStep } from './types.js';

export interface DoctorOptions {
  config: ResolvedConfig;
  /** Skip the create/upload/download/delete round trip. */
  readOnly: boolean;
  /**
   * Bytes of the round trip's image (--size, the size of the operator's failing upload); also held
   * against image_size_cap and the store's free space when glance-api.conf is known. Default 2 MiB.
   */
  size?: number;
  /** glance-api.conf to lint (and to read [database] connection from). */
  glanceConf?: string;
  /** Database URL for the DB step (wins over the config's). */
  dbUrl?: string;
  /** Read-only database checks (the db module); without one the DB step is skipped, saying why. */
  dbProvider?: DbProvider;
  lintHost?: LintHost;
  prefix?: string;
  runId?: string;
  /** Called as each step finishes (the terminal prints it then). */
  onStep?: (step: DoctorStep) => void;
  /** Where the walk's exchanges go (the run envelope's, so they land in the run's evidence). */
  recorder?: EvidenceRecorder;
  /** Aborted on SIGINT/SIGTERM: the step in progress finishes (its image is deleted), later ones do not run. */
  signal?: AbortSignal;
}

// Above nginx's default client_max_body_size (1m), so a default proxy limit shows here.
const ROUND_TRIP_BYTES = 2 * 1024 * 1024;
// The stored-data step reads this much of this many of the newest active images (read-only, bounded).
const STORED_READ_BYTES = 1024;
const STORED_READ_IMAGES = 3;
// Long enough for a swift store's ~31 s failure to come back as a 500, short enough for a hung database.
const DEFAULT_CALL_TIMEOUT_MS = 45_000;

/** Runs the walk; never throws for what it finds (only for bad configuration). */
export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  return new Walk(opts).run();
}

class Walk {
  private readonly steps: DoctorStep[] = [];
  private readonly recorder: EvidenceRecorder;
  private readonly facts: Facts = {};
  private readonly http: HttpClient;
  private readonly cfg: ResolvedConfig;
  private brokenAt: string | undefined;
  private session: KeystoneSession | undefined;
  private glance: GlanceClient | undefined;
  private configFacts: ConfigFacts | undefined;
  private dbTarget: DbTarget | undefined;
  /** The database URL's backend when the checks cannot read it (sqlite, postgresql…). */
  private dbUnsupported: string | undefined;

  constructor(private readonly opts: DoctorOptions) {
    this.cfg = opts.config;
    this.recorder = opts.recorder ?? new EvidenceRecorder(500);
    const tls = this.cfg.tls;
    this.http = new HttpClient({
      tls: {
        ...(tls.cacert ? { cacert: tls.cacert.value } : {}),
        ...(tls.cert ? { cert: tls.cert.value } : {}),
        ...(tls.key ? { key: tls.key.value } : {}),
        insecure: tls.insecure.value,
      },
      timeouts: { ...DEFAULT_TIMEOUTS, totalMs: this.cfg.harness.timeoutMs.value || DEFAULT_CALL_TIMEOUT_MS },
      secrets: secretsOf(this.cfg, () => {
        const t = this.session?.peek()?.value;
        return t ? [t] : [];
      }),
      userAgent: 'glance-harness-doctor/0.1',
      recorder: this.recorder,
    });
    const authUrl = this.cfg.auth.authUrl?.value;
    if (authUrl) this.facts.keystoneUrl = authUrl;
  }

  async run(): Promise<DoctorReport> {
    try {
      await this.gatherLocalFacts();
      await this.walk();
      this.dbStep();
      this.configStep();
    } finally {
      await this.http.close();
    }
    return this.report();
  }

  private usesKeystone(): boolean {
    const t = this.cfg.authType.value;
    return t !== 'none' && !(t === 'token' && this.cfg.endpoint && !this.cfg.auth.authUrl);
  }

  private async walk(): Promise<void> {
    const keystone = this.usesKeystone() ? this.cfg.auth.authUrl?.value : undefined;
    const override = this.cfg.endpoint?.value;
    if (keystone) await this.tcp('tcp:keystone', keystone);
    if (override) await this.tcp('tcp:glance', override);
    if (keystone) await this.tls('tls:keystone', keystone);
    if (override) {
      await this.tls('tls:glance', override);
      this.glance = new GlanceClient(override, this.http, this.tokens());
      await this.versions();
    }
    if (keystone) await this.token();
    if (!override && keystone) {
      const chosen = await this.catalog();
      if (chosen) {
        await this.tcp('tcp:glance', chosen);
        await this.tls('tls:glance', chosen);
        this.glance = new GlanceClient(chosen, this.http, this.tokens());
      }
      await this.versions();
    } else {
      this.skip(
        'catalog',
        'choose the image endpoint from the catalog',
        'the endpoint is set explicitly (--endpoint)',
      );
    }
    await this.images();
    await this.authRequired();
    await this.schemas();
    await this.capacity();
    await this.swiftStore();
    if (this.opts.readOnly)
      this.skip('round-trip', 'create, upload, download and delete an image', '--read-only');
    else await this.roundTrip();
    await this.storedData();
  }

  private tokens(): TokenProvider {
    if (this.usesKeystone()) {
      this.session ??= new KeystoneSession(this.http, this.cfg);
      return this.session;
    }
    return new StaticTokens(this.cfg.authType.value === 'token' ? this.cfg.auth.token?.value : undefined);
  }

  private async gatherLocalFacts(): Promise<void> {
    if (this.opts.glanceConf) {
      this.configFacts = lintGlanceConfig(
        readOsloIni(this.opts.glanceConf),
        this.opts.lintHost ?? DEFAULT_HOST,
      );
      this.facts.configFindings = this.configFacts.findings.map((f) => f.id);
      if (this.configFacts.storeKind) this.facts.storeKind = this.configFacts.storeKind;
    }
    const url = this.opts.dbUrl ?? this.configFacts?.databaseUrl;
    if (url) this.dbTarget = { url, source: this.opts.dbUrl ? '--db' : '--config' };
    // SQLite and other backends are not MySQL/MariaDB: the checks cannot read them, which says nothing
    // about whether Glance can.
    const scheme = /^([A-Za-z][\w+.-]*):/.exec(url ?? '')?.[1]?.toLowerCase() ?? '';
    if (url && !/^(mysql|mariadb)(\+\w+)?$/.test(scheme)) this.dbUnsupported = scheme || 'no scheme';
    else if (this.dbTarget && this.opts.dbProvider) {
      try {
        this.facts.db = await this.opts.dbProvider(this.dbTarget);
      } catch (err) {
        this.facts.db = { reachable: false, error: (err as Error).message, tables: [], findings: [] };
      }
    }
  }

  /** Runs one step unless an earlier one failed; diagnoses a failure from its exchange and the facts. */
  private async step(name: string, tried: string, fn: () => Promise<Outcome>): Promise<boolean> {
    if (this.brokenAt || this.opts.signal?.aborted) {
      this.push({
        name,
        ok: false,
        status: 'skipped',
        tried,
        evidence: this.brokenAt ? `not run: ${this.brokenAt} failed first` : 'not run: interrupted',
      });
      return false;
    }
    let outcome: Outcome;
    try {
      outcome = await fn();
    } catch (err) {
      if (err instanceof TransportError)
        outcome = { ok: false, evidence: describeExchange(err.exchange), exchange: err.exchange };
      else if (err instanceof HarnessError && err.exitCode === 2) throw err;
      else {
        const last = this.recorder.recent().at(-1);
        outcome = {
          ok: false,
          evidence: (err as Error).message,
          ...(last && (last.status === null || last.status >= 400) ? { exchange: last } : {}),
        };
      }
    }
    if (outcome.ok) {
      this.push({ name, ok: true, status: 'ok', tried, evidence: outcome.evidence });
      return true;
    }
    const upstream = outcome.exchange ? await this.checkUpstream(outcome.exchange) : undefined;
    const cause = outcome.cause ?? (outcome.exchange ? this.diagnose(outcome.exchange) : undefined);
    this.brokenAt = name;
    this.push({
      name,
      ok: false,
      status: 'failed',
      tried,
      evidence: upstream ? `${outcome.evidence}; ${upstream}` : outcome.evidence,
      ...(cause ? { cause } : {}),
    });
    this.unreachable = !cause && outcome.exchange?.status === null;
    return false;
  }

  private unreachable = false;

  /**
   * When a proxy answered for Glance with its own 5xx page, or an image endpoint refused the
   * connection, connects to glance-api's own port (bind_host and bind_port of the linted
   * glance-api.conf): refused there too, glance-api is down; answering, the proxy's upstream or the
   * catalog names the wrong port.
   */
  private async checkUpstream(x: Exchange): Promise<string | undefined> {
    const bind = this.configFacts?.bind;
    if (!bind || this.facts.glanceRefused !== undefined) return undefined;
    const proxy5xx = x.status !== null && x.status >= 500 && originOf(x, this.facts) === 'proxy';
    const refused = x.error?.code === 'ECONNREFUSED' && serviceOf(x, this.facts) === 'glance';
    if (!proxy5xx && !refused) return undefined;
    const host = bind.host === '0.0.0.0' ? '127.0.0.1' : bind.host === '::' ? '::1' : bind.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${bind.port}/`;
    const r = await tcpProbe(url);
    if (r.ok || r.code === 'ECONNREFUSED') this.facts.glanceRefused = !r.ok;
    return `glance-api's own port (bind_host/bind_port of glance-api.conf): ${r.evidence}`;
  }

  private diagnose(x: Exchange): Cause | undefined {
    const all = this.recorder.recent();
    const i = all.indexOf(x);
    return diagnose(evidenceOf(x, i >= 0 ? all.slice(0, i) : all, this.facts));
  }

  private skip(name: string, tried: string, why: string): void {
    this.push({ name, ok: false, status: 'skipped', tried, evidence: why });
  }

  /** A step that does not apply here says why, unless an earlier one failed: then it was not run. */
  private notApplicable(name: string, tried: string, why: string): void {
    this.skip(name, tried, this.brokenAt ? `not run: ${this.brokenAt} failed first` : why);
  }

  private push(step: DoctorStep): void {
    this.steps.push(step);
    this.opts.onStep?.(step);
  }

  private async tcp(name: string, url: string): Promise<void> {
    const u = new URL(url);
    await this.step(
      name,
      `resolve ${u.hostname} and connect to port ${u.port || (u.protocol === 'https:' ? 443 : 80)}`,
      async () => {
        const r = await tcpProbe(url);
        return r.ok
          ? { ok: true, evidence: r.evidence }
          : {
              ok: false,
              evidence: r.evidence,
              exchange: synthetic(url, r.code ?? 'ECONNREFUSED', r.evidence, r.ms),
            };
      },
    );
  }

  private async tls(name: string, url: string): Promise<void> {
    if (!url.startsWith('https:')) {
      this.notApplicable(name, `TLS handshake with ${new URL(url).host}`, 'plain http: no TLS on this link');
      return;
    }
    await this.step(name, `TLS handshake with ${new URL(url).host}`, async () => {
      const r = await tlsProbe(url, {
        ...(this.cfg.tls.cacert ? { cacert: this.cfg.tls.cacert.value } : {}),
        insecure: this.cfg.tls.insecure.value,
      });
      return r.ok
        ? { ok: true, evidence: r.evidence }
        : {
            ok: false,
            evidence: r.evidence,
            exchange: synthetic(url, r.code ?? 'TLS_ERROR', r.evidence, r.ms),
          };
    });
  }

  private async versions(): Promise<void> {
    await this.step('versions', 'GET / (versions, no token, no database)', async () => {
      const g = this.need();
      const res = await g.versions.listRoot();
      this.facts.rootOk = res.status === 300;
      if (res.status !== 300) return failed(res, 'expected 300');
      const hc = await g.versions.healthcheck().catch(() => undefined);
      if (hc) this.facts.healthcheckOk = hc.status === 200;
      const current = res.body?.versions?.find((v) => v.status === 'CURRENT')?.id ?? 'no CURRENT version';
      return {
        ok: true,
        evidence: `300 in ${res.elapsedMs} ms, ${current}; /healthcheck ${hc ? hc.status : 'no answer'}`,
      };
    });
  }

  private async token(): Promise<void> {
    await this.step(
      'token',
      `POST ${this.cfg.auth.authUrl?.value ?? ''}/auth/tokens as ${this.cfg.auth.username?.value ?? this.cfg.auth.userId?.value ?? 'the configured user'}`,
      async () => {
        this.tokens();
        const t = await this.session!.currentToken();
        this.facts.tokenIssued = true;
        this.facts.tokenExpiresAt = t.expiresAt.toISOString();
        const roles = t.roles.join(', ');
        return {
          ok: true,
          evidence: `token issued, expires ${t.expiresAt.toISOString()}${roles ? `, roles ${roles}` : ''}`,
        };
      },
    );
  }

  private async catalog(): Promise<string | undefined> {
    let chosen: string | undefined;
    await this.step(
      'catalog',
      'find the image service in the catalog; GET / on every image endpoint',
      async () => {
        const token = this.session!.peek()!;
        const eps = selectEndpoint(token.catalog, {
          type: 'image',
          interface: this.cfg.interface.value,
          ...(this.cfg.regionName ? { region: this.cfg.regionName.value } : {}),
        });
        chosen = eps.chosen.url;
        const ids = (r: ApiResponse | undefined): string =>
          JSON.stringify(
            ((r?.body as { versions?: Array<{ id: string }> })?.versions ?? []).map((v) => v.id),
          );
        const facts: CatalogFact[] = [];
        const answers = new Map<CatalogFact, string>();
        let reference: string | undefined;
        let bad: Exchange | undefined;
        for (const ep of [
          eps.all.find((e) => e.url === chosen)!,
          ...eps.all.filter((e) => e.url !== chosen),
        ]) {
          const g = new GlanceClient(ep.url, this.http, this.tokens());
          const res = await g.versions
            .listRoot()
            .catch((err: unknown) => (err instanceof TransportError ? err : undefined));
          const answered = res && !(res instanceof TransportError) ? res : undefined;
          const reachable = answered?.status === 300;
          // The versions of the first endpoint that answers are the reference (the chosen one may be dead).
          const seen = reachable ? ids(answered) : undefined;
          if (seen !== undefined) reference ??= seen;
          const fact = {
            interface: ep.interface,
            url: ep.url,
            reachable,
            sameGlance: seen === undefined || seen === reference,
          };
          facts.push(fact);
          const x = res instanceof TransportError ? res.exchange : answered?.exchange;
          if (!fact.reachable) answers.set(fact, x ? answerOf(x) : 'no 300');
          if ((!fact.reachable || !fact.sameGlance) && !bad) bad = x;
        }
        this.facts.catalog = facts;
        const summary = facts
          .map(
            (f) =>
              `${f.interface} ${f.url}${f.reachable ? (f.sameGlance ? '' : ' (other versions)') : ` (${answers.get(f)})`}`,
          )
          .join(', ');
        if (bad || facts.some((f) => !f.reachable || !f.sameGlance))
          return { ok: false, evidence: summary, ...(bad ? { exchange: bad } : {}) };
        return { ok: true, evidence: `${this.cfg.interface.value} ${chosen}; ${summary}` };
      },
    );
    return chosen;
  }

  private need(): GlanceClient {
    if (!this.glance) throw new HarnessError('GH_DOCTOR', 'no image endpoint to talk to', 1);
    return this.glance;
  }

  private async images(): Promise<void> {
    await this.step(
      'images',
      'GET /v2/images?limit=1 (needs token validation and the database)',
      async () => {
        const res = await this.need().images.list({ limit: 1 });
        if (res.status === 200)
          return { ok: true, evidence: `200 in ${res.elapsedMs} ms, ${res.requestId ?? 'no request id'}` };
        const outcome = failed(res, 'expected 200');
        if (res.status !== 500 || !res.requestId) return outcome;
        const others = await this.otherDbCalls();
        return { ...outcome, evidence: `${outcome.evidence}; other calls that need the database: ${others}` };
      },
    );
  }

  /**
   * After Glance's 500 on /v2/images: do calls on other tables answer? Yes means the database is
   * reachable and synced in part (tables missing below the recorded head), not never synced.
   */
  private async otherDbCalls(): Promise<string> {
    const g = this.need();
    const calls: Array<[string, () => Promise<ApiResponse>]> = [
      ['GET /v2/metadefs/namespaces?limit=1', () => g.metadefs.listNamespaces({ limit: 1 })],
      ['GET /v2/tasks', () => g.tasks.list()],
    ];
    const seen: string[] = [];
    const answered: string[] = [];
    for (const [what, call] of calls) {
      const res = await call().catch(() => undefined);
      const line = `${what} ${res ? res.status : 'no answer'}`;
      seen.push(line);
      if (res && res.status >= 200 && res.status < 300) answered.push(line);
    }
    this.facts.dbCallsAnswered = answered;
    return seen.join(', ');
  }

  /** An install that serves /v2 without a valid token fails nothing else, so the walk asks without one. */
  private async authRequired(): Promise<void> {
    const tried = 'GET /v2/images?limit=1 without a token and with a forged one (both must answer 401)';
    if (this.cfg.authType.value === 'none') {
      this.notApplicable('auth-required', tried, 'auth type none: the target is configured without Keystone');
      return;
    }
    await this.step('auth-required', tried, async () => {
      const g = this.need();
      const anonymous = await g.images.list({ limit: 1 }, { noAuth: true });
      const forged = await g.images.list({ limit: 1 }, { token: randomBytes(16).toString('hex') });
      const evidence = `no token: ${answered(anonymous)}; forged token: ${answered(forged)}`;
      const served = [anonymous, forged].find((r) => r.status >= 200 && r.status < 300);
      if (served) {
        const cause = causeOf(ruleById('auth.disabled')!, evidenceOf(served.exchange, [], this.facts));
        return {
          ok: false,
          evidence: `${evidence}: Glance serves the API to anyone who reaches it`,
          exchange: served.exchange,
          ...(cause ? { cause } : {}),
        };
      }
      const other = [anonymous, forged].find((r) => r.status !== 401);
      if (other) return failed(other, `expected 401 without a token and with a forged one (${evidence})`);
      return { ok: true, evidence };
    });
  }

  private async schemas(): Promise<void> {
    await this.step('schemas', 'GET /v2/schemas/image', async () => {
      const res = await this.need().schemas.show('image');
      if (res.status !== 200 || typeof res.body?.properties !== 'object')
        return failed(res, 'expected 200 and a JSON schema');
      return {
        ok: true,
        evidence: `200 in ${res.elapsedMs} ms, ${Object.keys(res.body.properties as object).length} properties`,
      };
    });
  }

  private get size(): number {
    return this.opts.size ?? ROUND_TRIP_BYTES;
  }

  /**
   * On the Glance host (--config): the size against [DEFAULT] image_size_cap and the free space of
   * each file store, so a too-large image is named before anything is uploaded.
   */
  private async capacity(): Promise<void> {
    const size = sizeLabel(this.size);
    const tried = `${size} against [DEFAULT] image_size_cap and the store's free space`;
    const cf = this.configFacts;
    if (!cf) {
      this.notApplicable(
        'capacity',
        tried,
        'no --config: image_size_cap and the free space are read on the Glance host',
      );
      return;
    }
    await this.step('capacity', tried, async () => {
      const v = capacityVerdict(this.size, cf);
      if (v.ok) return { ok: true, evidence: v.evidence };
      const cause = confirmedCause(v.ruleId, v.hop);
      return { ok: false, evidence: v.evidence, ...(cause ? { cause } : {}) };
    });
  }

  /**
   * On the Glance host with a swift default store: the account Glance writes to, asked with the store's
   * credentials. Unmounted devices show here in milliseconds; through Glance they take ~31 s.
   */
  private async swiftStore(): Promise<void> {
    const tried = "HEAD the swift account of Glance's store with its credentials (swift reference)";
    const ref = this.configFacts?.swift;
    if (!ref) {
      this.notApplicable(
        'swift-store',
        tried,
        !this.configFacts
          ? 'no --config: the swift credentials are read on the Glance host'
          : this.configFacts.storeKind === 'swift'
            ? 'the swift reference of glance-api.conf is not readable (see the config step)'
            : `the default store is ${this.configFacts.storeKind ?? 'not set'}, not swift`,
      );
      return;
    }
    await this.step('swift-store', tried, async () => {
      const r = await probeSwift(ref);
      if (r.ok) return { ok: true, evidence: r.evidence };
      const cause = r.unavailable
        ? confirmedCause('swift.unavailable', `swift proxy at ${new URL(ref.authAddress).host}`)
        : undefined;
      return { ok: false, evidence: r.evidence, ...(cause ? { cause } : {}) };
    });
  }

  private async roundTrip(): Promise<void> {
    const runId = this.opts.runId ?? newRunId();
    const prefix = this.opts.prefix ?? this.cfg.harness.prefix.value;
    await this.step(
      'round-trip',
      `create ${runImageName(prefix, runId, 'doctor')}, upload ${sizeLabel(this.size)}, download, delete`,
      async () => {
        const g = this.need();
        const dir = await mkdtemp(join(tmpdir(), 'gh-doctor-'));
        let imageId: string | undefined;
        let deleted = false;
        try {
          const data = await generateImage(dir, { format: 'raw', size: this.size, seed: 'doctor' });
          const created = await g.images.create({
            name: runImageName(prefix, runId, 'doctor'),
            disk_format: 'raw',
            container_format: 'bare',
            tags: runTags(runId),
          });
          if (created.status !== 201) return failed(created, 'create: expected 201');
          imageId = (created.body as Image).id;
          const up = await g.data.upload(imageId, data.path);
          if (up.status !== 204) return failed(up, 'upload: expected 204');
          const shown = await g.images.show(imageId);
          const img = shown.body as Image | undefined;
          if (shown.status !== 200 || img?.status !== 'active')
            return failed(
              shown,
              `show after upload: expected 200 and status active (got ${img?.status ?? 'no image'})`,
            );
          const down = await g.data.download(imageId, { expectedBytes: data.size });
          if (down.status !== 200 || down.received.md5 !== data.md5)
            return failed(
              down,
              `download: expected 200 and ${data.size} bytes with md5 ${data.md5} (got ${down.received.size} bytes)`,
            );
          const del = await g.images.delete(imageId);
          deleted = del.status === 204;
          if (!deleted) return failed(del, 'delete: expected 204');
          return {
            ok: true,
            evidence: `created, uploaded ${data.size} bytes (${up.elapsedMs} ms), active, downloaded with md5 ${data.md5}, deleted`,
          };
        } finally {
          if (imageId && !deleted) await g.images.delete(imageId).catch(() => undefined);
          await rm(dir, { recursive: true, force: true });
        }
      },
    );
  }

  /**
   * Data already lost (a store mount gone under existing images) fails nothing new: reads the first
   * bytes of the newest active images, by Range, and names an empty answer.
   */
  private async storedData(): Promise<void> {
    const tried = `GET the first ${STORED_READ_BYTES} bytes (Range) of up to ${STORED_READ_IMAGES} of the newest active images`;
    await this.step('stored-data', tried, () =>
      readStoredData(this.need(), STORED_READ_IMAGES, STORED_READ_BYTES),
    );
  }

  private dbStep(): void {
    const tried = this.dbTarget
      ? `read-only checks on ${maskDbUrl(this.dbTarget.url)} (from ${this.dbTarget.source})`
      : 'read-only database checks';
    if (!this.dbTarget) {
      this.skip('db', tried, 'no --db URL, and no --config with a [database] connection');
      return;
    }
    if (this.dbUnsupported) {
      this.skip('db', tried, `a ${this.dbUnsupported} database: the checks read MySQL and MariaDB only`);
      return;
    }
    const db = this.facts.db;
    if (!db) {
      this.skip('db', tried, 'no database provider in this build: the database checks are not connected');
      return;
    }
    if (!db.reachable) {
      const r = ruleById('db.unreachable')!;
      this.local('db', tried, `not reachable: ${db.error ?? 'no detail'}`, r.id);
      return;
    }
    const evidence = `${db.tables.length} tables${db.alembicHead ? `, alembic ${db.alembicHead}` : ''}${db.findings.length ? `; findings ${db.findings.join(', ')}` : ''}`;
    const named = db.findings.find((f) => ruleById(f));
    if (named) this.local('db', tried, evidence, named);
    else this.push({ name: 'db', ok: true, status: 'ok', tried, evidence });
  }

  private configStep(): void {
    const tried = this.opts.glanceConf ? `lint ${this.opts.glanceConf}` : 'lint glance-api.conf';
    if (!this.configFacts) {
      this.skip('config', tried, 'no --config glance-api.conf given');
      return;
    }
    // The round trip wrote to the store: glance-api runs as another user than the one the lint assumed.
    const wrote = this.steps.some((st) => st.name === 'round-trip' && st.ok);
    const findings = this.configFacts.findings.map((f) =>
      wrote && f.id === 'store.dir-unwritable'
        ? {
            ...f,
            severity: 'warning' as const,
            message: `${f.message}, yet the round trip stored an image: glance-api runs as another user`,
          }
        : f,
    );
    const errors = findings.filter((f) => f.severity === 'error');
    const warnings = findings.filter((f) => f.severity === 'warning');
    const text = [...errors, ...warnings].map((f) => `${f.severity}: ${f.message}`).join('; ');
    if (errors.length === 0) {
      this.push({ name: 'config', ok: true, status: 'ok', tried, evidence: text || 'no findings' });
      return;
    }
    this.local('config', tried, text, CONFIG_FINDING_CAUSE[errors[0]!.id] ?? 'config.invalid');
  }

  /** A failed local step (database, config): its cause comes from the finding, not from an exchange. */
  private local(name: string, tried: string, evidence: string, ruleId: string): void {
    const cause = confirmedCause(ruleId, name === 'db' ? 'database server' : 'glance-api.conf');
    this.push({ name, ok: false, status: 'failed', tried, evidence, ...(cause ? { cause } : {}) });
  }

  private report(): DoctorReport {
    const failedSteps = this.steps.filter((s) => s.status === 'failed');
    const first = failedSteps[0];
    const cause =
      (this.brokenAt ? this.steps.find((s) => s.name === this.brokenAt)?.cause : undefined) ??
      failedSteps.find((s) => s.cause)?.cause;
    const exitCode = !first ? 0 : cause ? 1 : this.unreachable ? 3 : 1;
    return {
      healthy: !first,
      ...(first ? { brokenAt: this.brokenAt ?? first.name } : {}),
      steps: this.steps,
      ...(cause ? { cause } : {}),
      exitCode,
    };
  }
}

/** A cause the host's own facts (database, glance-api.conf, the store's filesystem) establish. */
function confirmedCause(ruleId: string, hop: string): Cause | undefined {
  const r = ruleById(ruleId);
  return r ? { id: r.id, title: r.title, severity: r.severity, fix: r.fix, confirmed: true, hop } : undefined;
}

/** Lint findings and the rule that explains them. */
const CONFIG_FINDING_CAUSE: Record<string, string> = {
  'store.dir-missing': 'store.missing',
  'store.dir-unwritable': 'store.unwritable',
  'store.dir-full': 'store.full',
  'store.not-mounted': 'store.data-lost',
};
