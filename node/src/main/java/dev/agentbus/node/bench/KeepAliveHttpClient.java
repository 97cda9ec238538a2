package dev.agentbus.node.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The load side of W7: a fixed set of HTTP/1.1 keep-alive connections served by one selector thread,
 * one request in flight per connection (no pipelining). Each request goes out in one write, headers and
 * body together, as the SDKs' HTTP libraries send a small JSON body; the JDK's HttpClient writes them
 * separately, which makes the server stream every body, and its per-request cost took a fifth of the two
 * cores the node shares with it. Answers must carry a {@code Content-Length} (the API's JSON answers do);
 * anything else fails the request.
 */
final class KeepAliveHttpClient implements AutoCloseable {

  /** A status and a UTF-8 body. */
  record Response(int status, String body) {}

  private record Request(byte[] bytes, CompletableFuture<Response> answer) {}

  private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

  private final Selector selector;
  private final List<Connection> connections = new ArrayList<>();
  private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Request> waiting = new ConcurrentLinkedQueue<>();
  private final Thread loop;
  private volatile boolean open = true;

  KeepAliveHttpClient(InetSocketAddress server, int connectionCount, int bufferBytes) throws IOException {
    selector = Selector.open();
    for (int i = 0; i < connectionCount; i++) {
      SocketChannel channel = SocketChannel.open(server);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      channel.configureBlocking(false);
      Connection c = new Connection(channel, bufferBytes);
      channel.register(selector, SelectionKey.OP_READ, c);
      connections.add(c);
      idle.add(c);
    }
    loop = new Thread(this::run, "bench-http-keepalive");
    loop.setDaemon(true);
    loop.start();
  }

  /** A request as the wire carries it: request line, headers, {@code Content-Length} and the body. */
  static byte[] post(String host, String path, Map<String, String> headers, String body) {
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder(256 + path.length())
        .append("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("Content-Length: ").append(content.length).append("\r\n\r\n");
    byte[] start = head.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[start.length + content.length];
    System.arraycopy(start, 0, all, 0, start.length);
    System.arraycopy(content, 0, all, start.length, content.length);
    return all;
  }

  /** Sends on an idle connection now, or as soon as one is free. */
  CompletableFuture<Response> send(byte[] request) {
    CompletableFuture<Response> answer = new CompletableFuture<>();
    if (!open) {
      answer.completeExceptionally(new IOException("client closed"));
      return answer;
    }
    Connection c = idle.poll();
    if (c == null) {
      waiting.add(new Request(request, answer));
      // a connection freed between the poll and the add would not see this request
      Connection late = idle.poll();
      if (late != null) startNext(late);
    } else {
      c.start(new Request(request, answer));
    }
    return answer;
  }

  private void startNext(Connection c) {
    Request next = waiting.poll();
    if (next == null) idle.add(c);
    else c.start(next);
  }

  private void run() {
    try {
      while (open) {
        selector.select(key -> ((Connection) key.attachment()).readable());
      }
    } catch (IOException | RuntimeException e) {
      connections.forEach(c -> c.fail(e));
    }
  }

  @Override
  public void close() {
    open = false;
    selector.wakeup();
    try {
      loop.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Connection c : connections) {
      c.fail(new IOException("client closed"));
      try {
        c.channel.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    try {
      selector.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  /** One keep-alive connection; its request is started by any thread, its answer read by the loop. */
  private final class Connection {
    final SocketChannel channel;
    final ByteBuffer in;
    volatile CompletableFuture<Response> pending;

    Connection(SocketChannel channel, int bufferBytes) {
      this.channel = channel;
      this.in = ByteBuffer.allocate(bufferBytes);
    }

    void start(Request r) {
      pending = r.answer();
      ByteBuffer out = ByteBuffer.wrap(r.bytes());
      try {
        // a small request fits the socket buffer; a full buffer means the server is not reading yet
        while (out.hasRemaining()) {
          if (channel.write(out) == 0) Thread.onSpinWait();
        }
      } catch (IOException e) {
        fail(e);
      }
    }

    void readable() {
      try {
        if (channel.read(in) < 0) {
          fail(new IOException("server closed the connection"));
          return;
        }
        Response r = parse();
        if (r == null) return;
        CompletableFuture<Response> answer = pending;
        pending = null;
        startNext(this);
        if (answer != null) answer.complete(r);
      } catch (IOException | RuntimeException e) {
        fail(e);
      }
    }

    /** A whole answer from the buffer, or null while it is incomplete. */
    private Response parse() throws IOException {
      byte[] b = in.array();
      int end = indexOf(b, in.position(), HEADER_END);
      if (end < 0) {
        if (!in.hasRemaining()) throw new IOException("answer headers larger than the buffer");
        return null;
      }
      String head = new String(b, 0, end, StandardCharsets.ISO_8859_1);
      int bodyStart = end + HEADER_END.length;
      int length = contentLength(head);
      if (bodyStart + length > b.length) throw new IOException("answer larger than the buffer: " + length);
      if (in.position() < bodyStart + length) return null;
      int status = Integer.parseInt(head.substring(9, 12));
      String body = new String(b, bodyStart, length, StandardCharsets.UTF_8);
      // one request per connection at a time: nothing follows the answer
      in.clear();
      return new Response(status, body);
    }

    void fail(Throwable e) {
      CompletableFuture<Response> answer = pending;
      pending = null;
      if (answer != null) answer.completeExceptionally(e);
    }
  }

  static int contentLength(String head) throws IOException {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
        return Integer.parseInt(line.substring(colon + 1).trim());
      }
    }
    throw new IOException("answer without Content-Length: " + head.lines().findFirst().orElse(""));
  }

  static int indexOf(byte[] data, int limit, byte[] pattern) {
    outer:
    for (int i = 0; i + pattern.length <= limit; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (data[i + j] != pattern[j]) continue outer;
      }
      return i;
    }
    return -1;
  }
}
