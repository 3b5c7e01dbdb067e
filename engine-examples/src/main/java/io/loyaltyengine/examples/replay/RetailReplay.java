package io.loyaltyengine.examples.replay;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.jdbc.JdbcHostTransaction;
import io.loyaltyengine.jdbc.JdbcStorage;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.CampaignTotals;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.tenant.Tenant;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;

/**
 * Applies an order log's invoices to the engine, as a shop migrating its history would, and reports on it.
 *
 * <h2>Setup</h2>
 * The first run on a database creates a tenant, a brand, a campaign in Europe/London and a campaign reward (a
 * thank-you message, unlocked every 10 purchase invoices, without limit), and records their ids in the replay's own
 * table ({@link ReplayTables}); later runs find them there. Each customer becomes a participant of the campaign at
 * its first applied invoice, with the email {@code customer-<id>@online-retail.example} and the metadata
 * {@code customerId}; the replay keeps the customer-to-participant map in memory and names participants by id.
 *
 * <h2>Applying</h2>
 * Invoices are applied one at a time, in the log's order, with the engine's clock set to the invoice's time:
 * a purchase awards its points ({@code Points.award}) and records one loyalty action toward the reward
 * ({@code Rewards.recordAction}); a cancellation deducts its points capped at the balance
 * ({@code Points.deductUpToBalance}, which reads the balance under the participant's row lock). Every call carries
 * an idempotency key made from the invoice number ({@code retail:<invoice>:award}, {@code :action},
 * {@code :cancel}).
 *
 * <p>The calls join a transaction the replay holds on a connection of its own
 * ({@code TenantScope.joining(JdbcHostTransaction.of(connection))}) and commit every {@code batch} invoices, with
 * the invoices' rows in the replay's table: one durable commit per batch instead of one per call, and a crash loses
 * at most the batch in progress, which the next run applies again. Each invoice runs behind a savepoint, so an
 * invoice the engine refuses (a data error) leaves nothing behind and is counted by error code; a storage failure
 * stops the run (a rerun resumes after the last commit).
 *
 * <p>Events go to the engine's outbox in the same transactions; the replay's engine dispatches none (manual
 * dispatch), so the history's events wait there for the host's own engine and listeners.
 *
 * <p>Not thread-safe: one replay runs on one thread.
 */
final class RetailReplay {
  /** The engine's limit on one award or deduction (its default). */
  static final long MAX_POINTS = io.loyaltyengine.EngineLimits.DEFAULTS.maxPointsPerOperation();

  private final ReplayOptions options;

