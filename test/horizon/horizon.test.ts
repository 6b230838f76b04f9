// The @horizon suite's configuration and helpers; no browser, no Horizon.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSettings } from '../../src/config/index.js';
import {
  corsVerdict,
  DEFAULT_CHROMIUM,
  formatOptionValue,
  horizonPath,
  horizonSettings,
  isDirectUpload,
  memberSkipReason,
} from '../../src/horizon/index.js';
import { runLabCaptured } from '../../src/lab/index.js';
import { PASSWORD_ENV, sandbox } from '../config/helpers.js';

const HORIZON = 'http://127.0.0.1:8081';

describe('Horizon settings', () => {
  it('HORIZON_URL gives the suite its URL and the API run its user', () => {
    const cfg = sandbox().resolve({ ...PASSWORD_ENV, HORIZON_URL: `${HORIZON}/` });
    assert.deepEqual(cfg.harness.horizonUrl, {
      value: `${HORIZON}/`,
      source: { kind: 'env', name: 'HORIZON_URL' },
    });
    const s = horizonSettings(cfg);
    assert.equal(s.url, HORIZON, 'trailing slash dropped');
    assert.equal(s.username, PASSWORD_ENV.OS_USERNAME);
    assert.equal(s.password, PASSWORD_ENV.OS_PASSWORD);
    assert.equal(s.chromium, DEFAULT_CHROMIUM);
    assert.equal(s.skipReason, undefined);
  });

  it('--horizon-url wins over HORIZON_URL', () => {
    const cfg = sandbox().resolve(
      { ...PASSWORD_ENV, HORIZON_URL: 'http://127.0.0.1:1' },
      { horizonUrl: 'http://127.0.0.1:8081/dashboard' },
    );
    assert.equal(cfg.harness.horizonUrl?.value, 'http://127.0.0.1:8081/dashboard');
    assert.deepEqual(cfg.harness.horizonUrl?.source, { kind: 'flag', name: '--horizon-url' });
  });

  it('a Horizon URL that is not http(s) is a configuration error naming the variable', () => {
    assert.throws(
      () => sandbox().resolve({ ...PASSWORD_ENV, HORIZON_URL: '127.0.0.1:8081' }),
      /HORIZON_URL.*must be an absolute http\(s\) URL \(got "127\.0\.0\.1:8081"\)/,
    );
  });

  it('without a Horizon URL the suite is skipped, saying how to set one', () => {
    const s = horizonSettings(sandbox().resolve(PASSWORD_ENV));
    assert.equal(s.url, undefined);
    assert.match(s.skipReason ?? '', /no Horizon URL configured: set --horizon-url or HORIZON_URL/);
  });

  it('HORIZON_URL alone does not make a target: the run still falls back to the reference', () => {
    assert.equal(sandbox().resolve({ HORIZON_URL: HORIZON }).configured, false);
  });

  it('auth type none or token is skipped: Horizon needs a user name and password', () => {
    const none = horizonSettings(
      sandbox().resolve({ OS_AUTH_TYPE: 'none', OS_ENDPOINT: 'http://127.0.0.1:9292', HORIZON_URL: HORIZON }),
    );
    assert.match(none.skipReason ?? '', /user name and password; this run authenticates with none/);
  });

  it('GLANCE_HARNESS_CHROMIUM replaces Debian chromium, and config shows both settings', () => {
    const cfg = sandbox().resolve({
      ...PASSWORD_ENV,
      HORIZON_URL: HORIZON,
      GLANCE_HARNESS_CHROMIUM: '/opt/c/chrome',
    });
    assert.equal(horizonSettings(cfg).chromium, '/opt/c/chrome');
    const rows = new Map(configSettings(cfg).map((r) => [r.key, r]));
    assert.equal(rows.get('harness.horizon_url')?.value, HORIZON);
    assert.equal(rows.get('harness.chromium')?.source, 'env GLANCE_HARNESS_CHROMIUM');
  });
});

