package io.chatgateway.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import io.chatgateway.client.Ids;
import io.chatgateway.gateway.env.EnvReader;
import io.chatgateway.gateway.testing.TestTokens;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * The token verifier on arbitrary token strings, and on correctly signed tokens whose header and
 * claims are arbitrary JSON: a verified token whose ids follow the id rule, or TokenRejectedException
 * with a reason; no other exception.
 */
class JwtVerifierFuzzTest {

  static final JwtVerifier VERIFIER =
      JwtVerifier.create(
          AuthConfig.fromEnvironment(new EnvReader(Map.of("JWT_HMAC_SECRET", TestTokens.SECRET, "OAUTH2_ISSUER", TestTokens.ISSUER))), null);

  @FuzzTest(maxDuration = "5s")
  void anyTokenVerifiesWithValidIdsOrIsRejected(FuzzedDataProvider data) throws Exception {
    String token;
    switch (data.consumeInt(0, 2)) {
      case 0 -> token = data.consumeRemainingAsString();
      case 1 -> {
        // Signed with the right key, so the claim checks and the id rule are what decides.
        JWSObject signed = new JWSObject(new JWSHeader(JWSAlgorithm.HS256), new Payload(data.consumeRemainingAsString()));
        signed.sign(new MACSigner(TestTokens.SECRET.getBytes(StandardCharsets.UTF_8)));
        token = signed.serialize();
      }
      default -> {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        token = b64.encodeToString(data.consumeBytes(200)) + "." + b64.encodeToString(data.consumeBytes(400)) + "." + b64.encodeToString(data.consumeRemainingAsBytes());
      }
    }
    VerifiedToken verified;
    try {
      verified = VERIFIER.verify(token);
    } catch (TokenRejectedException rejected) {
      assertNotNull(rejected.getMessage());
      return;
    }
    assertNull(Ids.problem("sub", verified.identity().profileId()));
    assertNull(Ids.problem("device_id", verified.identity().deviceId()));
  }
}
