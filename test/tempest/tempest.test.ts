// The Tempest leg's own logic: its config, its accounts file, reading the run back and comparing
// runs per test id. (The leg itself needs Tempest and the lab: test/tempest/leg.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { classOf, differences, failureKinds, type IdOutcome, perId, shortId, table } from './compare.js';
import { describeMismatch, mismatches, parseOutcomes } from './outcomes.js';
import { accountsYaml, csvFields, parseCsv, tempestConf } from './workspace.js';

const A =
  'tempest.api.image.v2.test_images.ListUserImagesTest.test_list_images_param_size[id-cf1b9a48-8340-480e-af7b-fe7e17690876]';
const B =
  'tempest.api.image.v2.test_images_negative.ImportImagesNegativeTest.test_image_web_download_import_with_bad_url[id-c52f6a77-f522-4411-8dbe-9d14f2b1ba6b,negative]';
const V1 =
  'tempest.api.image.v1.test_images.ListImagesTest.test_index_no_params[id-246178ab-3b33-4212-9a4b-a7fe8261794d]';

describe('tempest leg', () => {
  it('reads subunit2csv rows, quoted ids with commas included', () => {
    assert.deepEqual(csvFields(`"${B}",failure,2026-12-04 01:11:38+00:00,x`), [
      B,
      'failure',
      '2026-12-04 01:11:38+00:00',
      'x',
    ]);
    assert.deepEqual(csvFields('"a ""b""",c'), ['a "b"', 'c']);
    const rows = parseCsv(
      `test,status,start_time,stop_time\n${A},success,t,t\n"${B}",failure,t,t\nsetUpClass (tempest.api.image.v1.test_images.ListImagesTest),skip,t,t\n`,
    );
    assert.equal(rows.get(A), 'success');
    assert.equal(rows.get(B), 'fail');
    assert.equal(rows.get('setUpClass (tempest.api.image.v1.test_images.ListImagesTest)'), 'skip');
  });

  it('gives every id of a class its setUpClass outcome, and says absent when nothing ran', () => {
    assert.equal(classOf(V1), 'tempest.api.image.v1.test_images.ListImagesTest');
    const rows = parseCsv(
      `test,status\n${A},success\nsetUpClass (tempest.api.image.v1.test_images.ListImagesTest),skip\n`,
    );
    const ids = perId([A, B, V1], rows);
    assert.deepEqual([...ids.values()], ['success', 'absent', 'skip']);
  });

  it('lists the ids whose outcome differs, and only those', () => {
    const lab = new Map([
      [A, 'success' as const],
      [B, 'fail' as const],
    ]);
    const ref = new Map([
      [A, 'success' as const],
      [B, 'success' as const],
    ]);
    assert.deepEqual(differences([lab, ref]), [{ id: B, outcomes: ['fail', 'success'] }]);
    assert.deepEqual(differences([lab, lab]), []);
    const t = table(['lab', 'ref'], [lab, ref]);
    assert.match(
      t,
      /test_images_negative\.ImportImagesNegativeTest\.test_image_web_download_import_with_bad_url\s+fail\s+success/,
    );
    assert.doesNotMatch(t, /test_list_images_param_size/);
    assert.match(t, /total\s+1 pass \/ 1 fail \/ 0 skip\s+2 pass/);
  });

  it('writes a pre-provisioned config with the accounts file, and a dynamic one with the admin', () => {
    const base = {
      authUrl: 'http://127.0.0.1:5000/v3',
      region: 'RegionOne',
      httpImage: 'http://127.0.0.1:9/x',
    };
    const pre = tempestConf({ ...base, accounts: [] }, '/w');
    assert.match(pre, /use_dynamic_credentials = false/);
    assert.match(pre, /test_accounts_file = \/w\/etc\/accounts\.yaml/);
    assert.match(pre, /uri_v3 = http:\/\/127\.0\.0\.1:5000\/v3/);
    assert.match(pre, /\[service_available\][^[]*glance = true[^[]*nova = false/);
    assert.match(pre, /import_image = true/);
    assert.doesNotMatch(pre, /admin_password/);
    const dyn = tempestConf(
      { ...base, admin: { authUrl: base.authUrl, username: 'admin', password: 'pw', projectName: 'admin' } },
      '/w',
    );
    assert.match(dyn, /use_dynamic_credentials = true/);
    assert.match(dyn, /admin_username = admin/);
    assert.doesNotMatch(dyn, /test_accounts_file/);
    assert.throws(() => tempestConf(base, '/w'), /dynamic credentials need an admin/);
    assert.match(pre, /\[image\][^[]*catalog_type = image\n[^[]*image_caching_enabled = false/);
    const newest = tempestConf(
      { ...base, accounts: [], catalogType: 'image-newest', imageCaching: true },
      '/w',
    );
    assert.match(newest, /\[image\][^[]*catalog_type = image-newest\n[^[]*image_caching_enabled = true/);
    assert.match(newest, /manage_locations = false/);
  });

  it("reads the newest lab's outcomes file and names where a run departs from it", () => {
    const expected = parseOutcomes(
      `'${A}':\n  outcome: skip\n  reason: config fact\n'${B}':\n  outcome: 'fail: BadRequest'\n  reason: release behaviour\n`,
    );
    assert.deepEqual(expected.get(B), { outcome: 'fail: BadRequest', reason: 'release behaviour' });
    const run = (a: IdOutcome, b: IdOutcome, v1: IdOutcome) =>
      new Map<string, IdOutcome>([
        [A, a],
        [B, b],
        [V1, v1],
      ]);
    assert.deepEqual(mismatches(run('skip', 'fail: BadRequest', 'success'), expected), []);
    const off = mismatches(run('success', 'fail: Conflict', 'skip'), expected);
    assert.deepEqual(
      off.map((m) => describeMismatch(m, shortId)),
      [
        'v1.test_images.ListImagesTest.test_index_no_params: skip, not listed',
        'v2.test_images.ListUserImagesTest.test_list_images_param_size: now passes, listed as skip',
        'v2.test_images_negative.ImportImagesNegativeTest.test_image_web_download_import_with_bad_url: fail: Conflict, listed as fail: BadRequest',
      ],
    );
    // A listed id the run does not have at all counts as a departure too.
    assert.equal(mismatches(new Map(), expected).length, 2);
    assert.throws(() => parseOutcomes(`'${A}':\n  outcome: skip\n`), /needs a reason/);
    assert.throws(() => parseOutcomes(`'${A}':\n  outcome: success\n  reason: x\n`), /non-success outcome/);
  });

  it("writes accounts in Tempest's pre-provisioned form", () => {
    const yaml = accountsYaml([
      { username: 'u1', password: 'p1', project: 'p1', roles: ['member'], types: [] },
      { username: 'a1', password: 'p2', project: 'a1', roles: ['admin', 'member'], types: ['admin'] },
    ]);
    assert.deepEqual(parse(yaml), [
      { username: 'u1', project_name: 'p1', password: 'p1', domain_name: 'Default', roles: ['member'] },
      {
        username: 'a1',
        project_name: 'a1',
        password: 'p2',
        domain_name: 'Default',
        roles: ['admin', 'member'],
        types: ['admin'],
      },
    ]);
  });
});

describe('tempest leg: how a test failed', () => {
  it('names the exception each failed test ended with', () => {
    const text = [
      '='.repeat(70),
      `FAIL: ${B}`,
      'tags: worker-0',
      '-'.repeat(70),
      "pythonlogging:'': {{{",
      '2026-12-04 01:18:41,862 19682 INFO [tempest.lib.common.rest_client] Request: 400 POST http://127.0.0.1:9292/v2/images/x/import 0.005s',
      '}}}',
      'Traceback (most recent call last):',
      '  File "rest_client.py", line 831, in _error_checker',
      '    raise exceptions.BadRequest(resp_body, resp=resp)',
      'tempest.lib.exceptions.BadRequest: Bad request',
      "Details: b'400 Bad Request'",
      '='.repeat(70),
      `FAIL: ${A}`,
      'testtools.matchers._impl.MismatchError: 1 != 2',
      '',
      'FAILED (id=0, failures=2)',
    ].join('\n');
    const kinds = failureKinds(text);
    assert.equal(kinds.get(B), 'BadRequest');
    assert.equal(kinds.get(A), 'MismatchError');
    const rows = parseCsv(`test,status\n${A},fail\n"${B}",fail\n`);
    assert.deepEqual(
      [...perId([A, B, V1], rows, kinds).values()],
      ['fail: MismatchError', 'fail: BadRequest', 'absent'],
    );
    assert.equal(
      differences([new Map([[B, 'fail: BadRequest' as const]]), new Map([[B, 'fail: Conflict' as const]])])
        .length,
      1,
    );
  });
});
