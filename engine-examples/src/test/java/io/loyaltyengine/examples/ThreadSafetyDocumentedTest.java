package io.loyaltyengine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
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
    int types = undocumented(root, ThreadSafetyDocumentedTest::publicTypes, missing);
    // Guards against a pattern that silently matches nothing: the engine has far more public types than this.
    assertTrue(types > 200, "found only " + types + " public types under " + root);
    assertEquals(List.of(), missing, "public types whose javadoc does not state their thread-safety");
  }

  /**
   * A member type of a public interface is public without the keyword ({@code ParticipantRef.ById}, an SPI port's
   * record), so {@link #PUBLIC_TYPE} does not see it; it states its thread-safety all the same.
   */
  @Test
  void everyMemberTypeOfAPublicInterfaceStatesItsThreadSafety() throws IOException {
    Path root = projectRoot();
    List<String> missing = new ArrayList<>();
    int types = undocumented(root, ThreadSafetyDocumentedTest::implicitlyPublicMembers, missing);
    // Guards against a parser that silently finds nothing: ParticipantRef alone has two such members.
    assertTrue(types >= 2, "found only " + types + " implicitly public member types under " + root);
    assertEquals(List.of(), missing, "member types of public interfaces whose javadoc does not state their "
        + "thread-safety");
  }

  /**
   * Adds to {@code missing} the types {@code declared} finds in every module's main sources whose javadoc does not
   * state their thread-safety, and returns how many types it found.
   */
  private static int undocumented(Path root, Function<String, List<Declared>> declared, List<String> missing)
      throws IOException {
    int types = 0;
    try (Stream<Path> modules = Files.list(root)) {
      for (Path sources : modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).toList()) {
        try (Stream<Path> files = Files.walk(sources)) {
          for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            for (Declared type : declared.apply(text)) {
              types++;
              String javadoc = javadocBefore(text, type.start());
              if (javadoc == null || !STATEMENT.matcher(javadoc).find()) {
                missing.add(root.relativize(file) + " " + type.name() + (javadoc == null ? " (no javadoc)" : ""));
              }
            }
          }
        }
      }
    }
    return types;
  }

  /** The types declared {@code public}. */
  private static List<Declared> publicTypes(String text) {
    List<Declared> found = new ArrayList<>();
    Matcher type = PUBLIC_TYPE.matcher(text);
    while (type.find()) {
      found.add(new Declared(type.group(1), type.start()));
    }
    return found;
  }

  /** A type declared in a source file: its name and where its declaration's first line begins. */
  private record Declared(String name, int start) {
  }

  /** A type declaration's keyword and name, in source whose comments and literals are blanked. */
  private static final Pattern DECLARATION =
      Pattern.compile("(?<![\\w.@])(class|interface|enum|record)\\s+(\\w+)");

  /**
   * The member types declared without {@code public} in an interface that is itself public (or a public member),
   * to which Java gives the modifier. Braces are matched on the text with its comments, string
   * and character literals blanked.
   */
  private static List<Declared> implicitlyPublicMembers(String text) {
    String code = blankCommentsAndLiterals(text);
    List<Declared> found = new ArrayList<>();
    // Per open brace: 'P' a public interface's body, 'C' another public type's, 'T' any other type's, 'B' a block.
    Deque<Character> open = new ArrayDeque<>();
    Matcher declaration = DECLARATION.matcher(code);
    int next = declaration.find() ? declaration.start() : -1;
    char pending = 0;
    for (int i = 0; i < code.length(); i++) {
      if (i == next) {
        int from = Math.max(Math.max(code.lastIndexOf(';', i), code.lastIndexOf('{', i)), code.lastIndexOf('}', i));
        String modifiers = code.substring(from + 1, i);
        boolean isPublic = modifiers.matches("(?s).*\\bpublic\\b.*");
        char enclosing = open.isEmpty() ? 'T' : open.peek();
        boolean interfaceMember = enclosing == 'P' && !modifiers.matches("(?s).*\\b(private|protected)\\b.*");
        if (interfaceMember && !isPublic) {
          found.add(new Declared(declaration.group(2), text.lastIndexOf('\n', i) + 1));
        }
        boolean visible = open.isEmpty() ? isPublic
            : enclosing == 'P' ? interfaceMember : enclosing == 'C' && isPublic;
        pending = !visible ? 'T' : declaration.group(1).equals("interface") ? 'P' : 'C';
        next = declaration.find() ? declaration.start() : -1;
      }
      char c = code.charAt(i);
      if (c == '{') {
        open.push(pending == 0 ? 'B' : pending);
        pending = 0;
      } else if (c == '}') {
        open.pop();
      } else if (c == ';') {
        pending = 0;
      }
    }
    return found;
  }

  /** {@code text} with comments, string literals (text blocks included) and character literals made spaces. */
  private static String blankCommentsAndLiterals(String text) {
    StringBuilder out = new StringBuilder(text);
    int i = 0;
    while (i < text.length()) {
      int end;
      if (text.startsWith("//", i)) {
        end = text.indexOf('\n', i);
      } else if (text.startsWith("/*", i)) {
        end = text.indexOf("*/", i + 2) + 2;
      } else if (text.startsWith("\"\"\"", i)) {
        end = text.indexOf("\"\"\"", i + 3) + 3;
      } else if (text.charAt(i) == '"' || text.charAt(i) == '\'') {
        end = i + 1;
        while (text.charAt(end) != text.charAt(i)) {
          end += text.charAt(end) == '\\' ? 2 : 1;
        }
        end++;
      } else {
        i++;
        continue;
      }
      end = end <= 0 ? text.length() : end;
      for (int j = i; j < end; j++) {
        if (out.charAt(j) != '\n') {
          out.setCharAt(j, ' ');
        }
      }
      i = end;
    }
    return out.toString();
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
