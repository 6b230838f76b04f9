// A loopback Glance that lies: each named behaviour answers with data a real Glance never sends
// (ids that walk the path, pages that loop, links to other hosts). Every request is recorded raw.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HARNESS_TAG, runTag } from '../../src/run/naming.js';

export const PREFIX = 'gh';
export const RUN_ID = '20261122-101502-a1b2';
export const VALID_ID = '3f0c5b8e-1d2a-4c6b-9e7f-0a1b2c3d4e5f';

export interface Recorded {
  method: string;
  /** The request target exactly as received, before any normalisation. */
  path: string;
}

export interface Answer {
  status: number;
  body?: unknown;
}

/** What the server knows when it answers: the request and where the server itself lives. */
export interface Scene {
  method: string;
  path: string;
  origin: string;
  /** Set by the test for behaviours that point elsewhere. */
  elsewhere: string;
}

type Behaviour = (s: Scene) => Answer;

const harnessImage = (id: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  name: `${PREFIX}-${RUN_ID}-hostile`,
  tags: [HARNESS_TAG, runTag(RUN_ID)],
  protected: false,
  ...extra,
});

const deleteValid = (s: Scene): Answer | undefined =>
  s.method === 'DELETE' && s.path === `/v2/images/${VALID_ID}` ? { status: 204 } : undefined;

const listPage = (s: Scene, page: Record<string, unknown>): Answer =>
  s.method === 'GET' && s.path.startsWith('/v2/images?') ? { status: 200, body: page } : { status: 404 };

/** The named behaviours, one line of intent each. */
export const BEHAVIOURS = {
  /** POST /v2/images answers 201 with an id that climbs out of /v2/images. */
  'create-traversal-id': (s) =>
    s.method === 'POST' && s.path === '/v2/images'
      ? { status: 201, body: harnessImage('../../x') }
      : { status: 404 },
  /** POST /v2/images answers 201 with no id at all. */
  'create-without-id': (s) =>
    s.method === 'POST' && s.path === '/v2/images'
      ? { status: 201, body: harnessImage(undefined) }
      : { status: 404 },
  /** One page: a harness image with id "a/b", one without tags, one without a name, a foreign one, a valid one. */
  'list-mixed': (s) =>
    deleteValid(s) ??
    listPage(s, {
      images: [
        harnessImage('a/b'),
        harnessImage(randomUUID(), { tags: undefined }),
        harnessImage(randomUUID(), { name: undefined }),
        harnessImage(randomUUID(), { name: 'cirros', tags: [HARNESS_TAG] }),
        harnessImage(VALID_ID),
      ],
    }),
  /** "images" is an object, not an array. */
  'images-not-array': (s) => listPage(s, { images: { [VALID_ID]: harnessImage(VALID_ID) } }),
  /** Every page names the page just requested as its next one. */
  'next-self': (s) => listPage(s, { images: [], next: s.path }),
  /** Every page names the same marker page as its next one. */
  'next-repeats': (s) => listPage(s, { images: [], next: `/v2/images?limit=100&marker=${VALID_ID}` }),
  /** The next link is an absolute URL on another server. */
  'next-other-host': (s) => listPage(s, { images: [], next: `${s.elsewhere}/v2/images?marker=${VALID_ID}` }),
  /** The next link climbs out of /v2/images on the same server. */
  'next-outside': (s) => listPage(s, { images: [], next: '/v2/images/../../v3/auth/tokens?marker=x' }),
  /** Answers nothing useful; used as "another host" that must never be asked. */
  bystander: () => ({ status: 404 }),
} satisfies Record<string, Behaviour>;

export type BehaviourName = keyof typeof BEHAVIOURS;

export interface HostileServer {
  url: string;
  requests: Recorded[];
  /** Where behaviours that point elsewhere point. */
  elsewhere: string;
  close(): Promise<void>;
}

/** Starts a loopback server (127.0.0.1, a free port) playing one behaviour. */
export async function startHostile(
  name: BehaviourName,
  elsewhere = 'http://127.0.0.1:9',
): Promise<HostileServer> {
  const behaviour: Behaviour = BEHAVIOURS[name];
  const requests: Recorded[] = [];
  const state = { origin: '', elsewhere };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '';
    requests.push({ method, path });
    req.resume();
    req.once('end', () => {
      const answer = behaviour({ method, path, ...state });
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, text ? { 'content-type': 'application/json' } : {});
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.origin = `http://127.0.0.1:${port}`;
  return {
    url: state.origin,
    requests,
    elsewhere,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
