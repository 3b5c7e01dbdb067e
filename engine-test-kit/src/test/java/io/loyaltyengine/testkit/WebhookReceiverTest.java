package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WebhookReceiverTest {

  /**
   * The receiver's javadoc: "the JDK's HTTP server on 127.0.0.1", and {@code url(path)} is
   * {@code http://127.0.0.1:<port><path>}. In a JVM that prefers IPv6 addresses (an IPv6-first host or container
   * sets {@code java.net.preferIPv6Addresses=true}) the loopback address is {@code ::1}; the URL the receiver hands
   * out must still reach it. Run in a child JVM, since the preference is read once per JVM.
   */
  @Test
  void itsUrlReachesItInAJvmThatPrefersIpv6Addresses() throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process child = new ProcessBuilder(List.of(java, "-Djava.net.preferIPv6Addresses=true", "-cp",
        System.getProperty("java.class.path"), Child.class.getName())).redirectErrorStream(true).start();
    try {
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM ended");
      String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, child.exitValue(), output);
      assertTrue(output.contains("received 1 request"), output);
    } finally {
      child.destroyForcibly();
    }
  }

  /**
   * A request is "Immutable, so thread-safe" and its "Header names are case-insensitive", also one a host's test
   * builds itself (to feed its own webhook handler, say): the headers are copied in as the body is, so that a change
   * to the map or lists given leaves the request as made, the copy is read in any case and refuses changes, and two
   * requests of equal parts are equal (the body compared by content, not by array identity).
   */
  @Test
  void aRequestBuiltByAHostKeepsItsHeadersAndEqualsARequestOfEqualParts() {
    List<String> ids = new ArrayList<>(List.of("evt_1"));
    Map<String, List<String>> headers = new HashMap<>(Map.of("webhook-id", ids));
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    WebhookReceiver.Request request = new WebhookReceiver.Request("POST", "/hook", headers, body);
    ids.set(0, "evt_2");
    headers.put("webhook-timestamp", List.of("1700000000"));
    assertEquals("evt_1", request.webhookId());
    assertEquals("evt_1", request.header("Webhook-ID"));
    assertEquals(1, request.headers().size());
    assertThrows(UnsupportedOperationException.class, () -> request.headers().put("x", List.of()));
    assertThrows(UnsupportedOperationException.class, () -> request.headers().get("webhook-id").add("evt_3"));
    WebhookReceiver.Request same = new WebhookReceiver.Request("POST", "/hook", Map.of("webhook-id",
        List.of("evt_1")), "{}".getBytes(StandardCharsets.UTF_8));
    assertEquals(request, same);
    assertEquals(request.hashCode(), same.hashCode());
  }

  /** Starts a receiver and posts to its URL; exits 0 once the receiver recorded the request. */
  static final class Child {
    public static void main(String[] args) throws IOException, InterruptedException {
      try (WebhookReceiver receiver = WebhookReceiver.start()) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<Void> response = client.send(HttpRequest.newBuilder(URI.create(receiver.url("/hook")))
            .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
            HttpResponse.BodyHandlers.discarding());
        System.out.println("status " + response.statusCode() + ", received " + receiver.requests("/hook").size()
            + " request");
        System.exit(response.statusCode() == 200 && receiver.requests("/hook").size() == 1 ? 0 : 1);
      }
    }
  }
}
