// The browser device client's state machine under node's test runner, with fake timers and a
// scripted gateway: a fake WebSocket and a fake Connect endpoint for GetHistory. Run by
// BrowserClientScriptTest: node --test chat-client.test.mjs <path of chat-client.js>.
import { test, mock, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';

const modulePath = process.env.CHAT_CLIENT_JS;
const { ChatClient, State, Cause } = await import(pathToFileURL(modulePath).href);

/** A WebSocket the test plays the gateway on. */
class FakeSocket {
  static OPEN = 1;
  static all = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    this.readyState = 0;
    FakeSocket.all.push(this);
  }
  send(data) { this.sent.push(JSON.parse(data)); }
  close(code, reason) { this.closedBy = { code, reason }; this.readyState = 3; }
  open() { this.readyState = 1; this.onopen(); }
  push(event) { this.onmessage({ data: JSON.stringify(event) }); }
  serverClose(code, reason) { this.readyState = 3; this.onclose({ code, reason: reason || '' }); }
  frames(kind) { return this.sent.filter((frame) => frame[kind]); }
}

const history = new Map(); // room -> events
const historyReads = [];
let clock;
let states;
let received;

function event(roomId, sequence) {
  return { roomId, sequence: String(sequence), id: roomId + '-' + sequence };
}

