/**
 * The HTTP port (Undertow): the WebSocket bridge at {@code /ws}, liveness and readiness ({@code
 * /healthz}, {@code /readyz}), RPCs over the Connect protocol and gRPC-Web ({@code POST
 * /chat.v1.ChatService/<Method>}: {@link io.chatgateway.gateway.http.RpcHandler}, one {@code RpcWire}
 * per protocol, streamed answers relayed with flow control), the demo page at {@code /}, and in
 * development mode only a token endpoint. {@link io.chatgateway.gateway.http.HttpServer} assembles
 * the routes.
 */
package io.chatgateway.gateway.http;
