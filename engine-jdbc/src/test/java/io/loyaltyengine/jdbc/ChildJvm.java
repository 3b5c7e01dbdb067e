package io.loyaltyengine.jdbc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A second process for the tests that need one (the kill tests, a database another process holds open): a new JVM
 * running a test class's {@code main} on this test's class path. Not thread-safe; used by one test at a time.
 */
final class ChildJvm {
  private ChildJvm() {
  }

  /**
   * Starts {@code main} with {@code args} in a new JVM with this JVM's java binary and class path, its standard error
   * going to {@code errors}.
   */
  static Process start(Class<?> main, Path errors, String... args) throws IOException {
    String java = ProcessHandle.current().info().command().orElseThrow();
    List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        main.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(errors.toFile()).start();
  }

  /**
   * The child's next line on {@code out}, waited for at most {@code seconds}: a read from a pipe is not interrupted
   * by a test's timeout, so it runs on a thread of its own. Fails with the child's standard error if it ended or
   * took longer; then the caller kills it, which ends the read.
   */
  static String readLine(BufferedReader out, Path errors, long seconds) throws IOException, InterruptedException {
    CompletableFuture<String> line = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try {
        line.complete(out.readLine());
      } catch (IOException | RuntimeException e) {
        line.completeExceptionally(e);
      }
    }, "child-jvm-reader");
    reader.setDaemon(true);
    reader.start();
    String read;
    try {
      read = line.get(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the child process wrote no line in " + seconds + " s:\n" + Files.readString(errors));
    } catch (ExecutionException e) {
      throw new IOException(e.getCause());
    }
    if (read == null) {
      throw new AssertionError("the child process ended early:\n" + Files.readString(errors));
    }
    return read;
  }

  /** A reader of the child's standard output. */
  static BufferedReader output(Process child) {
    return new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
  }

  /** Kills the child if it still runs and waits, at most {@code seconds}, for it to end. */
  static void kill(Process child, long seconds) throws InterruptedException {
    child.destroyForcibly();
    if (!child.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("the child process did not end in " + seconds + " s after it was killed");
    }
  }
}
