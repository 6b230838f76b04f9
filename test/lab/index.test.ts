// The lab wrapper: paths, and the fault list kept in step with lab.sh. Needs neither root nor a lab.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_LAB_DIR, LAB_FAULTS, LAB_SCRIPT, labPaths, runLabCaptured } from '../../src/lab/index.js';

describe('lab wrapper', () => {
  test('LAB_SCRIPT points at lab.sh next to the module', () => {
    assert.match(LAB_SCRIPT, /\/src\/lab\/lab\.sh$/);
  });

  test('labPaths puts every file under the state directory', () => {
    const paths = labPaths('/tmp/some-lab');
    assert.equal(paths.dir, '/tmp/some-lab');
    assert.equal(paths.openrcAdmin, '/tmp/some-lab/openrc-admin');
    assert.equal(paths.openrcDemo, '/tmp/some-lab/openrc-demo');
    assert.equal(paths.cloudsYaml, '/tmp/some-lab/clouds.yaml');
    assert.equal(paths.store, '/tmp/some-lab/store');
    assert.ok(Object.isFrozen(paths));
  });

  test('labPaths defaults to /var/lib/glance-harness/lab', () => {
    assert.equal(DEFAULT_LAB_DIR, '/var/lib/glance-harness/lab');
    assert.equal(labPaths(DEFAULT_LAB_DIR).dir, DEFAULT_LAB_DIR);
  });

  test('lab.sh faults lists exactly LAB_FAULTS, in order', async () => {
    const run = await runLabCaptured(['faults']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n'), [...LAB_FAULTS]);
  });

  test('lab.sh rejects an unknown command with exit 64', async () => {
    const run = await runLabCaptured(['no-such-command']);
    assert.equal(run.code, 64);
    assert.match(run.stderr, /unknown command 'no-such-command'/);
  });
});
