// chat-gateway's browser device client: one resumable session over the gateway's WebSocket bridge.
// An ES module with no dependencies and no build step, served by every gateway at
// /client/chat-client.js. The same semantics as the Java library (chat-device-client):
//  - reconnects with full-jitter exponential backoff, or after the delay a draining gateway asks for;
//    stops for good when replaced by a newer connection of the device or when the gateway refuses
//    every token the token function has;
//  - resumes with the last resume token and its own position in every room; delivers each room's
//    events once and in sequence order; reads what the gateway could not recover (recovered=false)
//    with GetHistory, up to maxRecoveryEvents, and reports older ones with onGap;
//  - keeps every send in an outbox until acked, writing it again with the same clientEventId after a
//    reconnect, so each is stored once;
//  - pings at the gateway's heartbeat interval, refreshes the token before it expires, unpacks
//    batches, and handles events one at a time: a listener that returns a promise is awaited, with
//    at most maxBufferedMessages waiting; beyond that the client drops the connection and resumes
//    from its positions once the listener has caught up (nothing is lost).
//
//   import { ChatClient } from '/client/chat-client.js';
//   const client = new ChatClient({ token: async () => fetchToken(), listener: { onRoomEvent: show } });
//   client.connect();
//   await client.subscribe('general');
//   const ack = await client.sendText('general', 'hello');

/** States, as in the Java library's ConnectionState. */
export const State = Object.freeze({
  IDLE: 'IDLE', CONNECTING: 'CONNECTING', CONNECTED: 'CONNECTED', WAITING: 'WAITING', CLOSED: 'CLOSED', FAILED: 'FAILED',
});

/** Why a state was entered, as in the Java library's StateChange.Cause. */
export const Cause = Object.freeze({
  STARTED: 'STARTED', READY: 'READY', CLOSED_BY_CLIENT: 'CLOSED_BY_CLIENT', DRAIN: 'DRAIN', REPLACED: 'REPLACED',
  UNAUTHENTICATED: 'UNAUTHENTICATED', REFUSED: 'REFUSED', TOKEN_UNAVAILABLE: 'TOKEN_UNAVAILABLE',
  HELLO_TIMEOUT: 'HELLO_TIMEOUT', HEARTBEAT_TIMEOUT: 'HEARTBEAT_TIMEOUT', SERVER_ERROR: 'SERVER_ERROR',
  CONNECTION_LOST: 'CONNECTION_LOST', SLOW_LISTENER: 'SLOW_LISTENER',
});

/** Why a send or subscription failed: kind is OUTBOX_FULL, REJECTED, CLOSED or FAILED; error is the gateway's ErrorEvent. */
export class ChatClientError extends Error {
  constructor(kind, message, error) {
    super(message);
    this.name = 'ChatClientError';
    this.kind = kind;
    this.error = error;
  }
}

const UNKNOWN = -1;
const HISTORY_PAGE = 200;
const MAX_FILL_STALLS = 5;
const MAX_AUTH_FAILURES = 3;
const CAPABILITIES = ['batch', 'typing', 'receipts', 'presence'];

