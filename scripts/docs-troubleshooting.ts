// Writes docs/troubleshooting.md from the diagnosis rules; test/diagnosis/docs.test.ts fails when it is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { troubleshootingMarkdown } from '../src/diagnosis/troubleshooting.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'troubleshooting.md');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, troubleshootingMarkdown());
process.stdout.write(`wrote ${out}\n`);