/** Lets queued promise callbacks (the client's listener queue, fetches) run. */
async function settle() {
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function last() {
  return FakeSocket.all[FakeSocket.all.length - 1];
}

async function connected(options = {}) {
  const client = new ChatClient({
    token: async () => 'token-1',
    backoff: { baseMs: 500, capMs: 30000 },
    ...options,
    listener: {
      onStateChanged: (change) => states.push(change),
      onRoomEvent: (e) => received.push(Number(e.sequence)),
    },
  });
  client.connect();
  await settle();
  last().open();
  last().push({ ready: { resumeToken: 'resume-1', heartbeatInterval: '25s', resumedRoomIds: Object.keys(options.positions || {}) } });
  await settle();
  assert.equal(client.state, State.CONNECTED);
  return client;
}

beforeEach(() => {
  FakeSocket.all = [];
  history.clear();
  historyReads.length = 0;
  states = [];
  received = [];
  globalThis.WebSocket = FakeSocket;
  globalThis.location = { protocol: 'http:', host: 'gateway', origin: 'http://gateway' };
  globalThis.fetch = async (url, init) => {
    const request = JSON.parse(init.body);
    historyReads.push(request);
    const after = (history.get(request.roomId) || []).filter((e) => Number(e.sequence) > Number(request.afterSequence));
    const page = after.slice(0, request.pageSize);
    return { ok: true, json: async () => ({ events: page, hasMore: after.length > page.length }) };
  };
  clock = mock.timers;
  clock.enable({ apis: ['setTimeout', 'Date'] });
});

afterEach(() => clock.reset());

test('what the gateway could not recover is read from history before held live events, each once, in order', async () => {
  history.set('r1', Array.from({ length: 12 }, (_, i) => event('r1', i + 1)));
  await connected({ positions: { r1: 2 } });
  assert.deepEqual(FakeSocket.all[0].sent[0].hello.positions, { r1: 2 });
  last().push({ subscribed: { results: [{ roomId: 'r1', ok: true, recovered: false, position: '2', lastSequence: '10' }] } });
  last().push({ roomEvent: event('r1', 11) });
  await settle();
  assert.equal(historyReads[0].afterSequence, '2');
  assert.deepEqual(received, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  last().push({ roomEvent: event('r1', 12) });
  last().push({ batch: { events: [{ roomEvent: event('r1', 12) }, { roomEvent: event('r1', 13) }] } });
  await settle();
  assert.deepEqual(received, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], 'duplicates dropped, batches unpacked');
});

test('a fill beyond maxRecoveryEvents reports the oldest as a gap', async () => {
  history.set('r1', Array.from({ length: 10 }, (_, i) => event('r1', i + 1)));
  const gaps = [];
  const client = new ChatClient({
    token: async () => 't', positions: { r1: 2 }, maxRecoveryEvents: 5,
    listener: { onRoomEvent: (e) => received.push(Number(e.sequence)), onGap: (room, from, to) => gaps.push([room, from, to]) },
  });
  client.connect();
  await settle();
  last().open();
  last().push({ ready: { resumeToken: 'r', resumedRoomIds: ['r1'] } });
  last().push({ subscribed: { results: [{ roomId: 'r1', ok: true, recovered: false, position: '2', lastSequence: '10' }] } });
  await settle();
  assert.deepEqual(gaps, [['r1', 3, 5]]);
  assert.deepEqual(received, [6, 7, 8, 9, 10]);
});

test('unacked sends are written again with the same ids after a reconnect and resolve once', async () => {
  const client = await connected();
  const first = client.sendText('r1', 'one');
  const second = client.send({ roomId: 'r1', clientEventId: 'c2', text: { text: 'two' } });
  const ids = last().frames('send').map((f) => f.send.events[0].clientEventId);
  assert.equal(ids[1], 'c2');
  last().push({ ack: { roomId: 'r1', clientEventId: ids[0], sequence: '1' } });
  last().serverClose(1006);
  await settle();
  const waiting = states[states.length - 1];
  assert.equal(waiting.state, State.WAITING);
  assert.equal(waiting.cause, Cause.CONNECTION_LOST);
  assert.ok(waiting.retryInMs < 500, 'within the first backoff window');
  clock.tick(500);
  await settle();
  assert.equal(FakeSocket.all.length, 2);
  last().open();
  assert.equal(last().sent[0].hello.resumeToken, 'resume-1');
  last().push({ ready: { resumeToken: 'resume-2' } });
  await settle();
  assert.deepEqual(last().frames('send').map((f) => f.send.events[0].clientEventId), ['c2'], 'only the unacked one, same id');
  last().push({ ack: { roomId: 'r1', clientEventId: 'c2', sequence: '2' } });
  await settle();
  assert.equal((await first).sequence, '1');
  assert.equal((await second).sequence, '2');
});

test('a draining gateway\'s delay is honoured instead of the backoff', async () => {
  await connected();
  last().push({ reconnect: { reason: 'RECONNECT_REASON_DRAIN', delay: '3s' } });
  await settle();
  clock.tick(1000);
  last().serverClose(1001, 'gateway is shutting down');
  await settle();
  const waiting = states[states.length - 1];
  assert.equal(waiting.cause, Cause.DRAIN);
  assert.equal(waiting.retryInMs, 2000);
  clock.tick(1999);
  await settle();
  assert.equal(FakeSocket.all.length, 1);
  clock.tick(1);
  await settle();
  assert.equal(FakeSocket.all.length, 2);
});

test('a replaced device stops for good and its unacked sends fail', async () => {
  const client = await connected();
  const pending = assert.rejects(client.sendText('r1', 'late'), (e) => e.kind === 'FAILED');
  last().push({ reconnect: { reason: 'RECONNECT_REASON_REPLACED', delay: '0s' } });
  last().push({ error: { code: 'ERROR_CODE_REPLACED', message: 'replaced', fatal: true } });
  await settle();
  last().serverClose(1008, 'replaced');
  await settle();
  await pending;
  clock.tick(600000);
  await settle();
  assert.equal(client.state, State.FAILED);
  assert.equal(states[states.length - 1].cause, Cause.REPLACED);
  assert.equal(FakeSocket.all.length, 1, 'no reconnect loop');
});

test('a token the gateway refused, offered again by the token function, stops the client', async () => {
  const client = await connected();
  last().push({ error: { code: 'ERROR_CODE_UNAUTHENTICATED', message: 'token expired', fatal: true } });
  await settle();
  last().serverClose(1008, 'token expired');
  await settle();
  clock.tick(30000);
  await settle();
  assert.equal(client.state, State.FAILED);
  assert.equal(states[states.length - 1].cause, Cause.UNAUTHENTICATED);
  assert.equal(FakeSocket.all.length, 1, 'the refused token is never presented again');
});

test('pings at the heartbeat interval; silence gives the connection up', async () => {
  await connected();
  clock.tick(25000);
  await settle();
  assert.equal(last().frames('ping').length, 1);
  last().push({ pong: {} });
  await settle();
  clock.tick(25000);
  clock.tick(50000);
  await settle();
  assert.equal(FakeSocket.all[0].closedBy.code, 4000);
  assert.ok(states.some((s) => s.state === State.WAITING && s.cause === Cause.HEARTBEAT_TIMEOUT));
});
