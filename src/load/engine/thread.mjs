// Worker thread entry: the engine's worker is TypeScript, run through tsx like the CLI itself.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
