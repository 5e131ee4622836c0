// The chat-gateway demo: one WebSocket session (JSON frames) plus Connect-protocol calls for rooms
// and history. No framework, no build step.
'use strict';

const state = {
  socket: null,
  token: null,
  me: null,
  roomId: null,
  frames: 0,
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

function frameId() {
  state.frames += 1;
  return 'f' + state.frames;
}

function send(frame) {
  if (state.socket && state.socket.readyState === WebSocket.OPEN) {
    state.socket.send(JSON.stringify(frame));
  }
}

// Unary RPCs over the Connect protocol.
async function rpc(method, request) {
  const response = await fetch('/chat.v1.ChatService/' + method, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Authorization': 'Bearer ' + state.token },
    body: JSON.stringify(request),
  });
  const body = await response.json();
  if (!response.ok) {
    throw new Error(method + ': ' + (body.message || response.status));
  }
  return body;
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
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  // Browsers cannot set headers on a WebSocket: the token travels in the first frame, hello.
  const socket = new WebSocket(scheme + '//' + location.host + '/ws');
  state.socket = socket;
  socket.onopen = () => send({ frameId: frameId(), hello: { accessToken: state.token, userAgent: 'demo-page', capabilities: ['typing', 'receipts', 'presence'] } });
  socket.onmessage = (message) => onEvent(JSON.parse(message.data));
  socket.onclose = (close) => {
    $('status').textContent = 'disconnected (' + close.code + (close.reason ? ': ' + close.reason : '') + ')';
    $('status').classList.remove('online');
  };
  setInterval(() => send({ ping: {} }), 20000);
}

function onEvent(event) {
  if (event.ready) {
    state.me = event.ready.profileId;
    $('status').textContent = 'connected as ' + state.me;
    $('status').classList.add('online');
    $('login-panel').hidden = true;
    $('room-panel').hidden = false;
  } else if (event.subscribed) {
    const result = event.subscribed.results[0];
    if (!result.ok) {
      showError('cannot subscribe: ' + result.error.message);
    }
    (result.present || []).forEach(showPresence);
  } else if (event.roomEvent) {
    showEvent(event.roomEvent);
    markRead(event.roomEvent);
  } else if (event.typing) {
    showTyping(event.typing);
  } else if (event.readMarker) {
    state.readBy.set(event.readMarker.profileId, Number(event.readMarker.upToSequence));
    renderReadMarkers();
  } else if (event.presence) {
    showPresence(event.presence);
  } else if (event.unsubscribed && event.unsubscribed.reason !== 'UNSUBSCRIBE_REASON_REQUESTED') {
    showError('you left the room: ' + event.unsubscribed.reason);
  } else if (event.error) {
    showError(event.error.message);
  } else if (event.reconnect) {
    showError('the gateway asks to reconnect: ' + event.reconnect.message);
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
  send({ frameId: frameId(), subscribe: { roomIds: [roomId] } });
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
    send({ readMarker: { roomId: roomEvent.roomId, upToSequence: roomEvent.sequence } });
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
    send({ typing: { roomId: state.roomId, state: 'TYPING_STATE_STARTED' } });
  }
  clearTimeout(state.typingStop);
  state.typingStop = setTimeout(stopTyping, 4000);
}

function stopTyping() {
  if (state.lastTypingSent !== 0 && state.roomId) {
    send({ typing: { roomId: state.roomId, state: 'TYPING_STATE_STOPPED' } });
  }
  state.lastTypingSent = 0;
}

function sendMessage(event) {
  event.preventDefault();
  const text = $('message-input').value.trim();
  if (!text || !state.roomId) {
    return;
  }
  const clientEventId = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
  send({ frameId: frameId(), send: { events: [{ roomId: state.roomId, type: 'EVENT_TYPE_MESSAGE', clientEventId: clientEventId, text: { text: text } }] } });
  $('message-input').value = '';
  clearTimeout(state.typingStop);
  stopTyping();
}

$('login').addEventListener('submit', login);
$('create').addEventListener('submit', createRoom);
$('join').addEventListener('submit', joinRoom);
$('composer').addEventListener('submit', sendMessage);
$('message-input').addEventListener('input', onComposerInput);
