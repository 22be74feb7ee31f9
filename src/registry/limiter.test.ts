import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Limiter } from './limiter.ts';

describe('Limiter (max-concurrent-downloads)', () => {
  it('runs at most n at once, in arrival order, and drops a waiter whose signal aborts', async () => {
    const l = new Limiter(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const job = async (i: number) => {
      const release = await l.acquire();
      active++;
      peak = Math.max(peak, active);
      order.push(i);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      release();
      release(); // twice is harmless
    };
    await Promise.all([0, 1, 2, 3, 4].map(job));
    assert.equal(peak, 2);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);

    const hold = await l.acquire();
    const hold2 = await l.acquire();
    assert.equal(l.full, true);
    const ac = new AbortController();
    const waiting = l.acquire(ac.signal);
    ac.abort(new Error('gone'));
    await assert.rejects(waiting, /gone/);
    hold();
    hold2();
    assert.equal(l.full, false);
  });
});
