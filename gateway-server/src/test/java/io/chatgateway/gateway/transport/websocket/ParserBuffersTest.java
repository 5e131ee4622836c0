package io.chatgateway.gateway.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.undertow.Undertow;
import io.undertow.util.Headers;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ParserBuffers} against the Undertow we ship, over a real socket: the parser's builders hold
 * the longest header they read until released, and a connection whose buffers were released still
 * parses its next request.
 */
class ParserBuffersTest {

  private Undertow server;
  private URI uri;

  @BeforeEach
  void start() {
    server =
        Undertow.builder()
            .addHttpListener(0, "localhost")
            .setHandler(
                exchange -> {
                  int before = ParserBuffers.retainedChars(exchange.getConnection());
                  ParserBuffers.release(exchange.getConnection());
                  int after = ParserBuffers.retainedChars(exchange.getConnection());
                  String header = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
                  exchange.getResponseSender().send(before + " " + after + " " + header.length());
                })
            .build();
    server.start();
    int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    uri = URI.create("http://localhost:" + port + "/");
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  @Test
  void theUndertowWeShipHasTheParserStateWhereWeLookForIt() {
    assertTrue(ParserBuffers.available(), "Undertow's parser state moved: upgraded sockets would keep their bearer tokens' buffers");
  }

  @Test
  void releasedBuffersNoLongerHoldTheLongestHeaderAndTheConnectionStillParses() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String longToken = "Bearer " + "t".repeat(4_000);
    List<Integer> first = call(client, longToken);
    assertTrue(first.get(0) >= 4_000, "the parser kept a buffer as long as the header: " + first);
    assertEquals(0, first.get(1), "nothing left after the release");
    assertEquals(longToken.length(), first.get(2));

    // The same connection (HTTP/1.1 keep-alive), parsed with the shrunk builders.
    String shortToken = "Bearer short";
    List<Integer> second = call(client, shortToken);
    assertEquals(shortToken.length(), second.get(2), "the next request's header read whole");
    assertTrue(second.get(0) < 1_000, "the builders grew only to what the second request needed: " + second);
  }

  private List<Integer> call(HttpClient client, String authorization) throws Exception {
    HttpResponse<String> response =
        client.send(HttpRequest.newBuilder(uri).header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    return java.util.Arrays.stream(response.body().split(" ")).map(Integer::valueOf).toList();
  }
}
