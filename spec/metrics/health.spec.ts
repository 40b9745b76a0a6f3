import { expect } from 'chai';
import { evaluateHealth, type HealthInput } from '../../lib/metrics/health';
import type { PoolMetrics } from '../../lib/metrics/pool-metrics';
import { metricsWith } from './fixtures/metrics-fixture';

const input = (
  metrics: Partial<PoolMetrics> = {},
  state: Partial<Omit<HealthInput, 'metrics'>> = {},
): HealthInput => ({
  metrics: metricsWith(metrics),
  queueCapacity: 100,
  breakerOpen: false,
  shuttingDown: false,
  ...state,
});

const withDelay = (eventLoopDelayMs: number): Partial<PoolMetrics> => ({
  system: { cpuPercent: 0, rssBytes: 0, heapUsedBytes: 0, eventLoopDelayMs },
});

describe('evaluateHealth', () => {
  it('is ok with no reasons when nothing is wrong', () => {
    expect(evaluateHealth(input({ queued: 79 }))).to.deep.equal({ status: 'ok', reasons: [] });
  });

  it('is unhealthy while shutting down', () => {
    const health = evaluateHealth(input({}, { shuttingDown: true }));
    expect(health.status).to.equal('unhealthy');
    expect(health.reasons).to.deep.equal(['shutting down: new tasks are refused']);
  });

  it('is degraded while the circuit breaker is open', () => {
    expect(evaluateHealth(input({}, { breakerOpen: true }))).to.deep.equal({
      status: 'degraded',
      reasons: ['circuit breaker open: dispatch paused'],
    });
  });

  it('is degraded at or above the default high-water mark of 80 % of capacity', () => {
    expect(evaluateHealth(input({ queued: 90 }))).to.deep.equal({
      status: 'degraded',
      reasons: ['queue at 90 of 100 waiting tasks (90%), high-water 80'],
    });
    expect(evaluateHealth(input({ queued: 80 })).status).to.equal('degraded');
  });

  it('takes a high-water mark as a fraction of capacity or as a count', () => {
    expect(evaluateHealth(input({ queued: 50 }), { queueHighWater: 0.5 }).status).to.equal(
      'degraded',
    );
    expect(evaluateHealth(input({ queued: 49 }), { queueHighWater: 0.5 }).status).to.equal('ok');
    expect(evaluateHealth(input({ queued: 99 }), { queueHighWater: 1 }).status).to.equal('ok');
    expect(evaluateHealth(input({ queued: 100 }), { queueHighWater: 1 }).status).to.equal(
      'degraded',
    );
    expect(evaluateHealth(input({ queued: 20 }), { queueHighWater: 20 }).reasons).to.deep.equal([
      'queue at 20 of 100 waiting tasks (20%), high-water 20',
    ]);
  });

  it('applies only an absolute high-water mark to an unbounded queue', () => {
    const unbounded = { queueCapacity: Infinity };
    expect(evaluateHealth(input({ queued: 1e6 }, unbounded)).status).to.equal('ok');
    expect(
      evaluateHealth(input({ queued: 500 }, unbounded), { queueHighWater: 500 }),
    ).to.deep.equal({
      status: 'degraded',
      reasons: ['queue at 500 waiting tasks, high-water 500'],
    });
  });

  it('is degraded when the event-loop delay is above its bound', () => {
    expect(evaluateHealth(input(withDelay(200))).status).to.equal('ok');
    expect(evaluateHealth(input(withDelay(250.44)))).to.deep.equal({
      status: 'degraded',
      reasons: ['event-loop delay p99 250.4 ms above 200 ms'],
    });
    expect(evaluateHealth(input(withDelay(60)), { maxEventLoopDelayMs: 50 }).status).to.equal(
      'degraded',
    );
  });

  it('lists every reason, the worst status winning', () => {
    const health = evaluateHealth(
      input({ queued: 100, ...withDelay(300) }, { shuttingDown: true, breakerOpen: true }),
    );
    expect(health.status).to.equal('unhealthy');
    expect(health.reasons).to.have.length(4);
    expect(health.reasons[0]).to.match(/^shutting down/);
  });

  it('rejects thresholds that are not above 0', () => {
    expect(() => evaluateHealth(input(), { queueHighWater: 0 })).to.throw(
      RangeError,
      'Expected `queueHighWater` to be a number above 0, got `0` (number)',
    );
    expect(() => evaluateHealth(input(), { maxEventLoopDelayMs: -1 })).to.throw(
      RangeError,
      'maxEventLoopDelayMs',
    );
  });
});
