package io.chatgateway.gateway.auth;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.chatgateway.client.CallerIdentity;
import io.chatgateway.client.Ids;
import io.chatgateway.gateway.env.EnvReader;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.util.logging.Logger;

/**
 * What internal services may do. A token with the service scope ({@code SERVICE_SCOPE}, see {@link
 * AuthConfig}) is a service principal: its forwarded calls reach the core as the service itself,
 * whose kind the core sees (it may post SYSTEM events; it manages the rooms it administers like any
 * member). With {@code actAsScope} too, a call may name a user in {@link #ON_BEHALF_OF} and act as
 * that user. Service principals open device streams only where {@code streams} allows it.
 *
 * <p>Every call of a service principal is audited: one line on the {@code io.chatgateway.audit}
 * logger with the principal, its client, the user it acts for, the method and the room.
 *
 * @param actAsScope {@code SERVICE_ACT_AS_SCOPE} (default {@code chat.act_as})
 * @param streams {@code SERVICE_STREAMS} (default false)
 */
public record ServicePrincipals(String actAsScope, boolean streams) {

  /** The user a service's call acts for, as UTF-8 bytes (ids are not ASCII-only). */
  public static final Metadata.Key<String> ON_BEHALF_OF = CallerIdentity.utf8Key("x-chat-on-behalf-of-bin");

  private static final Logger audit = Logger.getLogger("io.chatgateway.audit");

  public ServicePrincipals {
    requireNonNull(actAsScope, "actAsScope");
  }

  public static ServicePrincipals fromEnvironment(EnvReader env) {
    return new ServicePrincipals(env.string("SERVICE_ACT_AS_SCOPE", "chat.act_as"), env.bool("SERVICE_STREAMS", false));
  }

  /**
   * The identity a call with {@code token} acts as: the token's own, or the user named in {@code
   * onBehalfOf} when a service principal with the act-as scope names one.
   *
   * @throws StatusException PERMISSION_DENIED when the token may not act for a user,
   *     INVALID_ARGUMENT when the named id breaks the id rule
   */
  public CallerIdentity actingAs(VerifiedToken token, String onBehalfOf) throws StatusException {
    CallerIdentity own = token.identity();
    if (onBehalfOf == null) {
      return own;
    }
    if (!own.service()) {
      throw Status.PERMISSION_DENIED.withDescription("only service principals may act on behalf of a user (" + ON_BEHALF_OF.name() + ")").asException();
    }
    if (!token.scopes().contains(actAsScope)) {
      throw Status.PERMISSION_DENIED
          .withDescription("service " + own.profileId() + " may act on behalf of a user only with the scope " + actAsScope)
          .asException();
    }
    String problem = Ids.problem(ON_BEHALF_OF.name(), onBehalfOf);
    if (problem != null) {
      throw Status.INVALID_ARGUMENT.withDescription(problem).asException();
    }
    // The service stands where the user's device would: the core and the room see it as the device.
    return new CallerIdentity(onBehalfOf, own.profileId());
  }

  /** Refuses a device stream to a service principal unless {@code SERVICE_STREAMS} allows them. */
  public void checkStream(VerifiedToken token, boolean actsOnBehalf) throws StatusException {
    if (actsOnBehalf) {
      throw Status.PERMISSION_DENIED.withDescription("a device stream cannot act on behalf of a user; open it with the user's own token").asException();
    }
    if (token.identity().service() && !streams) {
      throw Status.PERMISSION_DENIED
          .withDescription("service " + token.identity().profileId() + " may not open device streams (SERVICE_STREAMS=false); call the RPCs instead")
          .asException();
    }
  }

  /** Whether calls with {@code token} are audited. */
  public static boolean audited(VerifiedToken token) {
    return token.identity().service();
  }

  /** Writes the audit line of one call of a service principal; {@code onBehalfOf} null when it acts as itself. */
  public static void audit(VerifiedToken token, String onBehalfOf, String method, String room) {
    audit.info(
        () -> "audit principal=" + token.identity().profileId()
            + " client=" + token.clientId().orElse("-")
            + " on_behalf_of=" + (onBehalfOf == null ? "-" : onBehalfOf)
            + " method=" + method
            + " room=" + (room == null || room.isEmpty() ? "-" : room));
  }

  /**
   * The {@code room_id} of a request, whether parsed or still the bytes a pass-through relay
   * carries; null when the method's request has none or the bytes do not parse.
   */
  public static String roomOf(MethodDescriptor<?, ?> method, Object request) {
    try {
      Message message;
      if (request instanceof Message parsed) {
        message = parsed;
      } else if (request instanceof byte[] bytes && method.getSchemaDescriptor() instanceof ProtoMethodDescriptorSupplier schema) {
        message = DynamicMessage.parseFrom(schema.getMethodDescriptor().getInputType(), bytes);
      } else {
        return null;
      }
      Descriptors.FieldDescriptor field = message.getDescriptorForType().findFieldByName("room_id");
      return field == null ? null : (String) message.getField(field);
    } catch (InvalidProtocolBufferException | ClassCastException e) {
      return null;
    }
  }
}
