package io.loyaltyengine.core.participant;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.NumberedPage;
import io.loyaltyengine.PageRequest;
import io.loyaltyengine.core.campaign.CampaignService;
import io.loyaltyengine.core.event.EventJson;
import io.loyaltyengine.core.event.Outbox;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantFilter;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.participant.ParticipantUpdate;
import io.loyaltyengine.participant.Participants;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Participants of one tenant. Input is validated before any unit of work starts; a profile update locks the
 * participant's row, so concurrent updates merge metadata one after the other instead of losing keys.
 *
 * <p>Thread-safe when its context is.
 */
public final class ParticipantService implements Participants {
  /** Longest first or last name. */
  public static final int MAX_NAME_LENGTH = 100;
  /** Longest tier name. */
  public static final int MAX_TIER_LENGTH = 64;
  /** Longest search text. */
  public static final int MAX_SEARCH_LENGTH = 100;

  private final ScopeContext context;

  /** Creates the service. */
  public ParticipantService(ScopeContext context) {
    this.context = context;
  }

  @Override
  public Participant create(long campaignId, NewParticipant request) {
    Enrolment e = validate(request, context.limits());
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return enrolIn(context, tx, campaignId, e);
    });
  }

  /**
   * Validates a request to enrol a participant, the one rule for every feature that enrols (participants,
   * referral signups).
   *
   * @throws LoyaltyException VALIDATION_ERROR naming {@code participant}, {@code email}, {@code firstName},
   *     {@code lastName}, {@code ipAddress}, {@code tier} or {@code metadata...}
   */
  public static Enrolment validate(NewParticipant request, io.loyaltyengine.EngineLimits limits) {
    TextRules.notNull("participant", request);
    EmailAddresses.Email email = EmailAddresses.parse("email", request.email());
    String firstName = TextRules.optional("firstName", request.firstName(), MAX_NAME_LENGTH);
    String lastName = TextRules.optional("lastName", request.lastName(), MAX_NAME_LENGTH);
    String ip = request.ipAddress() == null ? null : IpAddresses.validate("ipAddress", request.ipAddress());
    String tier = TextRules.optional("tier", request.tier(), MAX_TIER_LENGTH);
    Map<String, Object> metadata = MetadataRules.validate(request.metadata(), limits);
    return new Enrolment(email, firstName, lastName, ip, tier, metadata);
  }

  /**
   * A validated {@link NewParticipant}. Immutable; {@link #toString()} hides personal data.
   *
   * @param email the email and its sanitized form
   * @param firstName first name, or null
   * @param lastName last name, or null
   * @param ipAddress the IP address literal, or null
   * @param tier tier, or null
   * @param metadata validated metadata
   */
  public record Enrolment(EmailAddresses.Email email, String firstName, String lastName, String ipAddress,
      String tier, Map<String, Object> metadata) {
    @Override
    public String toString() {
      return "Enrolment[<personal data hidden>, tier=" + tier + "]";
    }
  }

  /** As {@link #enrolIn(ScopeContext, Transaction, long, EmailAddresses.Email, String, String, String, String, Map)}. */
  public static Participant enrolIn(ScopeContext context, Transaction tx, long campaignId, Enrolment e) {
    return enrolIn(context, tx, campaignId, e.email(), e.firstName(), e.lastName(), e.ipAddress(), e.tier(),
        e.metadata());
  }

  /**
   * Inserts a validated participant and writes its PARTICIPANT_CREATED event inside an open unit of work; for the
   * features that enrol as part of a larger change (a loyalty action by an unknown email). The campaign must be the
   * tenant's.
   *
   * @throws io.loyaltyengine.core.spi.UniqueViolationException with PARTICIPANT_EMAIL if the email is taken
   */
  public static Participant enrolIn(ScopeContext context, Transaction tx, long campaignId,
      EmailAddresses.Email email, String firstName, String lastName, String ipAddress, String tier,
      Map<String, Object> metadata) {
    var now = context.now();
    Participant participant = new Participant(context.ids().nextId(), context.tenantId(), campaignId, email.given(),
        email.sanitized(), firstName, lastName, ipAddress, tier, metadata, 0, 0, now, now, null, null);
    tx.participants().insert(participant);
    Outbox.emit(context, tx, EventType.PARTICIPANT_CREATED, campaignId, participant.id(),
        EventJson.participant(participant));
    return participant;
  }

  @Override
  public Participant get(ParticipantRef ref) {
    Lookup lookup = Lookup.of(ref);
    return context.transactions().runRead(tx -> lookup.find(tx, context.tenantId()));
  }

  @Override
  public Participant update(ParticipantRef ref, ParticipantUpdate update) {
    Lookup lookup = Lookup.of(ref);
    TextRules.notNull("update", update);
    EmailAddresses.Email email = update.email() == null ? null : EmailAddresses.parse("email", update.email());
    String firstName = TextRules.clearable("firstName", update.firstName(), MAX_NAME_LENGTH);
    String lastName = TextRules.clearable("lastName", update.lastName(), MAX_NAME_LENGTH);
    String ip = update.ipAddress() == null || update.ipAddress().isEmpty()
        ? update.ipAddress() : IpAddresses.validate("ipAddress", update.ipAddress());
    String tier = TextRules.clearable("tier", update.tier(), MAX_TIER_LENGTH);
    if (update.metadata() != null) {
      // Validate the patch on its own first, so a bad patch fails before any unit of work. Its keys mapped to a value
      // all stay after the merge, so more of them than the limit fails the merge too.
      MetadataRules.merge(Map.of(), update.metadata(), context.limits());
    }
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      long id = lookup.find(tx, tenantId).id();
      Participant current = tx.participants().lock(tenantId, id)
          .orElseThrow(() -> LoyaltyException.notFound("participant"));
      Map<String, Object> metadata = update.metadata() == null
          ? current.metadata()
          : MetadataRules.merge(current.metadata(), update.metadata(), context.limits());
      Participant changed = new Participant(current.id(), tenantId, current.campaignId(),
          email == null ? current.email() : email.given(),
          email == null ? current.sanitizedEmail() : email.sanitized(),
          apply(current.firstName(), firstName), apply(current.lastName(), lastName),
          apply(current.ipAddress(), ip), apply(current.tier(), tier), metadata,
          current.pointsBalance(), current.lifetimePoints(), current.createdAt(), context.now(), current.riskLevel(),
          current.riskReason());
      if (sameProfile(current, changed)) {
        return current; // nothing changed: nothing written, no event, updatedAt kept
      }
      tx.participants().updateProfile(changed);
      Outbox.emit(context, tx, EventType.PARTICIPANT_UPDATED, changed.campaignId(), changed.id(),
          EventJson.participant(changed));
      return changed;
    });
  }

  /** Whether two states of a participant have the same profile: every field an update can change. */
  private static boolean sameProfile(Participant a, Participant b) {
    return Objects.equals(a.email(), b.email()) && Objects.equals(a.sanitizedEmail(), b.sanitizedEmail())
        && Objects.equals(a.firstName(), b.firstName()) && Objects.equals(a.lastName(), b.lastName())
        && Objects.equals(a.ipAddress(), b.ipAddress()) && Objects.equals(a.tier(), b.tier())
        && a.metadata().equals(b.metadata());
  }

  @Override
  public void delete(ParticipantRef ref) {
    Resolver resolver = resolver(ref);
    long tenantId = context.tenantId();
    context.transactions().run(tx -> {
      // Read under the row lock: a change committed after an unlocked read (an update, an award) would be missing
      // from the participant.deleted payload, which is the participant as deleted.
      Participant gone = resolver.lock(tx, tenantId);
      long id = gone.id();
      // Numbered before the row goes: the deletion is the participant's last event.
      Outbox.emit(context, tx, EventType.PARTICIPANT_DELETED, gone.campaignId(), id, EventJson.participant(gone));
      tx.ledger().deleteAll(tenantId, id);
      tx.actions().deleteAll(tenantId, id);
      tx.earnedRewards().deleteAll(tenantId, id);
      tx.referrals().deleteAll(tenantId, id);
      tx.testimonials().deleteAll(tenantId, id);
      tx.quests().deleteAll(tenantId, id);
      tx.feedback().deleteAll(tenantId, id);
      tx.customerMappings().deleteAll(tenantId, id);
      // Other engine instances learn from this row that the participant left the campaign's boards.
      tx.leaderboards().recordRemoval(tenantId, gone.campaignId(), id, context.now());
      if (!tx.participants().delete(tenantId, id)) {
        throw LoyaltyException.notFound("participant");
      }
      return null;
    });
  }

  @Override
  public CursorPage<Participant> list(long campaignId, ParticipantFilter filter, Keyset page) {
    TextRules.notNull("page", page);
    Filter f = Filter.of(filter);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return CursorPage.fromRows(tx.participants().list(tenantId, campaignId, f.search, f.tier, page.afterId(),
          page.limit() + 1), page.limit(), Participant::id);
    });
  }

  @Override
  public NumberedPage<Participant> page(long campaignId, ParticipantFilter filter, PageRequest page) {
    TextRules.notNull("page", page);
    Filter f = Filter.of(filter);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      long total = tx.participants().count(tenantId, campaignId, f.search, f.tier);
      List<Participant> items = tx.participants().page(tenantId, campaignId, f.search, f.tier, page.offset(),
          page.limit());
      return NumberedPage.of(items, page, total);
    });
  }

  /** Applies an update of an optional text: null keeps, empty clears. */
  private static String apply(String current, String change) {
    if (change == null) {
      return current;
    }
    return change.isEmpty() ? null : change;
  }

  /** A validated filter. */
  private record Filter(String search, String tier) {
    static Filter of(ParticipantFilter filter) {
      if (filter == null) {
        return new Filter(null, null);
      }
      // TextRules' blank, not String's: a search of no-break spaces, or of characters drawn as nothing (which
      // required() refuses as blank), is no search either, not a VALIDATION_ERROR; and for the same reason no-break
      // spaces around a search are stripped as spaces are (String.strip keeps them), so a search pasted with one
      // still finds what it shows.
      String search = filter.search() == null || TextRules.drawsNothing(filter.search())
          ? null : TextRules.required("search", TextRules.stripSpaces(filter.search()), MAX_SEARCH_LENGTH);
      // A blank tier is no tier filter, as a blank search is no search (no participant has a blank tier).
      String tier = filter.tier() == null || TextRules.drawsNothing(filter.tier())
          ? null : TextRules.required("tier", filter.tier(), MAX_TIER_LENGTH);
      return new Filter(search == null ? null : ParticipantSearch.normalize(search), tier);
    }
  }

  /**
   * A validated participant reference, resolved inside a unit of work. Package-visible for the other services of
   * the tenant (points) through {@link #resolve}.
   */
  record Lookup(Long id, long campaignId, String sanitizedEmail) {
    static Lookup of(ParticipantRef ref) {
      TextRules.notNull("participant", ref);
      if (ref instanceof ParticipantRef.ById byId) {
        return new Lookup(byId.participantId(), 0, null);
      }
      ParticipantRef.ByEmail byEmail = (ParticipantRef.ByEmail) ref;
      return new Lookup(null, byEmail.campaignId(), EmailAddresses.sanitized("email", byEmail.email()));
    }

    Participant find(Transaction tx, long tenantId) {
      if (id != null) {
        return tx.participants().find(tenantId, id).orElseThrow(() -> LoyaltyException.notFound("participant"));
      }
      CampaignService.require(tx, tenantId, campaignId);
      return tx.participants().findByEmail(tenantId, campaignId, sanitizedEmail)
          .orElseThrow(() -> LoyaltyException.notFound("participant"));
    }
  }

  /**
   * Validates a reference before a unit of work and returns a function that resolves it to a participant inside
   * one; for the services that act on participants (points, and later rewards and referrals).
   *
   * @throws LoyaltyException VALIDATION_ERROR when the reference is null or its email invalid
   */
  public static Resolver resolver(ParticipantRef ref) {
    Lookup lookup = Lookup.of(ref);
    if (lookup.id() == null) {
      return new ByEmail(lookup);
    }
    long id = lookup.id();
    return new Resolver() {
      @Override
      public Participant resolve(Transaction tx, long tenantId) {
        return lookup.find(tx, tenantId);
      }

      @Override
      public long resolveId(Transaction tx, long tenantId) {
        return id;
      }
    };
  }

  /** The resolver of a reference by email, which {@link #resolveIds} reads with the others of its campaign. */
  private record ByEmail(Lookup lookup) implements Resolver {
    @Override
    public Participant resolve(Transaction tx, long tenantId) {
      return lookup.find(tx, tenantId);
    }
  }

  /**
   * Resolves the ids of {@code resolvers} as {@link Resolver#resolveId} on each would, in as many queries for many
   * as for few: those named by id are not read; those named by email are read in one query per campaign they name
   * (of at most 500 emails each), after a read of that campaign, whose absence refuses them with NOT_FOUND on
   * {@code campaign}; an unknown email is refused with NOT_FOUND on {@code participant}.
   *
   * @param ids filled with the participants' ids by position; left as it was where refused
   * @param refused filled with why the participant at each position could not be resolved; null where it was
   */
  public static void resolveIds(Transaction tx, long tenantId, List<Resolver> resolvers, long[] ids,
      LoyaltyException[] refused) {
    Map<Long, Set<String>> emailsByCampaign = new TreeMap<>();
    for (Resolver resolver : resolvers) {
      if (resolver instanceof ByEmail byEmail) {
        emailsByCampaign.computeIfAbsent(byEmail.lookup().campaignId(), c -> new TreeSet<>())
            .add(byEmail.lookup().sanitizedEmail());
      }
    }
    // By campaign, then by sanitized email; no entry for a campaign that does not exist.
    Map<Long, Map<String, Long>> found = new HashMap<>();
    emailsByCampaign.forEach((campaignId, emails) -> {
      if (tx.campaigns().find(tenantId, campaignId).isPresent()) {
        Map<String, Long> byEmail = new HashMap<>();
        for (Participant p : tx.participants().findAllByEmail(tenantId, campaignId, emails)) {
          byEmail.put(p.sanitizedEmail(), p.id());
        }
        found.put(campaignId, byEmail);
      }
    });
    for (int i = 0; i < resolvers.size(); i++) {
      Resolver resolver = resolvers.get(i);
      if (resolver instanceof ByEmail byEmail) {
        Map<String, Long> inCampaign = found.get(byEmail.lookup().campaignId());
        Long id = inCampaign == null ? null : inCampaign.get(byEmail.lookup().sanitizedEmail());
        if (id == null) {
          refused[i] = LoyaltyException.notFound(inCampaign == null ? "campaign" : "participant");
        } else {
          ids[i] = id;
        }
      } else {
        try {
          ids[i] = resolver.resolveId(tx, tenantId);
        } catch (LoyaltyException e) {
          refused[i] = e;
        }
      }
    }
  }

  /**
   * Locks the participant who owns a row the caller is about to change (an earned reward, a testimonial, an idea),
   * before that row: the order the participant's deletion takes its locks in, and the lock the change's event needs
   * for its number anyway (docs/ARCHITECTURE.md, "Lock order").
   *
   * @throws LoyaltyException NOT_FOUND on {@code what}, the row's name, if the participant is gone: its deletion took
   *     the row with it
   */
  public static Participant lockOwner(Transaction tx, long tenantId, long participantId, String what) {
    return tx.participants().lock(tenantId, participantId).orElseThrow(() -> LoyaltyException.notFound(what));
  }

  /**
   * Resolves a validated participant reference inside a unit of work.
   *
   * <p>Thread-safe: the resolvers {@link ParticipantService#resolver} makes are immutable.
   */
  @FunctionalInterface
  public interface Resolver {
    /**
     * Finds the participant.
     *
     * @throws LoyaltyException NOT_FOUND
     */
    Participant resolve(Transaction tx, long tenantId);

    /**
     * The participant's id, without reading the participant when the reference is an id: for an operation whose
     * own conditional update finds a missing participant (and then reports NOT_FOUND), one query fewer.
     *
     * @throws LoyaltyException NOT_FOUND, for a reference by email only
     */
    default long resolveId(Transaction tx, long tenantId) {
      return resolve(tx, tenantId).id();
    }

    /**
     * Finds the participant under its row lock, for a change that must run wholly before or after the participant's
     * other changes and its deletion.
     *
     * @throws LoyaltyException NOT_FOUND
     */
    default Participant lock(Transaction tx, long tenantId) {
      return tx.participants().lock(tenantId, resolveId(tx, tenantId))
          .orElseThrow(() -> LoyaltyException.notFound("participant"));
    }

    /**
     * Adds the participant's id to {@code ids}, as {@link #resolveId} finds it; adds nothing for an unknown email,
     * which the operation refuses when it runs. For a unit of work's
     * {@link io.loyaltyengine.core.internal.LocksParticipants#participants}.
     */
    default void addIdIfFound(Transaction tx, long tenantId, Set<Long> ids) {
      try {
        ids.add(resolveId(tx, tenantId));
      } catch (LoyaltyException e) {
        // Refused when the operation runs.
      }
    }
  }
}
