import { expect } from 'chai';
import { describeValue, showValue } from '../../lib/options/describe-value';

describe('options/describe-value', () => {
  it('shows a value and its type, in one template', () => {
    expect(describeValue('fast')).to.equal('`fast` (string)');
    expect(describeValue(-1)).to.equal('`-1` (number)');
    expect(describeValue({ a: 1 })).to.equal('`{"a":1}` (object)');
    expect(describeValue([1, 2])).to.equal('`[1,2]` (array)');
    expect(describeValue(null)).to.equal('`null` (null)');
    expect(describeValue(undefined)).to.equal('`undefined` (undefined)');
  });

  it('shows what JSON cannot: NaN and the infinities, functions, cycles, BigInt', () => {
    expect(describeValue(NaN)).to.equal('`NaN` (number)');
    expect(describeValue(Infinity)).to.equal('`Infinity` (number)');
    expect(describeValue(() => 1)).to.match(/^`.*` \(function\)$/);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(describeValue(cycle)).to.equal('`[object Object]` (object)');
    expect(describeValue(10n)).to.equal('`10` (bigint)');
  });

  it('is the one rendering: config problems show the same text, strings quoted', () => {
    expect(showValue('fast')).to.equal('"fast"');
    expect(showValue({ a: 1 })).to.equal('{"a":1}');
    expect(showValue(0)).to.equal('0');
    expect(showValue(() => 1)).to.equal('[function]');
    const long = 'x'.repeat(100);
    expect(showValue(long))
      .to.have.length(60)
      .and.match(/\.\.\.$/);
    expect(describeValue(long)).to.equal(`\`${'x'.repeat(57)}...\` (string)`);
  });
});
