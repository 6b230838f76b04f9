/** The Python-shaped serialisation and webob rendering the reference relies on, checked against CPython output. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pyJson, pyPformat, pyRepr } from '../../src/reference/py-json.js';
import { errorFormat, HttpError, renderError } from '../../src/reference/webob.js';
import {
  JSON_401,
  JSON_500,
  PAGE_401,
  PAGE_403_PUBLICIZE,
  PAGE_404_RESOURCE,
  PAGE_413_STORE_FULL,
  PAGE_500,
  PAGE_503_KEYSTONE,
  PAGE_503_UNWRITABLE,
  page404Delete,
} from './captured.js';

describe('Python wire format', () => {
  it('pyJson matches json.dumps: ", " and ": " separators, ASCII-only escapes', () => {
    assert.equal(
      pyJson({ a: 'é ü ☃ 😀', b: [1, null, true], c: { d: 'x"y' } }),
      '{"a": "\\u00e9 \\u00fc \\u2603 \\ud83d\\ude00", "b": [1, null, true], "c": {"d": "x\\"y"}}',
    );
  });

  it('pyRepr matches repr() for the values Glance quotes', () => {
    assert.equal(
      pyRepr(["it's", 'say "hi"', null, true, 3, { k: 'v' }]),
      `["it's", 'say "hi"', None, True, 3, {'k': 'v'}]`,
    );
  });

  it('pyPformat matches pprint.pformat(width=72): sorted keys, wrapped strings', () => {
    assert.equal(
      pyPformat({
        type: ['null', 'string'],
        description:
          'ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.',
        is_base: false,
      }),
      "{'description': 'ID of image stored in Glance that should be used as '\n                'the kernel when booting an AMI-style image.',\n 'is_base': False,\n 'type': ['null', 'string']}",
    );
    assert.equal(
      pyPformat('word '.repeat(30)),
      "('word word word word word word word word word word word word word '\n 'word word word word word word word word word word word word word '\n 'word word word word ')",
    );
  });
});

describe('webob error rendering', () => {
  it('the captured pages have the captured lengths', () => {
    const lengths: Array<[string, number]> = [
      [PAGE_500, 228],
      [JSON_500, 186],
      [PAGE_404_RESOURCE, 154],
      [PAGE_401, 358],
      [JSON_401, 316],
      [PAGE_503_KEYSTONE, 260],
      [PAGE_403_PUBLICIZE, 180],
      [PAGE_503_UNWRITABLE, 238],
      [PAGE_413_STORE_FULL, 239],
      [page404Delete('62c0b70d-d901-4eaf-aeb0-3c16a8fdda90'), 189],
    ];
    for (const [page, length] of lengths) assert.equal(Buffer.byteLength(page), length, page.slice(0, 80));
  });

  it('renders HTML, JSON and HEAD forms like webob', () => {
    assert.deepEqual(renderError(new HttpError(500), 'html'), {
      contentType: 'text/html; charset=UTF-8',
      body: PAGE_500,
    });
    assert.deepEqual(renderError(new HttpError(500), 'json'), {
      contentType: 'application/json',
      body: JSON_500,
    });
    const detail = new HttpError(503, undefined, {
      detail: 'The Keystone service is temporarily unavailable.',
    });
    assert.equal(renderError(detail, 'html').body, PAGE_503_KEYSTONE);
    assert.equal(renderError(new HttpError(404), 'html', true).body, '');
  });

  it('picks the format from Accept as webob does', () => {
    assert.equal(errorFormat(undefined), 'html');
    assert.equal(errorFormat('*/*'), 'html');
    assert.equal(errorFormat('application/json'), 'json');
    assert.equal(errorFormat('application/json, text/html;q=0.5'), 'json');
    assert.equal(errorFormat('text/plain'), 'plain');
  });
});
