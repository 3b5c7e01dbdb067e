package io.loyaltyengine.examples;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.IssuedApiKey;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.jdbc.JdbcStorage;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.quests.NewQuest;
import io.loyaltyengine.quests.NewQuestTask;
import io.loyaltyengine.quests.Quest;
import io.loyaltyengine.quests.TaskCompletion;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.testimonials.NewTestimonial;
import io.loyaltyengine.testimonials.Testimonial;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * A small shop that embeds the engine: it creates a points campaign, enrols customers, awards a point per whole
 * pound of each order (with the order id as idempotency key, so a retried checkout never pays twice), lets a
 * customer spend points, and prints balances and history; then a quest, a catalog reward that runs out and is
 * restocked, a testimonial and an API key.
 *
 * <p>Run with {@code ./mvnw -q -pl engine-examples -am package exec:java -DskipTests}. The database is an H2 file
 * under {@code target/demo-shop} (pass another directory as the first argument); each run starts afresh.
 *
 * <p>Not thread-safe; a program, run once per process.
 */
public final class ShopDemo {
  private ShopDemo() {
  }

  /** A checkout of the shop: who bought, the order id, and its value in pounds. */
  record Order(String customerEmail, String orderId, BigDecimal value) {
  }

  /**
   * Runs the demo.
   *
   * @param args optionally, the directory for the H2 database
   */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/demo-shop");
    Files.createDirectories(dir);
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.deleteIfExists(p);
      }
    }
    run(dir.resolve("loyalty"), System.out);
  }

  static void run(Path database, PrintStream out) {
    try (LoyaltyEngine engine = LoyaltyEngine.builder().storage(JdbcStorage.h2File(database)).build()) {
      Tenant tenant = engine.tenants().create(NewTenant.business("Corner Tea Shop"));
      TenantScope shop = engine.forTenant(tenant.id());
      Brand brand = shop.brands().create(new NewBrand("Corner Tea", "https://Shop.CornerTea.example/welcome"));
      Campaign campaign = shop.campaigns().create(NewCampaign.running(brand.id(), "Tea Points")
          .withTimeZone(ZoneId.of("Europe/London")));
      out.printf("Tenant %s, brand %s (%s), campaign %s%n", tenant.name(), brand.name(), brand.domain(),
          campaign.name());

      List<NewParticipant> customers = List.of(
          NewParticipant.withEmail("ada.lovelace@gmail.com").withName("Ada", "Lovelace").withTier("gold"),
          NewParticipant.withEmail("alan@example.org").withName("Alan", "Turing")
              .withMetadata(Map.of("newsletter", true, "favouriteTea", "Assam")),
          NewParticipant.withEmail("grace@example.net").withName("Grace", "Hopper").withIpAddress("203.0.113.7"));
      for (NewParticipant c : customers) {
        shop.participants().create(campaign.id(), c);
      }

      List<Order> orders = List.of(
          new Order("ada.lovelace@gmail.com", "order-1001", new BigDecimal("42.50")),
          new Order("alan@example.org", "order-1002", new BigDecimal("18.99")),
          new Order("AdaLovelace+tea@googlemail.com", "order-1003", new BigDecimal("7.20")),
          new Order("grace@example.net", "order-1004", new BigDecimal("120.00")),
          new Order("alan@example.org", "order-1002", new BigDecimal("18.99")));
      for (Order order : orders) {
        long points = order.value().setScale(0, RoundingMode.FLOOR).longValueExact();
        PointsResult r = shop.points().award(ParticipantRef.email(campaign.id(), order.customerEmail()),
            PointsChange.of(points, "purchase").withDescription("Order " + order.orderId())
                .withIdempotencyKey(order.orderId()));
        out.printf("  %-10s +%3d points -> balance %3d%s%n", order.orderId(), points, r.balance(),
            r.replayed() ? "  (retry: already counted)" : "");
      }

      ParticipantRef grace = ParticipantRef.email(campaign.id(), "grace@example.net");
      shop.points().deduct(grace, PointsChange.of(100, "redemption").withDescription("Free tea tin"));
      try {
        shop.points().deduct(ParticipantRef.email(campaign.id(), "alan@example.org"),
            PointsChange.of(500, "redemption"));
      } catch (LoyaltyException e) {
        out.printf("  Alan cannot spend 500 points: %s (HTTP %d)%n", e.code(), e.httpStatus());
      }

      out.println();
      out.println("Balances");
      CursorPage<Participant> page = shop.participants().list(campaign.id(), null, Keyset.first(100));
      for (Participant p : page.items()) {
        out.printf("  %-8s %-8s %-26s tier=%-5s balance=%4d lifetime=%4d%n", p.firstName(), p.lastName(),
            p.sanitizedEmail(), p.tier() == null ? "-" : p.tier(), p.pointsBalance(), p.lifetimePoints());
      }

      out.println();
      out.println("History of Grace Hopper, newest first");
      for (LedgerEntry e : shop.points().history(grace, Keyset.first(10)).items()) {
        out.printf("  %+5d %-10s %-16s balance %4d%n", e.signedAmount(), e.type(),
            e.description() == null ? "" : e.description(), e.balanceAfter());
      }

      out.println();
      out.println("A quest, the catalog, a testimonial and an API key");
      ParticipantRef ada = ParticipantRef.email(campaign.id(), "ada.lovelace@gmail.com");
      Quest tour = shop.quests().create(new NewQuest(campaign.id(), "Tea tour", null,
          List.of(new NewQuestTask("Try a green tea", 10), new NewQuestTask("Try a black tea", 10)), 25));
      shop.quests().completeTask(ada, tour.id(), 1);
      TaskCompletion last = shop.quests().completeTask(ada, tour.id(), 2);
      out.printf("  Ada finished the %s: +10 for the task, +%d bonus -> balance %d%n", tour.name(),
          last.bonus().entry().amount(), last.bonus().balance());
      CatalogReward tin = shop.catalog().create(NewCatalogReward.of(campaign.id(), "Tea tin", 30,
          RewardType.CUSTOM_MESSAGE).withStock(1));
      Redemption first = shop.catalog().redeem(ada, tin.id(), "tin-1");
      out.printf("  Ada redeemed a %s for %d points -> balance %d, %d left%n", tin.name(), first.pointsSpent(),
          first.balance(), shop.catalog().get(tin.id()).stock());
      try {
        shop.catalog().redeem(ada, tin.id(), "tin-2");
      } catch (LoyaltyException e) {
        out.printf("  Another one: %s (HTTP %d)%n", e.code(), e.httpStatus());
      }
      out.printf("  Restocked: %d left%n", shop.catalog().adjustStock(tin.id(), 5).stock());
      Redemption second = shop.catalog().redeem(ada, tin.id(), "tin-2");
      out.printf("  Ada redeemed another -> balance %d, %d left%n", second.balance(),
          shop.catalog().get(tin.id()).stock());
      Testimonial praise = shop.testimonials().submit(ada, NewTestimonial.of("The Assam is superb").withRating(5));
      out.printf("  Ada's testimonial, moderated: %s%n", shop.testimonials().approve(praise.id()).status());
      IssuedApiKey till = shop.apiKeys().issue(NewApiKey.of("till", ApiScope.READ));
      out.printf("  The till's key authenticates as tenant %d%n",
          engine.access().authenticate(till.secret(), ApiScope.READ).tenantId());
      try {
        engine.access().authenticate(till.secret(), ApiScope.WRITE);
      } catch (LoyaltyException e) {
        out.printf("  The till's read-only key cannot write: %s (HTTP %d)%n", e.code(), e.httpStatus());
      }
    }
  }
}
