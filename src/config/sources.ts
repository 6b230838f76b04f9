import type { Source } from './types.js';

/** How a source is named inside a sentence: `OS_AUTH_URL`, `--os-auth-url`, `auth.auth_url in /x/clouds.yaml`. */
export function sourceLabel(source: Source): string {
  switch (source.kind) {
    case 'flag':
    case 'env':
      return source.name;
    case 'clouds.yaml':
    case 'secure.yaml':
      return `${source.key} in ${source.path}`;
    case 'derived':
      return `the value derived from ${source.from}`;
    case 'default':
      return 'the default';
  }
}

/** How a source is shown next to a value in `glance-harness config`. */
export function describeSource(source: Source): string {
  switch (source.kind) {
    case 'flag':
      return `flag ${source.name}`;
    case 'env':
      return `env ${source.name}`;
    case 'clouds.yaml':
    case 'secure.yaml':
      return `${source.kind} ${source.path} (${source.key})`;
    case 'derived':
      return `derived from ${source.from}`;
    case 'default':
      return 'default';
  }
}

/** Short name of a source for `derived` provenance: the variable, flag or file key that caused it. */
export function sourceName(source: Source): string {
  switch (source.kind) {
    case 'flag':
    case 'env':
      return source.name;
    case 'clouds.yaml':
    case 'secure.yaml':
      return source.key;
    case 'derived':
      return source.from;
    case 'default':
      return 'the default';
  }
}
