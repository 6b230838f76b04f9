import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Exchange } from '../../src/http/evidence.js';
import { describeBreach, latencyBreach } from '../../src/run/latency.js';
import { playwrightFilter } from '../../src/run/selection.js';

describe('selection → Playwright filter', () => {
  it('--read-only and --grep both apply, in one --grep', () => {
    const args = playwrightFilter({ suites: ['images'], grep: 'list', readOnly: true }, '/s');
    assert.deepEqual(args.slice(0, 1), ['/s/images/']);
    assert.equal(
      args.filter((a) => a === '--grep').length,
      1,
      'one --grep: a second would replace the first',
    );
    const re = new RegExp(args.at(-1)!);
    assert.ok(re.test('images: list GET /v2/images @images @read-only'));
    assert.ok(!re.test('images: list POST /v2/images @images'), 'not read-only');
    assert.ok(!re.test('images: show GET /v2/images/{id} @read-only'), 'does not match --grep');
  });

  it('an invalid --grep is a usage error naming it', () => {
    assert.throws(
      () => playwrightFilter({ suites: ['images'], grep: '(', readOnly: false }, '/s'),
      (e: Error & { exitCode?: number }) =>
        e.exitCode === 2 && /--grep: "\(" is not a valid regular expression/.test(e.message),
    );
  });
});

const exchange = (x: Partial<Exchange>): Exchange => ({
  seq: 1,
  method: 'GET',
  url: 'http://127.0.0.1/v2/images/x',
  path: '/v2/images/x',
  status: 200,
  requestHeaders: {},
  responseHeaders: {},
  bodyShape: 'json',
  bytesSent: 0,
  responseBytes: 0,
  startedAt: '',
  timings: { headersMs: 10, totalMs: 12 },
  ...x,
});

describe('latency budget', () => {
  it('a show answered after 20 s breaches a 10 s budget, with the measured time', () => {
    const b = latencyBreach(
      exchange({ timings: { headersMs: 20_100, totalMs: 20_110 }, requestId: 'req-s' }),
      10_000,
    );
    assert.equal(b?.ms, 20_100);
    assert.equal(
      describeBreach(b!),
      'GET /v2/images/x answered in 20.1 s, over the 10.0 s latency budget (req-s)',
    );
    assert.equal(latencyBreach(exchange({}), 10_000), undefined);
  });

  it('an upload counts from the end of the body it sent; no answer at all is a breach too', () => {
    const up = exchange({
      method: 'PUT',
      path: '/v2/images/x/file',
      timings: { sentMs: 60_000, headersMs: 61_000, totalMs: 61_000 },
    });
    assert.equal(latencyBreach(up, 10_000), undefined, '60 s of sending is throughput, not latency');
    const hung = exchange({
      status: null,
      error: { code: 'UND_ERR_HEADERS_TIMEOUT', message: '' },
      timings: { totalMs: 30_000 },
    });
    assert.equal(latencyBreach(hung, 10_000)?.noAnswer, true);
  });
});
