// What the @horizon suite needs apart from the browser: its settings and skip reasons, how to
// recognise Horizon's direct upload mode, and the CORS verdict for it. No Playwright here.
import type { ResolvedConfig } from '../config/index.js';

/** Debian's chromium package; the suite never downloads a browser. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Headless, and nothing that would reach the network on its own. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** How the suite logs in to Horizon and where. */
export interface HorizonSettings {
  /** Dashboard root without a trailing slash. */
  readonly url?: string;
  readonly chromium: string;
  readonly username?: string;
  readonly password?: string;
  /** Shown only when Horizon asks for a domain (multi-domain support on). */
  readonly domain: string;
  /** Set when configuration rules the suite out; the suite skips with it. */
  readonly skipReason?: string;
}

/** The suite's settings from the run's configuration: the API run's user logs in to Horizon. */
export function horizonSettings(cfg: ResolvedConfig): HorizonSettings {
  const chromium = cfg.harness.chromium?.value ?? DEFAULT_CHROMIUM;
  const domain = cfg.auth.userDomainName?.value ?? 'Default';
  const url = cfg.harness.horizonUrl?.value.replace(/\/+$/, '');
  if (url === undefined) {
    return {
      chromium,
      domain,
      skipReason:
        'no Horizon URL configured: set --horizon-url or HORIZON_URL (the lab: glance-harness lab up --with-horizon, then http://127.0.0.1:8081)',
    };
  }
  const username = cfg.auth.username?.value;
  const password = cfg.auth.password?.value;
  if (cfg.authType.value !== 'password' || username === undefined || password === undefined) {
    return {
      url,
      chromium,
      domain,
      skipReason: `Horizon logs in with a user name and password; this run authenticates with ${cfg.authType.value}${
        cfg.authType.value === 'password' ? ' and a user ID only' : ''
      }`,
    };
  }
  return { url, chromium, domain, username, password };
}

/** `base` + `path`, one slash between them. */
export function horizonPath(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** The value Horizon's Angular format select gives an option (`string:qcow2`). */
export function formatOptionValue(format: string): string {
  return `string:${format}`;
}

/**
 * True for the browser's own upload to Glance (direct mode): a PUT or its preflight OPTIONS to
 * `/v2/images/{id}/file` on an origin other than the dashboard's. In legacy mode the file goes to
 * Horizon itself and this never matches.
 */
export function isDirectUpload(method: string, url: string, horizonUrl: string): boolean {
  if (method !== 'PUT' && method !== 'OPTIONS') return false;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  return target.origin !== new URL(horizonUrl).origin && /\/v2\/images\/[^/]+\/file$/.test(target.pathname);
}

/** A named cause of a Horizon failure, as the summary's `cause` carries them. */
export interface HorizonCause {
  readonly id: string;
  readonly title: string;
  readonly fix: string;
}

/**
 * horizon.cors-missing when Glance's answer to the browser's preflight does not allow the dashboard's
 * origin; undefined when it does.
 */
export function corsVerdict(
  horizonOrigin: string,
  preflight: { status: number; headers: Readonly<Record<string, string>> },
): HorizonCause | undefined {
  const allowed = preflight.headers['access-control-allow-origin']?.trim();
  const methods = (preflight.headers['access-control-allow-methods'] ?? 'PUT').toUpperCase();
  const okStatus = preflight.status >= 200 && preflight.status < 300;
  if (okStatus && (allowed === '*' || allowed === horizonOrigin) && /\bPUT\b|\*/.test(methods))
    return undefined;
  const got =
    allowed === undefined ? 'no Access-Control-Allow-Origin' : `Access-Control-Allow-Origin: ${allowed}`;
  return {
    id: 'horizon.cors-missing',
    title: `Horizon uploads straight to Glance (direct mode), but Glance's preflight answered ${preflight.status} with ${got}, so the browser blocks the upload`,
    fix: `set [cors] allowed_origin = ${horizonOrigin} in glance-api.conf and restart glance-api (or set HORIZON_IMAGES_UPLOAD_MODE = "legacy" in Horizon)`,
  };
}

/** Why a user without the admin role cannot run the metadata step; undefined for an admin. */
export function memberSkipReason(
  roles: readonly string[],
  user: string,
  project: string,
): string | undefined {
  if (roles.some((r) => r.toLowerCase() === 'admin')) return undefined;
  const list = roles.length === 0 ? 'no roles' : `roles ${roles.join(', ')}`;
  return `Horizon offers Update Metadata to admins only; ${user} has ${list} in project ${project} (run the suite as an admin, e.g. the lab's openrc-admin)`;
}
