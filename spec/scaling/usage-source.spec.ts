import { expect } from 'chai';
import sinon from 'sinon';
import pidusage from 'pidusage';
import { PidusageSource, ScriptedUsageSource, ZERO_USAGE } from '../../lib/scaling/usage-source';

describe('ScriptedUsageSource', () => {
  it('returns the readings in order, then repeats the last', async () => {
    const source = new ScriptedUsageSource([{ cpuPercent: 10 }, { cpuPercent: 90, rssBytes: 5 }]);
    const readings = [await source.sample(), await source.sample(), await source.sample()];
    expect(readings.map((r) => r.cpuPercent)).to.deep.equal([10, 90, 90]);
    expect(readings[2]).to.deep.equal({
      cpuPercent: 90,
      rssBytes: 5,
      heapUsedBytes: 0,
      eventLoopDelayMs: 0,
    });
    expect(source.calls).to.equal(3);
  });

  it('fills missing fields with zeros and returns zeros when given nothing', async () => {
    expect(await new ScriptedUsageSource().sample()).to.deep.equal(ZERO_USAGE);
    expect(await new ScriptedUsageSource([{ heapUsedBytes: 7 }]).sample()).to.deep.equal({
      ...ZERO_USAGE,
      heapUsedBytes: 7,
    });
  });

  it('returns a fresh copy each time and takes more readings with push()', async () => {
    const source = new ScriptedUsageSource([{ cpuPercent: 1 }]);
    const first = await source.sample();
    first.cpuPercent = 99;
    expect((await source.sample()).cpuPercent).to.equal(1);
    source.push({ cpuPercent: 2 }, { cpuPercent: 3 });
    expect([(await source.sample()).cpuPercent, (await source.sample()).cpuPercent]).to.deep.equal([
      2, 3,
    ]);
  });
});

describe('PidusageSource', () => {
  it('takes a real sample with sane numbers', async () => {
    const source = new PidusageSource();
    try {
      const usage = await source.sample();
      expect(usage.cpuPercent).to.be.a('number').that.is.at.least(0);
      expect(usage.rssBytes).to.be.above(0);
      expect(usage.heapUsedBytes).to.be.above(0);
      expect(usage.eventLoopDelayMs).to.be.a('number').that.is.at.least(0);
      expect(Number.isFinite(usage.eventLoopDelayMs)).to.equal(true);
      const second = await source.sample();
      expect(second.rssBytes).to.be.above(0);
    } finally {
      source.close();
    }
  });

  it("closing one source leaves pidusage's shared history to the others", async () => {
    const closed = new PidusageSource();
    const other = new PidusageSource();
    const clear = sinon.spy(pidusage, 'clear');
    try {
      await other.sample();
      closed.close();
      expect(clear.called).to.equal(false);
    } finally {
      clear.restore();
      other.close();
    }
  });

  it('can be closed twice', () => {
    const source = new PidusageSource();
    source.close();
    expect(() => source.close()).not.to.throw();
  });

  it('rejects a bad event-loop resolution', () => {
    expect(() => new PidusageSource({ eventLoopResolutionMs: 0 })).to.throw(
      RangeError,
      'Expected `eventLoopResolutionMs` to be an integer from 1, got `0` (number)',
    );
  });
});
