package io.chatgateway.gateway.transport.grpc;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufUtil;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An HTTP/2 client at frame level over a real socket, for what grpc-java's client hides: the frames
 * the gateway sends, and headers encoded the way the test chooses (HPACK by Netty's encoder, which
 * indexes every header and signals table size changes as RFC 7541 asks). Not thread-safe: one test
 * thread drives it.
 */
final class RawHttp2Peer implements Closeable {

  static final int DATA = 0x0;
  static final int HEADERS = 0x1;
  static final int SETTINGS = 0x4;
  static final int PING = 0x6;
  static final int GOAWAY = 0x7;
  static final int FLAG_ACK = 0x1;
  static final int FLAG_END_STREAM = 0x1;
  static final int FLAG_END_HEADERS = 0x4;
  static final int SETTINGS_HEADER_TABLE_SIZE = 0x1;

  /** One frame as read. */
  record Frame(int type, int flags, int streamId, byte[] payload) {
    boolean is(int frameType, int flag) {
      return type == frameType && (flags & flag) == flag;
    }

    boolean isAck() {
      return (flags & FLAG_ACK) != 0;
    }

    @Override
    public String toString() {
      String name =
          switch (type) {
            case DATA -> "DATA";
            case HEADERS -> "HEADERS";
            case SETTINGS -> "SETTINGS";
            case PING -> "PING";
            case GOAWAY -> "GOAWAY";
            default -> "type " + type;
          };
      return name + "(flags " + flags + ", stream " + streamId + ", " + payload.length + " bytes)";
    }

    /** The value of {@code id} in a SETTINGS frame, or -1 when it does not carry it. */
    long setting(int id) {
      ByteBuffer entries = ByteBuffer.wrap(payload);
      long value = -1;
      while (entries.remaining() >= 6) {
        int entryId = entries.getShort() & 0xFFFF;
        long entryValue = entries.getInt() & 0xFFFFFFFFL;
        if (entryId == id) {
          value = entryValue;
        }
      }
      return value;
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(true);

  private RawHttp2Peer(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects, sends the preface and empty SETTINGS; reads time out after {@code readTimeout}. */
  static RawHttp2Peer connect(int port, Duration readTimeout) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("localhost", port), 5_000);
    socket.setSoTimeout((int) readTimeout.toMillis());
    RawHttp2Peer peer = new RawHttp2Peer(socket);
    peer.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    peer.write(SETTINGS, 0, 0, new byte[0]);
    return peer;
  }

  /** The next frame; throws EOFException once the gateway closed the connection. */
  Frame read() throws IOException {
    int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
    int type = in.readUnsignedByte();
    int flags = in.readUnsignedByte();
    int streamId = in.readInt() & 0x7FFFFFFF;
    return new Frame(type, flags, streamId, in.readNBytes(length));
  }

  void write(int type, int flags, int streamId, byte[] payload) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(9);
    header.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
    header.put((byte) type).put((byte) flags).putInt(streamId);
    out.write(header.array());
    out.write(payload);
    out.flush();
  }

  /**
   * Acknowledges a SETTINGS frame and applies what this peer's encoder must: a smaller header table
   * makes its next header block start with a table size update.
   */
  void acknowledge(Frame settings) throws IOException, Http2Exception {
    long tableSize = settings.setting(SETTINGS_HEADER_TABLE_SIZE);
    if (tableSize >= 0) {
      encoder.configuration().maxHeaderTableSize(tableSize);
    }
    write(SETTINGS, FLAG_ACK, 0, new byte[0]);
  }

  /** Answers a PING as a live peer must. */
  void answer(Frame ping) throws IOException {
    write(PING, FLAG_ACK, 0, ping.payload());
  }

  /** Sends a HEADERS frame ending the header block (and the stream when {@code endStream}). */
  void headers(int streamId, Http2Headers headers, boolean endStream) throws IOException, Http2Exception {
    ByteBuf block = Unpooled.buffer();
    try {
      encoder.encodeHeaders(streamId, headers, block);
      write(HEADERS, FLAG_END_HEADERS | (endStream ? FLAG_END_STREAM : 0), streamId, ByteBufUtil.getBytes(block));
    } finally {
      block.release();
    }
  }

  /** Sends one gRPC message (length-prefixed) in a DATA frame. */
  void message(int streamId, byte[] message, boolean endStream) throws IOException {
    ByteBuffer framed = ByteBuffer.allocate(5 + message.length);
    framed.put((byte) 0).putInt(message.length).put(message);
    write(DATA, endStream ? FLAG_END_STREAM : 0, streamId, framed.array());
  }

  /** Decodes a HEADERS frame's block (one frame, no CONTINUATION, as the gateway sends them). */
  Http2Headers decode(Frame headers) throws Http2Exception {
    ByteBuf block = Unpooled.wrappedBuffer(headers.payload());
    try {
      return decoder.decodeHeaders(headers.streamId(), block);
    } finally {
      block.release();
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
