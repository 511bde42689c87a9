import { describe, expect, it } from '@jest/globals';
import { ConfigReleaseInvalidError, diffProperties, parseProperties, validateProperties } from '@lattice/config';

describe('parseProperties', () => {
  it('reads YAML and JSON mappings of typed values', () => {
    expect(parseProperties('a: 1\nb: text\nc: true\nd: { e: [1, 2] }\n"f.g": null\n')).toEqual({
      a: 1,
      b: 'text',
      c: true,
      d: { e: [1, 2] },
      'f.g': null,
    });
    expect(parseProperties('{"a": 1.5}', 'json')).toEqual({ a: 1.5 });
  });

  it.each([
    ['a: [1', 'yaml'],
    ['a: 1\na: 2\n', 'yaml'],
    ['- 1\n- 2\n', 'yaml'],
    ['just text', 'yaml'],
    ['{"a":', 'json'],
    ['[1]', 'json'],
  ] as const)('refuses %j (%s) with the problems listed', (text, format) => {
    let error: unknown;
    try {
      parseProperties(text, format);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigReleaseInvalidError);
    expect((error as ConfigReleaseInvalidError).data.problems.length).toBeGreaterThan(0);
  });

  it('refuses non-JSON values with their paths', () => {
    expect(() => validateProperties({ a: { b: Number.POSITIVE_INFINITY }, c: () => 1 })).toThrow(
      /a\.b: numbers must be finite[\s\S]*c: function/,
    );
  });
});

describe('diffProperties', () => {
  it('lists added, removed and changed keys, comparing values deeply', () => {
    expect(
      diffProperties(
        { a: 1, b: { x: [1] }, c: 'same', d: { y: 1 } },
        { b: { x: [2] }, c: 'same', d: { y: 1 }, e: false },
      ),
    ).toEqual({
      added: [{ key: 'e', after: false }],
      removed: [{ key: 'a', before: 1 }],
      changed: [{ key: 'b', before: { x: [1] }, after: { x: [2] } }],
    });
  });
});
