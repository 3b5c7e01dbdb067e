package io.loyaltyengine.core.leaderboard;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.core.campaign.CampaignService;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.participant.ParticipantService;
import io.loyaltyengine.core.rewards.Goals;
import io.loyaltyengine.core.spi.BoardScore;
import io.loyaltyengine.core.spi.LeaderboardPort;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import io.loyaltyengine.leaderboard.Leaderboards;
import io.loyaltyengine.leaderboard.MonthWinners;
import io.loyaltyengine.leaderboard.Standing;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The leaderboards of one tenant.
 *
 * <h2>Reads</h2>
 * INDEX reads come from the engine's {@link LeaderboardIndexes} (see there for building, months, this engine's own
 * writes and the staleness bound). A fresh index answers a page, a {@link #rank} and a {@link #standing} by id
 * without touching storage: a participant's row is one lookup of its score and one count in its board
 * ({@link BoardIndex#entry}); a participant the index does not hold (created by another instance since the last
 * catch-up, or unknown) is read from storage. STRONG reads, {@link #monthPage} and {@link #winners} run one unit of
 * work over {@link LeaderboardPort}: a keyset page in board order, and ranks from two counts, {@code countAbove(s0)}
 * and {@code countAbove(s0 - 1)} for the first row's score {@code s0}: every member scoring between a later row's
 * score and {@code s0} comes before it in the same page, so the rest of the page's ranks follow from the page itself.
 * A STRONG rank is the participant's score and one count above it. The index reads committed storage: in a scope
 * joining a host's transaction, a campaign it does not find (the host's own, not committed yet) is read from storage
 * in the host's transaction, as STRONG, and nothing of it is indexed.
 *
 * <h2>Months</h2>
 * The current month is the month of now in the campaign's zone ({@link Goals#month}); last month's board counts
 * members created before the current month started. Any month that has started can be read; a month's winners are
 * recorded once it has ended and the catch-up margin ({@link LeaderboardSettings#catchUpMargin()}, 30 s by
 * default) has passed since (by this engine's clock), so that a change recorded in the month counts if its
 * transaction committed within that time of the end, as for the index's catch-up: the first call computes the ten
 * first rows scoring above 0 from storage and inserts them if absent, then every call returns what storage holds,
 * so concurrent first calls on several instances agree (instances given different margins record them from the
 * shortest).
 *
 * <h2>Validation</h2>
 * {@code limit} 2..100; a cursor must be a member of the board (VALIDATION_ERROR on {@code nextId}): an INDEX page
 * whose cursor the index does not hold (a participant another instance created since the last catch-up, listed by
 * that instance's page) is read from storage, which answers it or refuses the cursor; a null request,
 * period, metric, consistency or month is a VALIDATION_ERROR naming it; a campaign of another tenant is NOT_FOUND.
 *
 * <p>Thread-safe when its context is.
 */
public final class LeaderboardService implements Leaderboards {
  /** The smallest page. */
  public static final int MIN_LIMIT = 2;
  /** The largest page. */
  public static final int MAX_LIMIT = 100;
  /** How many winners a month records at most. */
  public static final int WINNERS = 10;

  private final ScopeContext context;
  private final LeaderboardIndexes indexes;

  /** Creates the service over the engine's indexes. */
  public LeaderboardService(ScopeContext context, LeaderboardIndexes indexes) {
    this.context = context;
    this.indexes = indexes;
  }

  @Override
  public CursorPage<BoardEntry> page(BoardRequest request) {
    TextRules.notNull("request", request);
    BoardPeriod period = TextRules.notNull("period", request.period());
    BoardMetric metric = TextRules.notNull("metric", request.metric());
    Consistency consistency = TextRules.notNull("consistency", request.consistency());
    int limit = limit(request.limit());
    long tenantId = context.tenantId();
    long campaignId = request.campaignId();
    LeaderboardIndexes.CampaignIndex index = consistency == Consistency.INDEX ? indexed(tenantId, campaignId) : null;
    if (index != null) {
      BoardIndex board = indexes.board(index, metric, monthOf(period, indexes.currentMonth(index)));
      List<BoardEntry> rows;
      try {
        rows = board.page(request.nextId(), limit + 1);
      } catch (IllegalArgumentException e) {
        // A cursor the index does not hold: not on the board, or created by another instance (or in a host's
        // transaction) since the last catch-up, whose previous page another instance's index or storage gave. As
        // for rank, storage tells which: it answers the page after it, or refuses the cursor.
        return storagePage(campaignId, period, metric, request.nextId(), limit);
      }
      return CursorPage.fromRows(rows, limit, BoardEntry::participantId);
    }
    return storagePage(campaignId, period, metric, request.nextId(), limit);
  }

  /** A page of a board of the current or the previous month, or of all time, read from storage. */
  private CursorPage<BoardEntry> storagePage(long campaignId, BoardPeriod period, BoardMetric metric, Long nextId,
      int limit) {
    return context.transactions().runRead(tx -> {
      Campaign campaign = CampaignService.require(tx, context.tenantId(), campaignId);
      int month = monthOf(period, Goals.month(context.now(), campaign.timeZone()));
      return strongPage(tx, campaignId, metric, month, endOf(month, campaign.timeZone()), nextId, limit);
    });
  }

  @Override
  public CursorPage<BoardEntry> monthPage(long campaignId, YearMonth month, BoardMetric metric, Long nextId,
      int limit) {
    int key = Months.key("month", month);
    TextRules.notNull("metric", metric);
    int checkedLimit = limit(limit);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      Campaign campaign = CampaignService.require(tx, tenantId, campaignId);
      if (key > Goals.month(context.now(), campaign.timeZone())) {
        throw LoyaltyException.validation("month", "the month has not started yet in the campaign's time zone");
      }
      return strongPage(tx, campaignId, metric, key, Months.end(key, campaign.timeZone()), nextId, checkedLimit);
    });
  }

  @Override
  public Standing standing(ParticipantRef participant, BoardMetric metric, Consistency consistency) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    TextRules.notNull("metric", metric);
    TextRules.notNull("consistency", consistency);
    long tenantId = context.tenantId();
    if (consistency == Consistency.INDEX) {
      Optional<LeaderboardIndexes.CampaignIndex> known = participant instanceof ParticipantRef.ById byId
          ? indexes.findByMember(tenantId, byId.participantId()) : Optional.empty();
      long campaignId;
      long participantId;
      if (known.isPresent()) {
        campaignId = known.get().campaignId;
        participantId = ((ParticipantRef.ById) participant).participantId();
      } else {
        Participant p = context.transactions().runRead(tx -> resolver.resolve(tx, tenantId));
        campaignId = p.campaignId();
        participantId = p.id();
      }
      LeaderboardIndexes.CampaignIndex index = indexed(tenantId, campaignId);
      Optional<Standing> indexed = index == null ? Optional.empty() : indexedStanding(index, participantId, metric);
      if (indexed.isPresent()) {
        return indexed.get();
      }
      // Not (yet) in this engine's index: created by another instance since the last catch-up. Ask storage.
    }
    return context.transactions().runRead(tx -> {
      Participant p = resolver.resolve(tx, tenantId);
      Campaign campaign = CampaignService.require(tx, tenantId, p.campaignId());
      ZoneId zone = campaign.timeZone();
      int current = Goals.month(context.now(), zone);
      int previous = Goals.previousMonth(current);
      LeaderboardPort port = tx.leaderboards();
      long score = scoreOf(port, p.id(), metric, 0);
      long rank = port.countAbove(tenantId, p.campaignId(), metric, 0, null, score) + 1;
      long monthScore = scoreOf(port, p.id(), metric, current);
      long monthlyRank = port.countAbove(tenantId, p.campaignId(), metric, current, Months.end(current, zone),
          monthScore) + 1;
      Instant previousEnd = Months.start(current, zone);
      if (!p.createdAt().isBefore(previousEnd)) {
        return new Standing(p.id(), metric, score, rank, monthScore, monthlyRank, 0, null);
      }
      long previousScore = scoreOf(port, p.id(), metric, previous);
      long previousRank = port.countAbove(tenantId, p.campaignId(), metric, previous, previousEnd, previousScore)
          + 1;
      return new Standing(p.id(), metric, score, rank, monthScore, monthlyRank, previousScore, previousRank);
    });
  }

  /**
   * The campaign's index, or null when this scope joins a host's transaction and the index, which reads committed
   * storage, does not know the campaign: it may be the host's, not committed yet, and the read is then answered from
   * storage in the host's transaction (which finds it, or throws NOT_FOUND). Nothing of it reaches the index.
   *
   * @throws LoyaltyException NOT_FOUND if the campaign is not the tenant's (outside a host's transaction)
   */
  private LeaderboardIndexes.CampaignIndex indexed(long tenantId, long campaignId) {
    try {
      return indexes.campaign(tenantId, campaignId);
    } catch (LoyaltyException e) {
      if (e.code() == ErrorCode.NOT_FOUND && context.transactions().joinHost()) {
        return null;
      }
      throw e;
    }
  }

  /** A standing from the index: one lookup per board; empty if the index does not hold the participant. */
  private Optional<Standing> indexedStanding(LeaderboardIndexes.CampaignIndex index, long participantId,
      BoardMetric metric) {
    int current = indexes.currentMonth(index);
    BoardEntry all = indexes.board(index, metric, 0).entry(participantId);
    BoardEntry month = indexes.board(index, metric, current).entry(participantId);
    if (all == null || month == null) {
      return Optional.empty();
    }
    BoardEntry previous = indexes.board(index, metric, Goals.previousMonth(current)).entry(participantId);
    return Optional.of(new Standing(participantId, metric, all.score(), all.rank(), month.score(), month.rank(),
        previous == null ? 0 : previous.score(), previous == null ? null : previous.rank()));
  }

  @Override
  public Optional<BoardEntry> rank(long campaignId, long participantId, BoardPeriod period, BoardMetric metric,
      Consistency consistency) {
    TextRules.notNull("period", period);
    TextRules.notNull("metric", metric);
    TextRules.notNull("consistency", consistency);
    long tenantId = context.tenantId();
    LeaderboardIndexes.CampaignIndex index = consistency == Consistency.INDEX ? indexed(tenantId, campaignId) : null;
    if (index != null) {
      int month = monthOf(period, indexes.currentMonth(index));
      BoardEntry entry = indexes.board(index, metric, month).entry(participantId);
      if (entry != null) {
        return Optional.of(entry);
      }
      // Off the board only if the roster holds it with a creation at or after the month's end. Not "the roster
      // holds it": another thread (a creation applied, a catch-up, a scan) may have added it since the board was
      // asked, and it is on the board then. A creation time never changes, so this one look decides.
      long created = index.roster.createdAtMicros(participantId);
      if (month != 0 && created != Long.MIN_VALUE && created >= Months.micros(Months.end(month, index.zone))) {
        return Optional.empty(); // a member of the campaign, created after the board's month ended
      }
      // Not (yet) in this engine's index: created by another instance since the last catch-up, or not the
      // campaign's participant. Ask storage.
    }
    return context.transactions().runRead(tx -> {
      Campaign campaign = CampaignService.require(tx, tenantId, campaignId);
      Participant p = tx.participants().find(tenantId, participantId)
          .filter(found -> found.campaignId() == campaignId)
          .orElseThrow(() -> LoyaltyException.notFound("participant"));
      ZoneId zone = campaign.timeZone();
      int month = monthOf(period, Goals.month(context.now(), zone));
      Instant end = endOf(month, zone);
      if (end != null && !p.createdAt().isBefore(end)) {
        return Optional.empty();
      }
      LeaderboardPort port = tx.leaderboards();
      long score = scoreOf(port, participantId, metric, month);
      long above = port.countAbove(tenantId, campaignId, metric, month, end, score);
      return Optional.of(new BoardEntry(participantId, score, above + 1));
    });
  }

  @Override
  public MonthWinners winners(long campaignId, YearMonth month, BoardMetric metric) {
    int key = Months.key("month", month);
    TextRules.notNull("metric", metric);
    long tenantId = context.tenantId();
    Optional<MonthWinners> recorded = context.transactions().run(tx -> {
      Campaign campaign = CampaignService.require(tx, tenantId, campaignId);
      // The catch-up margin, within which a write recorded in the month may still commit.
      Duration settle = indexes.margin();
      if (context.now().isBefore(Months.end(key, campaign.timeZone()).plus(settle))) {
        String after = settle.toMillis() % 1_000 == 0 ? settle.toSeconds() + " s" : settle.toMillis() + " ms";
        throw LoyaltyException.validation("month", "a month's winners are recorded from " + after
            + " after it ends in the campaign's time zone");
      }
      LeaderboardPort port = tx.leaderboards();
      Optional<MonthWinners> found = port.findWinners(tenantId, campaignId, metric, key);
      if (found.isPresent()) {
        return found;
      }
      List<BoardScore> top = port.page(tenantId, campaignId, metric, key, Months.end(key, campaign.timeZone()),
          null, null, WINNERS);
      List<BoardEntry> winners = new ArrayList<>();
      for (BoardScore row : top) {
        if (row.score() <= 0) {
          break;
        }
        // The page starts at the top, so a row's rank is 1 + the rows above it with a higher score.
        long rank = winners.isEmpty() || winners.get(winners.size() - 1).score() != row.score()
            ? winners.size() + 1 : winners.get(winners.size() - 1).rank();
        winners.add(new BoardEntry(row.participantId(), row.score(), rank));
      }
      port.insertWinners(tenantId, new MonthWinners(campaignId, metric, month, winners, context.now()));
      return Optional.empty();
    });
    if (recorded.isPresent()) {
      return recorded.get();
    }
    // Read back what storage holds: this call's winners, or those of an instance that recorded them first.
    return context.transactions().run(tx -> tx.leaderboards().findWinners(tenantId, campaignId, metric, key))
        .orElseThrow(() -> new LoyaltyException(ErrorCode.STORAGE_UNAVAILABLE, null,
            "the month's winners were recorded but could not be read back; try again"));
  }

  /** A page of a board read from storage, with exact ranks (see the class description). */
  private CursorPage<BoardEntry> strongPage(Transaction tx, long campaignId, BoardMetric metric, int month,
      Instant createdBefore, Long nextId, int limit) {
    long tenantId = context.tenantId();
    LeaderboardPort port = tx.leaderboards();
    Long afterScore = null;
    if (nextId != null) {
      Participant after = tx.participants().find(tenantId, nextId)
          .filter(p -> p.campaignId() == campaignId && (createdBefore == null || p.createdAt().isBefore(createdBefore)))
          .orElseThrow(LeaderboardService::notOnTheBoard);
      afterScore = scoreOf(port, after.id(), metric, month);
    }
    List<BoardScore> rows = port.page(tenantId, campaignId, metric, month, createdBefore, afterScore, nextId,
        limit + 1);
    List<BoardEntry> entries = new ArrayList<>(rows.size());
    if (!rows.isEmpty()) {
      long top = rows.get(0).score();
      long above = port.countAbove(tenantId, campaignId, metric, month, createdBefore, top);
      long atLeast = -1; // members scoring top or more; read when a lower score shows up
      long lowerSeen = 0;
      for (BoardScore row : rows) {
        long rank;
        if (row.score() == top) {
          rank = above + 1;
        } else {
          BoardEntry last = entries.get(entries.size() - 1);
          if (last.score() == row.score()) {
            rank = last.rank();
          } else {
            if (atLeast < 0) {
              atLeast = port.countAbove(tenantId, campaignId, metric, month, createdBefore, top - 1);
            }
            rank = atLeast + lowerSeen + 1;
          }
          lowerSeen++;
        }
        entries.add(new BoardEntry(row.participantId(), row.score(), rank));
      }
    }
    return CursorPage.fromRows(entries, limit, BoardEntry::participantId);
  }

  private long scoreOf(LeaderboardPort port, long participantId, BoardMetric metric, int month) {
    return port.score(context.tenantId(), participantId, metric, month).map(BoardScore::score).orElse(0L);
  }

  private static int monthOf(BoardPeriod period, int current) {
    return switch (period) {
      case ALL_TIME -> 0;
      case CURRENT_MONTH -> current;
      case PREV_MONTH -> Goals.previousMonth(current);
    };
  }

  /** Where a board's membership ends: never for all time, else when the month ends. */
  private static Instant endOf(int month, ZoneId zone) {
    return month == 0 ? null : Months.end(month, zone);
  }

  private static int limit(int limit) {
    if (limit < MIN_LIMIT || limit > MAX_LIMIT) {
      throw LoyaltyException.validation("limit", "limit must be between " + MIN_LIMIT + " and " + MAX_LIMIT);
    }
    return limit;
  }

  private static LoyaltyException notOnTheBoard() {
    return LoyaltyException.validation("nextId", "the cursor is not a participant on this board");
  }

  @Override
  public String toString() {
    return "Leaderboards[tenantId=" + context.tenantId() + "]";
  }
}
