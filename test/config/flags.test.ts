import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command, Option } from 'commander';
import type { ConfigFlags } from '../../src/config/index.js';
import { CONFIG_FLAGS } from '../../src/config/index.js';
import { sandbox } from './helpers.js';

/** Every ConfigFlags key, checked by the compiler: adding a key without a flag breaks this file. */
const ALL_KEYS: Record<keyof ConfigFlags, true> = {
  osCloud: true,
  osAuthUrl: true,
  osUsername: true,
  osUserId: true,
  osPassword: true,
  osProjectName: true,
  osProjectId: true,
  osUserDomainName: true,
  osUserDomainId: true,
  osProjectDomainName: true,
  osProjectDomainId: true,
  osDomainName: true,
  osDomainId: true,
  osDefaultDomain: true,
  osRegionName: true,
  osInterface: true,
  authType: true,
  osApplicationCredentialId: true,
  osApplicationCredentialSecret: true,
  osApplicationCredentialName: true,
  osToken: true,
  horizonUrl: true,
  endpoint: true,
  osCacert: true,
  osCert: true,
  osKey: true,
  insecure: true,
  osImageApiVersion: true,
  timeout: true,
  prefix: true,
  hashAlgo: true,
  reportsDir: true,
  db: true,
  glanceConfig: true,
  osAltCloud: true,
  osReaderCloud: true,
};

describe('CONFIG_FLAGS', () => {
  it('has exactly one spec per ConfigFlags key', () => {
    const keys = CONFIG_FLAGS.map((spec) => spec.key);
    assert.equal(new Set(keys).size, keys.length);
    assert.deepEqual([...keys].sort(), Object.keys(ALL_KEYS).sort());
  });

  it("commander's attribute name for each flag is the spec key", () => {
    for (const spec of CONFIG_FLAGS) {
      assert.equal(new Option(spec.flags, spec.description).attributeName(), spec.key, spec.flags);
    }
  });

  it('parses a command line into ConfigFlags, --auth-type and --os-auth-type alike', () => {
    const parse = (argv: string[]) => {
      const cmd = new Command().exitOverride();
      for (const spec of CONFIG_FLAGS) cmd.addOption(new Option(spec.flags, spec.description));
      cmd.parse(argv, { from: 'user' });
      return cmd.opts() as ConfigFlags;
    };
    assert.deepEqual(parse(['--os-auth-type', 'v3token', '--insecure', '--os-auth-url', 'https://k']), {
      authType: 'v3token',
      insecure: true,
      osAuthUrl: 'https://k',
    });
    assert.deepEqual(parse(['--auth-type', 'none', '--endpoint', 'http://g']), {
      authType: 'none',
      endpoint: 'http://g',
    });
  });

  it('only --insecure is boolean; every other flag takes a value', () => {
    for (const spec of CONFIG_FLAGS) {
      const takesValue = /<[^>]+>/.test(spec.flags);
      assert.equal(takesValue, spec.boolean !== true, spec.flags);
    }
    assert.deepEqual(
      CONFIG_FLAGS.filter((s) => s.boolean).map((s) => s.key),
      ['insecure'],
    );
  });

  it('the env named in each spec is the variable resolveConfig reads for that setting', () => {
    const probes: Partial<
      Record<keyof ConfigFlags, { value: string; read: (c: ReturnType<typeof resolve>) => unknown }>
    > = {
      osAuthUrl: { value: 'https://probe.test', read: (c) => c.auth.authUrl?.source },
      osUsername: { value: 'probe', read: (c) => c.auth.username?.source },
      osProjectName: { value: 'probe', read: (c) => c.auth.projectName?.source },
      osRegionName: { value: 'probe', read: (c) => c.regionName?.source },
      osInterface: { value: 'admin', read: (c) => c.interface.source },
      endpoint: { value: 'http://probe.test', read: (c) => c.endpoint?.source },
      timeout: { value: '3', read: (c) => c.harness.timeoutMs.source },
      prefix: { value: 'probe', read: (c) => c.harness.prefix.source },
      reportsDir: { value: '/probe', read: (c) => c.harness.reportsDir.source },
      osDefaultDomain: { value: 'probe', read: (c) => c.auth.userDomainId?.source },
    };
    const base = { OS_AUTH_URL: 'https://k.test', OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_PROJECT_ID: 'x' };
    const sb = sandbox();
    const resolve = (env: Record<string, string>) => sb.resolve({ ...base, ...env });
    for (const [key, probe] of Object.entries(probes)) {
      const spec = CONFIG_FLAGS.find((s) => s.key === key);
      assert.ok(spec?.env, key);
      const source = probe.read(resolve({ [spec.env]: probe.value }));
      const expected =
        key === 'osDefaultDomain' ? { kind: 'derived', from: spec.env } : { kind: 'env', name: spec.env };
      assert.deepEqual(source, expected, key);
    }
  });
});
