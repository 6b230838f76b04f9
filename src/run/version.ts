import { readFileSync } from 'node:fs';

/** The harness's version: package.json's, the one place it is written. */
export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
