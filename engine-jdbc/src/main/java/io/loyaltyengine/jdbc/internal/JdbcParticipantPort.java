package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.participant.ParticipantSearch;
import io.loyaltyengine.core.spi.LockedParticipant;
import io.loyaltyengine.core.spi.ParticipantPort;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.participant.Participant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.Update;

/**
 * Participants in table {@code participant}. The search text column holds
 * {@link ParticipantSearch#searchText(Participant)}, written with every insert and profile update, and is matched
 * with {@code LIKE} on an escaped pattern, so a search is a plain substring test; a search with a letter that
 * decomposes is matched in its decomposed form too ({@link ParticipantSearch#decomposed}), the form rows written
 * before search texts were normalized to NFC hold for a name given decomposed, where the database can hold that
 * form ({@link Sql#matchesDecomposedSearch}: not in a LATIN1 PostgreSQL database, which refuses a text with a
 * combining accent). The risk columns are written by
 * insert and {@link #setRisk} only, never by a profile update.
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcParticipantPort extends JdbcPort implements ParticipantPort {
  JdbcParticipantPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public void insert(Participant p) {
    run("participant insert", UniqueKey.PARTICIPANT_EMAIL,
        () -> bindProfile(handle.createUpdate(sql.participantInsert()), p)
        .bind("campaignId", p.campaignId())
        .bind("pointsBalance", p.pointsBalance())
        .bind("lifetimePoints", p.lifetimePoints())
        .bind("createdAt", Rows.timestamp(p.createdAt()))
        .bind("updatedAt", Rows.timestamp(p.updatedAt()))
        .bind("riskLevel", JdbcRewardPort.name(p.riskLevel()))
        .bind("riskReason", p.riskReason())
        .execute());
  }

  @Override
  public Optional<Participant> find(long tenantId, long participantId) {
    return byId("participant find", Sql.PARTICIPANT_FIND, tenantId, participantId);
  }

  /** One query per {@value JdbcPort#IN_LIST_SIZE} ids. */
  @Override
  public List<Participant> findAll(long tenantId, Collection<Long> participantIds) {
    // Ascending ids across the slices too.
    return inSlices(new TreeSet<>(participantIds), ids -> run("participant find all",
        () -> handle.createQuery(Sql.PARTICIPANT_FIND_ALL)
            .bind("tenantId", tenantId)
            .bindList("ids", ids)
            .map(Rows.PARTICIPANT)
            .list()));
  }

  /** One query per {@value JdbcPort#IN_LIST_SIZE} ids. */
  @Override
  public List<LockedParticipant> lockAll(long tenantId, Collection<Long> participantIds) {
    // Ascending ids across the slices too, so the whole set is locked in one order.
    return inSlices(new TreeSet<>(participantIds), ids -> run("participant lock all",
        () -> handle.createQuery(Sql.PARTICIPANT_LOCK_ALL)
            .bind("tenantId", tenantId)
            .bindList("ids", ids)
            .map(Rows.LOCKED_PARTICIPANT)
            .list()));
  }

  @Override
  public Optional<Participant> findByEmail(long tenantId, long campaignId, String sanitizedEmail) {
    return run("participant find by email", () -> handle.createQuery(Sql.PARTICIPANT_FIND_BY_EMAIL)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("emailSanitized", sanitizedEmail)
        .map(Rows.PARTICIPANT)
        .findOne());
  }

  /** One query per {@value JdbcPort#IN_LIST_SIZE} emails. */
  @Override
  public List<Participant> findAllByEmail(long tenantId, long campaignId, Collection<String> sanitizedEmails) {
    return inSlices(new TreeSet<>(sanitizedEmails), emails -> run("participant find all by email",
        () -> handle.createQuery(Sql.PARTICIPANT_FIND_ALL_BY_EMAIL)
            .bind("tenantId", tenantId)
            .bind("campaignId", campaignId)
            .bindList("emails", emails)
            .map(Rows.PARTICIPANT)
            .list()));
  }

  @Override
  public Optional<Participant> lock(long tenantId, long participantId) {
    return byId("participant lock", Sql.PARTICIPANT_LOCK, tenantId, participantId);
  }

  /**
   * A locking read that passes a row another transaction holds by ({@code SKIP LOCKED}), then, when it found none, a
   * plain read to tell a held row from a missing one (a row deleted meanwhile by its holder reads as missing).
   */
  @Override
  public LockAttempt tryLock(long tenantId, long participantId) {
    return run("participant try lock", () -> {
      if (exists(Sql.PARTICIPANT_TRY_LOCK, tenantId, participantId)) {
        return LockAttempt.LOCKED;
      }
      return exists(Sql.PARTICIPANT_EXISTS, tenantId, participantId) ? LockAttempt.HELD_ELSEWHERE : LockAttempt.ABSENT;
    });
  }

  private boolean exists(String statement, long tenantId, long participantId) {
    return handle.createQuery(statement)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .mapTo(Long.class)
        .findOne()
        .isPresent();
  }

  private Optional<Participant> byId(String operation, String statement, long tenantId, long participantId) {
    return run(operation, () -> handle.createQuery(statement)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .map(Rows.PARTICIPANT)
        .findOne());
  }

  @Override
  public void updateProfile(Participant p) {
    run("participant update", UniqueKey.PARTICIPANT_EMAIL,
        () -> bindProfile(handle.createUpdate(sql.participantUpdateProfile()), p)
            .bind("updatedAt", Rows.timestamp(p.updatedAt()))
            .execute());
  }

  /** Binds the key and the profile columns, which insert and profile update write alike. */
  private static Update bindProfile(Update update, Participant p) {
    return update
        .bind("tenantId", p.tenantId())
        .bind("participantId", p.id())
        .bind("email", p.email())
        .bind("emailSanitized", p.sanitizedEmail())
        .bind("firstName", p.firstName())
        .bind("lastName", p.lastName())
        .bind("ipAddress", p.ipAddress())
        .bind("tier", p.tier())
        .bind("metadata", MetadataJson.write(p.metadata()))
        .bind("searchText", ParticipantSearch.searchText(p));
  }

  @Override
  public boolean delete(long tenantId, long participantId) {
    int rows = run("participant delete", () -> handle.createUpdate(Sql.PARTICIPANT_DELETE)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .execute());
    return rows > 0;
  }

  @Override
  public boolean setRisk(long tenantId, long participantId, RiskLevel level, String reason) {
    int rows = run("participant set risk", () -> handle.createUpdate(Sql.PARTICIPANT_SET_RISK)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .bind("riskLevel", JdbcRewardPort.name(level))
        .bind("riskReason", reason)
        .execute());
    return rows > 0;
  }

  @Override
  public List<Participant> list(long tenantId, long campaignId, String search, String tier, Long afterId,
      int limit) {
    StringBuilder statement = new StringBuilder(Sql.PARTICIPANT_SELECT);
    appendFilter(statement, search, tier);
    if (afterId != null) {
      statement.append(Sql.PARTICIPANT_AND_AFTER);
    }
    statement.append(Sql.PARTICIPANT_ORDER_LIMIT);
    return run("participant list", () -> {
      var query = bindFilter(handle.createQuery(statement.toString()), tenantId, campaignId, search, tier)
          .bind("limit", limit);
      if (afterId != null) {
        query.bind("afterId", afterId.longValue());
      }
      return query.map(Rows.PARTICIPANT).list();
    });
  }

  @Override
  public List<Participant> page(long tenantId, long campaignId, String search, String tier, long offset,
      int limit) {
    StringBuilder statement = new StringBuilder(Sql.PARTICIPANT_SELECT);
    appendFilter(statement, search, tier);
    statement.append(Sql.PARTICIPANT_ORDER_LIMIT_OFFSET);
    return run("participant page", () -> bindFilter(handle.createQuery(statement.toString()), tenantId, campaignId,
        search, tier)
        .bind("limit", limit)
        .bind("offset", offset)
        .map(Rows.PARTICIPANT)
        .list());
  }

  @Override
  public long count(long tenantId, long campaignId, String search, String tier) {
    StringBuilder statement = new StringBuilder(Sql.PARTICIPANT_COUNT);
    appendFilter(statement, search, tier);
    return run("participant count", () -> bindFilter(handle.createQuery(statement.toString()), tenantId, campaignId,
        search, tier)
        .mapTo(Long.class)
        .one());
  }

  /** One query per {@value JdbcPort#IN_LIST_SIZE} campaigns. */
  @Override
  public long countInCampaigns(long tenantId, Collection<Long> campaignIds) {
    long total = 0;
    for (long count : inSlices(new TreeSet<>(campaignIds), ids -> run("participant count in campaigns",
        () -> handle.createQuery(Sql.PARTICIPANT_COUNT_IN_CAMPAIGNS)
            .bind("tenantId", tenantId)
            .bindList("campaignIds", ids)
            .mapTo(Long.class)
            .list()))) {
      total += count;
    }
    return total;
  }

  private void appendFilter(StringBuilder statement, String search, String tier) {
    statement.append(Sql.PARTICIPANT_WHERE_CAMPAIGN);
    if (search != null) {
      statement.append(decomposedPattern(search) == null
          ? Sql.PARTICIPANT_AND_SEARCH : Sql.PARTICIPANT_AND_SEARCH_EITHER_FORM);
    }
    if (tier != null) {
      statement.append(Sql.PARTICIPANT_AND_TIER);
    }
  }

  private <S extends SqlStatement<S>> S bindFilter(S statement, long tenantId, long campaignId,
      String search, String tier) {
    statement.bind("tenantId", tenantId).bind("campaignId", campaignId);
    if (search != null) {
      statement.bind("pattern", "%" + escapeLike(search) + "%");
      String decomposed = decomposedPattern(search);
      if (decomposed != null) {
        statement.bind("decomposedPattern", decomposed);
      }
    }
    if (tier != null) {
      statement.bind("tier", tier);
    }
    return statement;
  }

  /**
   * The pattern of the search's decomposed form, when it differs from the search and the database can hold it (see
   * {@link Sql#matchesDecomposedSearch}); else null, and only the search itself is matched.
   */
  private String decomposedPattern(String search) {
    if (!sql.matchesDecomposedSearch()) {
      return null;
    }
    String decomposed = ParticipantSearch.decomposed(search);
    return decomposed.equals(search) ? null : "%" + escapeLike(decomposed) + "%";
  }

  /** Escapes the LIKE wildcards and the escape character itself ({@code !}), so the text matches only itself. */
  static String escapeLike(String text) {
    StringBuilder escaped = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '!' || c == '%' || c == '_') {
        escaped.append('!');
      }
      escaped.append(c);
    }
    return escaped.toString();
  }
}
