package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chatgateway.proto.v1.AckEvent;
import io.chatgateway.proto.v1.PresenceEvent;
import io.chatgateway.proto.v1.PresenceStatus;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TypingEvent;
import io.chatgateway.proto.v1.TypingState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a holding room slot keeps back, and what it hands out when it turns live. */
class RoomSlotTest {

  private static final int MAX_HELD = 10;

  @Test
  void aJoiningSlotKeepsTheNewestStateOfEachMemberAndIsNeverFullOfThem() {
    RoomSlot slot = new RoomSlot("r");
    // A room of 1,000 members reconnecting while this device joins: each announces itself, twice.
    for (int round = 0; round < 2; round++) {
      for (int member = 0; member < 1_000; member++) {
        PresenceStatus status = round == 0 ? PresenceStatus.PRESENCE_STATUS_ONLINE : PresenceStatus.PRESENCE_STATUS_AWAY;
        assertEquals(RoomSlot.Offer.HELD, slot.offer(presence("member-" + member, status), MAX_HELD * 100), "member " + member);
      }
    }
    List<OutboundEvent> released = new ArrayList<>();
    assertEquals(RoomSlot.State.LIVE, slot.release(0, released::add));
    assertEquals(1_000, released.size(), "one presence per member");
    for (int member = 0; member < 1_000; member++) {
      PresenceEvent presence = released.get(member).event().getPresence();
      assertEquals("member-" + member, presence.getProfileId(), "in the order members first appeared");
      assertEquals(PresenceStatus.PRESENCE_STATUS_AWAY, presence.getStatus(), "the newest state");
    }
  }

  @Test
  void roomEventsHeldAreBoundedByMaxHeld() {
    RoomSlot slot = new RoomSlot("r");
    for (int i = 1; i <= MAX_HELD; i++) {
      assertEquals(RoomSlot.Offer.HELD, slot.offer(roomEvent(i), MAX_HELD));
    }
    assertEquals(RoomSlot.Offer.FULL, slot.offer(roomEvent(MAX_HELD + 1), MAX_HELD));
    // Member states still fit beside them: they are bounded apart.
    assertEquals(RoomSlot.Offer.HELD, slot.offer(presence("alice", PresenceStatus.PRESENCE_STATUS_ONLINE), MAX_HELD));
  }

  @Test
  void eventsThatEachCountAreBoundedByTheOverdraft() {
    RoomSlot slot = new RoomSlot("r");
    int bound = MAX_HELD * OutboundQueue.OVERDRAFT;
    for (int i = 0; i < bound; i++) {
      assertEquals(RoomSlot.Offer.HELD, slot.offer(ack("frame-" + i), MAX_HELD), "event " + i);
    }
    assertEquals(RoomSlot.Offer.FULL, slot.offer(ack("one-too-many"), MAX_HELD));
    assertEquals(RoomSlot.Offer.FULL, slot.offer(presence("bob", PresenceStatus.PRESENCE_STATUS_ONLINE), MAX_HELD), "a new member's state beyond the bound");
  }

  @Test
  void statesHeldBehindAGapAreStillReplacedAfterThePartBeforeItWasReleased() {
    RoomSlot slot = new RoomSlot("r");
    slot.offer(presence("alice", PresenceStatus.PRESENCE_STATUS_ONLINE), MAX_HELD);
    slot.offer(roomEvent(5), MAX_HELD);
    slot.offer(typing("bob", true), MAX_HELD);
    List<OutboundEvent> released = new ArrayList<>();
    assertEquals(RoomSlot.State.HOLDING, slot.release(2, released::add), "sequence 5 skips ahead of 2");
    assertEquals(List.of("alice"), released.stream().map(e -> e.event().getPresence().getProfileId()).toList());
    assertEquals(RoomSlot.Offer.HELD, slot.offer(typing("bob", false), MAX_HELD));
    released.clear();
    assertEquals(RoomSlot.State.LIVE, slot.release(4, released::add));
    assertEquals(2, released.size(), "event 5, then bob's newest typing state: " + released);
    assertEquals(5, released.get(0).sequence());
    assertEquals(TypingState.TYPING_STATE_STOPPED, released.get(1).event().getTyping().getState());
  }

  private static OutboundEvent presence(String profile, PresenceStatus status) {
    return OutboundEvent.of(ServerEvent.newBuilder().setPresence(PresenceEvent.newBuilder().setProfileId(profile).setStatus(status)).build());
  }

  private static OutboundEvent typing(String profile, boolean typing) {
    return OutboundEvent.of(ServerEvent.newBuilder().setTyping(TypingEvent.newBuilder().setRoomId("room").setProfileId(profile).setDeviceId("phone").setState(typing ? TypingState.TYPING_STATE_STARTED : TypingState.TYPING_STATE_STOPPED)).build());
  }

  private static OutboundEvent roomEvent(long sequence) {
    return OutboundEvent.of(ServerEvent.newBuilder().setRoomEvent(RoomEvent.newBuilder().setRoomId("room").setSequence(sequence)).build());
  }

  private static OutboundEvent ack(String frameId) {
    return OutboundEvent.of(ServerEvent.newBuilder().setFrameId(frameId).setAck(AckEvent.getDefaultInstance()).build());
  }
}