/** Parses a protobuf JSON Duration ("25s", "0.500s") into milliseconds. */
function durationMs(value, fallback) {
  if (typeof value !== 'string' || !value.endsWith('s')) {
    return fallback;
  }
  const seconds = parseFloat(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : fallback;
}

/** The exp claim of a JWT in milliseconds, read without verifying; null when it has none. */
function tokenExpiryMs(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const exp = JSON.parse(atob(payload)).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch (e) {
    return null;
  }
}

/** One subscribed room: its position and the rule that delivers each sequence once, in order (RoomFeed in Java). */
class RoomFeed {
  constructor(roomId, position, maxHeld) {
    this.roomId = roomId;
    this.position = position;
    this.maxHeld = maxHeld;
    this.held = new Map(); // sequence -> event, while a fill reads
    this.waiting = [];     // subscribe() promises: {resolve, reject}
    this.confirmed = false;
    this.filling = false;
    this.fillTarget = 0;
    this.fillGeneration = 0;
    this.stalls = 0;
  }

  subscribed(result) {
    this.confirmed = true;
    const last = Number(result.lastSequence || 0);
    if (this.position === UNKNOWN) {
      this.position = last;
      return false;
    }
    return !result.recovered && last > this.position ? this.fillTo(last) : false;
  }

  live(event, out) {
    const sequence = Number(event.sequence);
    if (this.position === UNKNOWN) {
      this.position = sequence;
      out.push(event);
      return false;
    }
    if (sequence <= this.position) {
      return false;
    }
    if (this.filling) {
      this.hold(event, sequence);
      return false;
    }
    if (sequence === this.position + 1) {
      this.position = sequence;
      out.push(event);
      return false;
    }
    this.hold(event, sequence);
    return this.fillTo(sequence - 1);
  }

  filled(events, hasMore, out, gaps) {
    const before = this.position;
    for (const event of events) {
      const sequence = Number(event.sequence);
      if (sequence <= this.position) {
        continue;
      }
      if (sequence > this.position + 1) {
        gaps.push([this.position + 1, sequence - 1]);
      }
      this.position = sequence;
      out.push(event);
    }
    this.releaseHeld(out);
    if (this.held.size === 0 && this.position >= this.fillTarget) {
      this.filling = false;
      this.stalls = 0;
      return 'DONE';
    }
    if (hasMore && this.position > before) {
      this.stalls = 0;
      return 'MORE';
    }
    this.stalls += 1;
    return 'STALLED';
  }

  abandonFill(out) {
    const next = this.held.size === 0 ? this.fillTarget + 1 : Math.min(...this.held.keys());
    const skipped = next > this.position + 1 ? [this.position + 1, next - 1] : null;
    this.position = Math.max(this.position, next - 1);
    this.releaseHeld(out);
    this.filling = this.held.size > 0 || this.position < this.fillTarget;
    this.stalls = 0;
    return skipped;
  }

  disconnected() {
    this.confirmed = false;
    this.filling = false;
    this.held.clear();
    this.fillGeneration += 1;
    this.fillTarget = 0;
    this.stalls = 0;
  }

  fillTo(target) {
    this.fillTarget = Math.max(this.fillTarget, target);
    if (this.filling) {
      return false;
    }
    this.filling = true;
    this.fillGeneration += 1;
    return true;
  }

  hold(event, sequence) {
    if (this.held.size < this.maxHeld) {
      this.held.set(sequence, event);
    } else {
      this.fillTarget = Math.max(this.fillTarget, sequence); // read from history instead
    }
  }

  releaseHeld(out) {
    for (const sequence of [...this.held.keys()].sort((a, b) => a - b)) {
      if (sequence <= this.position) {
        this.held.delete(sequence);
      } else if (sequence === this.position + 1) {
        this.position = sequence;
        out.push(this.held.get(sequence));
        this.held.delete(sequence);
      } else {
        break;
      }
    }
  }
}

/**
 * A device's session with chat-gateway over WebSocket. Options:
 *   token: async () => string (required): asked before every connection and ahead of expiry
 *   url: the WebSocket URL (default: ws(s)://<this host>/ws); rpcBase: where Connect calls go (default: this origin)
 *   listener: { onReady(ready), onRoomEvent, onGap(roomId, from, to), onSubscribed, onUnsubscribed(roomId, reason, error),
 *               onTyping, onReceipt, onReadMarker, onPresence, onStateChanged({state, cause, message, retryInMs}), onError }
 *   backoff: { baseMs: 500, capMs: 30000 }, maxOutbox: 1000, maxBufferedMessages: 1000,
 *   maxRecoveryEvents: 10000, helloTimeoutMs: 30000, refreshLeadMs: 60000, userAgent,
 *   positions: { roomId: sequence } rooms to subscribe from the start, with stored positions
 */
export class ChatClient {
  constructor(options) {
    if (!options || typeof options.token !== 'function') {
      throw new TypeError('ChatClient needs options.token, an async function returning an access token');
    }
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.url = options.url || scheme + '//' + location.host + '/ws';
    this.rpcBase = options.rpcBase || location.origin;
    this.tokens = options.token;
    this.listener = options.listener || {};
    this.baseMs = (options.backoff && options.backoff.baseMs) || 500;
    this.capMs = (options.backoff && options.backoff.capMs) || 30000;
    this.maxOutbox = options.maxOutbox || 1000;
    this.maxBuffered = options.maxBufferedMessages || 1000;
    this.maxRecovery = options.maxRecoveryEvents || 10000;
    this.helloTimeoutMs = options.helloTimeoutMs || 30000; // long: a slow gateway only gets slower if clients give up on it
    this.refreshLeadMs = options.refreshLeadMs || 60000;
    this.retryDelayMs = options.retryDelayMs || 1000;
    this.userAgent = options.userAgent || 'chat-client-js';
    this.state = State.IDLE;
    this.rooms = new Map();
    this.outbox = new Map(); // roomId\nclientEventId -> {event, resolve, reject, promise, frameId, retries}
    this.unsentReadMarkers = new Map();
    this.unsentReceipts = new Map();
    this.presence = null;
    this.socket = null;
    this.generation = 0;
    this.frames = 0;
    this.attempts = 0;
    this.token = null;
    this.refusedToken = null;
    this.authFailures = 0;
    this.resumeToken = '';
    this.fatal = null;
    this.replacedHint = false;
    this.drainAt = -1;
    this.lateHelloUntil = -1; // until when a REPLACED may be the late hello of a connection given up on
    this.heartbeatMs = 25000;
    this.lastInbound = 0;
    this.timers = {};
    this.queue = [];        // stream messages waiting for the listener
    this.draining = false;  // the queue is being worked through
    for (const [roomId, position] of Object.entries(options.positions || {})) {
      this.rooms.set(roomId, new RoomFeed(roomId, Number(position), Math.max(this.maxBuffered * 4, 1024)));
    }
  }

  /** Starts connecting; the client stays connected until close(). */
  connect() {
    if (this.state === State.IDLE) {
      this.attempt(Cause.STARTED, '');
    }
  }

  /** { roomId: sequence of the newest event handed to the listener }. */
  positions() {
    const positions = {};
    for (const feed of this.rooms.values()) {
      if (feed.position !== UNKNOWN) {
        positions[feed.roomId] = feed.position;
      }
    }
    return positions;
  }

  /** Subscribes now and after every reconnect; resolves with the gateway's first result, rejects if it refuses. */
  subscribe(roomId) {
    if (this.terminal()) {
      return Promise.reject(new ChatClientError(this.state, 'the client is ' + this.state));
    }
    return new Promise((resolve, reject) => {
      let feed = this.rooms.get(roomId);
      if (feed && feed.confirmed) {
        resolve({ roomId, ok: true, recovered: true });
        return;
      }
      if (!feed) {
        feed = new RoomFeed(roomId, UNKNOWN, Math.max(this.maxBuffered * 4, 1024));
        this.rooms.set(roomId, feed);
        if (this.state === State.CONNECTED) {
          this.subscribeFrame([feed]);
        }
      }
      feed.waiting.push({ resolve, reject });
    });
  }

  unsubscribe(roomId) {
    const feed = this.rooms.get(roomId);
    if (!feed) {
      return;
    }
    this.rooms.delete(roomId);
    feed.disconnected();
    feed.waiting.forEach((w) => w.reject(new ChatClientError('CLOSED', 'unsubscribed before the gateway answered')));
    if (this.state === State.CONNECTED) {
      this.write({ frameId: this.nextFrameId('unsub'), unsubscribe: { roomIds: [roomId] } });
    }
  }

  /** Sends an event (event.roomId required); resolves with the ack once stored, however many reconnects that takes. */
  send(event) {
    if (!event || !event.roomId) {
      return Promise.reject(new ChatClientError('INVALID', 'event.roomId is required'));
    }
    if (this.terminal()) {
      return Promise.reject(new ChatClientError(this.state, 'the client is ' + this.state));
    }
    const ready = event.clientEventId ? event : { ...event, clientEventId: crypto.randomUUID() };
    const key = ready.roomId + '\n' + ready.clientEventId;
    const existing = this.outbox.get(key);
    if (existing) {
      return existing.promise;
    }
    if (this.outbox.size >= this.maxOutbox) {
      return Promise.reject(new ChatClientError('OUTBOX_FULL', 'the outbox holds ' + this.maxOutbox + ' unacked sends; wait for acks'));
    }
    const entry = { event: ready, frameId: '', retries: 0 };
    entry.promise = new Promise((resolve, reject) => {
      entry.resolve = resolve;
      entry.reject = reject;
    });
    this.outbox.set(key, entry);
    if (this.state === State.CONNECTED) {
      this.writeSend(entry);
    }
    return entry.promise;
  }

  sendText(roomId, text) {
    return this.send({ roomId, type: 'EVENT_TYPE_MESSAGE', text: { text } });
  }

  /** Typing is momentary: dropped while disconnected. */
  typing(roomId, started) {
    const feed = this.rooms.get(roomId);
    if (this.state === State.CONNECTED && feed && feed.confirmed) {
      this.write({ typing: { roomId, state: started ? 'TYPING_STATE_STARTED' : 'TYPING_STATE_STOPPED' } });
    }
  }

  markRead(roomId, upToSequence) {
    this.unsentReadMarkers.set(roomId, Math.max(Number(upToSequence), this.unsentReadMarkers.get(roomId) || 0));
    this.flushMarkers();
  }

  markDelivered(roomId, upToSequence) {
    this.unsentReceipts.set(roomId, Math.max(Number(upToSequence), this.unsentReceipts.get(roomId) || 0));
    this.flushMarkers();
  }

  /** status: 'PRESENCE_STATUS_ONLINE' | '..._AWAY' | '..._BUSY'; sent again after every reconnect. */
  setPresence(status, statusText) {
    this.presence = { status, statusText: statusText || '' };
    if (this.state === State.CONNECTED) {
      this.write({ presence: this.presence });
    }
  }

  /** A unary RPC over the Connect protocol (JSON), authenticated with a token from the token function. */
  async rpc(method, request) {
    const token = await this.tokens();
    const response = await fetch(this.rpcBase + '/chat.v1.ChatService/' + method, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
      body: JSON.stringify(request || {}),
    });
    const body = await response.json();
    if (!response.ok) {
      const error = new Error(method + ': ' + (body.message || response.status));
      error.code = body.code;
      throw error;
    }
    return body;
  }

  close() {
    if (this.terminal()) {
      return;
    }
    const socket = this.socket;
    this.stop(State.CLOSED, Cause.CLOSED_BY_CLIENT, 'closed by the application', 'CLOSED');
    if (socket) {
      socket.close(1000, 'closed by the application');
    }
  }

  // ---- connecting

  terminal() {
    return this.state === State.CLOSED || this.state === State.FAILED;
  }

  async attempt(cause, message) {
    const attempt = ++this.generation;
    this.setState(State.CONNECTING, cause, message, 0);
    let token;
    try {
      token = await this.tokens();
    } catch (e) {
      token = null;
    }
    if (attempt !== this.generation || this.state !== State.CONNECTING) {
      return;
    }
    if (!token) {
      this.retryLater(Cause.TOKEN_UNAVAILABLE, 'the token function failed', this.backoff());
      return;
    }
    if (token === this.refusedToken) {
      this.fail(Cause.UNAUTHENTICATED, 'the gateway refused the token and the token function has no other');
      return;
    }
    this.token = token;
    this.fatal = null;
    this.replacedHint = false;
    this.drainAt = -1;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      if (attempt !== this.generation) {
        return;
      }
      const positions = this.positions();
      this.write({
        frameId: this.nextFrameId('hello'),
        hello: { resumeToken: this.resumeToken, accessToken: token, capabilities: CAPABILITIES, userAgent: this.userAgent, clientTime: new Date().toISOString(), positions },
      });
    };
    socket.onmessage = (message) => {
      if (attempt === this.generation) {
        this.lastInbound = Date.now();
        this.enqueue(attempt, JSON.parse(message.data));
      }
    };
    socket.onclose = (close) => {
      if (attempt === this.generation && this.socket === socket) {
        this.closed(close.code, close.reason);
      }
    };
    this.lastInbound = Date.now();
    this.timers.hello = setTimeout(() => {
      if (attempt === this.generation && this.state === State.CONNECTING) {
        this.abandon(Cause.HELLO_TIMEOUT, 'no ready within ' + this.helloTimeoutMs + ' ms');
      }
    }, this.helloTimeoutMs);
  }

  backoff() {
    const window = Math.min(this.capMs, this.baseMs * Math.pow(2, Math.min(this.attempts, 30)));
    this.attempts += 1;
    return Math.random() * window; // full jitter
  }

  // ---- receiving: one message at a time, at the listener's pace

  enqueue(attempt, event) {
    if (this.queue.length >= this.maxBuffered && this.state === State.CONNECTED) {
      // The listener is behind by more than the buffer: let the connection go and resume from the
      // positions when it has caught up, instead of holding an unbounded backlog.
      this.abandon(Cause.SLOW_LISTENER, 'the listener is ' + this.queue.length + ' messages behind');
      return;
    }
    this.queue.push({ attempt, event });
    if (!this.draining) {
      this.drainQueue();
    }
  }

  async drainQueue() {
    this.draining = true;
    while (this.queue.length > 0) {
      const item = this.queue.shift();
      const calls = [];
      if (item.fill) {
        this.filledPage(item.fill, calls);
      } else if (item.attempt === this.generation) {
        this.dispatch(item.event, calls);
      }
      await this.invoke(calls);
    }
    this.draining = false;
  }

  async invoke(calls) {
    for (const call of calls) {
      try {
        const result = call();
        if (result && typeof result.then === 'function') {
          await result;
        }
      } catch (e) {
        console.error('a chat client listener callback threw; the next one still runs', e);
      }
    }
  }

  call(name, ...args) {
    const listener = this.listener;
    return () => (typeof listener[name] === 'function' ? listener[name](...args) : undefined);
  }

  dispatch(event, calls) {
    if (event.ready) {
      this.ready(event.ready);
    } else if (event.roomEvent) {
      this.live(event.roomEvent, calls);
    } else if (event.ack) {
      const entry = this.outbox.get(event.ack.roomId + '\n' + event.ack.clientEventId);
      if (entry) {
        this.outbox.delete(event.ack.roomId + '\n' + event.ack.clientEventId);
        calls.push(() => entry.resolve(event.ack));
      }
    } else if (event.subscribed) {
      (event.subscribed.results || []).forEach((result) => this.subscribed(result, calls));
    } else if (event.unsubscribed) {
      if (event.unsubscribed.reason !== 'UNSUBSCRIBE_REASON_REQUESTED') {
        (event.unsubscribed.results || []).forEach((r) => this.ended(r.roomId, event.unsubscribed.reason, r.error, calls));
      }
    } else if (event.error) {
      this.error(event.frameId || '', event.error, calls);
    } else if (event.reconnect) {
      this.replacedHint = this.replacedHint || event.reconnect.reason === 'RECONNECT_REASON_REPLACED';
      this.drainAt = Date.now() + durationMs(event.reconnect.delay, 0);
    } else if (event.typing) {
      calls.push(this.call('onTyping', event.typing));
    } else if (event.receipt) {
      calls.push(this.call('onReceipt', event.receipt));
    } else if (event.readMarker) {
      calls.push(this.call('onReadMarker', event.readMarker));
    } else if (event.presence) {
      calls.push(this.call('onPresence', event.presence));
    } else if (event.batch) {
      (event.batch.events || []).forEach((inner) => this.dispatch(inner, calls));
    }
  }

  ready(ready) {
    clearTimeout(this.timers.hello);
    this.attempts = 0;
    this.refusedToken = null;
    this.authFailures = 0;
    this.resumeToken = ready.resumeToken || '';
    this.invoke([this.call('onReady', ready)]);
    this.setState(State.CONNECTED, Cause.READY, 'session ' + ready.sessionId + ' on gateway ' + ready.gatewayId, 0);
    this.heartbeatMs = durationMs(ready.heartbeatInterval, 25000);
    this.scheduleHeartbeat(this.generation);
    if (ready.tokenExpireTime) {
      this.scheduleRefresh(this.generation, Date.parse(ready.tokenExpireTime));
    }
    const resumed = new Set(ready.resumedRoomIds || []);
    const unwanted = [...resumed].filter((room) => !this.rooms.has(room));
    if (unwanted.length > 0) {
      this.write({ frameId: this.nextFrameId('unsub'), unsubscribe: { roomIds: unwanted } });
    }
    this.subscribeFrame([...this.rooms.values()].filter((feed) => !resumed.has(feed.roomId)));
    for (const entry of this.outbox.values()) {
      this.writeSend(entry);
    }
    this.flushMarkers();
    if (this.presence) {
      this.write({ presence: this.presence });
    }
  }

  live(event, calls) {
    const feed = this.rooms.get(event.roomId);
    if (!feed) {
      return;
    }
    const out = [];
    const fill = feed.live(event, out);
    out.forEach((e) => calls.push(this.call('onRoomEvent', e)));
    if (fill) {
      this.fill(feed, calls);
    }
  }

  subscribed(result, calls) {
    const feed = this.rooms.get(result.roomId);
    if (!feed) {
      return;
    }
    if (!result.ok) {
      if (result.error && result.error.code === 'ERROR_CODE_UNAVAILABLE') {
        const attempt = this.generation;
        setTimeout(() => {
          if (attempt === this.generation && this.state === State.CONNECTED && this.rooms.get(feed.roomId) === feed && !feed.confirmed) {
            this.subscribeFrame([feed]);
          }
        }, this.jittered(this.retryDelayMs));
      } else {
        this.ended(feed.roomId, 'UNSUBSCRIBE_REASON_UNSPECIFIED', result.error, calls);
      }
      return;
    }
    const fill = feed.subscribed(result);
    const waiting = feed.waiting.splice(0);
    calls.push(() => {
      waiting.forEach((w) => w.resolve(result));
      return this.call('onSubscribed', result)();
    });
    if (fill) {
      this.fill(feed, calls);
    }
  }

  ended(roomId, reason, error, calls) {
    const feed = this.rooms.get(roomId);
    if (!feed) {
      return;
    }
    this.rooms.delete(roomId);
    feed.disconnected();
    const waiting = feed.waiting.splice(0);
    const refused = new ChatClientError('REJECTED', 'subscription to ' + roomId + ' refused: ' + ((error && error.message) || reason), error);
    calls.push(() => {
      waiting.forEach((w) => w.reject(refused));
      return this.call('onUnsubscribed', roomId, reason, error)();
    });
  }

  error(frameId, error, calls) {
    if (error.fatal) {
      this.fatal = error; // the close follows and decides what happens next
      return;
    }
    const entry = frameId ? [...this.outbox.values()].find((e) => e.frameId === frameId) : null;
    if (entry) {
      if (error.code === 'ERROR_CODE_UNAVAILABLE' || error.code === 'ERROR_CODE_RATE_LIMITED') {
        this.resendLater(entry);
      } else {
        this.outbox.delete(entry.event.roomId + '\n' + entry.event.clientEventId);
        calls.push(() => entry.reject(new ChatClientError('REJECTED', error.code + ': ' + error.message, error)));
      }
      return;
    }
    calls.push(this.call('onError', error));
  }

  // ---- gap fill

  fill(feed, calls) {
    const backlog = feed.fillTarget - feed.position;
    if (backlog > this.maxRecovery) {
      const from = feed.position + 1;
      const skipTo = feed.position + backlog - this.maxRecovery;
      feed.position = skipTo;
      calls.push(this.call('onGap', feed.roomId, from, skipTo));
    }
    this.readPage(feed, feed.fillGeneration);
  }

  async readPage(feed, fillGeneration) {
    let page = null;
    try {
      page = await this.rpc('GetHistory', { roomId: feed.roomId, direction: 'HISTORY_DIRECTION_FORWARD', afterSequence: String(feed.position), pageSize: HISTORY_PAGE });
    } catch (e) {
      page = null; // read again shortly
    }
    // Into the queue with the stream's messages: the room's state changes in the order the listener sees.
    this.queue.push({ fill: { feed, fillGeneration, page } });
    if (!this.draining) {
      this.drainQueue();
    }
  }

  filledPage({ feed, fillGeneration, page }, calls) {
    if (this.rooms.get(feed.roomId) !== feed || feed.fillGeneration !== fillGeneration || !feed.filling || this.terminal()) {
      return; // unsubscribed, or the connection ended: the next hello states the position instead
    }
    const out = [];
    const gaps = [];
    let next = page ? feed.filled(page.events || [], !!page.hasMore, out, gaps) : 'STALLED';
    if (next === 'STALLED' && page && feed.stalls >= MAX_FILL_STALLS) {
      const skipped = feed.abandonFill(out);
      if (skipped) {
        gaps.push(skipped);
      }
      next = feed.filling ? 'MORE' : 'DONE';
    }
    gaps.forEach(([from, to]) => calls.push(this.call('onGap', feed.roomId, from, to)));
    out.forEach((e) => calls.push(this.call('onRoomEvent', e)));
    if (next === 'MORE') {
      this.readPage(feed, fillGeneration);
    } else if (next === 'STALLED') {
      setTimeout(() => {
        if (this.rooms.get(feed.roomId) === feed && feed.fillGeneration === fillGeneration && feed.filling) {
          this.readPage(feed, fillGeneration);
        }
      }, this.jittered(this.retryDelayMs));
    }
  }

  // ---- ending a connection

  closed(code, reason) {
    const why = this.fatal;
    this.endConnection();
    if (this.terminal()) {
      return;
    }
    const errorCode = why ? why.code : '';
    const message = why ? why.message : 'closed ' + code + (reason ? ': ' + reason : '');
    const replaced = this.replacedHint || errorCode === 'ERROR_CODE_REPLACED';
    if (replaced && Date.now() < this.lateHelloUntil) {
      // Most likely our own connection given up before, whose hello was answered after this one's. Once.
      this.lateHelloUntil = -1;
      this.retryLater(Cause.CONNECTION_LOST, 'replaced, probably by the late hello of a connection given up before: ' + message, this.backoff());
    } else if (replaced) {
      this.fail(Cause.REPLACED, message);
    } else if (errorCode === 'ERROR_CODE_UNAUTHENTICATED') {
      this.refusedToken = this.token;
      this.authFailures += 1;
      if (this.authFailures >= MAX_AUTH_FAILURES) {
        this.fail(Cause.UNAUTHENTICATED, this.authFailures + ' tokens in a row refused: ' + message);
      } else {
        this.retryLater(Cause.UNAUTHENTICATED, message, this.backoff());
      }
    } else if (errorCode === 'ERROR_CODE_PERMISSION_DENIED') {
      this.fail(Cause.REFUSED, message);
    } else if (this.drainAt >= 0) {
      this.retryLater(Cause.DRAIN, message, Math.max(0, this.drainAt - Date.now()));
    } else if (why) {
      this.retryLater(Cause.SERVER_ERROR, message, this.backoff());
    } else {
      this.retryLater(Cause.CONNECTION_LOST, message, this.backoff());
    }
  }

  abandon(cause, message) {
    if (cause === Cause.HELLO_TIMEOUT) {
      this.lateHelloUntil = Date.now() + 2 * this.helloTimeoutMs;
    }
    const socket = this.socket;
    this.endConnection();
    if (socket) {
      socket.close(4000, cause);
    }
    this.retryLater(cause, message, this.backoff());
  }

  endConnection() {
    this.generation += 1;
    this.socket = null;
    this.fatal = null;
    clearTimeout(this.timers.hello);
    clearTimeout(this.timers.heartbeat);
    clearTimeout(this.timers.refresh);
    this.rooms.forEach((feed) => feed.disconnected());
    this.outbox.forEach((entry) => { entry.frameId = ''; });
  }

  retryLater(cause, message, delayMs) {
    this.setState(State.WAITING, cause, message, delayMs);
    clearTimeout(this.timers.reconnect);
    this.timers.reconnect = setTimeout(() => {
      if (this.state !== State.WAITING) {
        return;
      }
      if (this.draining || this.queue.length > 0) {
        this.retryLater(cause, 'waiting for the listener to catch up', this.retryDelayMs); // positions must be final
        return;
      }
      this.attempt(cause, message);
    }, delayMs);
  }

  fail(cause, message) {
    this.stop(State.FAILED, cause, message, 'FAILED');
  }

  stop(end, cause, message, kind) {
    this.endConnection();
    clearTimeout(this.timers.reconnect);
    this.setState(end, cause, message, 0);
    const stopped = new ChatClientError(kind, 'the client is ' + end + ' (' + cause + '): ' + message);
    this.outbox.forEach((entry) => entry.reject(stopped));
    this.outbox.clear();
    this.rooms.forEach((feed) => feed.waiting.splice(0).forEach((w) => w.reject(stopped)));
  }

  // ---- timers while connected

  scheduleHeartbeat(attempt) {
    this.timers.heartbeat = setTimeout(() => {
      if (attempt !== this.generation || this.state !== State.CONNECTED) {
        return;
      }
      if (Date.now() - this.lastInbound > 2 * this.heartbeatMs) {
        this.abandon(Cause.HEARTBEAT_TIMEOUT, 'nothing from the gateway for ' + 2 * this.heartbeatMs + ' ms');
        return;
      }
      this.write({ ping: { clientTime: new Date().toISOString() } });
      this.scheduleHeartbeat(attempt);
    }, this.heartbeatMs);
  }

  scheduleRefresh(attempt, expiryMs) {
    const remaining = expiryMs - Date.now();
    if (!(remaining > 0)) {
      return;
    }
    const lead = Math.min(this.refreshLeadMs, remaining / 2);
    this.timers.refresh = setTimeout(async () => {
      if (attempt !== this.generation || this.state !== State.CONNECTED) {
        return;
      }
      let fresh = null;
      try {
        fresh = await this.tokens();
      } catch (e) {
        fresh = null;
      }
      if (attempt !== this.generation || this.state !== State.CONNECTED) {
        return;
      }
      if (!fresh || fresh === this.token) {
        this.scheduleRefresh(attempt, expiryMs); // nothing new yet: ask again in half the time left
        return;
      }
      this.token = fresh;
      this.write({ frameId: this.nextFrameId('refresh'), refreshToken: { accessToken: fresh } });
      const next = tokenExpiryMs(fresh);
      if (next) {
        this.scheduleRefresh(attempt, next);
      }
    }, remaining - lead);
  }

  // ---- writing

  subscribeFrame(feeds) {
    for (let from = 0; from < feeds.length; from += 200) {
      const chunk = feeds.slice(from, from + 200);
      const positions = {};
      chunk.forEach((feed) => {
        if (feed.position !== UNKNOWN) {
          positions[feed.roomId] = String(feed.position);
        }
      });
      this.write({ frameId: this.nextFrameId('sub'), subscribe: { roomIds: chunk.map((feed) => feed.roomId), positions } });
    }
  }

  writeSend(entry) {
    entry.frameId = this.nextFrameId('send');
    this.write({ frameId: entry.frameId, send: { events: [entry.event] } });
  }

  resendLater(entry) {
    const attempt = this.generation;
    entry.frameId = '';
    const delay = this.jittered(this.retryDelayMs * Math.pow(2, Math.min(entry.retries++, 5)));
    setTimeout(() => {
      const key = entry.event.roomId + '\n' + entry.event.clientEventId;
      if (attempt === this.generation && this.state === State.CONNECTED && entry.frameId === '' && this.outbox.get(key) === entry) {
        this.writeSend(entry);
      }
    }, delay);
  }

  flushMarkers() {
    if (this.state !== State.CONNECTED) {
      return;
    }
    this.unsentReadMarkers.forEach((sequence, roomId) => this.write({ readMarker: { roomId, upToSequence: String(sequence) } }));
    this.unsentReceipts.forEach((sequence, roomId) => this.write({ receipt: { roomId, upToSequence: String(sequence) } }));
    this.unsentReadMarkers.clear();
    this.unsentReceipts.clear();
  }

  write(frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(frame));
    }
  }

  nextFrameId(kind) {
    this.frames += 1;
    return kind + '-' + this.frames;
  }

  jittered(ms) {
    return ms / 2 + Math.random() * ms;
  }

  setState(state, cause, message, retryInMs) {
    this.state = state;
    this.invoke([this.call('onStateChanged', { state, cause, message, retryInMs })]);
  }
}
