package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.OwnConnections;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.ServerEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Presence coalescing over real gRPC streams with the default window (PRESENCE_COALESCE_MS, 1 s): a
 * crowd of devices joining a room reaches a member who was there first as at most one message per
 * window, each member's arrival once, however many arrive.
 */
class PresenceCoalescingEndToEndTest {

  static final int CROWD = 40;
  static final long WINDOW_MILLIS = 1_000;

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.standard();

  private final OwnConnections connections = new OwnConnections(() -> gateway.server().grpcPort());

  @AfterEach
  void close() throws InterruptedException {
    connections.close();
  }

  @Test
  void aCrowdJoiningIsAtMostOneMessagePerWindowForEachMember() {
    String[] members = new String[CROWD];
    for (int i = 0; i < CROWD; i++) {
      members[i] = "crowd-" + i;
    }
    String room = gateway.createRoom("host", members);
    DeviceClient host = connections.device(TestTokens.valid("host", "phone"), "host");
    host.hello(HelloFrame.newBuilder().addCapabilities(DeviceSession.BATCH_CAPABILITY).build());
    assertTrue(host.subscribe(room).getResults(0).getOk());

    long start = System.nanoTime();
    List<DeviceClient> crowd = new ArrayList<>();
    for (String member : members) {
      DeviceClient device = connections.device(TestTokens.valid(member, "phone"), member);
      crowd.add(device);
      device.hello();
      assertTrue(device.subscribe(room).getResults(0).getOk());
    }
    long joinMillis = (System.nanoTime() - start) / 1_000_000;

    List<ServerEvent> arrivals = host.awaitCount(ServerEvent::hasPresence, CROWD, "every member's arrival");
    Map<String, Long> perMember = arrivals.stream().collect(Collectors.groupingBy(e -> e.getPresence().getProfileId(), Collectors.counting()));
    assertEquals(CROWD, perMember.size(), perMember.toString());
    assertTrue(perMember.values().stream().allMatch(count -> count == 1), "each arrival once: " + perMember);
    long messages = host.messages().stream().filter(m -> m.hasPresence() || (m.hasBatch() && m.getBatch().getEvents(0).hasPresence())).count();
    long windows = joinMillis / WINDOW_MILLIS + 2; // the joins span these windows at most
    assertTrue(messages <= windows, messages + " presence messages for " + CROWD + " arrivals over " + joinMillis + " ms: more than one per window");
    assertTrue(messages < CROWD / 2, messages + " presence messages for " + CROWD + " arrivals");

    // A plain device (no batch capability) gets the arrivals after its own as single events, but still
    // each member once.
    DeviceClient first = crowd.get(0);
    List<ServerEvent> seenByFirst = first.awaitCount(ServerEvent::hasPresence, CROWD - 1, "the later members' arrivals");
    assertEquals(CROWD - 1, seenByFirst.stream().map(e -> e.getPresence().getProfileId()).distinct().count());
  }
}
