import * as fs from 'fs';
import * as path from 'path';
import { expect } from 'chai';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain Node script
const { generate } = require('../../scripts/build-validators.js') as {
  generate(): Record<string, string>;
};

describe('config/generated validators', () => {
  it('match config/schema.json (run `npm run validators` after editing the schema)', () => {
    for (const [name, code] of Object.entries(generate())) {
      const file = path.join(__dirname, '../../lib/config/generated', name);
      expect(fs.readFileSync(file, 'utf8') === code, `${name} is out of date`).to.equal(true);
    }
  });
});
