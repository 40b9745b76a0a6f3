import { expect } from 'chai';
import { MAX_CONFIG_DEPTH, cloneData, shapeProblem } from '../../lib/config/config-internals';

describe('config/config-internals', () => {
  describe('shapeProblem', () => {
    it('accepts a tree and a value shared by two keys (a YAML alias)', () => {
      const shared = [1, 2, 3];
      expect(shapeProblem({ a: shared, b: { c: shared } })).to.equal(undefined);
    });

    it('reports nesting past the bound with its path, without recursing', () => {
      let deep: Record<string, unknown> = {};
      const root = deep;
      for (let i = 0; i < 100_000; i++) deep = (deep.a = {}) as Record<string, unknown>;
      const problem = shapeProblem(root);
      expect(problem?.message).to.match(new RegExp(`more than ${MAX_CONFIG_DEPTH} levels`));
      expect(problem?.path.startsWith('a.a.a')).to.equal(true);
    });

    it('reports a cycle with its path', () => {
      const loop: Record<string, unknown> = { list: [] };
      (loop.list as unknown[]).push({ back: loop });
      expect(shapeProblem({ shutdown: loop })).to.deep.equal({
        path: 'shutdown.list[0].back',
        message: 'refers to itself (a cycle): a configuration is a tree',
      });
    });
  });

  describe('cloneData', () => {
    it('copies a value reached twice once, keeping it shared as in the source', () => {
      const shared = { x: [1] };
      const copy = cloneData({ a: shared, b: [shared] }) as { a: unknown; b: unknown[] };
      expect(copy.a).to.deep.equal(shared);
      expect(copy.a).not.to.equal(shared);
      expect(copy.b[0]).to.equal(copy.a);
    });
  });
});
