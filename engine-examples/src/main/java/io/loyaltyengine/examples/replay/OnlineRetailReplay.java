package io.loyaltyengine.examples.replay;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.sql.SQLException;
import java.util.Map;

/**
 * Replays a real order log through the engine, as a shop migrating its history would: the line-level Online
 * Retail CSV (UCI "Online Retail", plain or gzipped) is grouped into invoices and applied in time order, a point per
 * whole pound of each purchase, cancellations taken back as far as the balance goes, and a campaign reward unlocked
 * every 10 purchase invoices. At the end it prints what it did, the boards by points, and its throughput.
 *
 * <pre>
 * OnlineRetailReplay LOG.csv[.gz] [--db PATH | --jdbc-url URL [--user USER] [--password PASSWORD]]
 *                    [--export FILE] [--batch N] [--quiet]
 * </pre>
 *
 * <p>See {@code docs/REPLAY.md} for the rules, the options and measured figures. Exit status: 0 done, 2 a usage or
 * input error, an export that cannot be written included (nothing changed), 1 the database could not be opened or
 * failed (what was committed stays; a rerun resumes after it), or the export failed after the replay committed.
 *
 * <p>Not thread-safe; a program, run once per process.
 */
public final class OnlineRetailReplay {
  private OnlineRetailReplay() {
  }

  /**
   * Runs the replay; exits with a non-zero status if it failed.
   *
   * @param args the command line (see the class description)
   */
  public static void main(String[] args) {
    int status = execute(args, System.getenv(), System.out, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /**
   * Reads the command line and runs the replay, the progress bar on the terminal unless {@code --quiet}.
   *
   * @return the exit status: 0 done, 2 a usage or input error, 1 database failure
   */
  static int execute(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
    ReplayOptions options;
    try {
      options = ReplayOptions.parse(args, environment);
    } catch (LoyaltyException e) {
      err.println(e.getMessage());
      return 2;
    }
    return run(options, ProgressBar.forTerminal(options.quiet()), out, err);
  }

  /**
   * Runs the replay and prints its summary to {@code out}, errors to {@code err}.
   *
   * @return the exit status: 0 done, 2 input error, 1 database failure
   */
  static int run(ReplayOptions options, ProgressBar bar, PrintStream out, PrintStream err) {
    try {
      ReplaySummary summary = new RetailReplay(options).run(bar);
      summary.print(out);
      if (options.export() != null) {
        out.println();
        out.println("Exported one row per customer to " + options.export());
      }
      return 0;
    } catch (NoSuchFileException e) {
      err.println("The order log was not found: " + options.log());
      return 2;
    } catch (ExportException e) {
      if (e.afterReplay()) {
        err.println("The export could not be written to " + e.file() + " (" + e.reason() + "). The replay is"
            + " committed; run the same command again to write the export (it changes nothing else).");
        return 1;
      }
      err.println("The export cannot be written to " + e.file() + " (" + e.reason() + "). Nothing was changed.");
      return 2;
    } catch (LoyaltyException e) {
      if (RetailReplay.OPENING.equals(e.field().orElse(null))) {
        err.println("The database could not be opened (" + e.code() + ": " + e.getMessage() + ").");
        return 1;
      }
      if (e.code() == ErrorCode.VALIDATION_ERROR) {
        err.println("The order log cannot be replayed: " + e.getMessage());
        return 2;
      }
      err.println(stopped(e.code().toString()));
      return 1;
    } catch (SQLException e) {
      // Only the SQLState: a driver's message may quote row values.
      err.println(stopped("SQLState " + e.getSQLState()));
      return 1;
    } catch (IOException e) {
      err.println("The order log could not be read: " + e.getClass().getSimpleName());
      return 2;
    }
  }

  private static String stopped(String cause) {
    return "The replay stopped (" + cause + "). The batches committed before stay; run the same command again to"
        + " resume after them.";
  }
}
