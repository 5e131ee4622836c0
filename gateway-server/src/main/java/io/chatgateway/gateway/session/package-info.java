/**
 * The transport-agnostic session core: one {@link io.chatgateway.gateway.session.DeviceSession} per
 * device stream, whichever transport carries it ({@link io.chatgateway.gateway.session.SessionTransport}).
 *
 * <p>Flow: a transport hands raw frames to its session. The session decodes them ({@link
 * io.chatgateway.gateway.session.FrameCodec}), rate-limits them ({@link
 * io.chatgateway.gateway.session.TokenBucket}) and acts: it calls the core, or it publishes through
 * the engine. Envelopes from the engine reach {@link io.chatgateway.gateway.session.RoomFanout}, which
 * encodes each event once ({@link io.chatgateway.gateway.session.OutboundEvent}; a room event's JSON
 * for WebSocket text clients by {@link io.chatgateway.gateway.session.RoomEventJson}) and offers it to
 * every local subscriber's bounded {@link io.chatgateway.gateway.session.OutboundQueue}. Each session
 * writes its queue out as fast as its transport's flow control allows. A presence change that went to
 * several rooms reaches each local recipient once ({@link
 * io.chatgateway.gateway.session.PresenceCopies}).
 *
 * <p>A session's parts, each with one job: {@link io.chatgateway.gateway.session.InboundFrames}
 * (hello-first, frame rate, dispatch), {@link io.chatgateway.gateway.session.Handshake} (hello,
 * resume, ready), {@link io.chatgateway.gateway.session.Subscriptions} (its rooms, the subscribe
 * protocol, fan-out into each {@link io.chatgateway.gateway.session.RoomSlot}), {@link
 * io.chatgateway.gateway.session.SendPipeline} (ordered sends, inbound back-pressure), {@link
 * io.chatgateway.gateway.session.TypingRelay}, {@link io.chatgateway.gateway.session.SessionToken},
 * {@link io.chatgateway.gateway.session.OutboundPump} (queue, drain, batches), {@link
 * io.chatgateway.gateway.session.GapFill} (what the device missed, from history, before live
 * events), {@link io.chatgateway.gateway.session.ResumeRecorder} and {@link
 * io.chatgateway.gateway.session.SessionLifecycle}. Each slot knows the session's position in its
 * room and lets through only the next event in sequence; gateway-wide, {@link
 * io.chatgateway.gateway.session.RecentEvents} keeps the newest events of each room for fills.
 *
 * <p>Ports: the session knows no transport and no RPC library. Transports implement {@link
 * io.chatgateway.gateway.session.SessionTransport} and map its {@link
 * io.chatgateway.gateway.session.CloseCode}s to their wire; the core is reached through {@link
 * io.chatgateway.gateway.session.CoreCalls}, whose failures arrive as {@link
 * io.chatgateway.gateway.session.CoreCallException}s; other gateways through the ports in {@code
 * backplane}. Time comes from the clock and ticker {@link
 * io.chatgateway.gateway.session.SessionServices} is given.
 *
 * <p>Threading: each session's state belongs to its {@link io.chatgateway.gateway.session.SerialExecutor}.
 * Fan-out threads touch only a session's queue and per-room slots, never its other state.
 */
package io.chatgateway.gateway.session;
