// A token bucket shared by every request of a bulk send: --rate caps requests per second, and a
// 429 from Africa's Talking pauses the whole batch (not just the row that got it).
import type { Clock } from './retry.js';

export class RateLimiter {
  private tokens: number;
  private updatedAt: number;
  private pausedUntil = 0;

  /** `perSecond` undefined: no rate cap, only pauses after a 429. */
  constructor(
    private readonly clock: Pick<Clock, 'now' | 'sleep'>,
    private readonly perSecond: number | undefined,
  ) {
    this.tokens = Math.max(1, perSecond ?? 1);
    this.updatedAt = clock.now();
  }

  /** Waits until a request may leave. */
  async take(): Promise<void> {
    for (;;) {
      const wait = this.reserve();
      if (wait <= 0) return;
      await this.clock.sleep(wait);
    }
  }

  /** Milliseconds until a token is free; takes it when that is 0. */
  reserve(): number {
    const now = this.clock.now();
    if (now < this.pausedUntil) return this.pausedUntil - now;
    if (this.perSecond === undefined) return 0;
    const capacity = Math.max(1, this.perSecond);
    this.tokens = Math.min(capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }

  /** A 429: nothing leaves for `ms` (at least the server's Retry-After). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }
}
