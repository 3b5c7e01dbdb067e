package io.loyaltyengine.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A webhook receiver for a host's end-to-end tests: the JDK's HTTP server on 127.0.0.1 and an ephemeral port,
 * recording every request (path, headers, exact body bytes) before it answers, so that a request is recorded by the
 * time the engine sees its answer. Point a webhook subscription at {@link #url(String)}, dispatch, and check what
 * arrived, its signature included.
 *
 * <pre>{@code
 * try (WebhookReceiver receiver = WebhookReceiver.start()) {
 *   receiver.next("/hook", WebhookReceiver.status(503));   // the first delivery fails, the retry succeeds
 *   ... subscribe receiver.url("/hook"), act, dispatch ...
 *   WebhookReceiver.Request delivered = receiver.requests("/hook").get(0);
 * }
 * }</pre>
 *
 * <p>Answers are scripted per path: a queue of one-off answers is used first, then the path's standing answer
 * (200 unless set). An answer may block until a latch is released, to make the engine's request time out; every
 * blocked answer is released by {@link #close()}.
 *
 * <p>Thread-safe: the server answers on a thread pool of its own, and scripts and reads may come from any thread.
 */
public final class WebhookReceiver implements AutoCloseable {

  /**
   * One request as the receiver saw it. Header names are case-insensitive. Immutable, so thread-safe. Two requests
   * are equal when their method, path, headers (names in any case) and body bytes are.
   *
   * @param method the HTTP method
   * @param path the request's path, without its query
   * @param headers every header, by case-insensitive name, values in the order sent (copied in: unmodifiable)
   * @param body the exact bytes of the body (copied in and out: a request does not change)
   */
  public record Request(String method, String path, Map<String, List<String>> headers, byte[] body) {
    /**
     * Copies the headers and the body, so that the request stays as received; names that differ only in case are
     * one header, their values in the order given.
     */
    public Request {
      Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      headers.forEach((name, values) -> copy.merge(name, List.copyOf(values), (a, b) -> {
        List<String> both = new ArrayList<>(a);
        both.addAll(b);
        return List.copyOf(both);
      }));
      headers = Collections.unmodifiableMap(copy);
      body = body.clone();
    }

    /** A copy of the body's bytes. */
    @Override
    public byte[] body() {
      return body.clone();
    }

    /** The first value of header {@code name} (any case), or null if the request had none. */
    public String header(String name) {
      List<String> values = headers.get(name);
      return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The body as UTF-8 text. */
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** The {@code webhook-id} header: the same on every attempt of one delivery. */
    public String webhookId() {
      return header("webhook-id");
    }

    /** Equal method, path, headers (names in any case) and body bytes. */
    @Override
    public boolean equals(Object other) {
      return other instanceof Request r && Objects.equals(r.method, method) && Objects.equals(r.path, path)
          && r.headers.equals(headers) && Arrays.equals(r.body, body);
    }

    /** Consistent with {@link #equals}: header names are hashed in lower case. */
    @Override
    public int hashCode() {
      int names = 0;
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        names += e.getKey().toLowerCase(Locale.ROOT).hashCode() ^ e.getValue().hashCode();
      }
      return (Objects.hash(method, path) * 31 + names) * 31 + Arrays.hashCode(body);
    }

    /** The method, path, headers and the body's length. */
    @Override
    public String toString() {
      return "Request[" + method + " " + path + ", headers=" + headers + ", body=" + body.length + " bytes]";
    }
  }

  /**
   * What the receiver does with one request, given as recorded and as the exchange to answer on. Called on the
   * receiver's threads, several at once: an answer shared by paths or requests must be thread-safe.
   */
  @FunctionalInterface
  public interface Answer {
    /**
     * Answers {@code request} on {@code exchange}, which the receiver closes afterwards.
     *
     * @throws IOException if the engine went away meanwhile (a request that timed out): ignored
     * @throws InterruptedException if the receiver closed while the answer waited
     */
    void answer(Request request, HttpExchange exchange) throws IOException, InterruptedException;
  }

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "webhook-test-server");
    t.setDaemon(true);
    return t;
  });
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Map<String, ConcurrentLinkedQueue<Answer>> once = new ConcurrentHashMap<>();
  private final Map<String, Answer> standing = new ConcurrentHashMap<>();
  private final List<CountDownLatch> blockers = new CopyOnWriteArrayList<>();
  /** Notified at each request received, for {@link #awaitRequests}. */
  private final Object arrivals = new Object();

  private WebhookReceiver() throws IOException {
    // 127.0.0.1 itself, as url() says: getLoopbackAddress() is ::1 in a JVM that prefers IPv6 addresses.
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * Starts a receiver on 127.0.0.1 and a port the system chooses.
   *
   * @throws IOException if no port could be bound
   */
  public static WebhookReceiver start() throws IOException {
    return new WebhookReceiver();
  }

  /** The server's port on 127.0.0.1. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://127.0.0.1:<port><path>}. */
  public String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  /** Every request received so far, in arrival order. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** The requests received on {@code path}, in arrival order. */
  public List<Request> requests(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  /**
   * The requests received on {@code path} once there are at least {@code count} of them, or after 30 s, whichever
   * comes first. For a request the engine gave up on (its request timeout ran out): the engine may have made it
   * before the receiver's thread got to it, on a busy machine. An interrupt ends the wait (the thread's status set
   * again) with the requests received so far.
   */
  public List<Request> awaitRequests(String path, int count) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    synchronized (arrivals) {
      List<Request> got = requests(path);
      while (got.size() < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return got;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(arrivals, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return requests(path);
        }
        got = requests(path);
      }
      return got;
    }
  }

  /** Answers every later request on {@code path} with {@code answer}, after the one-off answers. */
  public void always(String path, Answer answer) {
    standing.put(path, Objects.requireNonNull(answer, "answer"));
  }

  /** Answers the next request on {@code path} (after earlier one-off answers) with {@code answer}. */
  public void next(String path, Answer answer) {
    once.computeIfAbsent(path, p -> new ConcurrentLinkedQueue<>()).add(Objects.requireNonNull(answer, "answer"));
  }

  /** An answer with a status, no body, and header pairs ({@code name, value, name, value, ...}). */
  public static Answer status(int status, String... headerPairs) {
    if (headerPairs.length % 2 != 0) {
      throw new IllegalArgumentException("header names and values come in pairs");
    }
    return (request, exchange) -> {
      for (int i = 0; i < headerPairs.length; i += 2) {
        exchange.getResponseHeaders().add(headerPairs[i], headerPairs[i + 1]);
      }
      exchange.sendResponseHeaders(status, -1);
    };
  }

  /**
   * An answer that signals {@code arrived}, then waits until {@code release} is counted down (or the server is
   * closed), then answers 200. The engine's request timeout ends the request long before.
   */
  public Answer blockUntil(CountDownLatch arrived, CountDownLatch release) {
    blockers.add(release);
    return (request, exchange) -> {
      arrived.countDown();
      release.await(60, TimeUnit.SECONDS);
      exchange.sendResponseHeaders(200, -1);
    };
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      String path = exchange.getRequestURI().getPath();
      Request request = new Request(exchange.getRequestMethod(), path, exchange.getRequestHeaders(), body);
      requests.add(request);
      synchronized (arrivals) {
        arrivals.notifyAll();
      }
      ConcurrentLinkedQueue<Answer> queue = once.get(path);
      Answer oneOff = queue == null ? null : queue.poll();
      Answer answer = oneOff != null ? oneOff : standing.getOrDefault(path, status(200));
      try {
        answer.answer(request, exchange);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        // The engine gave up on this request (a timeout): nobody reads the answer.
      }
    }
  }

  /** Releases blocked answers and stops the server. */
  @Override
  public void close() {
    for (CountDownLatch release : new ArrayList<>(blockers)) {
      while (release.getCount() > 0) {
        release.countDown();
      }
    }
    server.stop(0);
    threads.shutdownNow();
  }
}
