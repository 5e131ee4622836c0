// Two users chat on the demo page in headless Chromium (Debian's, not a downloaded one).
// Usage: node demo-two-users.mjs <base-url> <screenshot-dir>
import { chromium } from 'playwright-core';

const [base, screenshots] = process.argv.slice(2);
const timeout = 20000;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function login(name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on('pageerror', (error) => console.error(name + ' page error: ' + error.message));
  await page.goto(base);
  await page.fill('#name', name);
  await page.click('#login-button');
  await page.waitForSelector('#status.online');
  return page;
}

try {
  const alice = await login('alice');
  await alice.fill('#room-name', 'browser room');
  await alice.click('#create-button');
  await alice.waitForSelector('#chat-panel:not([hidden])');
  const roomId = (await alice.textContent('#current-room')).trim();

  const bob = await login('bob');
  await bob.fill('#room-id', roomId);
  await bob.click('#join-button');
  await bob.waitForSelector('#chat-panel:not([hidden])');
  await alice.waitForSelector('#presence-bob.online');
  await bob.waitForSelector('#presence-alice.online'); // who was already there

  // Typing: alice types without sending; bob sees the indicator.
  await alice.type('#message-input', 'hello bo', { delay: 20 });
  await bob.waitForFunction(() => document.getElementById('typing').textContent.includes('alice is typing'));

  await alice.type('#message-input', 'b');
  await alice.click('#send');
  await bob.waitForFunction(() =>
    [...document.querySelectorAll('#messages li')].some((li) =>
      li.querySelector('.sender')?.textContent === 'alice' && li.querySelector('.text')?.textContent === 'hello bob'
        && /#\d+ \d/.test(li.querySelector('.meta')?.textContent || '')));
  // The message replaced the typing indicator; bob's open page marked it read.
  await bob.waitForFunction(() => document.getElementById('typing').textContent === '');
  await alice.waitForFunction(() => (document.querySelector('#messages .read')?.textContent || '').includes('read by bob'));

  await bob.fill('#message-input', 'hi alice');
  await bob.click('#send');
  await alice.waitForFunction(() =>
    [...document.querySelectorAll('#messages li')].some((li) => li.querySelector('.text')?.textContent === 'hi alice'));

  if (screenshots) {
    await alice.screenshot({ path: screenshots + '/alice.png' });
    await bob.screenshot({ path: screenshots + '/bob.png' });
  }
  console.log('BROWSER E2E OK room=' + roomId);
} finally {
  await browser.close();
}
