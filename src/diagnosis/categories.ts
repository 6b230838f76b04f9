import { RULES } from './index.js';

/** One Allure category (allure-results/categories.json). */
export interface AllureCategory {
  name: string;
  messageRegex: string;
  matchedStatuses: string[];
  description?: string;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Allure categories from the rules: failures group by named cause, the rest by status. */
export function allureCategories(): AllureCategory[] {
  return [
    ...RULES.map((r) => ({
      name: `${r.id}: ${r.title}`,
      messageRegex: `[\\s\\S]*Likely cause: ${escapeRegex(r.id)} [\\s\\S]*`,
      matchedStatuses: ['failed', 'broken'],
      description: r.fix,
    })),
    { name: 'Failed checks without a named cause', messageRegex: '[\\s\\S]*', matchedStatuses: ['failed'] },
    {
      name: 'Broken checks (harness or set-up errors)',
      messageRegex: '[\\s\\S]*',
      matchedStatuses: ['broken'],
    },
  ];
}
