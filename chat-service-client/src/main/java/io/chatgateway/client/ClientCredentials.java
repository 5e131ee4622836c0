package io.chatgateway.client;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.Optional;

/**
 * The gateway's own OAuth2 client (RFC 6749 §4.4, client credentials grant), with which it proves
 * itself to the core on every call.
 *
 * @param tokenEndpoint where tokens are requested ({@code OAUTH2_TOKEN_ENDPOINT})
 * @param clientId {@code JWT_CLIENT_ID}
 * @param clientSecret {@code JWT_CLIENT_SECRET} or the content of {@code JWT_CLIENT_SECRET_FILE};
 *     never part of {@link #toString()}
 * @param scope {@code OAUTH2_CLIENT_SCOPE}: sent as the request's {@code scope} when set
 */
public record ClientCredentials(URI tokenEndpoint, String clientId, String clientSecret, Optional<String> scope) {

  public ClientCredentials {
    requireNonNull(tokenEndpoint, "tokenEndpoint");
    requireNonNull(clientId, "clientId");
    requireNonNull(clientSecret, "clientSecret");
    requireNonNull(scope, "scope");
  }

  @Override
  public String toString() {
    return "ClientCredentials[tokenEndpoint=" + tokenEndpoint + ", clientId=" + clientId + ", clientSecret=(set), scope=" + scope + "]";
  }
}
