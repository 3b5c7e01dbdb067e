package io.loyaltyengine.examples.replay;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * The per-customer export ({@code --export}) cannot be written: found before the replay changes anything, or
 * after it committed. Kept apart from the order log's {@link IOException}s so that the command names the right file.
 *
 * <p>Immutable; thread-safe.
 */
final class ExportException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final boolean afterReplay;

  ExportException(Path file, boolean afterReplay, IOException cause) {
    super("the export cannot be written to " + file, cause);
    this.file = file;
    this.afterReplay = afterReplay;
  }

  /** The export file given. */
  Path file() {
    return file;
  }

  /** Whether the replay had applied (and committed) the log before the export failed. */
  boolean afterReplay() {
    return afterReplay;
  }

  /** Why, as the file system says it (e.g. "Not a directory"), or the failure's type: no file contents. */
  String reason() {
    Throwable cause = getCause();
    if (cause instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return cause.getClass().getSimpleName();
  }
}
