/**
 * The errors the reference Keystone answers with, worded as Keystone 22 (Zed) words them (texts
 * checked against the lab's Keystone).
 */

/** An error Keystone turns into its `{"error": {code, message, title}}` body. */
export class KeystoneError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(status: number, title: string, message: string) {
    super(message);
    this.status = status;
    this.title = title;
  }
}

/** 401: no token, a token Keystone does not know, or credentials it refuses. */
export function unauthorized(): KeystoneError {
  return new KeystoneError(401, 'Unauthorized', 'The request you have made requires authentication.');
}

/** 400 with Keystone's ValidationError suffix. */
export function badRequest(message: string): KeystoneError {
  return new KeystoneError(
    400,
    'Bad Request',
    `${message} The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
  );
}

/** 400 for a request body that is not a JSON object (Keystone's JSON body middleware, before authentication). */
export function invalidJson(): KeystoneError {
  return badRequest('Expecting to find valid JSON in request body.');
}

/**
 * 400 for a body that fails Keystone's JSON schema. Keystone appends jsonschema's dump of the whole
 * schema after a blank line; that dump is left out.
 */
export function schemaError(message: string): KeystoneError {
  return new KeystoneError(400, 'Bad Request', message);
}

/** 403 from oslo.policy, naming the rule (`identity:create_user`). */
export function forbidden(action: string): KeystoneError {
  return new KeystoneError(
    403,
    'Forbidden',
    `You are not authorized to perform the requested action: identity:${action}.`,
  );
}

/** 404 `Could not find <kind>: <id>.` */
export function notFound(kind: string, id: string): KeystoneError {
  return new KeystoneError(404, 'Not Found', `Could not find ${kind}: ${id}.`);
}

/** 409 `Conflict occurred attempting to store <kind> - <detail>.` */
export function conflict(kind: string, detail: string): KeystoneError {
  return new KeystoneError(409, 'Conflict', `Conflict occurred attempting to store ${kind} - ${detail}.`);
}
