import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseAddr } from './registry.ts';

it('parses --addr as HOST:PORT, an empty host meaning every interface', () => {
  assert.deepEqual(parseAddr('127.0.0.1:5000'), { host: '127.0.0.1', port: 5000 });
  assert.deepEqual(parseAddr(':5000'), { host: '0.0.0.0', port: 5000 });
  assert.deepEqual(parseAddr('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseAddr('localhost:443'), { host: 'localhost', port: 443 });
  assert.throws(() => parseAddr('5000'), /want HOST:PORT/);
  assert.throws(() => parseAddr('h:70000'), /out of range/);
});
