// The browser device client through a gateway drain and restart, in headless Chromium.
// Usage: node client-through-restart.mjs <base-url> <room>; prints SUBSCRIBED, then waits for a
// line "LAST <n>" on stdin and checks that the client's listener got sequences 1..n exactly once,
// in order, and that it came back by itself after the gateway asked it to.
import { chromium } from 'playwright-core';
import readline from 'node:readline';

const [base, room] = process.argv.slice(2);
const lines = readline.createInterface({ input: process.stdin });
const lastSequence = new Promise((resolve) => lines.on('line', (line) => {
  if (line.startsWith('LAST ')) {
    resolve(Number(line.slice(5)));
  }
}));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let exitCode = 1;
try {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (error) => console.error('page error: ' + error.message));
  await page.goto(base);
  await page.evaluate(async (room) => {
    const { ChatClient } = await import('/client/chat-client.js');
    const token = (await (await fetch('/dev/token?sub=bob&device=web')).json()).token;
    window.received = [];
    window.states = [];
    window.client = new ChatClient({
      token: async () => token,
      backoff: { baseMs: 200, capMs: 2000 },
      listener: {
        onRoomEvent: (event) => window.received.push(Number(event.sequence)),
        onStateChanged: (change) => window.states.push(change.state + ':' + change.cause),
      },
    });
    window.client.connect();
    await window.client.subscribe(room);
  }, room);
  console.log('SUBSCRIBED');
  const last = await lastSequence;
  await page.waitForFunction((last) => window.received.length > 0 && window.received[window.received.length - 1] >= last, last, { timeout: 60000 });
  const received = await page.evaluate(() => window.received);
  const states = await page.evaluate(() => window.states);
  const expected = Array.from({ length: last }, (_, i) => i + 1);
  if (JSON.stringify(received) !== JSON.stringify(expected)) {
    console.error('received ' + JSON.stringify(received) + ', expected 1..' + last);
  } else if (!states.includes('WAITING:DRAIN') || states.filter((s) => s === 'CONNECTED:READY').length < 2) {
    console.error('the client did not come back after the drain: ' + states.join(', '));
  } else {
    console.log('BROWSER CLIENT OK received 1..' + last + ' once each; states ' + states.join(', '));
    exitCode = 0;
  }
} finally {
  await browser.close();
  lines.close();
}
process.exit(exitCode);
