// The baseline for the bulk benchmark: the least a program can do to send a file's rows to the
// emulator — plain fetch, the same concurrency, no validation, no ledger, no retries.
// Usage: node bench/reference-client.mjs <file.csv> <concurrency> <base-url>

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [file, concurrencyText, baseUrl] = process.argv.slice(2);
const rows = readFileSync(file, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(','));
let next = 0;
let failures = 0;
async function worker() {
  while (next < rows.length) {
    const [phone, amount] = rows[next++];
    const body = new URLSearchParams({ username: 'bench', recipients: JSON.stringify([{ phoneNumber: phone, amount: `KES ${amount}` }]) });
    const response = await fetch(`${baseUrl}/version1/airtime/send`, {
      method: 'POST',
      headers: {
        apiKey: 'bench',
        Accept: 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded',
        'Idempotency-Key': randomUUID(),
      },
      body,
    });
    if (response.status !== 201) failures += 1;
    await response.text();
  }
}
await Promise.all(Array.from({ length: Number(concurrencyText) }, worker));
if (failures > 0) {
  console.error(`${failures} requests failed`);
  process.exitCode = 1;
}
