package io.chatgateway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The id rule, case by case, and identity metadata that carries ids exactly. */
class IdsTest {

  @Test
  void acceptsWhatIdentityProvidersIssue() {
    for (String id : List.of("alice", "j\u00fcrgen", "\u00fcmit", "auth0|5f3a", "urn:example:user:7", "a@b.example", "user{1}", "\u5f20\u4f1f", "x".repeat(128), "\u00fc".repeat(64), "\ud83d\ude00")) {
      assertNull(Ids.problem("sub", id), id);
    }
  }

  @Test
  void refusesBlanksControlsInvisiblesNonNfcAndLength() {
    assertTrue(Ids.problem("sub", "").contains("empty"));
    assertTrue(Ids.problem("sub", null).contains("empty"));
    assertTrue(Ids.problem("sub", "   ").contains("whitespace"));
    assertTrue(Ids.problem("sub", "a b").contains("whitespace"));
    assertTrue(Ids.problem("sub", "a\u00a0b").contains("whitespace"), "no-break space");
    assertTrue(Ids.problem("sub", "a\u2028b").contains("whitespace"), "line separator");
    assertTrue(Ids.problem("sub", "a\nb").contains("whitespace"), "newline");
    assertTrue(Ids.problem("sub", "a\u0000b").contains("control"), "NUL");
    assertTrue(Ids.problem("sub", "a\u007fb").contains("control"), "DEL");
    assertTrue(Ids.problem("sub", "al\u200bice").contains("format"), "zero-width space");
    assertTrue(Ids.problem("sub", "alice\u202e").contains("format"), "right-to-left override");
    assertTrue(Ids.problem("sub", "a\ud800b").contains("surrogate"));
    assertTrue(Ids.problem("sub", "a\ue000").contains("private-use"));
    assertTrue(Ids.problem("sub", "ju\u0308rgen").contains("NFC"), "decomposed umlaut");
    assertTrue(Ids.problem("sub", "x".repeat(129)).contains("128 bytes"));
    assertTrue(Ids.problem("sub", "\u00fc".repeat(65)).contains("128 bytes"), "130 bytes of UTF-8 in 65 characters");
    assertTrue(Ids.problem("sub", "x".repeat(10_000)).startsWith("sub "), "the message names the field");
  }

  @Test
  void roomIdsArePlainAscii() {
    assertTrue(Ids.isRoomId("room-1.a_b:c"));
    assertFalse(Ids.isRoomId("r\u00fcm"));
    assertFalse(Ids.isRoomId("a{b}"));
    assertFalse(Ids.isRoomId(""));
    assertFalse(Ids.isRoomId("x".repeat(129)));
    assertTrue(Ids.roomProblem("room_id", "bad\nid").contains("\\u000a"), "no raw control characters in the message");
    assertNull(Ids.roomProblem("room_id", "ok"));
  }

  @Test
  void identityMetadataCarriesUtf8ExactlyAndRefusesWhatItCannotRead() {
    CallerIdentity jurgen = new CallerIdentity("j\u00fcrgen", "t\u00e9l\u00e9phone");
    Metadata headers = new Metadata();
    jurgen.writeTo(headers);
    assertEquals(jurgen, CallerIdentity.fromMetadata(headers));
    assertTrue(Metadata.Key.of("x-chat-profile-id-bin", Metadata.BINARY_BYTE_MARSHALLER).name().endsWith("-bin"));
    byte[] wire = headers.get(Metadata.Key.of("x-chat-profile-id-bin", Metadata.BINARY_BYTE_MARSHALLER));
    assertEquals("j\u00fcrgen", new String(wire, StandardCharsets.UTF_8), "UTF-8 bytes on the wire");

    Metadata latin1 = new Metadata();
    latin1.put(Metadata.Key.of("x-chat-profile-id-bin", Metadata.BINARY_BYTE_MARSHALLER), "j\u00fcrgen".getBytes(StandardCharsets.ISO_8859_1));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> CallerIdentity.fromMetadata(latin1)).getMessage().contains("UTF-8"));

    Metadata twice = new Metadata();
    twice.put(CallerIdentity.PROFILE_ID_KEY, "a");
    twice.put(CallerIdentity.PROFILE_ID_KEY, "b");
    assertThrows(IllegalArgumentException.class, () -> CallerIdentity.fromMetadata(twice));

    Metadata legacy = new Metadata();
    legacy.put(Metadata.Key.of("x-chat-profile-id", Metadata.ASCII_STRING_MARSHALLER), "victim");
    assertThrows(IllegalArgumentException.class, () -> CallerIdentity.fromMetadata(legacy));

    assertNull(CallerIdentity.fromMetadata(new Metadata()), "no identity at all");
    Metadata noDevice = new Metadata();
    noDevice.put(CallerIdentity.PROFILE_ID_KEY, "alice");
    assertEquals(CallerIdentity.DEFAULT_DEVICE_ID, CallerIdentity.fromMetadata(noDevice).deviceId());
    assertNotNull(assertThrows(IllegalArgumentException.class, () -> new CallerIdentity("a\tb", "phone")).getMessage());
  }

  @Test
  void aServicePrincipalsKindTravelsAndAnUnknownKindIsRefused() {
    Metadata headers = new Metadata();
    new CallerIdentity("notifier-bot", "default", CallerIdentity.Kind.SERVICE).writeTo(headers);
    assertEquals("service", headers.get(CallerIdentity.KIND_KEY));
    assertEquals(CallerIdentity.Kind.SERVICE, CallerIdentity.fromMetadata(headers).kind());

    new CallerIdentity("notifier-bot", "default").writeTo(headers);
    assertEquals(null, headers.get(CallerIdentity.KIND_KEY), "a user's call carries no kind, as before");
    assertEquals(CallerIdentity.Kind.USER, CallerIdentity.fromMetadata(headers).kind());

    headers.put(CallerIdentity.KIND_KEY, "admin");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> CallerIdentity.fromMetadata(headers)).getMessage().contains("user or service"));
  }
}
