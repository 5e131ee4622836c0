package io.chatgateway.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * MAX_CONNECT_REQUESTS over real sockets: while two requests are in flight (their bodies still
 * arriving), a third is answered resource_exhausted (HTTP 429) at once; when one ends, requests
 * are served again; the gauge and the refusal counter say so.
 */
class ConnectRequestLimitEndToEndTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.withEnv(Map.of("MAX_CONNECT_REQUESTS", "2"));

  private static final HttpClient http = HttpClient.newHttpClient();
  private static final String BODY = "{\"name\":\"held room\"}";

  @Test
  void requestsBeyondTheCapAreRefusedUntilOneEnds() throws Exception {
    String token = TestTokens.valid("limited", "laptop");
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        held.add(startRequestWithoutItsLastByte(token));
      }
      Await.until(Duration.ofSeconds(10), () -> gateway.metric("chat_gateway_connect_requests_in_flight") == 2, () -> "two requests in flight");

      HttpResponse<String> refused = post(token);
      assertEquals(429, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("\"code\":\"resource_exhausted\""), refused.body());
      assertTrue(gateway.metric("chat_gateway_connect_requests_refused_total") >= 1, "refusals counted");

      Socket first = held.remove(0);
      first.getOutputStream().write(BODY.substring(BODY.length() - 1).getBytes(StandardCharsets.UTF_8));
      String answer = readHead(first.getInputStream());
      assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
      first.close();

      Await.until(Duration.ofSeconds(10), () -> gateway.metric("chat_gateway_connect_requests_in_flight") == 1, () -> "the answered request gave its slot back");
      HttpResponse<String> served = post(token);
      assertEquals(200, served.statusCode(), served.body());
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
    Await.until(Duration.ofSeconds(10), () -> gateway.metric("chat_gateway_connect_requests_in_flight") == 0, () -> "a client that went away gave its slot back");
  }

  /** A CreateRoom request whose body stops one byte short: in flight until that byte arrives. */
  private static Socket startRequestWithoutItsLastByte(String token) throws IOException {
    Socket socket = new Socket("localhost", gateway.server().httpPort());
    socket.setSoTimeout(10_000);
    byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST /chat.v1.ChatService/CreateRoom HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAuthorization: Bearer "
            + token + "\r\nContent-Length: " + body.length + "\r\n\r\n";
    OutputStream out = socket.getOutputStream();
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(body, 0, body.length - 1);
    out.flush();
    return socket;
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }

  private static HttpResponse<String> post(String token) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + gateway.server().httpPort() + "/chat.v1.ChatService/CreateRoom"))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofString(BODY))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
