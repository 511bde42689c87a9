import type { ValidationProblem } from './core.errors.js';

export function invalidOptionsMessage(module: string, problems: readonly ValidationProblem[]): string {
  const lines = problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`);
  return `Invalid options for ${module} (${problems.length} problem${problems.length === 1 ? '' : 's'}); fix them and start again:\n${lines.join('\n')}`;
}
