// Calls the gateway's HTTP port with Google's grpc-web client (the one protoc-gen-grpc-web code
// uses), in its default text mode (application/grpc-web-text, base64 bodies) and in binary mode,
// over XMLHttpRequest (xhr2 in node). xhr2 hands a response over only when it ends, so cancelling a
// stream cannot be tried with it: connect-es does that in real-clients.mjs. Prints "PASS <transport> <check>" per check; any failed check
// exits non-zero.
//
// usage: node grpc-web-clients.mjs <descriptor-set.bin> <embedded-core base URL> <streaming-core base URL> <token>
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import XMLHttpRequest from "xhr2";
import grpcWeb from "grpc-web";
import { create, createFileRegistry, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

globalThis.XMLHttpRequest = XMLHttpRequest;
const { GrpcWebClientBase, MethodDescriptor, MethodType, StatusCode } = grpcWeb;

const [descriptorFile, embeddedUrl, streamingUrl, token] = process.argv.slice(2);
const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(descriptorFile)));
const service = registry.getService("chat.v1.ChatService");

function descriptor(methodName, type) {
  const method = service.methods.find((m) => m.name === methodName);
  return new MethodDescriptor(
    `/${service.typeName}/${methodName}`,
    type,
    Object,
    Object,
    (request) => toBinary(method.input, create(method.input, request)),
    (bytes) => fromBinary(method.output, bytes),
  );
}
const GetRoom = descriptor("GetRoom", MethodType.UNARY);
const CreateRoom = descriptor("CreateRoom", MethodType.UNARY);
const SearchRooms = descriptor("SearchRooms", MethodType.SERVER_STREAMING);
const metadata = { Authorization: `Bearer ${token}` };

/** Every answer of a server stream, then its end: {answers, error}. */
function stream(client, baseUrl, request, onData) {
  return new Promise((resolve) => {
    const answers = [];
    const call = client.serverStreaming(`${baseUrl}/chat.v1.ChatService/SearchRooms`, request, metadata, SearchRooms);
    call.on("data", (answer) => {
      answers.push(answer.room.id);
      if (onData) onData(call, answers);
    });
    call.on("error", (error) => resolve({ answers, error }));
    call.on("end", () => resolve({ answers, error: null }));
  });
}

for (const format of ["text", "binary"]) {
  const name = `google-grpc-web-${format}`;
  const pass = (check) => console.log(`PASS ${name} ${check}`);
  const client = new GrpcWebClientBase({ format });
  const prefix = `gw-${format}`;

  for (const suffix of ["a", "b"]) {
    await client.unaryCall(`${embeddedUrl}/chat.v1.ChatService/CreateRoom`, { roomId: `${prefix}-${suffix}`, name: `room ${suffix}` }, metadata, CreateRoom);
  }
  const room = await client.unaryCall(`${embeddedUrl}/chat.v1.ChatService/GetRoom`, { roomId: `${prefix}-b` }, metadata, GetRoom);
  assert.equal(room.room.name, "room b");
  pass("unary");

  await assert.rejects(
    client.unaryCall(`${embeddedUrl}/chat.v1.ChatService/GetRoom`, { roomId: `${prefix}-missing` }, metadata, GetRoom),
    (error) => error.code === StatusCode.NOT_FOUND,
  );
  pass("unary-errors");

  const all = await stream(client, embeddedUrl, { query: prefix, joinedOnly: true });
  assert.equal(all.error, null);
  assert.deepEqual(all.answers, [`${prefix}-a`, `${prefix}-b`]);
  pass("stream");

  const failed = await stream(client, streamingUrl, { query: "fail" });
  assert.deepEqual(failed.answers, ["room-0", "room-1"]);
  assert.equal(failed.error.code, StatusCode.RESOURCE_EXHAUSTED);
  assert.match(failed.error.message, /the core gave up/);
  pass("error-mid-stream");
}

console.log("DONE");
// xhr2 keeps connections open after the calls end: leave without waiting for them.
process.exit(0);
