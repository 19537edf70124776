import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/core/rate.js';

function clock() {
  const c = {
    time: 0,
    slept: 0,
    now: () => c.time,
    sleep: async (ms: number) => {
      c.time += ms;
      c.slept += ms;
    },
  };
  return c;
}

describe('RateLimiter', () => {
  it('lets requests through at the configured rate, with a burst of one second', async () => {
    const c = clock();
    const limiter = new RateLimiter(c, 10);
    for (let i = 0; i < 10; i += 1) await limiter.take();
    expect(c.time).toBe(0); // the first second's tokens
    for (let i = 0; i < 20; i += 1) await limiter.take();
    expect(c.time).toBeGreaterThanOrEqual(1900);
    expect(c.time).toBeLessThanOrEqual(2100);
  });

  it('without a rate, never waits unless paused', async () => {
    const c = clock();
    const limiter = new RateLimiter(c, undefined);
    for (let i = 0; i < 1000; i += 1) await limiter.take();
    expect(c.time).toBe(0);
  });

  it('pauses every request after a 429, for at least the Retry-After', async () => {
    const c = clock();
    const limiter = new RateLimiter(c, undefined);
    limiter.pause(1500);
    await limiter.take();
    expect(c.time).toBe(1500);
    limiter.pause(100);
    limiter.pause(50); // a shorter pause does not cut a longer one
    expect(limiter.reserve()).toBe(100);
  });
});