  /** A replay with these options. */
  RetailReplay(ReplayOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /**
   * Reads the log, applies it and returns the summary; with {@code --export}, writes the per-customer CSV.
   *
   * @throws ExportException if the export cannot be written (checked before the database is opened, and
   *     possibly failing again at the end)
   * @throws IOException if the log cannot be read
   * @throws SQLException if the replay's own connection fails
   * @throws LoyaltyException VALIDATION_ERROR on {@code header} for a log without the needed columns;
   *     STORAGE_UNAVAILABLE if the database fails, on {@value #OPENING} if it cannot be opened
   */
  ReplaySummary run(ProgressBar bar) throws IOException, SQLException {
    LogSource source = LogSource.of(options.log());
    if (options.export() != null) {
      checkExport(options.export(), options.log());
    }
    long readStart = System.nanoTime();
    bar.start("reading");
    OrderLog log;
    try (var text = source.open()) {
      long size = Math.max(1, source.size());
      log = OrderLog.read(text, rows -> bar.update(rows, (double) source.bytesRead() / size));
    }
    bar.finish(log.rows());
    long readNanos = System.nanoTime() - readStart;

    Instant firstTime = log.invoices().stream().filter(i -> i.time() != null).findFirst()
        .map(Invoice::instant).orElse(Instant.now());
    ReplayClock clock = new ReplayClock(firstTime);
    JdbcStorage.Builder storage = JdbcStorage.builder().url(options.url()).maximumPoolSize(4);
    if (options.user() != null) {
      storage.credentials(options.user(), options.password() == null ? "" : options.password());
    }
    try (LoyaltyEngine engine = open(storage, clock); Connection connection = connect()) {
      connection.setAutoCommit(false);
      ReplayTables tables = new ReplayTables(connection);
      tables.create();
      connection.commit();
      ReplayTables.Program program = tables.program().orElse(null);
      if (program == null) {
        program = setUp(engine, connection, tables);
      }
      TenantScope shop = engine.forTenant(program.tenantId());
      Customers customers = Customers.load(shop, program.campaignId());

      long applyStart = System.nanoTime();
      Tally tally = apply(log, program, shop.joining(JdbcHostTransaction.of(connection)), connection, tables,
          customers, clock, bar);
      long applyNanos = System.nanoTime() - applyStart;
      // The boards of every month of the log are read "now": at the log's last time, applied or not.
      log.invoices().stream().map(Invoice::time).filter(Objects::nonNull).max(Comparator.naturalOrder())
          .ifPresent(last -> clock.set(last.atZone(Invoice.UK).toInstant()));

      CampaignTotals totals = shop.rewards().totals(program.campaignId());
      ReplaySummary summary = new ReplaySummary(options.log().getFileName().toString(), source.gzipped(),
          options.target(), log.rows(), log.malformedRows(), log.invoices().size(), tally, log.customers(),
          totals.participants(), totals.loyaltyActions(), allTimeTop(shop, program, customers),
          monthlyTop(shop, program, customers, log), readNanos, applyNanos, options.batch());
      if (options.export() != null) {
        try {
          export(shop, program, customers, options.export());
        } catch (IOException e) {
          throw new ExportException(options.export(), true, e);
        }
      }
      return summary;
    }
  }

  /** The field of the STORAGE_UNAVAILABLE {@link #run} throws when the database cannot be opened. */
  static final String OPENING = "database";

  /**
   * Builds the storage and the engine; a database that cannot be opened (unreachable, no driver for the URL, a
   * schema this engine does not know) is a STORAGE_UNAVAILABLE on {@value #OPENING}, with the storage's message,
   * which masks a password in the URL.
   */
  private static LoyaltyEngine open(JdbcStorage.Builder storage, ReplayClock clock) {
    try {
      return engine(storage.build(), clock);
    } catch (StorageException | IllegalStateException e) {
      throw new LoyaltyException(ErrorCode.STORAGE_UNAVAILABLE, OPENING, e.getMessage(), e);
    }
  }

  /**
   * Checks that the export can be written before anything changes: it is not the order log (which it would
   * replace), its directory exists or can be made, and the file can be opened for writing (for appending, so an
   * earlier export stays until the new one replaces it; a file made for the check is deleted again).
   */
  static void checkExport(Path file, Path log) throws ExportException {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (Files.isDirectory(file)) {
        throw new FileSystemException(file.toString(), null, "Is a directory");
      }
      if (Files.exists(file) && Files.isSameFile(file, log)) {
        throw new FileSystemException(file.toString(), null, "Is the order log");
      }
      boolean existed = Files.exists(file);
      try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        // Only opened.
      }
      if (!existed) {
        Files.delete(file);
      }
    } catch (IOException e) {
      throw new ExportException(file, false, e);
    }
  }

  /**
   * The engine: on the replay's clock, with ids from the wall clock (see {@link WallClockIds}) and no event
   * dispatcher. Closes {@code storage} if it cannot be built.
   */
  private static LoyaltyEngine engine(JdbcStorage storage, ReplayClock clock) {
    try {
      return LoyaltyEngine.builder()
          .storage(storage)
          .clock(clock)
          .idGenerator(new WallClockIds())
          .events(EventSettings.builder().manualDispatch().build())
          .build();
    } catch (RuntimeException e) {
      storage.close();
      throw e;
    }
  }

  /** The replay's own connection, on the engine's database. */
  private Connection connect() throws SQLException {
    Properties properties = new Properties();
    if (options.user() != null) {
      properties.setProperty("user", options.user());
      properties.setProperty("password", options.password() == null ? "" : options.password());
    }
    if (options.url().startsWith("jdbc:postgresql:")) {
      // As the engine's own pool does: keeps row values out of the driver's error messages.
      properties.setProperty("logServerErrorDetail", "false");
    }
    return DriverManager.getConnection(options.url(), properties);
  }

  /**
   * Creates the tenant (in a transaction of its own: tenants are engine-wide), then the brand, campaign and reward
   * and the replay's record of them in one transaction. A crash in between leaves at most an empty tenant.
   */
  private static ReplayTables.Program setUp(LoyaltyEngine engine, Connection connection, ReplayTables tables)
      throws SQLException {
    Tenant tenant = engine.tenants().create(NewTenant.business("Online Retail (replay)"));
    TenantScope shop = engine.forTenant(tenant.id()).joining(JdbcHostTransaction.of(connection));
    Brand brand = shop.brands().create(new NewBrand("Online Retail", "https://online-retail.example"));
    Campaign campaign = shop.campaigns().create(NewCampaign.running(brand.id(), "Online Retail points")
        .withTimeZone(Invoice.UK));
    CampaignReward reward = shop.rewards().define(campaign.id(),
        NewCampaignReward.message("Ten orders", "Thank you for ten orders!", 10).unlimited());
    ReplayTables.Program program = new ReplayTables.Program(tenant.id(), campaign.id(), reward.id());
    tables.saveProgram(program);
    connection.commit();
    return program;
  }

  private Tally apply(OrderLog log, ReplayTables.Program program, TenantScope joined, Connection connection,
      ReplayTables tables, Customers customers, ReplayClock clock, ProgressBar bar) throws SQLException {
    Set<String> applied = tables.appliedInvoices();
    Tally total = new Tally();
    Tally batch = new Tally();
    Map<String, Long> batchCustomers = new HashMap<>();
    int inBatch = 0;
    long rowsDone = 0;
    double rows = Math.max(1, log.rows());
    bar.start("applying");
    for (Invoice invoice : log.invoices()) {
      rowsDone += invoice.lines();
      bar.update(rowsDone, rowsDone / rows);
      Invoice.SkipReason reason = invoice.skipReason(MAX_POINTS);
      if (reason != null) {
        batch.skipped.merge(reason, 1L, Long::sum);
        continue;
      }
      if (applied.contains(invoice.number())) {
        batch.alreadyApplied++;
        continue;
      }
      clock.set(invoice.instant());
      Savepoint savepoint = connection.setSavepoint();
      try {
        applyOne(invoice, program, joined, tables, customers, batchCustomers, batch);
        connection.releaseSavepoint(savepoint);
      } catch (LoyaltyException e) {
        connection.rollback(savepoint);
        if (e.code() == ErrorCode.STORAGE_UNAVAILABLE) {
          connection.rollback();
          throw e;
        }
        batch.refused.merge(e.code(), 1L, Long::sum);
      }
      if (++inBatch == options.batch()) {
        commit(connection, tables, customers, batchCustomers, total, batch);
        inBatch = 0;
      }
    }
    commit(connection, tables, customers, batchCustomers, total, batch);
    bar.finish(rowsDone);
    return total;
  }

  private static void commit(Connection connection, ReplayTables tables, Customers customers,
      Map<String, Long> batchCustomers, Tally total, Tally batch) throws SQLException {
    try {
      tables.flush();
      connection.commit();
    } catch (SQLException e) {
      tables.discard();
      connection.rollback();
      throw e;
    }
    batchCustomers.forEach(customers::put);
    batchCustomers.clear();
    total.absorb(batch);
  }

  /** Applies one invoice; throws LoyaltyException to have its savepoint rolled back. */
  private static void applyOne(Invoice invoice, ReplayTables.Program program, TenantScope joined,
      ReplayTables tables, Customers customers, Map<String, Long> batchCustomers, Tally tally) throws SQLException {
    String customerId = invoice.customerId();
    Long participantId = customers.participantOf(customerId);
    if (participantId == null) {
      participantId = batchCustomers.get(customerId);
    }
    boolean enrolled = false;
    if (participantId == null) {
      participantId = joined.participants().create(program.campaignId(), Customers.newParticipant(customerId)).id();
      enrolled = true;
    }
    ParticipantRef participant = ParticipantRef.id(participantId);
    // A purchase is at most MAX_POINTS (Invoice.skipReason); a cancellation may ask for more than a long holds.
    long points = invoice.points().min(BigDecimal.valueOf(Long.MAX_VALUE)).longValueExact();
    String key = "retail:" + invoice.number();
    String description = "Invoice " + invoice.number();
    if (invoice.kind() == Invoice.Kind.PURCHASE) {
      PointsResult award = joined.points().award(participant,
          PointsChange.of(points, "purchase").withDescription(description).withIdempotencyKey(key + ":award"));
      ActionResult action = joined.rewards().recordAction(LoyaltyAction.of(participant, program.rewardId())
          .withoutEnrolment().withIdempotencyKey(key + ":action"));
      tables.markApplied(invoice.number(), 'P', points);
      tally.purchases++;
      if (award.replayed() && action.replayed()) {
        tally.replayedByKey++;
      }
      if (!award.replayed()) {
        tally.pointsAwarded += points;
      }
      if (!action.replayed()) {
        tally.rewardsUnlocked += action.unlocked().size();
      }
    } else {
      // Capped at the balance; past the engine's per-operation limit in parts, until the balance is used up.
      long amount = 0;
      boolean replayed = false;
      for (int part = 1; amount < points; part++) {
        long asked = Math.min(points - amount, MAX_POINTS);
        PointsResult taken = joined.points().deductUpToBalance(participant, PointsChange.of(asked, "cancellation")
            .withDescription(description).withIdempotencyKey(key + ":cancel" + (part == 1 ? "" : ":" + part)));
        long got = taken.entry() == null ? 0 : taken.entry().amount();
        amount += got;
        replayed |= taken.replayed();
        if (got < asked) {
          break;
        }
      }
      tables.markApplied(invoice.number(), 'C', amount);
      tally.cancellations++;
      if (replayed) {
        tally.replayedByKey++;
      } else {
        tally.pointsDeducted += amount;
        // Exact: crafted values can ask for more than a long holds.
        tally.pointsAskedBack = tally.pointsAskedBack.add(invoice.points().toBigIntegerExact());
        if (amount < points) {
          tally.cancellationsCapped++;
        }
        if (amount == 0) {
          tally.cancellationsOnZero++;
        }
      }
    }
    if (enrolled) {
      batchCustomers.put(customerId, participantId);
      tally.newCustomers++;
    }
  }

  private static List<ReplaySummary.Ranked> allTimeTop(TenantScope shop, ReplayTables.Program program,
      Customers customers) {
    CursorPage<BoardEntry> page = shop.leaderboards().page(BoardRequest.of(program.campaignId(), BoardPeriod.ALL_TIME)
        .by(BoardMetric.POINTS).limit(10).read(Consistency.STRONG));
    return ranked(page.items(), customers);
  }

  private static Map<YearMonth, List<ReplaySummary.Ranked>> monthlyTop(TenantScope shop,
      ReplayTables.Program program, Customers customers, OrderLog log) {
    Map<YearMonth, List<ReplaySummary.Ranked>> months = new LinkedHashMap<>();
    // The months that hold an invoice, in order (the log's order is by time): not every month from the first to the
    // last, which a single mistyped year would make thousands.
    for (Invoice invoice : log.invoices()) {
      if (invoice.time() != null) {
        months.computeIfAbsent(YearMonth.from(invoice.time()), m -> ranked(shop.leaderboards()
            .monthPage(program.campaignId(), m, BoardMetric.POINTS, null, 3).items(), customers));
      }
    }
    return months;
  }

  /** The rows that scored (a board lists every participant, 0 without points). */
  private static List<ReplaySummary.Ranked> ranked(List<BoardEntry> entries, Customers customers) {
    List<ReplaySummary.Ranked> ranked = new ArrayList<>();
    for (BoardEntry e : entries) {
      if (e.score() > 0) {
        ranked.add(new ReplaySummary.Ranked(e.rank(), customers.customerOf(e.participantId()), e.score()));
      }
    }
    return ranked;
  }

  /**
   * Writes one CSV row per customer of the campaign, by customer id: balance, lifetime points, loyalty actions
   * toward the reward, rewards unlocked (the newest earned reward's cycle, as cycles of one reward count 1, 2, ...).
   */
  static void export(TenantScope shop, ReplayTables.Program program, Customers customers, Path file)
      throws IOException {
    List<Participant> participants = Customers.participants(shop, program.campaignId());
    // Numeric order of the ids (digits without leading zeros): shorter first, then as text.
    participants.sort(Comparator.comparing((Participant p) -> Customers.customerIdOf(p).length())
        .thenComparing(Customers::customerIdOf));
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      out.write("customer_id,balance,lifetime_points,loyalty_actions,rewards_unlocked\n");
      for (Participant p : participants) {
        ParticipantRef ref = ParticipantRef.id(p.id());
        long actions = shop.rewards().counts(ref, program.rewardId()).rewardAllTime();
        List<EarnedReward> newest = shop.rewards().earned(ref, Keyset.first(1)).items();
        int unlocked = newest.isEmpty() ? 0 : newest.get(0).cycle();
        out.write(Customers.customerIdOf(p) + "," + p.pointsBalance() + "," + p.lifetimePoints() + "," + actions
            + "," + unlocked + "\n");
      }
    }
  }
}
