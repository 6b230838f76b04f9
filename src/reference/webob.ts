/**
 * Error responses in the shape Glance's WSGI stack (webob) puts on the wire: an HTML page by
 * default, `{"message", "code", "title"}` when the client asks for JSON, plain text when it
 * accepts neither. The body text keeps webob's odd spacing (`<br /><br />` and blank lines)
 * because captured clients and tests compare it.
 */
import { pyJson } from './py-json.js';

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

const DEFAULT_EXPLANATIONS: Readonly<Record<number, string>> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  401:
    'This server could not verify that you are authorized to access the document you requested. ' +
    'Either you supplied the wrong credentials (e.g., bad password), or your browser does not ' +
    'understand how to supply the credentials required.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  409: 'There was a conflict when trying to complete your request.',
  410: 'This resource is no longer available.  No forwarding address is given.',
  413: 'The request is larger than the server is willing or able to process.',
  416: 'The Range requested is not available.',
  500: 'The server has either erred or is incapable of performing the requested operation.',
  503: 'The server is currently unavailable. Please try again at a later time.',
};

/** Reason phrase for a status code, as webob titles it. */
export function statusTitle(status: number): string {
  return TITLES[status] ?? 'Unknown';
}

/** Which of webob's body templates produced the page. */
export type ErrorTemplate =
  | { kind: 'standard' }
  | { kind: 'media-type'; contentType: string }
  | { kind: 'method'; method: string }
  /** A fault Glance builds itself with only a message (no webob page around it). */
  | { kind: 'bare' };

/** An HTTP error a handler raises; the server renders it for the client's Accept header. */
export class HttpError extends Error {
  readonly status: number;
  readonly explanation: string;
  readonly detail: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly template: ErrorTemplate;

  constructor(
    status: number,
    explanation?: string,
    opts: { detail?: string; headers?: Record<string, string>; template?: ErrorTemplate } = {},
  ) {
    const text = explanation ?? DEFAULT_EXPLANATIONS[status] ?? '';
    super(`${status} ${text}`);
    this.status = status;
    this.explanation = text;
    this.detail = opts.detail ?? '';
    this.headers = opts.headers ?? {};
    this.template = opts.template ?? { kind: 'standard' };
  }
}

/** The three formats webob can answer in. */
export type ErrorFormat = 'html' | 'json' | 'plain';

/** Picks the error format the way webob does: best match of the Accept header among its offers. */
export function errorFormat(accept: string | undefined): ErrorFormat {
  if (accept === undefined || accept.trim() === '') return 'html';
  const ranges = accept.split(',').map((part) => {
    const [type = '', ...params] = part.trim().split(';');
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k === 'q' && v !== undefined) q = Number.parseFloat(v);
    }
    return { type: type.trim().toLowerCase(), q: Number.isNaN(q) ? 0 : q };
  });
  const offers: Array<[ErrorFormat, string]> = [
    ['html', 'text/html'],
    ['json', 'application/json'],
    ['plain', 'text/plain'],
  ];
  let best: ErrorFormat = 'plain';
  let bestQ = 0;
  for (const [fmt, mime] of offers) {
    const [major] = mime.split('/');
    let q = -1;
    let specificity = -1;
    for (const r of ranges) {
      const s = r.type === mime ? 2 : r.type === `${major}/*` ? 1 : r.type === '*/*' ? 0 : -1;
      if (s > specificity) {
        specificity = s;
        q = r.q;
      }
    }
    if (q > bestQ) {
      best = fmt;
      bestQ = q;
    }
  }
  return best;
}

/** Python's html.escape(s, quote=True). */
export function htmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;');
}

function bodyText(err: HttpError, esc: (s: string) => string): string {
  let text: string;
  switch (err.template.kind) {
    case 'media-type':
      text = `The request media type ${esc(err.template.contentType)} is not supported by this server.\n<br /><br />\n${esc(err.detail)}`;
      break;
    case 'method':
      text = `The method ${esc(err.template.method)} is not allowed for this resource. <br /><br />\n${esc(err.detail)}`;
      break;
    case 'bare':
      text = esc(err.explanation);
      break;
    default:
      text = `${esc(err.explanation)}<br /><br />\n${esc(err.detail)}\n\n`;
  }
  return text;
}

/**
 * webob's strip_tags for the plain body: line breaks become spaces first, then each <br /> a line
 * break and any other tag nothing — so the page's trailing newlines end up as trailing spaces.
 */
function stripTags(s: string): string {
  return s
    .replace(/\n/g, ' ')
    .replace(/\r/g, '')
    .replace(/<br.*?>/gis, '\n')
    .replace(/<.*?>/gs, '');
}

/** Renders an error as webob would; `head` drops the body as webob does for HEAD requests. */
export function renderError(
  err: HttpError,
  format: ErrorFormat,
  head = false,
): { contentType: string; body: string } {
  const status = `${err.status} ${statusTitle(err.status)}`;
  if (head) return { contentType: 'text/html; charset=UTF-8', body: '' };
  if (format === 'json') {
    return {
      contentType: 'application/json',
      body: pyJson({ message: bodyText(err, (s) => s), code: status, title: statusTitle(err.status) }),
    };
  }
  if (format === 'plain') {
    return {
      contentType: 'text/plain; charset=UTF-8',
      body: `${status}\n\n${stripTags(bodyText(err, (s) => s))}`,
    };
  }
  const body = bodyText(err, htmlEscape);
  return {
    contentType: 'text/html; charset=UTF-8',
    body: `<html>\n <head>\n  <title>${status}</title>\n </head>\n <body>\n  <h1>${status}</h1>\n  ${body}\n </body>\n</html>`,
  };
}
