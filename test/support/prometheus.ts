/** One sample of a Prometheus text exposition. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
// Values as Prometheus' own parser reads them (Go's ParseFloat: NaN and Inf in any case;
// prom-client writes NaN as "Nan").
const SAMPLE = new RegExp(
  `^(${NAME})(?:\\{(.*)\\})? (-?(?:[0-9.]+(?:e[+-]?[0-9]+)?|nan|[+-]?inf))(?: -?[0-9]+)?$`,
  'i',
);
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

/**
 * Parses Prometheus text format 0.0.4 strictly: every line must be a HELP/TYPE comment, a
 * blank line or a well-formed sample whose family was declared. Throws on the first bad line.
 */
export function parsePrometheusText(text: string): PromSample[] {
  const types = new Map<string, string>();
  const samples: PromSample[] = [];
  text.split('\n').forEach((line, index) => {
    if (line === '') return;
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1} is not valid Prometheus text (${why}): ${line}`);
    };
    if (line.startsWith('# HELP ')) {
      if (!new RegExp(`^# HELP ${NAME} `).test(line)) fail('bad HELP');
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const match = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
      if (!match) fail('bad TYPE');
      types.set(match![1]!, match![2]!);
      return;
    }
    if (line.startsWith('#')) return;
    const match = SAMPLE.exec(line);
    if (!match) return fail('bad sample');
    const [, name, labelText, value] = match;
    const family = name!.replace(/_(bucket|sum|count|created|total)$/, '');
    if (!types.has(name!) && !types.has(family)) fail(`no TYPE for ${name}`);
    const labels: Record<string, string> = {};
    if (labelText) {
      LABEL.lastIndex = 0;
      while (LABEL.lastIndex < labelText.length) {
        const label = LABEL.exec(labelText);
        if (!label) fail('bad labels');
        labels[label![1]!] = label![2]!;
      }
    }
    const lower = value!.toLowerCase();
    const numeric =
      lower === 'nan' ? NaN : lower.endsWith('inf') ? (lower.startsWith('-') ? -Infinity : Infinity) : Number(value);
    samples.push({ name: name!, labels, value: numeric });
  });
  return samples;
}
