package io.chatgateway.gateway.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertSame;

import io.chatgateway.gateway.auth.AuthConfig;
import io.chatgateway.gateway.auth.AuthInterceptor;
import io.chatgateway.gateway.auth.JwtVerifier;
import io.chatgateway.gateway.env.EnvReader;
import io.chatgateway.gateway.testing.RecordingServerCall;
import io.chatgateway.gateway.testing.TestTokens;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import java.util.Map;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** Which calls run on the transport thread: only those whose token verifies without a network wait. */
class CallExecutorsTest {

  private static final JwtVerifier HMAC =
      JwtVerifier.create(AuthConfig.fromEnvironment(new EnvReader(Map.of("JWT_HMAC_SECRET", TestTokens.SECRET, "OAUTH2_ISSUER", TestTokens.ISSUER))), null);
  // Nothing listens there: a verification would wait for the network, then fail.
  private static final JwtVerifier JWKS =
      JwtVerifier.create(AuthConfig.fromEnvironment(new EnvReader(Map.of("OAUTH2_JWKS_URI", "http://127.0.0.1:9/jwks.json", "OAUTH2_ISSUER", TestTokens.ISSUER))), null);

  private static final Executor POOL = command -> {};

  @Test
  void callsWithLocallyVerifiedTokensRunOnTheTransportThread() {
    String token = TestTokens.valid("alice", "phone");
    assertSame(CallExecutors.TRANSPORT_THREAD, new CallExecutors(HMAC, POOL).getExecutor(call(MethodDescriptor.MethodType.UNARY), bearer(token)), "unary, HMAC");
    assertSame(CallExecutors.TRANSPORT_THREAD, new CallExecutors(HMAC, POOL).getExecutor(call(MethodDescriptor.MethodType.BIDI_STREAMING), bearer(token)), "stream, HMAC");
  }

  @Test
  void callsThatMayWaitForKeysOrCarryNoUsableTokenRunOnThePool() {
    String token = TestTokens.valid("alice", "phone");
    assertSame(POOL, new CallExecutors(JWKS, POOL).getExecutor(call(MethodDescriptor.MethodType.UNARY), bearer(token)), "JWKS, token not verified before");
    assertSame(POOL, new CallExecutors(JWKS, POOL).getExecutor(call(MethodDescriptor.MethodType.BIDI_STREAMING), bearer(token)), "JWKS, stream");
    assertSame(POOL, new CallExecutors(HMAC, POOL).getExecutor(call(MethodDescriptor.MethodType.UNARY), new Metadata()), "no token (health, reflection)");
    Metadata malformed = new Metadata();
    malformed.put(AuthInterceptor.AUTHORIZATION, "Basic abc");
    assertSame(POOL, new CallExecutors(HMAC, POOL).getExecutor(call(MethodDescriptor.MethodType.UNARY), malformed), "refused on the pool");
  }

  private static Metadata bearer(String token) {
    Metadata headers = new Metadata();
    headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + token);
    return headers;
  }

  private static ServerCall<byte[], byte[]> call(MethodDescriptor.MethodType type) {
    return new RecordingServerCall(type);
  }
}
