/**
 * gRPC server plumbing shared by gateways and cores: {@link io.chatgateway.grpc.UndecodableRequests}
 * turns requests that cannot be decoded into INVALID_ARGUMENT instead of grpc-java's UNKNOWN with a
 * stack trace in the log.
 */
package io.chatgateway.grpc;
