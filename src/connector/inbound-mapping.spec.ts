import { compileMapping, evaluateMapping, MappingError } from './inbound-mapping.js';

describe('inbound mapping (JSONata)', () => {
  it('turns a payload into a create body', async () => {
    await expect(
      evaluateMapping('{"title": "PR: " & pull_request.title}', { pull_request: { title: 'Fix' } }),
    ).resolves.toEqual({ title: 'PR: Fix' });
  });

  it('rejects expressions that do not parse, or use $eval, $toMillis or regexes', () => {
    expect(() => compileMapping('{"title": ')).toThrow(MappingError);
    expect(() => compileMapping('$eval("1+1")')).toThrow(/\$eval/);
    expect(() => compileMapping('{"t": $toMillis(x, "[f1][f1]")}')).toThrow(/\$toMillis/);
    expect(() => compileMapping('{"t": $match(x, /(a+)+$/)}')).toThrow(/regular/);
  });

  it('bounds time and depth of evaluation', async () => {
    await expect(evaluateMapping('($f := function($n){ $f($n + 1) }; $f(0))', {})).rejects.toThrow(
      MappingError,
    );
    await expect(evaluateMapping('{"n": $count([0..9999999].{"x": 1})}', {})).rejects.toThrow(
      MappingError,
    );
  });

  it('requires an object result', async () => {
    await expect(evaluateMapping('"just text"', {})).rejects.toThrow(/JSON object/);
    await expect(evaluateMapping('missing.field', {})).rejects.toThrow(/JSON object/);
  });
});
