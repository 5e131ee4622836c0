package io.chatgateway.core;

import io.chatgateway.proto.v1.RoomRole;
import io.grpc.Status;

/**
 * Who may do what in a room. Roles rank owner &gt; admin &gt; member &gt; guest; every rule here is
 * the one documented on the RPC in {@code chat_service.proto}.
 */
final class RoomPermissions {

  private RoomPermissions() {}

  static int rank(RoomRole role) {
    return switch (role) {
      case ROOM_ROLE_OWNER -> 4;
      case ROOM_ROLE_ADMIN -> 3;
      case ROOM_ROLE_MEMBER -> 2;
      case ROOM_ROLE_GUEST -> 1;
      default -> 0;
    };
  }

  static boolean canSend(RoomRole role) {
    return rank(role) >= rank(RoomRole.ROOM_ROLE_MEMBER);
  }

  static boolean canManageRoom(RoomRole role) {
    return rank(role) >= rank(RoomRole.ROOM_ROLE_ADMIN);
  }

  static boolean canDeleteRoom(RoomRole role) {
    return role == RoomRole.ROOM_ROLE_OWNER;
  }

  /** Whether {@code actor} may redact an event sent by someone else. */
  static boolean canModerate(RoomRole actor) {
    return canManageRoom(actor);
  }

  /**
   * Whether {@code actor} may give {@code newRole} to a profile whose current role is {@code current}
   * ({@code null} for a profile that is not a member yet).
   */
  static boolean canAssign(RoomRole actor, RoomRole current, RoomRole newRole) {
    if (actor == RoomRole.ROOM_ROLE_OWNER) {
      return true;
    }
    if (actor == RoomRole.ROOM_ROLE_ADMIN) {
      return isPlainMember(newRole) && (current == null || isPlainMember(current));
    }
    return false;
  }

  /** Whether {@code actor} may remove another member whose role is {@code target}. */
  static boolean canRemoveOther(RoomRole actor, RoomRole target) {
    if (actor == RoomRole.ROOM_ROLE_OWNER) {
      return true;
    }
    return actor == RoomRole.ROOM_ROLE_ADMIN && isPlainMember(target);
  }

  static RoomRole orMember(RoomRole role) {
    return role == RoomRole.ROOM_ROLE_UNSPECIFIED ? RoomRole.ROOM_ROLE_MEMBER : role;
  }

  static RuntimeException denied(String message) {
    return Status.PERMISSION_DENIED.withDescription(message).asRuntimeException();
  }

  private static boolean isPlainMember(RoomRole role) {
    return role == RoomRole.ROOM_ROLE_MEMBER || role == RoomRole.ROOM_ROLE_GUEST;
  }
}
