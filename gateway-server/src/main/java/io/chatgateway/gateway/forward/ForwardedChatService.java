package io.chatgateway.gateway.forward;

import io.chatgateway.grpc.UndecodableRequests;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's {@code chat.v1.ChatService}: {@code Connect} and the methods {@link ServedHere}
 * served by the gateway, every other method relayed to the core.
 *
 * <p>Pass-through methods never decode, so requests that are not the method's message reach the core,
 * which answers INVALID_ARGUMENT; parsed ones answer it here ({@link UndecodableRequests}). {@code
 * Connect} frames are bytes the session decodes itself.
 *
 * <p>The service keeps the proto schema descriptor, so server reflection still describes it even
 * when its methods carry raw bytes.
 */
public final class ForwardedChatService {

  /** How relayed messages are (not) decoded. */
  public enum Marshalling {
    /** Messages stay bytes end to end; the gateway never parses them. The default. */
    PASS_THROUGH,
    /** Messages are parsed and re-serialized; kept to measure pass-through against. */
    PARSED
  }

  private ForwardedChatService() {}

  /**
   * @param upstream channel to the core; calls carry identity, deadline and breaker from it
   * @param connect serves the device stream; its method must be {@code chat.v1.ChatService/Connect}
   * @param servedHere unary methods the gateway answers itself
   */
  public static ServerServiceDefinition create(
      Channel upstream, Marshalling marshalling, ServerMethodDefinition<?, ?> connect, List<ServedHere<?, ?>> servedHere) {
    if (!connect.getMethodDescriptor().getFullMethodName().equals(ChatServiceGrpc.getConnectMethod().getFullMethodName())) {
      throw new IllegalArgumentException("not the Connect method: " + connect.getMethodDescriptor().getFullMethodName());
    }
    ServiceDescriptor proto = ChatServiceGrpc.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(proto.getName()).setSchemaDescriptor(proto.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (MethodDescriptor<?, ?> method : proto.getMethods()) {
      ServerMethodDefinition<?, ?> definition;
      ServedHere<?, ?> here = servedHere.stream().filter(served -> served.method().getFullMethodName().equals(method.getFullMethodName())).findFirst().orElse(null);
      if (method.equals(ChatServiceGrpc.getConnectMethod())) {
        definition = connect;
      } else if (here != null) {
        // Parsed here, so garbage must be answered here.
        definition = UndecodableRequests.guard(ServedHere.definition(here));
      } else if (marshalling == Marshalling.PASS_THROUGH) {
        definition = relay(method.toBuilder(RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE).build(), upstream);
      } else {
        // Parsed here, so garbage must be answered here (pass-through leaves that to the core).
        definition = UndecodableRequests.guard(relay(method, upstream));
      }
      descriptor.addMethod(definition.getMethodDescriptor());
      methods.add(definition);
    }
    ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(service::addMethod);
    return service.build();
  }

  private static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> relay(
      MethodDescriptor<ReqT, RespT> method, Channel upstream) {
    return ServerMethodDefinition.create(method, new ForwardingCallHandler<>(method, upstream));
  }
}
