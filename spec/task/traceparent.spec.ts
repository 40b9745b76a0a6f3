import { expect } from 'chai';
import fc from 'fast-check';
import { formatTraceparent, parseTraceparent } from '../../lib/task/traceparent';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('task/traceparent', () => {
  it('formats a span context as a version-00 header, flags as two hex digits', () => {
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN, traceFlags: 1 })).to.equal(
      `00-${TRACE}-${SPAN}-01`,
    );
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN, traceFlags: 0 })).to.equal(
      `00-${TRACE}-${SPAN}-00`,
    );
  });

  it('formats nothing for invalid ids or flags (the no-op span has all-zero ids)', () => {
    const bad = [
      { traceId: '0'.repeat(32), spanId: SPAN, traceFlags: 1 },
      { traceId: TRACE, spanId: '0'.repeat(16), traceFlags: 1 },
      { traceId: TRACE.toUpperCase(), spanId: SPAN, traceFlags: 1 },
      { traceId: TRACE.slice(1), spanId: SPAN, traceFlags: 1 },
      { traceId: TRACE, spanId: SPAN, traceFlags: 256 },
      { traceId: TRACE, spanId: SPAN, traceFlags: 1.5 },
    ];
    for (const parent of bad)
      expect(formatTraceparent(parent), JSON.stringify(parent)).to.equal(undefined);
  });

  it('parses a header, and refuses bad ones rather than throwing', () => {
    expect(parseTraceparent(` 00-${TRACE}-${SPAN}-01 `)).to.deep.equal({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
    });
    // A later version may add fields; version 00 may not.
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-extra`)).to.deep.include({ traceId: TRACE });
    for (const header of [
      `00-${TRACE}-${SPAN}-01-extra`,
      `ff-${TRACE}-${SPAN}-01`,
      `00-${'0'.repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      'garbage',
      '',
      42,
      undefined,
      { traceparent: `00-${TRACE}-${SPAN}-01` },
    ]) {
      expect(parseTraceparent(header), String(header)).to.equal(undefined);
    }
  });

  it('round-trips every valid span context', () => {
    const hex = (length: number) =>
      fc
        .string({
          unit: fc.constantFrom(...'0123456789abcdef'),
          minLength: length,
          maxLength: length,
        })
        .filter((id) => /[^0]/.test(id));
    fc.assert(
      fc.property(
        hex(32),
        hex(16),
        fc.integer({ min: 0, max: 255 }),
        (traceId, spanId, traceFlags) => {
          const header = formatTraceparent({ traceId, spanId, traceFlags });
          expect(parseTraceparent(header)).to.deep.equal({ traceId, spanId, traceFlags });
        },
      ),
    );
  });
});
