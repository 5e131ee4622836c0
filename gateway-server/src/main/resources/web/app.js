// The chat-gateway demo: one session through the browser device client (/client/chat-client.js,
// which reconnects, resumes and keeps unacked sends) plus Connect-protocol calls for rooms and
// history. No framework, no build step.
import { ChatClient, State } from './client/chat-client.js';

const state = {
  client: null,
  token: null,
  me: null,
  roomId: null,
  messages: new Map(), // sequence -> element
  typingTimers: new Map(), // profile -> timeout
  lastTypingSent: 0,
  typingStop: null,
  readBy: new Map(), // profile -> sequence
};

const $ = (id) => document.getElementById(id);

function showError(message) {
  $('error').textContent = message || '';
}

// Unary RPCs over the Connect protocol, with the client's token.
function rpc(method, request) {
  return state.client.rpc(method, request);
}

async function login(event) {
  event.preventDefault();
  showError('');
  const name = $('name').value.trim();
  const pasted = $('token').value.trim();
  if (pasted) {
    state.token = pasted;
  } else {
    const response = await fetch('/dev/token?sub=' + encodeURIComponent(name) + '&device=web');
    if (response.status === 404) {
      $('token-help').hidden = false;
      showError('No development tokens here: paste a token issued for this gateway.');
      return;
    }
    const body = await response.json();
    if (!response.ok) {
      showError(body.error || 'cannot get a token');
      return;
    }
    state.token = body.token;
  }
  connect();
}

function connect() {
  // Browsers cannot set headers on a WebSocket: the client sends the token in hello.
  state.client = new ChatClient({
    token: async () => state.token,
    userAgent: 'demo-page',
    listener: {
      onReady: (ready) => { state.me = ready.profileId; },
      onStateChanged: showState,
      onSubscribed: (result) => (result.present || []).forEach(showPresence),
      onUnsubscribed: (roomId, reason, error) => showError('you left the room: ' + ((error && error.message) || reason)),
      onRoomEvent: (roomEvent) => {
        showEvent(roomEvent);
        markRead(roomEvent);
      },
      onTyping: showTyping,
      onReadMarker: (marker) => {
        state.readBy.set(marker.profileId, Number(marker.upToSequence));
        renderReadMarkers();
      },
      onPresence: showPresence,
      onError: (error) => showError(error.message),
    },
  });
  state.client.connect();
}

function showState(change) {
  const status = $('status');
  if (change.state === State.CONNECTED) {
    status.textContent = 'connected as ' + state.me;
    status.classList.add('online');
    $('login-panel').hidden = true;
    $('room-panel').hidden = false;
  } else {
    status.classList.remove('online');
    status.textContent = change.state === State.WAITING
      ? 'reconnecting in ' + (change.retryInMs / 1000).toFixed(1) + ' s (' + change.cause.toLowerCase() + ')'
      : change.state.toLowerCase() + (change.message ? ': ' + change.message : '');
  }
}

async function enterRoom(roomId) {
  state.roomId = roomId;
  state.messages.clear();
  state.readBy.clear();
  $('messages').innerHTML = '';
  $('presence').innerHTML = '';
  $('current-room').textContent = roomId;
  $('chat-panel').hidden = false;
  state.client.subscribe(roomId).catch((error) => showError('cannot subscribe: ' + error.message));
  const history = await rpc('GetHistory', { roomId: roomId, pageSize: 50 });
  (history.events || []).slice().reverse().forEach(showEvent);
  showPresence({ profileId: state.me, status: 'PRESENCE_STATUS_ONLINE' });
}

async function createRoom(event) {
  event.preventDefault();
  showError('');
  try {
    const created = await rpc('CreateRoom', { name: $('room-name').value.trim(), visibility: 'ROOM_VISIBILITY_PUBLIC' });
    await enterRoom(created.room.id);
  } catch (error) {
    showError(error.message);
  }
}

async function joinRoom(event) {
  event.preventDefault();
  showError('');
  const roomId = $('room-id').value.trim();
  try {
    await rpc('AddRoomSubscriptions', { roomId: roomId, members: [{ profileId: state.me }] });
    await enterRoom(roomId);
  } catch (error) {
    showError(error.message);
  }
}

