package io.chatgateway.core;

import static io.chatgateway.core.RequestLimits.invalid;

import com.google.protobuf.Timestamp;
import io.chatgateway.client.CallerIdentity;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomRole;
import io.grpc.Status;

/** What each event type may carry and refer to, and how edits and redactions change their target. */
final class EventRules {

  private EventRules() {}

  /**
   * Checks an event a client sends, before any room state is read. SYSTEM events come from the core
   * itself, and from service principals (a bot announcing, a backend noting a change), never from a
   * user's device: a person cannot write what the room shows as the system's voice.
   */
  static void validateSendable(RoomEvent event, CallerIdentity caller) {
    RequestLimits.length("event.client_event_id", event.getClientEventId(), 0, RequestLimits.MAX_CLIENT_EVENT_ID);
    EventType type = event.getType();
    switch (type) {
      case EVENT_TYPE_MESSAGE, EVENT_TYPE_EDIT -> requireContent(event, type);
      case EVENT_TYPE_CUSTOM -> {
        if (event.getPayloadCase() != RoomEvent.PayloadCase.CUSTOM) {
          throw invalid("event.custom is required for EVENT_TYPE_CUSTOM");
        }
        validatePayload(event);
      }
      case EVENT_TYPE_REACTION -> {
        if (event.getPayloadCase() != RoomEvent.PayloadCase.REACTION) {
          throw invalid("event.reaction is required for EVENT_TYPE_REACTION");
        }
        validatePayload(event);
      }
      case EVENT_TYPE_REDACTION -> {
        if (event.getPayloadCase() != RoomEvent.PayloadCase.PAYLOAD_NOT_SET) {
          throw invalid("EVENT_TYPE_REDACTION carries no payload");
        }
      }
      case EVENT_TYPE_TYPING, EVENT_TYPE_DELIVERED, EVENT_TYPE_READ ->
          throw invalid(type + " is not stored: send it on the Connect stream or with UpdateReceipt");
      case EVENT_TYPE_SYSTEM -> {
        if (!caller.service()) {
          throw Status.PERMISSION_DENIED.withDescription("EVENT_TYPE_SYSTEM events are written by the core and by service principals only").asRuntimeException();
        }
        if (event.getPayloadCase() != RoomEvent.PayloadCase.SYSTEM || event.getSystem().getCode().isEmpty()) {
          throw invalid("event.system with a code is required for EVENT_TYPE_SYSTEM");
        }
        RequestLimits.encodedSize("event.system", event.getSystem(), RequestLimits.MAX_CUSTOM_BYTES);
      }
      default -> throw invalid("event.type must be set (MESSAGE, REACTION, EDIT, REDACTION or CUSTOM)");
    }
    boolean needsParent =
        type == EventType.EVENT_TYPE_REACTION || type == EventType.EVENT_TYPE_EDIT || type == EventType.EVENT_TYPE_REDACTION;
    if (needsParent && event.getParentId().isEmpty()) {
      throw invalid("event.parent_id is required for " + type);
    }
  }

  /**
   * Resolves and checks the event's parent within the room, or returns {@code null} for an event
   * without one. Must be called under the room's monitor.
   */
  static RoomEvent checkParent(RoomState room, RoomEvent event, CallerIdentity caller, RoomRole callerRole) {
    if (event.getParentId().isEmpty()) {
      return null;
    }
    RoomEvent parent = room.eventById(event.getParentId());
    if (parent == null) {
      throw Status.NOT_FOUND
          .withDescription("event " + event.getParentId() + " does not exist in room " + room.id())
          .asRuntimeException();
    }
    boolean ownParent = parent.getSenderProfileId().equals(caller.profileId());
    switch (event.getType()) {
      case EVENT_TYPE_EDIT -> {
        if (!ownParent) {
          throw RoomPermissions.denied("only the sender may edit event " + parent.getId());
        }
        if (parent.getType() != EventType.EVENT_TYPE_MESSAGE || parent.getRedacted()) {
          throw Status.FAILED_PRECONDITION
              .withDescription("only messages that are not redacted can be edited")
              .asRuntimeException();
        }
      }
      case EVENT_TYPE_REDACTION -> {
        if (!ownParent && !RoomPermissions.canModerate(callerRole)) {
          throw RoomPermissions.denied("only the sender, admins and owners may redact event " + parent.getId());
        }
      }
      default -> {}
    }
    return parent;
  }

  /** The parent as changed by an accepted edit or redaction; the parent itself otherwise. */
  static RoomEvent applyToParent(RoomEvent parent, RoomEvent stored, Timestamp now) {
    switch (stored.getType()) {
      case EVENT_TYPE_EDIT: {
        RoomEvent.Builder edited = parent.toBuilder().setEdited(true).setEditTime(now);
        switch (stored.getPayloadCase()) {
          case TEXT -> edited.setText(stored.getText());
          case ATTACHMENT -> edited.setAttachment(stored.getAttachment());
          case CUSTOM -> edited.setCustom(stored.getCustom());
          default -> {}
        }
        return edited.build();
      }
      case EVENT_TYPE_REDACTION:
        return parent.toBuilder().clearPayload().setRedacted(true).build();
      default:
        return parent;
    }
  }

  private static void requireContent(RoomEvent event, EventType type) {
    switch (event.getPayloadCase()) {
      case TEXT, ATTACHMENT, CUSTOM -> validatePayload(event);
      default -> throw invalid(type + " needs a text, attachment or custom payload");
    }
  }

  private static void validatePayload(RoomEvent event) {
    switch (event.getPayloadCase()) {
      case TEXT -> RequestLimits.utf8Bytes("event.text.text", event.getText().getText(), 1, RequestLimits.MAX_TEXT_BYTES);
      case ATTACHMENT -> {
        RequestLimits.length("event.attachment.uri", event.getAttachment().getUri(), 1, RequestLimits.MAX_URI);
        RequestLimits.length("event.attachment.mime_type", event.getAttachment().getMimeType(), 0, 255);
        RequestLimits.length("event.attachment.caption", event.getAttachment().getCaption(), 0, RequestLimits.MAX_TEXT_BYTES);
      }
      case CUSTOM -> RequestLimits.encodedSize("event.custom", event.getCustom(), RequestLimits.MAX_CUSTOM_BYTES);
      case REACTION ->
          RequestLimits.utf8Bytes("event.reaction.key", event.getReaction().getKey(), 1, RequestLimits.MAX_REACTION_KEY_BYTES);
      default -> {}
    }
  }
}
