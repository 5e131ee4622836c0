package io.chatgateway.bench.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A device's reading of text frames, fed frames directly: JSON parsed, UTF-8 checked as a browser checks it. */
class WebSocketFleetTest {

  private static final String BATCH =
      "{\"id\":\"e\",\"batch\":{\"events\":[{\"roomEvent\":{\"roomId\":\"r\",\"text\":{\"text\":\"caf\u00e9 1\"},\"sequence\":\"1\"}},"
          + "{\"roomEvent\":{\"roomId\":\"r\",\"text\":{\"text\":\"\\u003c2\\u003e\"},\"sequence\":\"2\"}}]}}";

  @Test
  void readsTheRoomEventsOfATextFrameAndRefusesMalformedUtf8() {
    List<String> texts = new ArrayList<>();
    try (WebSocketFleet fleet = new WebSocketFleet(URI.create("ws://127.0.0.1:9/ws"))) {
      EmbeddedChannel device = new EmbeddedChannel(fleet.reader(WebSocketFleet.Framing.JSON, texts::add));
      // A direct buffer, as Netty's decoder hands frames on.
      byte[] batch = BATCH.getBytes(StandardCharsets.UTF_8);
      device.writeInbound(new TextWebSocketFrame(Unpooled.directBuffer(batch.length).writeBytes(batch)));
      assertEquals(List.of("caf\u00e9 1", "<2>"), texts);
      assertEquals(0, fleet.errorCount(), fleet.firstError());

      // 0xC3 starts a two-byte sequence that 0x28 does not continue; a replacing decoder would pass it.
      byte[] malformed = {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, 0x28, '"', '}'};
      device.writeInbound(new TextWebSocketFrame(Unpooled.wrappedBuffer(malformed)));
      assertEquals(1, fleet.errorCount());
      assertTrue(fleet.firstError().startsWith("unreadable text frame"), fleet.firstError());
      device.finishAndReleaseAll();
    }
  }
}
