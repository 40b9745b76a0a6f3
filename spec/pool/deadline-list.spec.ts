import { expect } from 'chai';
import sinon from 'sinon';
import { VirtualTimeScheduler, asyncScheduler } from 'rxjs';
import { DeadlineList, type DeadlineNode } from '../../lib/pool/deadline-list';
import { WorkerPool } from '../../lib/pool/worker-pool';
import { silent } from '../support/pool-fixtures';
import { MB, heapAfterGc } from '../support/heap';

interface Node extends DeadlineNode {
  name: string;
}
const node = (name: string): Node => ({
  name,
  deadline: 0,
  prevDeadline: undefined,
  nextDeadline: undefined,
  inDeadlineList: false,
});

describe('DeadlineList', () => {
  it('expires each node exactly durationMs after it was added, in order', () => {
    const scheduler = new VirtualTimeScheduler();
    const expired: string[] = [];
    const list = new DeadlineList<Node>(10, scheduler, (n) =>
      expired.push(`${n.name}@${scheduler.now()}`),
    );
    list.add(node('a'));
    scheduler.schedule(() => list.add(node('b')), 3);
    scheduler.schedule(() => list.add(node('c')), 3);
    scheduler.flush();
    expect(expired).to.deep.equal(['a@10', 'b@13', 'c@13']);
  });

  it('does not expire a removed node, and re-arms for the next head', () => {
    const scheduler = new VirtualTimeScheduler();
    const expired: string[] = [];
    const list = new DeadlineList<Node>(10, scheduler, (n) =>
      expired.push(`${n.name}@${scheduler.now()}`),
    );
    const a = node('a');
    list.add(a);
    scheduler.schedule(() => list.add(node('b')), 5);
    scheduler.schedule(() => list.remove(a), 6);
    scheduler.flush();
    expect(expired).to.deep.equal(['b@15']);
    expect(a.inDeadlineList).to.equal(false);
    list.remove(a); // twice is harmless
  });

  it('arms for the head when expiring one node starts another', () => {
    const scheduler = new VirtualTimeScheduler();
    const expired: string[] = [];
    const list: DeadlineList<Node> = new DeadlineList<Node>(10, scheduler, (n) => {
      expired.push(`${n.name}@${scheduler.now()}`);
      if (n.name === 'a') list.add(node('a2')); // like a freed slot starting the next attempt
    });
    list.add(node('a'));
    scheduler.schedule(() => list.add(node('b')), 4);
    scheduler.flush();
    // b's deadline (14) comes before a2's (20): it must not wait for a2's timer.
    expect(expired).to.deep.equal(['a@10', 'b@14', 'a2@20']);
  });

  it('keeps one timer however many nodes; an empty list keeps it unreferenced (real timers)', () => {
    // Timers that keep the process alive; an unreferenced one is not listed.
    const holding = (): number =>
      process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = holding();
    const list = new DeadlineList<Node>(30_000, asyncScheduler, () => undefined);
    try {
      const nodes = Array.from({ length: 100 }, (_, i) => node(String(i)));
      nodes.forEach((n) => list.add(n));
      expect(holding()).to.equal(before + 1);
      nodes.forEach((n) => list.remove(n));
      // A held 30 s timer would keep a finished process alive.
      expect(holding()).to.equal(before);
      const again = node('again');
      list.add(again);
      expect(holding()).to.equal(before + 1);
      list.remove(again);
      expect(holding()).to.equal(before);
    } finally {
      list.dispose();
    }
    expect(holding()).to.equal(before);
  });

  it('disposes its timer when empty on a scheduler without Node timers', () => {
    const scheduler = new VirtualTimeScheduler();
    const list = new DeadlineList<Node>(10, scheduler, () => undefined);
    const a = node('a');
    list.add(a);
    expect(scheduler.actions).to.have.length(1);
    list.remove(a);
    expect(scheduler.actions.filter((action) => !action.closed)).to.have.length(0);
  });

  it('a timer left on an empty list fires once and is not re-armed', () => {
    const clock = sinon.useFakeTimers();
    try {
      const expired: string[] = [];
      const list = new DeadlineList<Node>(10, asyncScheduler, (n) => expired.push(n.name));
      const a = node('a');
      list.add(a);
      list.remove(a);
      expect(clock.countTimers()).to.equal(1); // kept, unreferenced
      clock.tick(10);
      expect([expired, clock.countTimers()]).to.deep.equal([[], 0]);
      list.add(node('b'));
      clock.tick(10);
      expect([expired, clock.countTimers()]).to.deep.equal([['b'], 0]);
    } finally {
      clock.restore();
    }
  });
});

describe('WorkerPool memory stays bounded', function () {
  this.timeout(30_000);

  it('a distinct timeoutMs per task (deadline - Date.now()) leaves no deadline list behind', async () => {
    const pool = new WorkerPool<number, number>({ logger: silent, handler: (n) => n });
    // Warm up, so lazily made structures are not counted.
    for (let i = 0; i < 100; i++) await pool.submit(i, { timeoutMs: 5_000 + i });
    const before = heapAfterGc();
    const tasks = 50_000;
    for (let i = 0; i < tasks; i++) void pool.submit(i, { timeoutMs: 10_000 + i });
    await pool.onIdle();
    const grown = heapAfterGc() - before;
    // One list per task used to cost ~700 bytes each: ~35 MB here.
    expect(grown, `${(grown / MB).toFixed(1)} MB`).to.be.below(12 * MB);
    await pool.shutdown();
  });
});
