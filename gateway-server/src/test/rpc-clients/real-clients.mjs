// Calls the gateway's HTTP port with connect-es's own transports: the Connect protocol (JSON and
// binary, connect-node), gRPC-Web (binary and JSON, connect-web over fetch, and binary through
// connect-node). Prints "PASS <transport> <check>" per check; any failed check exits non-zero.
//
// usage: node real-clients.mjs <descriptor-set.bin> <embedded-core base URL> <streaming-core base URL> <token>
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport as createNodeGrpcWebTransport } from "@connectrpc/connect-node";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

const [descriptorFile, embeddedUrl, streamingUrl, token] = process.argv.slice(2);
const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(descriptorFile)));
const ChatService = registry.getService("chat.v1.ChatService");
assert.ok(ChatService, "chat.v1.ChatService in the descriptor set");

const transports = {
  "connect-json": (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false }),
  "connect-proto": (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true }),
  "grpc-web-fetch-proto": (baseUrl) => createGrpcWebTransport({ baseUrl, useBinaryFormat: true }),
  "grpc-web-fetch-json": (baseUrl) => createGrpcWebTransport({ baseUrl, useBinaryFormat: false }),
  "grpc-web-node-proto": (baseUrl) => createNodeGrpcWebTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true }),
};
const auth = { headers: { Authorization: `Bearer ${token}` } };

async function collect(stream) {
  const ids = [];
  for await (const answer of stream) {
    ids.push(answer.room.id);
  }
  return ids;
}

async function expectError(promise, code, what) {
  try {
    await promise;
  } catch (e) {
    const error = ConnectError.from(e);
    assert.equal(Code[error.code], Code[code], `${what}: ${error.message}`);
    return error;
  }
  assert.fail(`${what}: no error`);
}

for (const [name, transport] of Object.entries(transports)) {
  const pass = (check) => console.log(`PASS ${name} ${check}`);
  const chat = createClient(ChatService, transport(embeddedUrl));
  const streaming = createClient(ChatService, transport(streamingUrl));
  const prefix = `rc-${name}`;

  // Unary calls.
  const created = [];
  for (const suffix of ["a", "b", "c"]) {
    const answer = await chat.createRoom({ roomId: `${prefix}-${suffix}`, name: `room ${suffix}` }, auth);
    created.push(answer.room.id);
  }
  assert.deepEqual(created, [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
  const room = await chat.getRoom({ roomId: `${prefix}-b` }, auth);
  assert.equal(room.room.name, "room b");
  pass("unary");

  await expectError(chat.getRoom({ roomId: `${prefix}-missing` }, auth), Code.NotFound, "GetRoom of a missing room");
  await expectError(chat.getRoom({ roomId: `${prefix}-a` }), Code.Unauthenticated, "no token");
  pass("unary-errors");

  // Server streaming: SearchRooms, every matching room in id order.
  assert.deepEqual(await collect(chat.searchRooms({ query: prefix, joinedOnly: true }, auth)), created);
  assert.deepEqual(await collect(chat.searchRooms({ query: prefix, joinedOnly: true, limit: 2 }, auth)), created.slice(0, 2));
  pass("stream");

  await expectError(collect(chat.searchRooms({ query: prefix, limit: 5000 }, auth)), Code.InvalidArgument, "limit beyond 1,000");
  pass("stream-refused");

  // The core fails after two answers: both arrive, then the failure.
  const before = [];
  const failure = await expectError(
    (async () => {
      for await (const answer of streaming.searchRooms({ query: "fail" }, auth)) {
        before.push(answer.room.id);
      }
    })(),
    Code.ResourceExhausted,
    "a failure mid-stream",
  );
  assert.deepEqual(before, ["room-0", "room-1"]);
  assert.match(failure.rawMessage, /the core gave up/);
  pass("error-mid-stream");

  // A deadline ends an endless stream.
  await expectError(collect(streaming.searchRooms({ query: "endless-deadline" }, { ...auth, timeoutMs: 300 })), Code.DeadlineExceeded, "a deadline");
  pass("deadline");

  // Cancelled by the client after the first answer: the test checks that the core saw it.
  const abort = new AbortController();
  let received = 0;
  const cancelled = await expectError(
    (async () => {
      for await (const answer of streaming.searchRooms({ query: `endless-cancel-${name}` }, { ...auth, signal: abort.signal })) {
        received++;
        abort.abort();
      }
    })(),
    Code.Canceled,
    "cancelled by the client",
  );
  assert.ok(received >= 1, "an answer before the cancel");
  pass("cancel");
}
console.log("DONE");
