import { RULES } from './index.js';

/** docs/troubleshooting.md, generated from the rules (npm run docs:troubleshooting). */
export function troubleshootingMarkdown(): string {
  const lines = [
    '# Troubleshooting a Glance install',
    '',
    '<!-- Generated from src/diagnosis/rules by `npm run docs:troubleshooting`; do not edit by hand. -->',
    '',
    '`glance-harness doctor` walks an install in order and names the first broken link; every failing',
    'check of `glance-harness run` carries the same cause id (terminal, summary.json `cause`, JUnit,',
    'Allure categories). Each cause below reads: what you see, how to confirm it, how to fix it.',
    '',
    '| cause | severity | symptom |',
    '|---|---|---|',
    ...RULES.map((r) => `| [\`${r.id}\`](#${anchor(r.id)}) | ${r.severity} | ${cell(r.symptom)} |`),
    '',
  ];
  for (const r of RULES) {
    lines.push(
      `## ${r.id}`,
      '',
      `**${r.title}** (${r.severity})`,
      '',
      `- Symptom: ${r.symptom}`,
      `- How to confirm: ${r.howToConfirm}`,
      `- Fix: ${r.fix}`,
      '',
    );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function anchor(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9 -]/g, '');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}
