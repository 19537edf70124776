import { describe, expect, it } from 'vitest';
import { isLoopbackUrl } from '../../src/core/loopback.js';

describe('isLoopbackUrl', () => {
  it.each([
    ['http://127.0.0.1:8788', true],
    ['http://127.200.3.4', true],
    ['http://localhost:1', true],
    ['http://LOCALHOST', true],
    ['http://api.localhost', true],
    ['http://[::1]:8788', true],
    ['http://0x7f000001', true], // URL parsing turns it into 127.0.0.1
    ['http://128.0.0.1', false],
    ['http://10.0.0.5', false],
    ['http://127.0.0.1.example.com', false],
    ['http://localhost.evil.example', false],
    ['http://[::2]', false],
    ['https://api.africastalking.com', false],
    ['not a url', false],
  ])('%s → %s', (url, loopback) => {
    expect(isLoopbackUrl(url)).toBe(loopback);
  });
});