function showEvent(roomEvent) {
  if (roomEvent.roomId !== state.roomId) {
    return;
  }
  const sequence = Number(roomEvent.sequence);
  if (state.messages.has(sequence)) {
    return;
  }
  const item = document.createElement('li');
  item.dataset.sequence = String(sequence);
  const time = new Date(roomEvent.sentTime).toLocaleTimeString();
  const meta = document.createElement('span');
  meta.className = 'meta';
  meta.textContent = '#' + sequence + ' ' + time;
  item.appendChild(meta);
  if (roomEvent.type === 'EVENT_TYPE_SYSTEM') {
    const text = document.createElement('span');
    text.className = 'system';
    text.textContent = roomEvent.senderProfileId + ' ' + roomEvent.system.code.replace('_', ' ') + ': ' + (roomEvent.system.params.profile_ids || '');
    item.appendChild(text);
  } else {
    const sender = document.createElement('span');
    sender.className = 'sender';
    sender.textContent = roomEvent.senderProfileId;
    const text = document.createElement('span');
    text.className = 'text';
    text.textContent = roomEvent.text ? roomEvent.text.text : '[' + roomEvent.type + ']';
    item.append(sender, text);
  }
  // Keep sequence order even if history and live events interleave.
  const later = [...$('messages').children].find((li) => Number(li.dataset.sequence) > sequence);
  $('messages').insertBefore(item, later || null);
  state.messages.set(sequence, item);
  $('messages').scrollTop = $('messages').scrollHeight;
  clearTyping(roomEvent.senderProfileId);
  renderReadMarkers();
}

function markRead(roomEvent) {
  if (roomEvent.senderProfileId !== state.me && document.visibilityState === 'visible') {
    state.client.markRead(roomEvent.roomId, roomEvent.sequence);
  }
}

function renderReadMarkers() {
  document.querySelectorAll('#messages .read').forEach((node) => node.remove());
  for (const [profile, sequence] of state.readBy) {
    if (profile === state.me) {
      continue;
    }
    const item = state.messages.get(sequence);
    if (item) {
      const read = document.createElement('span');
      read.className = 'read';
      read.textContent = '\u2713 read by ' + profile;
      item.appendChild(read);
    }
  }
}

function showTyping(typing) {
  if (typing.roomId !== state.roomId) {
    return;
  }
  clearTyping(typing.profileId);
  if (typing.state === 'TYPING_STATE_STARTED') {
    const seconds = parseFloat(typing.expiresIn || '10s');
    state.typingTimers.set(typing.profileId, setTimeout(() => clearTyping(typing.profileId), seconds * 1000));
  }
  renderTyping();
}

function clearTyping(profile) {
  const timer = state.typingTimers.get(profile);
  if (timer) {
    clearTimeout(timer);
    state.typingTimers.delete(profile);
    renderTyping();
  }
}

function renderTyping() {
  const names = [...state.typingTimers.keys()];
  $('typing').textContent = names.length === 0 ? '' : names.join(', ') + (names.length === 1 ? ' is' : ' are') + ' typing\u2026';
}

function showPresence(presence) {
  const id = 'presence-' + presence.profileId;
  let item = document.getElementById(id);
  if (!item) {
    item = document.createElement('li');
    item.id = id;
    $('presence').appendChild(item);
  }
  const status = (presence.status || 'PRESENCE_STATUS_ONLINE').replace('PRESENCE_STATUS_', '').toLowerCase();
  item.className = status;
  item.textContent = presence.profileId + ' (' + status + (presence.statusText ? ': ' + presence.statusText : '') + ')';
}

function onComposerInput() {
  if (!state.roomId) {
    return;
  }
  const now = Date.now();
  if (now - state.lastTypingSent > 3000) {
    state.lastTypingSent = now;
    state.client.typing(state.roomId, true);
  }
  clearTimeout(state.typingStop);
  state.typingStop = setTimeout(stopTyping, 4000);
}

function stopTyping() {
  if (state.lastTypingSent !== 0 && state.roomId) {
    state.client.typing(state.roomId, false);
  }
  state.lastTypingSent = 0;
}

function sendMessage(event) {
  event.preventDefault();
  const text = $('message-input').value.trim();
  if (!text || !state.roomId) {
    return;
  }
  // Kept by the client until acked, across reconnects; stored once.
  state.client.sendText(state.roomId, text).catch((error) => showError('not sent: ' + error.message));
  $('message-input').value = '';
  clearTimeout(state.typingStop);
  stopTyping();
}

$('login').addEventListener('submit', login);
$('create').addEventListener('submit', createRoom);
$('join').addEventListener('submit', joinRoom);
$('composer').addEventListener('submit', sendMessage);
$('message-input').addEventListener('input', onComposerInput);