describe('lab up --with-horizon', () => {
  it('lab.sh up rejects an unknown option with exit 64 before touching anything', async () => {
    const run = await runLabCaptured(['up', '--with-horizn']);
    assert.equal(run.code, 64);
    assert.match(run.stderr, /up takes only --with-horizon \(got '--with-horizn'\)/);
  });

  it('lab.sh help documents --with-horizon', async () => {
    const run = await runLabCaptured(['help']);
    assert.equal(run.code, 0);
    assert.match(
      run.stdout,
      /up \[--with-horizon\] .*\n.*Horizon \(openstack-dashboard under uwsgi, http:\/\/127\.0\.0\.1:8081\)/,
    );
  });
});

describe('Horizon helpers', () => {
  it('horizonPath joins with exactly one slash', () => {
    assert.equal(horizonPath('http://h:1/', '/auth/login/'), 'http://h:1/auth/login/');
    assert.equal(horizonPath('http://h:1/dash', 'project/images/'), 'http://h:1/dash/project/images/');
  });

  it('formatOptionValue gives the Angular select value', () => {
    assert.equal(formatOptionValue('qcow2'), 'string:qcow2');
  });

  it('isDirectUpload: the PUT or preflight of /v2/images/{id}/file to another origin', () => {
    const file = 'http://127.0.0.1:9292/v2/images/0b7e/file';
    assert.equal(isDirectUpload('PUT', file, HORIZON), true);
    assert.equal(isDirectUpload('OPTIONS', file, HORIZON), true);
    assert.equal(isDirectUpload('GET', file, HORIZON), false);
    assert.equal(isDirectUpload('PUT', 'http://127.0.0.1:9292/v2/images/0b7e', HORIZON), false);
    assert.equal(
      isDirectUpload('PUT', `${HORIZON}/api/glance/images/0b7e/file`, HORIZON),
      false,
      'legacy mode',
    );
    assert.equal(isDirectUpload('PUT', 'not a url', HORIZON), false);
  });

  it('corsVerdict names horizon.cors-missing and the fix when the preflight has no Allow-Origin', () => {
    const cause = corsVerdict(HORIZON, { status: 200, headers: { allow: 'GET, PUT' } });
    assert.equal(cause?.id, 'horizon.cors-missing');
    assert.match(cause?.title ?? '', /answered 200 with no Access-Control-Allow-Origin/);
    assert.match(cause?.fix ?? '', /\[cors\] allowed_origin = http:\/\/127\.0\.0\.1:8081/);
  });

  it('corsVerdict: another origin or a refused preflight is the same cause', () => {
    const other = corsVerdict(HORIZON, {
      status: 200,
      headers: { 'access-control-allow-origin': 'http://elsewhere' },
    });
    assert.match(other?.title ?? '', /Access-Control-Allow-Origin: http:\/\/elsewhere/);
    assert.equal(
      corsVerdict(HORIZON, { status: 401, headers: { 'access-control-allow-origin': HORIZON } })?.id,
      'horizon.cors-missing',
    );
  });

  it('corsVerdict: none when Glance allows the dashboard origin or any origin', () => {
    const ok = { 'access-control-allow-origin': HORIZON, 'access-control-allow-methods': 'GET, PUT, POST' };
    assert.equal(corsVerdict(HORIZON, { status: 200, headers: ok }), undefined);
    assert.equal(
      corsVerdict(HORIZON, { status: 204, headers: { 'access-control-allow-origin': '*' } }),
      undefined,
    );
  });

  it('memberSkipReason: admins run the metadata step, members are skipped with the reason', () => {
    assert.equal(memberSkipReason(['reader', 'member', 'admin'], 'admin', 'admin'), undefined);
    assert.match(
      memberSkipReason(['member', 'reader'], 'demo', 'demo') ?? '',
      /Update Metadata to admins only; demo has roles member, reader in project demo/,
    );
    assert.match(memberSkipReason([], 'x', 'p') ?? '', /x has no roles/);
  });
});
