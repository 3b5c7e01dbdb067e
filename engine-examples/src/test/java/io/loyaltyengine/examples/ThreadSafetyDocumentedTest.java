package io.loyaltyengine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every public type of every module states its thread-safety in its javadoc, as the project's standard asks: in
 * Effective Java's terms (item 82), it says it is immutable, thread-safe (perhaps on a condition), or not
 * thread-safe and on which thread it may be used. The test reads the source files of the whole build, so it lives in
 * the module the reactor builds last.
 */
class ThreadSafetyDocumentedTest {
  /** A public type, top-level or nested, with its modifiers and annotations on the lines before it. */
  private static final Pattern PUBLIC_TYPE = Pattern.compile(
      "^[ \\t]*public\\s+(?:(?:static|final|abstract|sealed|non-sealed|strictfp)\\s+)*"
          + "(?:class|interface|record|enum|@interface)\\s+(\\w+)",
      Pattern.MULTILINE);
  /** What may stand between a javadoc comment and its type: annotations, perhaps with arguments, and white space. */
  private static final Pattern ANNOTATIONS = Pattern.compile("(?:\\s*@[\\w.]+(?:\\([^)]*\\))?)*\\s*");
  /**
   * A statement of thread-safety: immutable (the strongest), thread-safe or not, stateless, or confined to a thread
   * ("only on its thread", "called on the thread running..."). The bare word "thread" is not one ("from 4 threads").
   */
  private static final Pattern STATEMENT =
      Pattern.compile("(?i)immutable|thread-safe|thread safe|stateless|confined|on (?:its|the|one) thread");

  @Test
  void everyPublicTypeStatesItsThreadSafety() throws IOException {
    Path root = projectRoot();
    List<String> missing = new ArrayList<>();
    int types = 0;
    try (Stream<Path> modules = Files.list(root)) {
      for (Path sources : modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).toList()) {
        try (Stream<Path> files = Files.walk(sources)) {
          for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            Matcher type = PUBLIC_TYPE.matcher(text);
            while (type.find()) {
              types++;
              String javadoc = javadocBefore(text, type.start());
              if (javadoc == null || !STATEMENT.matcher(javadoc).find()) {
                missing.add(root.relativize(file) + " " + type.group(1)
                    + (javadoc == null ? " (no javadoc)" : ""));
              }
            }
          }
        }
      }
    }
    // Guards against a pattern that silently matches nothing: the engine has far more public types than this.
    assertTrue(types > 200, "found only " + types + " public types under " + root);
    assertEquals(List.of(), missing, "public types whose javadoc does not state their thread-safety");
  }

  /** The javadoc comment right before {@code at}, annotations aside, or null if there is none. */
  private static String javadocBefore(String text, int at) {
    int end = text.lastIndexOf("*/", at);
    if (end < 0 || !ANNOTATIONS.matcher(text.substring(end + 2, at)).matches()) {
      return null;
    }
    int start = text.lastIndexOf("/**", end);
    return start < 0 ? null : text.substring(start, end);
  }

  /** The directory holding the parent pom: Maven runs each module's tests in the module's own directory. */
  private static Path projectRoot() {
    Path root = Path.of(System.getProperty("basedir", "")).toAbsolutePath().getParent();
    assertTrue(root != null && Files.isRegularFile(root.resolve("pom.xml")), "no parent pom above the module");
    return root;
  }
}
