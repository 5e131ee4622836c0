/**
 * Presence answered on request ({@code GetPresence}): for rooms too large for pushed presence and for
 * profiles outside the caller's rooms, from this gateway's sessions and the directory's view of every
 * gateway. Pushed presence (announcements, coalescing) lives with the sessions in {@code session}.
 */
package io.chatgateway.gateway.presence;
