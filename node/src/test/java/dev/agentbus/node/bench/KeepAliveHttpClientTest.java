package dev.agentbus.node.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KeepAliveHttpClientTest {

  @Test
  void sendsMoreRequestsThanConnectionsAndReadsEveryAnswer() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/echo", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String answer = "{\"got\":" + new String(body, StandardCharsets.UTF_8) + ",\"tenant\":\""
          + exchange.getRequestHeaders().getFirst("X-Tenant-ID") + "\"}";
      byte[] out = answer.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(201, out.length);
      exchange.getResponseBody().write(out);
      exchange.close();
    });
    server.start();
    try (KeepAliveHttpClient client = new KeepAliveHttpClient(server.getAddress(), 2, 4096)) {
      List<CompletableFuture<KeepAliveHttpClient.Response>> answers = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        byte[] request = KeepAliveHttpClient.post("localhost", "/echo", Map.of("X-Tenant-ID", "t" + i),
            "{\"n\":" + i + ",\"text\":\"h\u00e9\"}");
        answers.add(client.send(request));
      }
      for (int i = 0; i < 20; i++) {
        KeepAliveHttpClient.Response r = answers.get(i).get(10, TimeUnit.SECONDS);
        assertEquals(201, r.status());
        assertEquals("{\"got\":{\"n\":" + i + ",\"text\":\"h\u00e9\"},\"tenant\":\"t" + i + "\"}", r.body());
      }
    } finally {
      server.stop(0);
    }
  }

  @Test
  void failsAnAnswerWithoutContentLength() {
    IOException e = assertThrows(IOException.class,
        () -> KeepAliveHttpClient.contentLength("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"));
    assertTrue(e.getMessage().contains("without Content-Length"), e.getMessage());
  }

  @Test
  void failsPendingRequestsWhenTheServerGoesAway() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/slow", exchange -> {
      // never answers; the server is stopped below
    });
    server.start();
    KeepAliveHttpClient client = new KeepAliveHttpClient(server.getAddress(), 1, 4096);
    CompletableFuture<KeepAliveHttpClient.Response> answer =
        client.send(KeepAliveHttpClient.post("localhost", "/slow", Map.of(), "{}"));
    server.stop(0);
    client.close();
    assertThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
  }
}
