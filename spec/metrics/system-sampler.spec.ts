import { tmpdir } from 'node:os';
import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { SystemSampler } from '../../lib/metrics/system-sampler';
import {
  ScriptedUsageSource,
  ZERO_USAGE,
  type ProcessUsage,
  type UsageSource,
} from '../../lib/scaling/usage-source';
import { newTestScheduler } from '../support/pool-fixtures';
import { ManualSource, advanceTo, settle } from '../support/usage-fixtures';

const usage = (cpuPercent: number): ProcessUsage => ({ ...ZERO_USAGE, cpuPercent });

describe('SystemSampler', () => {
  let scheduler: TestScheduler;
  let sampler: SystemSampler | undefined;

  beforeEach(() => {
    scheduler = newTestScheduler();
  });
  afterEach(() => sampler?.stop());

  it('reports zeros before the first sample', () => {
    sampler = new SystemSampler(new ScriptedUsageSource([{ cpuPercent: 5 }]), 100, scheduler);
    expect(sampler.latest).to.deep.equal(ZERO_USAGE);
    expect(sampler.running).to.equal(false);
  });

  it('samples at start and then every interval, on the scheduler', async () => {
    const source = new ScriptedUsageSource([
      { cpuPercent: 1 },
      { cpuPercent: 2 },
      { cpuPercent: 3 },
    ]);
    sampler = new SystemSampler(source, 100, scheduler);
    const seen: [number, number][] = [];
    sampler.usage$.subscribe((u) => seen.push([scheduler.now(), u.cpuPercent]));
    sampler.start();
    await advanceTo(scheduler, 0);
    expect(sampler.latest.cpuPercent).to.equal(1);
    await advanceTo(scheduler, 99);
    expect(source.calls).to.equal(1);
    await advanceTo(scheduler, 100);
    await advanceTo(scheduler, 200);
    await advanceTo(scheduler, 300);
    expect(seen).to.deep.equal([
      [0, 1],
      [100, 2],
      [200, 3],
      [300, 3],
    ]);
    expect(sampler.latest.cpuPercent).to.equal(3);
    expect(sampler.skipped).to.equal(0);
  });

  it('skips ticks while a sample is pending instead of queueing them', async () => {
    const source = new ManualSource();
    sampler = new SystemSampler(source, 100, scheduler);
    const seen: number[] = [];
    sampler.usage$.subscribe((u) => seen.push(u.cpuPercent));
    sampler.start();
    await advanceTo(scheduler, 250);
    expect(source.pending).to.have.length(1);
    expect(sampler.skipped).to.equal(2);
    expect(sampler.latest).to.deep.equal(ZERO_USAGE);

    source.pending[0].resolve(usage(40));
    await settle();
    expect(sampler.latest.cpuPercent).to.equal(40);
    expect(seen).to.deep.equal([40]);

    // The next tick samples again; nothing queued from the skipped ones.
    await advanceTo(scheduler, 300);
    expect(source.pending).to.have.length(2);
    expect(sampler.skipped).to.equal(2);
    source.pending[1].resolve(usage(60));
    await advanceTo(scheduler, 400);
    expect(seen).to.deep.equal([40, 60]);
    expect(source.pending).to.have.length(3);
  });

  it('keeps the previous reading when a sample fails, and samples again on the next tick', async () => {
    const source = new ManualSource();
    sampler = new SystemSampler(source, 100, scheduler);
    sampler.start();
    await advanceTo(scheduler, 0);
    source.pending[0].resolve(usage(10));
    await advanceTo(scheduler, 100);
    source.pending[1].reject(new Error('ps failed'));
    await settle();
    expect(sampler.errors).to.equal(1);
    expect(sampler.latest.cpuPercent).to.equal(10);
    await advanceTo(scheduler, 200);
    expect(source.pending).to.have.length(3);
  });

  it('counts a source that throws synchronously as a failed sample', async () => {
    const source: UsageSource = {
      sample: () => {
        throw new Error('boom');
      },
    };
    sampler = new SystemSampler(source, 100, scheduler);
    sampler.start();
    await advanceTo(scheduler, 100);
    expect(sampler.errors).to.equal(2);
    expect(sampler.skipped).to.equal(0);
  });

  it('stops sampling on stop(), drops a sample settling after it, and can restart', async () => {
    const source = new ManualSource();
    sampler = new SystemSampler(source, 100, scheduler);
    const seen: number[] = [];
    sampler.usage$.subscribe((u) => seen.push(u.cpuPercent));
    sampler.start();
    sampler.start(); // no second interval
    await advanceTo(scheduler, 0);
    sampler.stop();
    expect(sampler.running).to.equal(false);
    source.pending[0].resolve(usage(99));
    await advanceTo(scheduler, 500);
    expect(seen).to.deep.equal([]);
    expect(source.pending).to.have.length(1);

    sampler.start();
    await advanceTo(scheduler, 500);
    expect(source.pending).to.have.length(2);
    source.pending[1].resolve(usage(7));
    await settle();
    expect(seen).to.deep.equal([7]);
  });

  it('reads the free disk space of a configured path', async () => {
    sampler = new SystemSampler(new ScriptedUsageSource([{ cpuPercent: 3 }]), 100, scheduler, {
      diskPath: tmpdir(),
    });
    // statfs is real I/O: await the sample itself.
    const sampled = firstValueFrom(sampler.usage$);
    sampler.start();
    await advanceTo(scheduler, 0);
    await sampled;
    expect(sampler.latest.cpuPercent).to.equal(3);
    expect(sampler.latest.diskFreeBytes).to.be.a('number').that.is.above(0);
  });

  it('still reports usage when the disk path cannot be read', async () => {
    sampler = new SystemSampler(new ScriptedUsageSource([{ cpuPercent: 3 }]), 100, scheduler, {
      diskPath: '/no/such/path/for/statfs',
    });
    const sampled = firstValueFrom(sampler.usage$);
    sampler.start();
    await advanceTo(scheduler, 0);
    await sampled;
    expect(sampler.latest.cpuPercent).to.equal(3);
    expect(sampler.latest).not.to.have.property('diskFreeBytes');
    expect(sampler.errors).to.equal(1);
  });

  it('rejects an interval that is not above 0', () => {
    expect(() => new SystemSampler(new ScriptedUsageSource(), 0, scheduler)).to.throw(
      RangeError,
      'Expected `intervalMs` to be a number above 0, got `0` (number)',
    );
  });
});
