package io.chatgateway.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.chatgateway.client.CallerIdentity;
import io.chatgateway.gateway.env.EnvReader;
import io.chatgateway.gateway.testing.RecordingServerCall;
import io.chatgateway.gateway.testing.TestTokens;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the interceptor puts in a call's context, and for how long: a unary call's callbacks all run
 * with the caller's identity and token; a device stream's handler gets them when it starts the
 * stream, and its callbacks run without them, so the stream keeps no context for its hours.
 */
class AuthInterceptorContextTest {

  private static final JwtVerifier VERIFIER =
      JwtVerifier.create(AuthConfig.fromEnvironment(new EnvReader(Map.of("JWT_HMAC_SECRET", TestTokens.SECRET, "OAUTH2_ISSUER", TestTokens.ISSUER))), null);
  private static final AuthInterceptor INTERCEPTOR = new AuthInterceptor(VERIFIER, ServicePrincipals.fromEnvironment(new EnvReader(Map.of())));
  private static final CallerIdentity ALICE = new CallerIdentity("alice", "phone");

  /** The identity in the context at start, and at each later callback. */
  private final List<CallerIdentity> seen = new ArrayList<>();

  @Test
  void aUnaryCallsCallbacksRunWithTheCallersIdentity() {
    ServerCall.Listener<byte[]> listener = intercept(MethodDescriptor.MethodType.UNARY);
    listener.onMessage(new byte[0]);
    listener.onHalfClose();
    assertEquals(List.of(ALICE, ALICE, ALICE), seen);
  }

  @Test
  void aStreamsHandlerGetsTheIdentityAtStartAndItsCallbacksRunWithoutAContext() {
    ServerCall.Listener<byte[]> listener = intercept(MethodDescriptor.MethodType.BIDI_STREAMING);
    listener.onMessage(new byte[0]);
    listener.onHalfClose();
    assertEquals(ALICE, seen.get(0), "at start");
    assertNull(seen.get(1), "at a message");
    assertNull(seen.get(2), "at half-close");
    assertNull(CallerIdentity.CONTEXT_KEY.get(), "and the caller's thread is left as it was");
  }

  private ServerCall.Listener<byte[]> intercept(MethodDescriptor.MethodType type) {
    Metadata headers = new Metadata();
    headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + TestTokens.valid(ALICE.profileId(), ALICE.deviceId()));
    RecordingServerCall call = new RecordingServerCall(type);
    ServerCall.Listener<byte[]> listener =
        INTERCEPTOR.interceptCall(
            call,
            headers,
            (started, startedHeaders) -> {
              seen.add(CallerIdentity.CONTEXT_KEY.get());
              return new ServerCall.Listener<>() {
                @Override
                public void onMessage(byte[] message) {
                  seen.add(CallerIdentity.CONTEXT_KEY.get());
                }

                @Override
                public void onHalfClose() {
                  seen.add(CallerIdentity.CONTEXT_KEY.get());
                }
              };
            });
    assertNull(call.closedWith(), "the call was let through");
    return listener;
  }
}
