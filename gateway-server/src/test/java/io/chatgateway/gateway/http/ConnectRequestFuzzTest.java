package io.chatgateway.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.Message;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.grpc.MethodDescriptor;
import java.util.List;

/**
 * Connect-protocol request bodies, JSON and binary, for every unary method: a message of the method's
 * request type, or IllegalArgumentException (answered 400 invalid_argument); nothing else escapes.
 */
class ConnectRequestFuzzTest {

  static final List<Message> PROTOTYPES =
      ChatServiceGrpc.getServiceDescriptor().getMethods().stream()
          .filter(method -> method.getType() == MethodDescriptor.MethodType.UNARY)
          .map(method -> (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller()).getMessagePrototype())
          .toList();

  @FuzzTest(maxDuration = "5s")
  void anyBodyIsTheRequestOrInvalidArgument(FuzzedDataProvider data) {
    Message prototype = data.pickValue(PROTOTYPES);
    boolean json = data.consumeBoolean();
    byte[] body = data.consumeRemainingAsBytes();
    try {
      Message request = (json ? MessageCodec.JSON : MessageCodec.PROTO).decode(prototype, body);
      assertEquals(prototype.getDescriptorForType(), request.getDescriptorForType());
    } catch (IllegalArgumentException invalid) {
      assertNotNull(invalid.getMessage());
    }
  }
}
