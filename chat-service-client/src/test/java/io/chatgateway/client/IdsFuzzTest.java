package io.chatgateway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.grpc.Metadata;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * The id rule and the identity metadata, fuzzed: any string is either accepted, and then is what the
 * rule promises (bounded, NFC, no whitespace or control characters) and survives the metadata round
 * trip byte for byte, or refused with IllegalArgumentException; nothing else ever escapes.
 */
class IdsFuzzTest {

  @FuzzTest(maxDuration = "5s")
  void anyStringIsAcceptedExactlyOrRefusedWithAReason(FuzzedDataProvider data) {
    String id = data.consumeString(200);
    byte[] raw = data.consumeRemainingAsBytes();
    String problem = Ids.problem("id", id);
    if (problem == null) {
      byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
      assertTrue(utf8.length >= 1 && utf8.length <= Ids.MAX_BYTES, "length within the rule");
      assertTrue(Normalizer.isNormalized(id, Normalizer.Form.NFC), "NFC");
      assertTrue(id.codePoints().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c)), "no blanks");
      CallerIdentity identity = new CallerIdentity(id, id);
      Metadata headers = new Metadata();
      identity.writeTo(headers);
      assertEquals(identity, CallerIdentity.fromMetadata(headers), "metadata carries the id exactly");
    } else {
      assertTrue(problem.startsWith("id "), problem);
      assertThrows(IllegalArgumentException.class, () -> new CallerIdentity(id, "phone"));
    }
    // Arbitrary bytes as identity metadata: an identity, or IllegalArgumentException; never a crash.
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("x-chat-profile-id-bin", Metadata.BINARY_BYTE_MARSHALLER), raw);
    try {
      CallerIdentity read = CallerIdentity.fromMetadata(headers);
      if (read != null) {
        assertEquals(read.profileId(), new String(raw, StandardCharsets.UTF_8), "decoded exactly");
      }
    } catch (IllegalArgumentException refused) {
      // bytes that are not UTF-8, or an id the rule refuses
    }
  }
}
