/**
 * The ports between the session core and the distributed engine: {@link
 * io.chatgateway.gateway.backplane.Engine} carries room envelopes between gateways, {@link
 * io.chatgateway.gateway.backplane.SessionDirectory} tells the other gateways about this one's
 * sessions, through {@link io.chatgateway.gateway.backplane.SessionSnapshot} values, and {@link
 * io.chatgateway.gateway.backplane.ResumeRecords} keeps what a resume needs. The session core
 * ({@code session}) uses them; the implementations ({@code engine}: in memory, Redis) provide them.
 * Neither of those packages depends on the other.
 */
package io.chatgateway.gateway.backplane;
